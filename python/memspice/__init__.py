"""memspice from Python: circuits (op, dc, tran, ac, .meas) and adjoint gradients over
libmemspice.so (ctypes), NumPy in and out; memspice.torch.CircuitLayer puts a
network netlist in a PyTorch model.  See README.md, section "Python"."""
from ._core import (Circuit, Result, Grad, Params, Network, Error, FileError, NetlistSyntaxError,
                    SemanticError, UnsupportedError, SingularError, ConvergenceError, ArgumentError,
                    EvaluationError)
from ._measures import Measures, Measure
from ._lib import lib_path

__all__ = ["Circuit", "Result", "Grad", "Params", "Network", "Error", "FileError", "NetlistSyntaxError",
           "SemanticError", "UnsupportedError", "SingularError", "ConvergenceError", "ArgumentError",
           "EvaluationError", "Measures", "Measure", "lib_path"]


def __getattr__(name):   # memspice.torch without importing torch up front
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError(name)
