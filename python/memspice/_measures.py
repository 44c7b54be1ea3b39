"""The netlist's .meas cards evaluated on a result (ms_measure): a dict
name -> value, in netlist order, with NaN for a measure that failed and the
reason beside it (ngspice prints `name = failed`; a NaN keeps every value a
float, so arrays and arithmetic over the dict still work)."""
import ctypes as C
import math
from collections import namedtuple

from ._lib import lib, MsError, MsMeasure

Measure = namedtuple("Measure", "name value ok why kind analysis trig targ file line")
Measure.__doc__ = """One measure: value (NaN when not ok), why (the reason, '' when ok), kind
("trig/targ", "when", "find", "avg", "rms", "min", "max", "pp", "integ", "param"), trig/targ
(the two times of a trig/targ; the point of a min/max or when; NaN when none), and the card's
file and line."""


class Measures(dict):
    """name -> value (float; NaN for a failed measure).  .failed {name: reason},
    .details {name: Measure}."""

    def __init__(self, items=()):
        items = list(items)
        super().__init__((m.name, m.value) for m in items)
        self.details = {m.name: m for m in items}
        self.failed = {m.name: m.why for m in items if not m.ok}

    def __repr__(self):
        return "{" + ", ".join(f"{n!r}: " + (f"{v:.6g}" if self.details[n].ok else "failed")
                               for n, v in self.items()) + "}"


def _text(b):
    return b.decode("utf-8", "replace") if b else ""


def evaluate(circuit, analysis, res, check):
    """The measures of `analysis` ("tran", "dc", "ac") on the MsResult res
    (before it is freed); empty when the netlist has none."""
    total = lib.ms_circuit_num_measures(circuit)
    if total <= 0 or not res.time or res.npts < 1:
        return Measures()
    out, n, err = (MsMeasure * total)(), C.c_int(0), MsError()
    check(lib.ms_measure(circuit, analysis.encode(), C.byref(res), out, C.byref(n), C.byref(err)), err)
    items = []
    for m in out[:n.value]:
        items.append(Measure(_text(m.name), m.value if m.ok else math.nan, bool(m.ok), "" if m.ok else _text(m.why),
                             _text(m.kind), _text(m.analysis), m.trig, m.targ, _text(m.file), m.line))
    return Measures(items)
