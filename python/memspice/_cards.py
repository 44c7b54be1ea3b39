"""Training cards from keyword arguments: Network(path, inputs=[...],
readout=[...], reduce=...) for a netlist without .input/.readout cards.

The cards are written as `memspice train` reads them and inserted before
the netlist's .end; the text is then loaded under the file's own name, so
relative .include/.lib paths and error locations stay the file's.  A card
kind given both in the file and as an argument is an error (which one was
meant is not ours to guess)."""
import re

CARD_INPUT, CARD_READOUT, CARD_TRAINABLE = 1, 2, 4
_END = re.compile(r"^[ \t]*\.end[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_V_GLOB = re.compile(r"^\s*v\(\s*([^,()\s]*[*?][^,()\s]*)\s*\)\s*$", re.IGNORECASE)


def _list(arg, what):
    if arg is None:
        return None
    items = [arg] if isinstance(arg, str) else list(arg)
    if not items or not all(isinstance(s, str) and s.strip() for s in items):
        raise ValueError(f"{what}: a string or a list of non-empty strings")
    return items


def _glob_regex(glob):
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob) + r"\Z",
                      re.IGNORECASE)


def _natural(name):
    """o2 before o10."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def expand_readout(signals, node_names):
    """v(glob) -> v(node) for every matching node, in natural order (o2 before o10); others as given."""
    out = []
    for sig in signals:
        m = _V_GLOB.match(sig)
        if not m:
            out.append(sig.strip())
            continue
        rx = _glob_regex(m.group(1))
        hits = sorted((n for n in node_names if rx.match(n)), key=_natural)
        if not hits:
            raise LookupError(f"readout '{sig}' matches no node")
        out += [f"v({n})" for n in hits]
    return out


def _opts(entry, **kw):
    """' key=value' for the options given (not None) that entry does not set itself."""
    low = entry.lower()
    return "".join(f" {k}={v}" for k, v in kw.items() if v is not None and not re.search(rf"\b{k}\s*=", low))


def build_cards(inputs=None, readout=None, reduce=None, scale=None, encoding=None, gain=None, loss=None,
                trainable=None, node_names=()):
    """The card lines: one .input per entry of inputs (its own options win
    over scale=/encoding=), one .readout (v(glob) expanded over node_names),
    one .trainable."""
    inputs, readout, trainable = _list(inputs, "inputs"), _list(readout, "readout"), _list(trainable, "trainable")
    if inputs is None and (scale is not None or encoding is not None):
        raise ValueError("scale= and encoding= go with inputs=")
    if readout is None and (reduce is not None or gain is not None or loss is not None):
        raise ValueError("reduce=, gain= and loss= go with readout=")
    cards = [f".input {e.strip()}{_opts(e, scale=scale, encoding=encoding)}" for e in inputs or ()]
    if readout is not None:
        sigs = expand_readout(readout, node_names)
        cards.append(f".readout {' '.join(sigs)} reduce={reduce or 'mean'}{_opts('', gain=gain, loss=loss)}")
    if trainable is not None:
        cards.append(".trainable " + " ".join(t.strip() for t in trainable))
    return cards


def conflicts(have, inputs, readout):
    """Why the arguments clash with the cards the netlist has, or None."""
    both = [card for card, bit, arg in ((".input", CARD_INPUT, inputs), (".readout", CARD_READOUT, readout))
            if arg is not None and have & bit]
    if not both:
        return None
    return (f"has {' and '.join(both)} card(s) and the same given as arguments "
            f"({', '.join(c[1:] + '=' for c in both)}): give them in one place only")


def insert_cards(text, cards):
    """text with the card lines before its .end (after the title line), or at
    its end; and the 1-based line numbers the cards have there."""
    lines = text.split("\n")
    at = len(lines)
    m = _END.search(text, len(lines[0]) + 1 if lines else 0)
    if m:
        at = text.count("\n", 0, m.start())
    elif lines and lines[-1] == "":
        at = len(lines) - 1
    new = lines[:at] + ["* cards from the arguments (memspice.Network)"] + cards + lines[at:]
    return "\n".join(new), list(range(at + 2, at + 2 + len(cards)))
