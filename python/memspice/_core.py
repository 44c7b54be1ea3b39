"""Circuits, results and gradients (src/memspice.h) and networks
(src/memspice_train.h) over ctypes."""
import ctypes as C
from collections.abc import MutableMapping

import numpy as np

from . import _cards, _sweeps
from ._lib import lib, MsError, MsResult, MsTranSpec, MsGrad
from ._measures import Measures, evaluate as _measure

_DP = C.POINTER(C.c_double)


class Error(Exception):
    """A memspice error: .code (MS_ERR_*), .message (the C message, with file:line)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class FileError(Error):          # MS_ERR_IO
    pass


class NetlistSyntaxError(Error):  # MS_ERR_SYNTAX
    pass


class SemanticError(Error):      # MS_ERR_SEMANTIC
    pass


class UnsupportedError(Error):   # MS_ERR_UNSUPPORTED
    pass


class SingularError(Error):      # MS_ERR_SINGULAR
    pass


class ConvergenceError(Error):   # MS_ERR_NONCONV, MS_ERR_TIMESTEP
    pass


class ArgumentError(Error, ValueError):   # MS_ERR_ARG; also a ValueError, as Python's own bad arguments
    pass


class EvaluationError(Error):    # MS_ERR_EVAL
    pass


_CLASSES = {-1: FileError, -2: NetlistSyntaxError, -3: SemanticError, -4: UnsupportedError,
            -5: SingularError, -6: ConvergenceError, -7: ConvergenceError, -8: MemoryError,
            -9: ArgumentError, -10: EvaluationError}


def _check(rc, err):
    if rc == 0:
        return
    msg = err.msg.decode("utf-8", "replace") or lib.ms_strerror(rc).decode()
    cls = _CLASSES.get(rc, Error)
    if cls is MemoryError:
        raise MemoryError(msg)
    raise cls(rc, msg)


def _dptr(a):
    return a.ctypes.data_as(_DP) if a is not None else None


def _darray(x, shape=None):
    a = np.ascontiguousarray(x, dtype=np.float64)
    if shape is not None:
        a = a.reshape(shape)
    return a


class Result:
    """Waveforms of a run: r["v(out)"] (numpy), .names, .data (npts, nvec) and
    the scale (.scale, named .scale_name): .time for a transient, .sweep for a
    DC sweep (the inner source's values; .sweeps and .grid() for a nested
    one), .frequency for an AC analysis, whose vectors are complex.  None of
    these for an operating point.  .measures: the netlist's .meas of this
    analysis (memspice.Measures)."""

    def __init__(self, res, measures=None, sweeps=None):
        n, m = res.npts, res.nvec
        self.names = [res.names[j].decode() for j in range(m)]
        self.title = (res.title or b"").decode()
        self.plotname = (res.plotname or b"").decode()
        self.data = np.ctypeslib.as_array(res.data, shape=(n * m,)).reshape(n, m).copy() if n * m else \
            np.zeros((n, m))
        if res.imag and n * m:   # AC: imaginary parts beside data, same layout
            self.data = self.data + 1j * np.ctypeslib.as_array(res.imag, shape=(n * m,)).reshape(n, m)
        self.scale = np.ctypeslib.as_array(res.time, shape=(n,)).copy() if res.time and n else None
        self.scale_name = None if self.scale is None else (res.scale.decode() if res.scale else "time")
        self.time = self.scale if self.scale_name == "time" else None
        self.frequency = self.scale if self.scale_name == "frequency" else None
        self.sweep = self.scale if self.plotname == "DC transfer characteristic" else None
        # [(source, values), ...] inner first, for a DC sweep
        self.sweeps = [(src, _sweeps.sweep_values(*lim)) for src, *lim in sweeps] if sweeps else None
        self.measures = measures if measures is not None else Measures()
        self.stats = dict(steps_accepted=res.steps_accepted, steps_rejected=res.steps_rejected,
                          newton_iters=res.newton_iters, factorizations=res.factorizations)
        self._index = {name.lower(): j for j, name in enumerate(self.names)}

    @property
    def is_complex(self):
        return np.iscomplexobj(self.data)

    def _scale_key(self, key):
        if self.scale is None:
            return False
        # a DC sweep's scale also by ngspice's plot name without v()/i(): "v-sweep"
        return key == self.scale_name or (self.sweep is not None and f"{key[0]}({key})" == self.scale_name)

    def __getitem__(self, name):
        key = name.lower().replace(" ", "")
        if key not in self._index and self._scale_key(key):
            return self.scale
        if key not in self._index:
            raise KeyError(f"{name}: not in this result (has {', '.join(self.names)})")
        return self.data[:, self._index[key]]

    def __contains__(self, name):
        key = name.lower().replace(" ", "")
        return key in self._index or self._scale_key(key)

    def keys(self):
        return list(self.names)

    def grid(self, name):
        """A DC sweep's vector (or its scale) as a (len(outer), len(inner))
        array for a nested sweep: row k is the inner sweep at the outer
        source's k-th value (self.sweeps[1][1][k]); 1-D for a single sweep."""
        if self.sweeps is None:
            raise ValueError(f"grid(): {self.plotname or 'this result'} is not a DC sweep")
        v = self[name]
        if len(self.sweeps) == 1:
            return v
        return v.reshape(len(self.sweeps[1][1]), len(self.sweeps[0][1]))

    def __repr__(self):
        return f"<memspice.Result {self.plotname!r}: {len(self.names)} vectors x {self.data.shape[0]} points>"


class Grad:
    """Result of Circuit.grad(): .loss, .grad {name: dloss/dvalue}, .values {name: value}, .tran (Result)."""

    def __init__(self, g, measures=None):
        names = [g.names[k].decode() for k in range(g.nparams)]
        self.loss = g.loss
        self.grad = {n: g.grad[k] for k, n in enumerate(names)}
        self.values = {n: g.values[k] for k, n in enumerate(names)}
        self.tran = Result(g.tran, measures)

    def __repr__(self):
        return f"<memspice.Grad loss={self.loss:.6g}, {len(self.grad)} parameters>"


class Params(MutableMapping):
    """The trainable values (.trainable) of a circuit, by name; setting one
    changes the circuit (for a .param, everything computed from it follows)."""

    def __init__(self, owner, names, getter, setter):
        self._owner, self._names, self._get, self._set = owner, names, getter, setter
        self._index = {n.lower(): k for k, n in enumerate(names)}

    def _k(self, name):
        try:
            return self._index[name.lower()]
        except KeyError:
            raise KeyError(f"{name}: not a trainable value ({', '.join(self._names)})") from None

    def __getitem__(self, name):
        return self._get(self._k(name))

    def __setitem__(self, name, value):
        self._set(self._k(name), float(value))

    def __delitem__(self, name):
        raise TypeError("trainable values cannot be removed")

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)

    def __repr__(self):
        return "{" + ", ".join(f"{n!r}: {self[n]:.6g}" for n in self._names) + "}"


class Circuit:
    """A netlist loaded once (parsed, elaborated, analysed).  Runs use one
    work (numeric state) of this object, so one Circuit runs one call at a
    time; make several Circuits for several Python threads."""

    def __init__(self, path=None, *, _text=None, _name=None):
        err = MsError()
        h = C.c_void_p()
        if _text is not None:
            rc = lib.ms_circuit_load_string(_text.encode(), (_name or "<string>").encode(), C.byref(h),
                                            C.byref(err))
        else:
            rc = lib.ms_circuit_load(str(path).encode(), C.byref(h), C.byref(err))
        _check(rc, err)
        self._c = h
        self.path = path if _text is None else (_name or "<string>")
        w = C.c_void_p()
        rc = lib.ms_work_new(self._c, C.byref(w), C.byref(err))
        if rc:
            lib.ms_circuit_free(C.byref(self._c))
            _check(rc, err)
        self._w = w
        n = lib.ms_circuit_num_params(self._c)
        names = [lib.ms_circuit_param_name(self._c, k).decode() for k in range(n)]
        self.params = Params(self, names, lambda k: lib.ms_circuit_get_param(self._c, k), self._set_param)

    @classmethod
    def from_string(cls, text, name="<string>"):
        return cls(_text=text, _name=name)

    def node_names(self):
        """The circuit's node names (ground excluded), in netlist order."""
        names, k = [], 1
        while True:
            n = lib.ms_circuit_node_name(self._c, k)
            if n is None:
                return names
            if n:
                names.append(n.decode())
            k += 1

    @property
    def train_cards(self):
        """Which training cards the netlist has: a set of ".input", ".readout", ".trainable"."""
        bits = lib.ms_circuit_train_cards(self._c)
        return {c for c, b in ((".input", 1), (".readout", 2), (".trainable", 4)) if bits & b}

    def _set_param(self, k, value):
        err = MsError()
        _check(lib.ms_circuit_set_param(self._c, k, value, C.byref(err)), err)

    def close(self):
        if getattr(self, "_w", None):
            lib.ms_work_free(C.byref(self._w))
            self._w = None
        if getattr(self, "_c", None):
            lib.ms_circuit_free(C.byref(self._c))
            self._c = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _sources(self, sources):
        lib.ms_work_clear_sources(self._w)
        err = MsError()
        for name, val in (sources or {}).items():
            if isinstance(val, tuple) and len(val) in (2, 3):
                t, v = val[-2], val[-1]
                if len(val) == 3 and str(val[0]).lower() != "pwl":
                    raise ValueError(f"source {name}: ('pwl', t, v) or a number")
                t, v = _darray(t).ravel(), _darray(v).ravel()
                if t.shape != v.shape:
                    raise ValueError(f"source {name}: t and v differ in length")
                rc = lib.ms_work_set_source_pwl(self._w, name.strip().lower().encode(), len(t), _dptr(t), _dptr(v), C.byref(err))
            else:
                rc = lib.ms_work_set_source_dc(self._w, name.strip().lower().encode(), float(val), C.byref(err))
            _check(rc, err)

    @staticmethod
    def _spec(tstep, tstop, fixed_step, uic):
        return MsTranSpec(tstep or 0.0, tstop or 0.0, 0.0, 0.0, 1 if uic else 0, 1 if fixed_step else 0)

    def _result(self, rc, err, res, analysis=None, sweeps=None):
        """res as a Result (with the measures of analysis), freed whatever happens."""
        try:
            _check(rc, err)
            return Result(res, _measure(self._c, analysis, res, _check) if analysis else None, sweeps)
        finally:
            lib.ms_result_free(C.byref(res))

    def _arg_error(self, why):
        return ArgumentError(-9, f"{self.path}: {why}")

    def tran(self, tstep=None, tstop=None, *, fixed_step=False, uic=False, sources=None):
        """Transient (the netlist's .tran unless tstep/tstop given).  sources:
        {name: dc_value or ("pwl", t, v)} for this call only."""
        self._sources(sources)
        res, err = MsResult(), MsError()
        spec = self._spec(tstep, tstop, fixed_step, uic)
        rc = lib.ms_run_tran(self._w, C.byref(spec), C.byref(res), C.byref(err))
        return self._result(rc, err, res, "tran")

    def op(self, *, sources=None):
        self._sources(sources)
        res, err = MsResult(), MsError()
        rc = lib.ms_run_op(self._w, C.byref(res), C.byref(err))
        return self._result(rc, err, res)

    def dc(self, *sweeps, sources=None, **by_name):
        """DC sweep: the netlist's .dc, or the sweeps given, as on the card
        (the first is the inner one): dc("v1", 0, 1.5, 0.01), dc("v1", 0, 5,
        0.1, "i2", 0, 2e-3, 5e-4), dc(("v1", 0, 1, 0.1)) or dc(v1=slice(0, 1,
        0.1)) (STOP included when on the grid).  The Result's scale
        (.sweep, named "v(v-sweep)"/"i(i-sweep)") is the inner source's values,
        repeated per outer value; .sweeps and .grid(name) give the nested
        layout.  sources: other sources' values for this call only."""
        try:
            given = _sweeps.dc_sweeps(sweeps, by_name)
        except ValueError as e:
            raise self._arg_error(e) from None
        if given is None:
            given = _sweeps.netlist_dc(self._c)
            if given is None:
                raise self._arg_error("no .dc card and no DC sweep given")
        spec = _sweeps.dc_spec(given)
        self._sources(sources)
        res, err = MsResult(), MsError()
        rc = lib.ms_run_dc(self._w, C.byref(spec), C.byref(res), C.byref(err))
        return self._result(rc, err, res, "dc", given)

    def ac(self, sweep=None, points=None, fstart=None, fstop=None, *, sources=None, phasors=None):
        """Small-signal AC, as `.ac sweep points fstart fstop` (sweep "dec",
        "oct" or "lin"); what is not given comes from the netlist's .ac card.
        The Result's vectors are complex, its scale .frequency.  sources: DC
        values (the bias) for this call only; phasors: {name: mag or (mag,
        phase in degrees)} in place of the netlist's `AC mag phase`, for this
        call only (a source without AC in the netlist gets one)."""
        try:
            spec = _sweeps.ac_spec(_sweeps.netlist_ac(self._c), sweep, points, fstart, fstop)
        except ValueError as e:
            raise self._arg_error(e) from None
        self._sources(sources)
        err = MsError()
        for name, val in (phasors or {}).items():
            try:
                mag, phase = (val, 0.0) if np.isscalar(val) else val
                mag, phase = float(mag), float(phase)
            except (TypeError, ValueError):
                raise self._arg_error(f"phasors['{name}']: a magnitude or (magnitude, phase in degrees), "
                                      f"not {val!r}") from None
            _check(lib.ms_work_set_source_ac(self._w, name.strip().lower().encode(), mag, phase, C.byref(err)), err)
        res, err = MsResult(), MsError()
        rc = lib.ms_run_ac(self._w, C.byref(spec), C.byref(res), C.byref(err))
        return self._result(rc, err, res, "ac")

    def measures(self, analysis="tran", **kwargs):
        """Run `analysis` ("tran", "dc" or "ac"; keyword arguments as for that
        method) and return its .meas results: a Measures dict name -> value,
        NaN for a failed one (.failed gives the reason)."""
        if analysis not in ("tran", "dc", "ac"):
            raise self._arg_error(f"measures: analysis {analysis!r} is not one of tran, dc, ac")
        return getattr(self, analysis)(**kwargs).measures

    @property
    def analyses(self):
        """The analyses the netlist asks for: a subset of {"op", "dc", "tran", "ac"}."""
        has = {"op": lib.ms_circuit_has_op(self._c), "dc": lib.ms_circuit_has_dc(self._c, None),
               "tran": lib.ms_circuit_has_tran(self._c, None), "ac": lib.ms_circuit_has_ac(self._c, None)}
        return {a for a, yes in has.items() if yes}

    @property
    def dc_card(self):
        """The .dc card as [(source, start, stop, incr), ...] (inner first), or None."""
        return _sweeps.netlist_dc(self._c)

    @property
    def ac_card(self):
        """The .ac card as (sweep, points, fstart, fstop), or None."""
        return _sweeps.netlist_ac(self._c)

    def grad(self, tstep=None, tstop=None, *, fixed_step=False, uic=False, sources=None, checkpoint=0):
        """The .loss and its gradient w.r.t. the .trainable values (exact adjoint): a Grad."""
        self._sources(sources)
        lib.ms_work_set_checkpoint(self._w, int(checkpoint))
        g, err = MsGrad(), MsError()
        spec = self._spec(tstep, tstop, fixed_step, uic)
        rc = lib.ms_run_grad(self._w, C.byref(spec), C.byref(g), C.byref(err))
        try:
            _check(rc, err)
            return Grad(g, _measure(self._c, "tran", g.tran, _check))
        finally:
            lib.ms_grad_free(C.byref(g))

    def __repr__(self):
        return f"<memspice.Circuit {self.path!r}>"


ENGINES = {"auto": 0, "batched": 1, "per-sample": 2}


def _with_cards(path, text, **cards):
    """The netlist text with the training cards the arguments ask for (see
    _cards), and the line numbers of those cards."""
    c = Circuit.from_string(text, path)
    try:
        have = lib.ms_circuit_train_cards(c._c)
        why = _cards.conflicts(have, cards.get("inputs"), cards.get("readout"))
        if why:
            raise ArgumentError(-9, f"{path}: {why}")
        names = c.node_names() if cards.get("readout") is not None else ()
        try:
            lines = _cards.build_cards(node_names=names, **cards)
        except LookupError as e:
            raise SemanticError(-3, f"{path}: {e.args[0]}") from None
    finally:
        c.close()
    return _cards.insert_cards(text, lines)


def _note_cards(e, path, text, lines):
    """An error located on a card made from the arguments: say so, with the card."""
    for ln in lines:
        if f"{path}:{ln}:" in e.message:
            card = text.split("\n")[ln - 1]
            return type(e)(e.code, f"{e.message} (in `{card}`, made from the arguments)")
    return e


class Network:
    """A network netlist (.input, .readout, .trainable, .tran) as a batch
    function: forward(x) -> scores, backward(x, dscores) -> (dparams, dx).
    float64 throughout.  One call at a time per Network (the C calls release
    the GIL and run the batch on the library's threads).

    For a netlist without training cards, the keyword arguments supply them:
    inputs (source globs, one .input card per entry: "vin*", or with its own
    options "iin* scale=1e-6"), scale, encoding (for every entry that does
    not set them), readout (signals, class order; v(glob) expands to the
    matching nodes in natural order: v(o*) -> v(o0) .. v(o10)), reduce
    (mean|final|max|integral, default mean), gain, loss, trainable (globs,
    added to the file's).  A card kind in the file and in the arguments at
    once is an ArgumentError."""

    def __init__(self, path, engine="auto", threads=0, *, inputs=None, readout=None, reduce=None, scale=None,
                 encoding=None, gain=None, loss=None, trainable=None, _text=None):
        cards = dict(inputs=inputs, readout=readout, reduce=reduce, scale=scale, encoding=encoding, gain=gain,
                     loss=loss, trainable=trainable)
        if engine not in ENGINES:
            raise ValueError(f"engine {engine!r}: one of {', '.join(ENGINES)}")
        self.path = str(path)
        self.text = None   # the netlist text, when not read from path as it is
        if all(v is None for v in cards.values()):
            cards = None
        self._t = h = self._open(_text, ENGINES[engine], cards)
        self.n_inputs = lib.ms_tnet_num_inputs(h)
        self.n_classes = lib.ms_tnet_num_classes(h)
        self.n_params = lib.ms_tnet_num_params(h)
        self.engine = "batched" if lib.ms_tnet_engine(h) == 1 else "per-sample"
        self.engine_reason = lib.ms_tnet_engine_reason(h).decode()
        self.param_names = [lib.ms_tnet_param_name(h, k).decode() for k in range(self.n_params)]
        self.input_names = [lib.ms_tnet_input_name(h, i).decode() for i in range(self.n_inputs)]
        self.lo = np.empty(self.n_params)
        self.hi = np.empty(self.n_params)
        lib.ms_tnet_bounds(h, _dptr(self.lo), _dptr(self.hi))
        self.scale = np.empty(self.n_params)   # .trainable scale=: the optimiser's unit
        lib.ms_tnet_scales(h, _dptr(self.scale))
        lib.ms_tnet_set_threads(h, int(threads))

    def _open(self, text, engine, cards):
        err, h, path = MsError(), C.c_void_p(), self.path
        if text is None and cards is None:
            _check(lib.ms_tnet_open(path.encode(), engine, C.byref(h), C.byref(err)), err)
            return h
        if text is None:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
            except OSError as e:
                raise FileError(-1, f"{path}: {e.strerror}") from None
        lines = []
        if cards is not None:
            text, lines = _with_cards(path, text, **cards)
        self.text = text
        rc = lib.ms_tnet_open_string(text.encode("utf-8", "surrogateescape"), path.encode(), engine, C.byref(h),
                                     C.byref(err))
        try:
            _check(rc, err)
        except Error as e:
            raise _note_cards(e, path, text, lines) from None
        return h

    @classmethod
    def from_string(cls, text, name="<string>", engine="auto", threads=0, **cards):
        """A network from its netlist text (name: for messages and relative .include/.lib paths)."""
        return cls(name, engine, threads, _text=text, **cards)

    def close(self):
        if getattr(self, "_t", None):
            lib.ms_tnet_free(C.byref(self._t))
            self._t = None

    def __del__(self):
        self.close()

    def get_params(self):
        v = np.empty(self.n_params)
        lib.ms_tnet_get_params(self._t, _dptr(v))
        return v

    def set_params(self, values):
        v = _darray(values, (self.n_params,))
        err = MsError()
        _check(lib.ms_tnet_set_params(self._t, _dptr(v), C.byref(err)), err)

    def set_threads(self, n):
        lib.ms_tnet_set_threads(self._t, int(n))

    def _x(self, x):
        x = _darray(x)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ValueError(f"x: shape {x.shape}, want (B, {self.n_inputs})")
        return x

    def forward(self, x, seed=1):
        x = self._x(x)
        s = np.empty((x.shape[0], self.n_classes))
        err = MsError()
        _check(lib.ms_tnet_forward(self._t, x.shape[0], _dptr(x), seed, _dptr(s), C.byref(err)), err)
        return s

    def backward(self, x, dscores, seed=1, want_dx=False):
        """(scores, dL/dparams summed over the batch, dL/dx or None)."""
        x = self._x(x)
        B = x.shape[0]
        ds = _darray(dscores, (B, self.n_classes))
        s = np.empty((B, self.n_classes))
        dp = np.empty(self.n_params)
        dx = np.empty_like(x) if want_dx else None
        err = MsError()
        _check(lib.ms_tnet_backward(self._t, B, _dptr(x), seed, _dptr(ds), _dptr(s), _dptr(dp), _dptr(dx),
                                    C.byref(err)), err)
        return s, dp, dx

    def loss(self, x, labels, seed=1, grad=True):
        """What `memspice train` computes (features as float32, the .readout's
        own loss): (scores, loss[B], dparams summed or None)."""
        x = self._x(x)
        B = x.shape[0]
        y = np.ascontiguousarray(labels, dtype=np.int32).reshape(B)
        s, l = np.empty((B, self.n_classes)), np.empty(B)
        dp = np.empty(self.n_params) if grad else None
        err = MsError()
        _check(lib.ms_tnet_loss(self._t, B, _dptr(x), seed, y.ctypes.data_as(C.POINTER(C.c_int)), _dptr(s),
                                _dptr(l), _dptr(dp), C.byref(err)), err)
        return s, l, dp

    def __repr__(self):
        return (f"<memspice.Network {self.path!r}: {self.n_inputs} inputs, {self.n_classes} classes, "
                f"{self.n_params} params, {self.engine}>")
