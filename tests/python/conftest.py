"""Shared set-up of the Python tests: the package from python/, the library
from $MEMSPICE_LIB (tests/e2e/python.sh sets it next to $MEMSPICE) and the
CLI from $MEMSPICE."""
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
os.environ.setdefault("MEMSPICE", os.path.join(ROOT, "build", "memspice"))
os.environ.setdefault("MEMSPICE_LIB", os.path.join(os.path.dirname(os.environ["MEMSPICE"]), "libmemspice.so"))
