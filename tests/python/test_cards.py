"""memspice.Network(path, inputs=..., readout=..., reduce=...): the training
cards made from arguments for a netlist without them -- the scores equal the
reductions of Circuit.tran's waveforms, conflicts and errors are clear."""
import os

import numpy as np
import pytest

import memspice

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
RC3 = os.path.join(ROOT, "tests/python/data/rc3.cir")
TINY = os.path.join(ROOT, "tests/python/data/tiny.cir")
INPUTS = ["vin*", "iin0 scale=1e-4"]


def reference_scores(x, reduce, gain):
    """The readout computed from the transient of rc3.cir with the inputs as DC overrides."""
    c = memspice.Circuit(RC3)
    r = c.tran(fixed_step=True, sources={"vin0": x[0], "vin1": x[1], "iin0": 1e-4 * x[2]})
    t, out = r.time, []
    for k in range(3):
        v = r[f"v(o{k})"]
        integral = float(np.sum((v[1:] + v[:-1]) * np.diff(t)) / 2)
        out.append({"mean": integral / t[-1], "integral": integral, "final": v[-1], "max": v.max()}[reduce])
    return gain * np.array(out)


@pytest.mark.parametrize("reduce", ["mean", "integral", "final", "max"])
def test_scores_are_the_reduced_readout(reduce):
    net = memspice.Network(RC3, inputs=INPUTS, readout=["v(o*)"], reduce=reduce, gain=2)
    assert f".readout v(o0) v(o1) v(o2) reduce={reduce} gain=2" in net.text
    x = np.array([[0.3, 0.8, 0.5], [1.0, 0.0, 0.2]])
    s = net.forward(x)
    for b in range(2):
        np.testing.assert_allclose(s[b], reference_scores(x[b], reduce, 2), rtol=1e-9, atol=1e-12)


def test_cards_and_options():
    net = memspice.Network(RC3, engine="per-sample", inputs="vin*", scale=0.5, readout=["v(o1)", "v(o0)"],
                           trainable=["c*"], loss="mse")
    assert net.input_names == ["vin0", "vin1"] and net.n_classes == 2
    assert ".input vin* scale=0.5" in net.text and "loss=mse" in net.text
    assert net.param_names[-3:] == ["c0", "c1", "c2"]
    with pytest.raises(ValueError):
        memspice.Network(RC3, inputs=["vin*"], reduce="max")        # reduce= without readout=


def test_natural_order():
    from memspice._cards import expand_readout
    assert expand_readout(["v(o*)", "i(vx)"], ["a", "o10", "o2", "O1", "x1.o3"]) == \
        ["v(O1)", "v(o2)", "v(o10)", "i(vx)"]


def test_conflicts_and_errors():
    with pytest.raises(memspice.ArgumentError, match=r"tiny\.cir: has \.input card"):
        memspice.Network(TINY, inputs=["vin*"])
    with pytest.raises(memspice.ArgumentError, match=r"\.readout"):
        memspice.Network(TINY, readout=["v(mem1_0)", "v(mem1_1)"])
    with pytest.raises(memspice.SemanticError, match="no .readout card"):
        memspice.Network(RC3, inputs=INPUTS)                       # a readout is still needed
    with pytest.raises(memspice.SemanticError, match=r"readout 'v\(q\*\)' matches no node"):
        memspice.Network(RC3, inputs=INPUTS, readout=["v(q*)"])
    with pytest.raises(memspice.SemanticError, match="made from the arguments") as e:
        memspice.Network(RC3, inputs=["vx*"], readout=["v(o*)"])   # the card's own error, located
    assert "rc3.cir:" in str(e.value) and ".input vx*" in str(e.value)
    with pytest.raises(memspice.FileError):
        memspice.Network(os.path.join(ROOT, "no/such.cir"), inputs=INPUTS, readout=["v(o*)"])


def test_from_string_relative_paths():
    """A netlist text named by its path finds its .lib files relative to it."""
    text = open(TINY).read()
    a = memspice.Network.from_string(text, TINY)
    b = memspice.Network(TINY)
    x = np.random.default_rng(0).random((2, 3))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
