"""netgen.py — what the benchmark netlist generators share."""
import sys


def fmt(x):
    """A number as SPICE text that reads back exactly."""
    return repr(float(x))


def write_netlist(lines, output):
    """The netlist lines to a file, or to stdout for "-"."""
    text = "\n".join(lines) + "\n"
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w") as f:
            f.write(text)
