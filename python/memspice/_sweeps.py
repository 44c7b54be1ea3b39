"""Sweep requests from Python arguments: .dc (MsDcSpec) and .ac (MsAcSpec).

The C library checks what the values mean (INCR's sign, a source that
exists, 0 < fstart <= fstop, point limits) and names the problem; here only
the shape of the arguments is checked here (ValueError, which the Circuit
raises as an ArgumentError naming the netlist, as the C library would)."""
import ctypes as C
import math
import numbers

import numpy as np

from ._lib import lib, MsAcSpec, MsDcSpec, MsDcSweep

AC_SWEEPS = ("dec", "oct", "lin")   # MS_AC_DEC, MS_AC_OCT, MS_AC_LIN


def _number(x, what):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{what}: a number, not {x!r}")
    return float(x)


def netlist_dc(circuit):
    """The .dc card as [(source, start, stop, incr), ...] (inner sweep first), or None."""
    spec = MsDcSpec()
    if not lib.ms_circuit_has_dc(circuit, C.byref(spec)):
        return None
    return [(s.source.decode(), s.start, s.stop, s.incr) for s in spec.sweep[:spec.nsweeps]]


def netlist_ac(circuit):
    """The .ac card as (sweep, points, fstart, fstop), or None."""
    spec = MsAcSpec()
    if not lib.ms_circuit_has_ac(circuit, C.byref(spec)):
        return None
    return (AC_SWEEPS[spec.sweep], spec.npoints, spec.fstart, spec.fstop)


def dc_sweeps(args, kwargs):
    """[(source, start, stop, incr), ...] from c.dc()'s arguments, in the
    card's order (the first one is the inner sweep):
    dc("v1", 0, 1, 0.1[, "i2", 0, 2e-3, 5e-4]), dc(("v1", 0, 1, 0.1), ...),
    dc(v1=slice(0, 1, 0.1)) or dc(v1=(0, 1, 0.1)).  None: no arguments."""
    sweeps, k = [], 0
    args = list(args)
    while k < len(args):
        a = args[k]
        if isinstance(a, str):
            if len(args) - k < 4:
                raise ValueError(f"dc: '{a}' needs start, stop and incr after it")
            item, k = args[k:k + 4], k + 4
        elif isinstance(a, (tuple, list)) and len(a) == 4 and isinstance(a[0], str):
            item, k = list(a), k + 1
        else:
            raise ValueError(f"dc: expected a source name or a (source, start, stop, incr) tuple, got {a!r}")
        sweeps.append(item)
    for name, r in kwargs.items():
        if isinstance(r, slice):
            if r.step is None:
                raise ValueError(f"dc: {name}=slice(start, stop, incr) needs its incr")
            r = (r.start, r.stop, r.step)
        if not isinstance(r, (tuple, list)) or len(r) != 3:
            raise ValueError(f"dc: {name}= takes slice(start, stop, incr) or (start, stop, incr), not {r!r}")
        sweeps.append([name, *r])
    if not sweeps:
        return None
    if len(sweeps) > 2:
        raise ValueError(f"dc: a DC sweep has 1 or 2 sources, not {len(sweeps)}")
    out = []
    for name, start, stop, incr in sweeps:
        what = f"dc sweep of '{name}'"
        out.append((name.strip().lower(), _number(start, what), _number(stop, what), _number(incr, what)))
    return out


def dc_spec(sweeps):
    """MsDcSpec of [(source, start, stop, incr), ...] (the names' bytes must outlive the call: kept in it)."""
    spec = MsDcSpec()
    spec.nsweeps = len(sweeps)
    spec._names = [s[0].encode() for s in sweeps]
    for i, (_, start, stop, incr) in enumerate(sweeps):
        spec.sweep[i].source = spec._names[i]
        spec.sweep[i].start, spec.sweep[i].stop, spec.sweep[i].incr = start, stop, incr
    return spec


def sweep_values(start, stop, incr):
    """The values one sweep takes, from ms_run_dc's own functions (src/solver/dc.c)."""
    s = MsDcSweep(None, start, stop, incr)
    vals = np.empty(int(lib.ms_dc_sweep_points(C.byref(s))), dtype=np.float64)
    lib.ms_dc_sweep_values(C.byref(s), len(vals), vals.ctypes.data_as(C.POINTER(C.c_double)))
    return vals


def ac_spec(card, sweep, points, fstart, fstop):
    """MsAcSpec: the arguments given, the rest from the netlist's .ac card
    (card: netlist_ac(), or None)."""
    given = dict(sweep=sweep, points=points, fstart=fstart, fstop=fstop)
    if card is None:
        missing = [k for k, v in given.items() if v is None]
        if missing:
            raise ValueError(f"no .ac card, and the AC request lacks {', '.join(missing)}"
                             if len(missing) < 4 else "no .ac card and no AC request")
        card = (None, None, None, None)
    sw = sweep if sweep is not None else card[0]
    if not isinstance(sw, str) or sw.strip().lower() not in AC_SWEEPS:
        raise ValueError(f"ac: sweep must be one of dec, oct, lin, not {sw!r}")
    n = points if points is not None else card[1]
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or n != int(n) or not math.isfinite(n):
        raise ValueError(f"ac: points must be a whole number, not {n!r}")
    f0 = _number(fstart if fstart is not None else card[2], "ac: fstart")
    f1 = _number(fstop if fstop is not None else card[3], "ac: fstop")
    n = min(int(n), 2 ** 62)   # beyond the limit anyway: the C library refuses it by name, no wrap-around
    return MsAcSpec(AC_SWEEPS.index(sw.strip().lower()), n, f0, f1)
