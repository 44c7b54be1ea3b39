"""memspice.Circuit: tran/grad equal the CLI's, source overrides, params,
errors with file:line, no memory growth."""
import csv
import os
import subprocess

import numpy as np
import pytest

import memspice

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ["MEMSPICE"]


def cli(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=float)


@pytest.mark.parametrize("net", ["netlists/rc_pulse.cir", "netlists/rlc_step.cir", "netlists/memristor_biolek.cir",
                                 "netlists/mif_neuron.cir"])
@pytest.mark.parametrize("fixed", [True, False])
def test_tran_equals_cli(tmp_path, net, fixed):
    out = tmp_path / "out.csv"
    cli("run", os.path.join(ROOT, net), "-q", "-o", str(out), *(["--fixed-step"] if fixed else []))
    head, data = read_csv(out)
    r = memspice.Circuit(os.path.join(ROOT, net)).tran(fixed_step=fixed)
    assert head[0] == "time" and [h.lower() for h in head[1:]] == r.names
    np.testing.assert_array_equal(r.time, data[:, 0])
    for j, name in enumerate(r.names):
        np.testing.assert_array_equal(r[name], data[:, j + 1])   # %.17g round-trips


@pytest.mark.parametrize("net", ["tests/grad/rc_grad.cir", "tests/grad/biolek_grad.cir",
                                 "tests/grad/param_grad.cir"])
def test_grad_equals_cli(tmp_path, net):
    out = tmp_path / "g.csv"
    cli("grad", os.path.join(ROOT, net), "--fixed-step", "-q", "-o", str(out))
    with open(out) as f:
        rows = list(csv.reader(f))
    c = memspice.Circuit(os.path.join(ROOT, net))
    g = c.grad(fixed_step=True)
    assert rows[1][0] == "loss" and float(rows[1][1]) == g.loss
    assert [r[0] for r in rows[2:]] == list(g.grad)
    for name, value, grad in rows[2:]:
        assert float(value) == g.values[name] == c.params[name]
        assert float(grad) == g.grad[name]


def test_sources_and_params():
    c = memspice.Circuit(os.path.join(ROOT, "tests/grad/rc_grad.cir"))
    base = c.tran(fixed_step=True)
    r2 = c.tran(fixed_step=True, sources={"v1": 2.0})
    assert not np.allclose(base["v(out)"], r2["v(out)"])
    t = np.array([0.0, 1e-3, 2e-3])
    r3 = c.tran(fixed_step=True, sources={"v1": ("pwl", t, np.array([0.0, 1.0, 1.0]))})
    assert r3["v(out)"].shape == base["v(out)"].shape
    again = c.tran(fixed_step=True)   # overrides are per call
    np.testing.assert_array_equal(again["v(out)"], base["v(out)"])
    r1 = c.params["r1"]
    c.params["r1"] = 2 * r1
    assert c.params["r1"] == 2 * r1
    assert not np.array_equal(c.tran(fixed_step=True)["v(out)"], base["v(out)"])
    with pytest.raises(KeyError):
        c.params["nope"]
    with pytest.raises(memspice.Error):
        c.tran(sources={"nosuchsource": 1.0})


def test_from_string():
    text = open(os.path.join(ROOT, "netlists/rc_pulse.cir")).read()
    a = memspice.Circuit.from_string(text, "rc.cir").tran(fixed_step=True)
    b = memspice.Circuit(os.path.join(ROOT, "netlists/rc_pulse.cir")).tran(fixed_step=True)
    np.testing.assert_array_equal(a.data, b.data)


def test_bad_netlist(tmp_path):
    bad = tmp_path / "bad.cir"
    bad.write_text("title\nv1 in 0 dc 1\nr1 in\n.tran 1u 10u\n.end\n")
    with pytest.raises(memspice.NetlistSyntaxError) as e:
        memspice.Circuit(str(bad))
    assert f"{bad}:3:" in str(e.value) and e.value.code == -2
    with pytest.raises(memspice.NetlistSyntaxError, match=r"^s\.cir:3:"):
        memspice.Circuit.from_string(bad.read_text(), "s.cir")
    with pytest.raises(memspice.FileError):
        memspice.Circuit(str(tmp_path / "missing.cir"))
    with pytest.raises(memspice.SemanticError):   # not a network netlist
        memspice.Network(os.path.join(ROOT, "netlists/rc_pulse.cir"))


def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_memory_does_not_grow():
    c = memspice.Circuit(os.path.join(ROOT, "tests/grad/rc_grad.cir"))
    n = memspice.Network(os.path.join(ROOT, "tests/python/data/tiny.cir"))
    p = memspice.Network(os.path.join(ROOT, "tests/python/data/tiny.cir"), engine="per-sample")
    x = np.random.default_rng(0).random((4, n.n_inputs))
    ds = np.ones((4, n.n_classes))
    rc3 = os.path.join(ROOT, "tests/python/data/rc3.cir")

    def calls(k):
        for _ in range(k):
            c.tran(tstop=1e-4, fixed_step=True, sources={"v1": 1.5})
            c.grad(tstop=1e-4, fixed_step=True)
            n.forward(x)
            n.backward(x, ds, want_dx=True)
            p.backward(x[:2], ds[:2], want_dx=True)   # the per-sample adjoint's dL/dx
            memspice.Network(rc3, inputs=["vin*"], readout=["v(o*)"]).close()   # cards from arguments
            try:
                memspice.Circuit.from_string("t\nr1 a\n.end\n")
            except memspice.Error:
                pass

    calls(100)   # warm-up: allocator pools, lazily made works
    before = rss_kb()
    calls(1000)
    grown = rss_kb() - before
    assert grown < 2048, f"RSS grew by {grown} kB over 1000 calls"


@pytest.mark.parametrize("engine", ["batched", "per-sample"])
def test_network_threads_do_not_change_results(engine):
    path = os.path.join(ROOT, "netlists/digits6x5.cir")
    rng = np.random.default_rng(3)
    x, ds = rng.random((40, 30)), rng.standard_normal((40, 10))
    one = memspice.Network(path, engine=engine, threads=1).backward(x, ds)
    two = memspice.Network(path, engine=engine, threads=2).backward(x, ds)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
