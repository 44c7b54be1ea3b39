"""ctypes bindings of libmemspice.so (src/memspice.h, src/memspice_train.h).

ctypes, not cffi or a C extension: it is in the standard library, so
`pip install -e python/` needs no compiler and no build step, the package
works with any libmemspice.so built by `make`, and ctypes.CDLL releases the
GIL for the duration of every foreign call (runs and batches proceed while
other Python threads run; batches use the C library's own threads).  NumPy
arrays are passed as pointers (no per-element Python loops).
"""
import ctypes as C
import os

MS_ERRMSG_MAX = 1024


class MsError(C.Structure):
    _fields_ = [("code", C.c_int), ("msg", C.c_char * MS_ERRMSG_MAX)]


class MsResult(C.Structure):
    _fields_ = [("title", C.c_char_p), ("plotname", C.c_char_p), ("nvec", C.c_int),
                ("names", C.POINTER(C.c_char_p)), ("kinds", C.POINTER(C.c_int)),
                ("npts", C.c_size_t), ("cap", C.c_size_t),
                ("time", C.POINTER(C.c_double)),
                ("scale", C.c_char_p), ("imag", C.POINTER(C.c_double)),
                ("data", C.POINTER(C.c_double)),
                ("faults", C.c_char_p),
                ("steps_accepted", C.c_long), ("steps_rejected", C.c_long),
                ("newton_iters", C.c_long), ("factorizations", C.c_long)]


class MsTranSpec(C.Structure):
    _fields_ = [("tstep", C.c_double), ("tstop", C.c_double), ("tstart", C.c_double),
                ("tmax", C.c_double), ("uic", C.c_int), ("fixed_step", C.c_int)]


class MsAcSpec(C.Structure):
    _fields_ = [("sweep", C.c_int), ("npoints", C.c_long), ("fstart", C.c_double), ("fstop", C.c_double)]


class MsDcSweep(C.Structure):
    _fields_ = [("source", C.c_char_p), ("start", C.c_double), ("stop", C.c_double), ("incr", C.c_double)]


class MsDcSpec(C.Structure):
    _fields_ = [("nsweeps", C.c_int), ("sweep", MsDcSweep * 2)]


class MsMeasure(C.Structure):
    _fields_ = [("name", C.c_char_p), ("analysis", C.c_char_p), ("kind", C.c_char_p), ("file", C.c_char_p),
                ("line", C.c_int), ("ok", C.c_int), ("value", C.c_double), ("trig", C.c_double),
                ("targ", C.c_double), ("scale", C.c_double), ("why", C.c_char * 256)]


class MsGrad(C.Structure):
    _fields_ = [("loss", C.c_double), ("nparams", C.c_int), ("names", C.POINTER(C.c_char_p)),
                ("values", C.POINTER(C.c_double)), ("grad", C.POINTER(C.c_double)),
                ("tran", MsResult), ("forward_seconds", C.c_double),
                ("backward_seconds", C.c_double), ("checkpoint", C.c_long),
                ("trajectory_bytes", C.c_size_t)]


def _find_library():
    env = os.environ.get("MEMSPICE_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.realpath(__file__))
    # python/memspice/ -> the repository's build/
    cand = os.path.join(here, "..", "..", "build", "libmemspice.so")
    if os.path.exists(cand):
        return os.path.normpath(cand)
    return "libmemspice.so"   # the loader's path (make install: /usr/local/lib)


def _load():
    path = _find_library()
    try:
        lib = C.CDLL(path)
    except OSError as e:
        raise ImportError(f"memspice: cannot load {path} ({e}); build it with `make` "
                          "or set MEMSPICE_LIB to the libmemspice.so to use") from None
    P, I, D, S = C.c_void_p, C.c_int, C.c_double, C.c_char_p
    E = C.POINTER(MsError)
    DP = C.POINTER(C.c_double)
    sig = {
        "ms_strerror": (S, [I]),
        "ms_circuit_load": (I, [S, C.POINTER(P), E]),
        "ms_circuit_load_string": (I, [S, S, C.POINTER(P), E]),
        "ms_circuit_free": (None, [C.POINTER(P)]),
        "ms_circuit_has_tran": (I, [P, C.POINTER(MsTranSpec)]),
        "ms_circuit_num_params": (I, [P]),
        "ms_circuit_param_name": (S, [P, I]),
        "ms_circuit_set_param": (I, [P, I, D, E]),
        "ms_circuit_get_param": (D, [P, I]),
        "ms_work_new": (I, [P, C.POINTER(P), E]),
        "ms_work_free": (None, [C.POINTER(P)]),
        "ms_work_set_source_dc": (I, [P, S, D, E]),
        "ms_work_set_source_pwl": (I, [P, S, I, DP, DP, E]),
        "ms_work_clear_sources": (None, [P]),
        "ms_work_set_source_ac": (I, [P, S, D, D, E]),
        "ms_work_set_checkpoint": (None, [P, C.c_long]),
        "ms_run_op": (I, [P, C.POINTER(MsResult), E]),
        "ms_run_tran": (I, [P, C.POINTER(MsTranSpec), C.POINTER(MsResult), E]),
        "ms_circuit_has_op": (I, [P]),
        "ms_circuit_has_ac": (I, [P, C.POINTER(MsAcSpec)]),
        "ms_circuit_has_dc": (I, [P, C.POINTER(MsDcSpec)]),
        "ms_run_ac": (I, [P, C.POINTER(MsAcSpec), C.POINTER(MsResult), E]),
        "ms_run_dc": (I, [P, C.POINTER(MsDcSpec), C.POINTER(MsResult), E]),
        "ms_dc_sweep_points": (D, [C.POINTER(MsDcSweep)]),
        "ms_dc_sweep_values": (None, [C.POINTER(MsDcSweep), C.c_long, C.POINTER(C.c_double)]),
        "ms_circuit_num_measures": (I, [P]),
        "ms_measure": (I, [P, S, C.POINTER(MsResult), C.POINTER(MsMeasure), C.POINTER(I), E]),
        "ms_run_grad": (I, [P, C.POINTER(MsTranSpec), C.POINTER(MsGrad), E]),
        "ms_result_free": (None, [C.POINTER(MsResult)]),
        "ms_grad_free": (None, [C.POINTER(MsGrad)]),
        "ms_tnet_open": (I, [S, I, C.POINTER(P), E]),
        "ms_tnet_open_string": (I, [S, S, I, C.POINTER(P), E]),
        "ms_circuit_node_name": (S, [P, I]),
        "ms_circuit_train_cards": (I, [P]),
        "ms_tnet_free": (None, [C.POINTER(P)]),
        "ms_tnet_num_inputs": (I, [P]),
        "ms_tnet_num_classes": (I, [P]),
        "ms_tnet_num_params": (I, [P]),
        "ms_tnet_engine": (I, [P]),
        "ms_tnet_engine_reason": (S, [P]),
        "ms_tnet_param_name": (S, [P, I]),
        "ms_tnet_input_name": (S, [P, I]),
        "ms_tnet_get_params": (None, [P, DP]),
        "ms_tnet_bounds": (None, [P, DP, DP]),
        "ms_tnet_scales": (None, [P, DP]),
        "ms_tnet_set_params": (I, [P, DP, E]),
        "ms_tnet_set_threads": (None, [P, I]),
        "ms_tnet_forward": (I, [P, I, DP, C.c_uint64, DP, E]),
        "ms_tnet_backward": (I, [P, I, DP, C.c_uint64, DP, DP, DP, DP, E]),
        "ms_tnet_loss": (I, [P, I, DP, C.c_uint64, C.POINTER(C.c_int), DP, DP, DP, E]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib, path


lib, lib_path = _load()
