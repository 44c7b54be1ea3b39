"""memspice.Circuit.dc() / .ac() and .meas results: against closed forms
(RC low-pass, resistive dividers, a diode solved here by bisection, the RC
step's measures), against the CLI's files, and the errors."""
import csv
import math
import os
import subprocess

import numpy as np
import pytest

import memspice

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ["MEMSPICE"]

RC_AC = """RC low-pass, R = 1k, C = 1u: H = 1 / (1 + j w R C)
V1 in 0 DC 0 AC 2 30
R1 in out 1k
C1 out 0 1u
.ac dec 20 1 100k
.end
"""

DIVIDER = """divider 1k / 3k, a current source into the middle, a second source v2
V1 in 0 DC 0
R1 in mid 1k
R2 mid b 3k
V2 b 0 DC 0
I1 0 mid DC 0
.dc V1 0 2 0.25
.end
"""

DIODE = """diode behind 1k: (v1 - vk) / R = IS (exp(vk / (N VT)) - 1) + gmin vk
V1 a 0 0
R1 a k 1k
D1 k 0 dx
.model dx D is=1e-14 n=1.5
.end
"""

RC_STEP = """RC step, tau = 1 ms
.param rval=1k cval=1u
V1 in 0 PULSE(0 1 0.1m 1u 1u 3m 6m)
R1 in out {rval}
C1 out 0 {cval}
.tran 10u 6m
.options reltol=1e-6
.meas tran rise_time TRIG v(out) VAL=0.1 RISE=1 TARG v(out) VAL=0.9 RISE=1
.meas tran v_1ms FIND v(out) AT=1.1m
.meas tran vin_avg AVG v(in) FROM=0 TO=6m
.meas tran charge INTEG i(v1) FROM=0.1m TO=3.1m
.meas tran vmax MAX v(out)
.meas tran never WHEN v(out)=2 RISE=1
.meas tran ln9 PARAM='rise_time/(rval*cval)'
.meas tran bad PARAM='never*2'
.end
"""


def cli(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


# ---- .ac ----

def test_ac_rc_lowpass_closed_form():
    c = memspice.Circuit.from_string(RC_AC, "rc_ac.cir")
    assert c.analyses == {"ac"} and c.ac_card == ("dec", 20, 1.0, 1e5)
    r = c.ac()
    assert r.plotname == "AC Analysis" and r.scale_name == "frequency" and r.is_complex
    assert r.time is None and r.sweep is None and r["frequency"] is r.frequency
    f = r.frequency
    assert len(f) == 101   # 20 per decade, 1 Hz .. 100 kHz, both ends
    np.testing.assert_allclose(f, 10.0 ** (np.arange(101) / 20), rtol=1e-12)
    src = 2 * np.exp(1j * math.radians(30))            # AC 2 30
    jwrc = 1j * 2 * np.pi * f * 1e3 * 1e-6
    h = src / (1 + jwrc)
    assert r["v(out)"].dtype == np.complex128
    np.testing.assert_allclose(r["v(out)"], h, rtol=1e-12)
    np.testing.assert_allclose(r["V(IN)"], np.full(f.shape, src), rtol=1e-14)
    np.testing.assert_allclose(r["i(v1)"], -(src - h) / 1e3, rtol=1e-12, atol=1e-18)
    k = int(np.argmin(abs(f - 1 / (2 * np.pi * 1e-3))))   # the corner: |H| = 1/sqrt(2) there
    assert abs(np.angle(r["v(out)"][k] / src, deg=True) + np.degrees(np.arctan(2 * np.pi * f[k] * 1e-3))) < 1e-9


def test_ac_overrides():
    c = memspice.Circuit.from_string(RC_AC, "rc_ac.cir")
    lin = c.ac("lin", 5, 100, 500)
    np.testing.assert_array_equal(lin.frequency, [100, 200, 300, 400, 500])
    np.testing.assert_allclose(lin["v(out)"], 2 * np.exp(1j * math.radians(30)) /
                               (1 + 1j * 2 * np.pi * lin.frequency * 1e-3), rtol=1e-12)
    oct_ = c.ac(sweep="oct", fstart=10)   # points, fstop from the card
    np.testing.assert_allclose(oct_.frequency, 10 * 2.0 ** (np.arange(len(oct_.frequency)) / 20), rtol=1e-12)
    assert oct_.frequency[-1] <= 1e5 * (1 + 1e-9) and oct_.frequency[-1] * 2 ** (1 / 20) > 1e5
    dec5 = c.ac(points=5, fstop=1e3)
    np.testing.assert_allclose(dec5.frequency, 10.0 ** (np.arange(16) / 5), rtol=1e-12)
    assert len(c.ac().frequency) == 101   # overrides are per call


def test_ac_phasors():
    """phasors= replaces the netlist's AC 2 30 for one call; a source with no AC gets one."""
    text = RC_AC.replace("V1 in 0 DC 0 AC 2 30", "V1 in 0 DC 0 AC 2 30\nV2 x 0 DC 1\nR2 x 0 1k")
    c = memspice.Circuit.from_string(text, "rc_ac.cir")
    f = c.ac().frequency
    h = 1 / (1 + 1j * 2 * np.pi * f * 1e-3)
    r = c.ac(phasors={"v1": (0.5, -90)})
    np.testing.assert_allclose(r["v(out)"], 0.5 * np.exp(-0.5j * np.pi) * h, rtol=1e-12)
    np.testing.assert_allclose(r["v(x)"], 0, atol=0)
    r = c.ac(phasors={"V2": 3})                              # magnitude only: phase 0
    np.testing.assert_allclose(r["v(x)"], 3, rtol=1e-14)
    np.testing.assert_allclose(r["v(out)"], 2 * np.exp(1j * math.radians(30)) * h, rtol=1e-12)
    np.testing.assert_allclose(c.ac()["v(x)"], 0, atol=0)    # per call
    with pytest.raises(memspice.Error, match="no independent source named 'v9'"):
        c.ac(phasors={"v9": 1})
    with pytest.raises(memspice.Error, match="must be finite"):
        c.ac(phasors={"v1": float("nan")})
    np.testing.assert_allclose(c.ac(phasors={"v1": [0.5, -90]})["v(out)"], -0.5j * h, rtol=1e-12)
    for bad in ((1, 2, 3), "x", [1]):
        with pytest.raises(memspice.Error, match="a magnitude or \\(magnitude, phase in degrees\\)"):
            c.ac(phasors={"v1": bad})


def test_ac_equals_cli_csv(tmp_path):
    path = os.path.join(ROOT, "netlists/rc_lowpass_ac.cir")
    out = tmp_path / "ac.csv"
    cli("run", path, "-q", "-o", str(out))
    with open(out) as fh:
        rows = list(csv.reader(fh))
    head, data = rows[0], np.array(rows[1:], dtype=float)
    r = memspice.Circuit(path).ac()
    assert head[0] == "frequency"
    np.testing.assert_array_equal(r.frequency, data[:, 0])
    for j, name in enumerate(r.names):
        assert head[1 + 2 * j].lower() == f"re({name})" and head[2 + 2 * j].lower() == f"im({name})"
        np.testing.assert_array_equal(r[name].real, data[:, 1 + 2 * j])
        np.testing.assert_array_equal(r[name].imag, data[:, 2 + 2 * j])


def test_ac_bias_from_sources():
    """The small-signal conductance of a diode follows the DC bias given in sources=."""
    text = DIODE.replace("V1 a 0 0", "V1 a 0 0 AC 1").replace(".end", ".ac lin 1 1 1\n.end")
    c = memspice.Circuit.from_string(text, "d.cir")
    vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19
    for bias in (0.3, 0.8):
        vk = c.op(sources={"v1": bias})["v(k)"][0]
        gd = 1e-14 / (1.5 * vt) * math.exp(vk / (1.5 * vt)) + 1e-12
        h = c.ac(sources={"v1": bias})["v(k)"][0]   # 1k against 1/gd
        assert abs(h - 1 / (1 + 1e3 * gd)) < 1e-9 * abs(h) + 1e-12
        assert abs(h.imag) == 0


# ---- .dc ----

def test_dc_divider_card_and_overrides():
    c = memspice.Circuit.from_string(DIVIDER, "div.cir")
    assert c.dc_card == [("v1", 0.0, 2.0, 0.25)]
    r = c.dc()
    assert r.plotname == "DC transfer characteristic" and r.scale_name == "v(v-sweep)" and not r.is_complex
    v1 = np.arange(9) * 0.25
    np.testing.assert_array_equal(r.sweep, v1)
    assert r["v-sweep"] is r.sweep and r["v(v-sweep)"] is r.sweep and r.time is None
    np.testing.assert_allclose(r["v(mid)"], 0.75 * v1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r["i(v1)"], -v1 / 4e3, rtol=1e-12, atol=1e-18)
    np.testing.assert_array_equal(r.grid("v(mid)"), r["v(mid)"])
    down = c.dc(V1=slice(2, -1, -0.5), sources={"v2": 1.0})   # v(mid) = (3 v1 + v2) / 4
    np.testing.assert_array_equal(down.sweep, [2, 1.5, 1, 0.5, 0, -0.5, -1])
    np.testing.assert_allclose(down["v(mid)"], (3 * down.sweep + 1.0) / 4, rtol=1e-12, atol=1e-15)
    one = c.dc("v2", 0.5, 0.5, 1)   # one point; v1 at its DC value 0
    np.testing.assert_allclose(one["v(mid)"], [0.125], rtol=1e-12)
    np.testing.assert_array_equal(c.dc()["v(mid)"], r["v(mid)"])   # overrides are per call


def test_dc_nested_grid():
    c = memspice.Circuit.from_string(DIVIDER, "div.cir")
    for r in (c.dc("v1", 0, 1, 0.5, "i1", 0, 1e-3, 0.5e-3), c.dc(("v1", 0, 1, 0.5), ("I1", 0, 1e-3, 0.5e-3)),
              c.dc(v1=(0, 1, 0.5), i1=slice(0, 1e-3, 0.5e-3))):
        assert r.scale_name == "v(v-sweep)" and len(r.sweep) == 9
        np.testing.assert_array_equal(r.sweep, [0, 0.5, 1] * 3)     # the inner source, repeated
        (s0, inner), (s1, outer) = r.sweeps
        assert (s0, s1) == ("v1", "i1")
        np.testing.assert_array_equal(inner, [0, 0.5, 1])
        np.testing.assert_array_equal(outer, [0, 0.5e-3, 1e-3])
        g = r.grid("v(mid)")
        assert g.shape == (3, 3)
        want = 0.75 * inner[None, :] + 750 * outer[:, None]   # (v1/R1 + I) / (1/R1 + 1/R2)
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(r.grid("v-sweep"), np.tile(inner, (3, 1)))


def _diode_vk(v1, r=1e3, is_=1e-14, nvt=1.5 * 1.38064852e-23 * 300.15 / 1.6021766208e-19, gmin=1e-12):
    """vk of (v1 - vk)/r = is (exp(vk/nvt) - 1) + gmin vk by bisection (monotone in vk)."""
    lo, hi = min(v1, 0.0) - 1, max(v1, 0.0) + 1
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (v1 - mid) / r - is_ * math.expm1(mid / nvt) - gmin * mid > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_dc_diode_against_exact_solution():
    c = memspice.Circuit.from_string(DIODE, "d.cir")
    r = c.dc("v1", -1, 2, 0.01)
    assert len(r.sweep) == 301 and r.sweep[-1] == 2.0
    np.testing.assert_array_equal(r.sweeps[0][1], r.sweep)   # Python's values are the C library's, bit for bit
    want = np.array([_diode_vk(v) for v in r.sweep])
    assert np.max(abs(r["v(k)"] - want)) < 1e-6
    np.testing.assert_allclose(r["i(v1)"], -(r.sweep - r["v(k)"]) / 1e3, rtol=1e-9, atol=1e-15)


def test_dc_equals_cli_csv(tmp_path):
    path = os.path.join(ROOT, "netlists/diode_iv_dc.cir")
    out = tmp_path / "iv.csv"
    cli("run", path, "-q", "-o", str(out))
    with open(out) as fh:
        rows = list(csv.reader(fh))
    head, data = rows[0], np.array(rows[1:], dtype=float)
    r = memspice.Circuit(path).dc()
    assert head[0].lower() == r.scale_name and [h.lower() for h in head[1:]] == r.names
    np.testing.assert_array_equal(r.sweep, data[:, 0])
    for j, name in enumerate(r.names):
        np.testing.assert_array_equal(r[name], data[:, j + 1])


# ---- .meas ----

def test_measures_closed_form():
    c = memspice.Circuit.from_string(RC_STEP, "rc_step.cir")
    m = c.tran().measures
    assert isinstance(m, dict) and list(m) == ["rise_time", "v_1ms", "vin_avg", "charge", "vmax", "never", "ln9", "bad"]
    tau = 1e-3
    assert m["rise_time"] == pytest.approx(tau * math.log(9), rel=1e-4)
    assert m["ln9"] == pytest.approx(math.log(9), rel=1e-4)
    # the pulse reaches 1 V at 0.1m + 1u; the ramp's response lags it by half the rise time
    assert m["v_1ms"] == pytest.approx(1 - math.exp(-(1.1e-3 - 0.1e-3 - 0.5e-6) / tau), rel=1e-4)
    assert m["vin_avg"] == pytest.approx((3e-3 + 1e-6) / 6e-3, rel=1e-6)   # pulse area / window
    vtop = 1 - math.exp(-(3e-3 - 0.5e-6) / tau)   # v(out) when the pulse starts to fall (at 3.101m)
    assert m["charge"] == pytest.approx(-1e-6 * vtop, rel=1e-3)   # -C (v(3.1m) - v(0.1m))
    assert m["vmax"] == pytest.approx(vtop, rel=1e-4)
    assert m.details["vmax"].trig == pytest.approx(3.1e-3, rel=1e-3)
    d = m.details["rise_time"]
    assert d.ok and d.kind == "trig/targ" and d.analysis == "tran" and d.file == "rc_step.cir" and d.line == 8
    assert d.targ - d.trig == m["rise_time"]
    for name in ("never", "bad"):
        assert math.isnan(m[name]) and not m.details[name].ok
    assert set(m.failed) == {"never", "bad"}
    assert "no such crossing" in m.failed["never"] and "never" in m.failed["bad"]
    assert "failed" in repr(m)


def test_measures_equal_cli_file(tmp_path):
    path = os.path.join(ROOT, "netlists/rc_measure.cir")
    out = tmp_path / "out.csv"
    cli("run", path, "-q", "-o", str(out))
    with open(tmp_path / "out.meas") as fh:
        rows = list(csv.reader(fh))
    c = memspice.Circuit(path)
    m = c.measures()
    assert rows[0] == ["name", "value", "error"] and [r[0] for r in rows[1:]] == list(m)
    for name, value, error in rows[1:]:
        assert (float(value) == m[name]) if value else (math.isnan(m[name]) and m.failed[name] == error)
    assert c.tran().measures == m


def test_measures_through_grad_and_other_analyses():
    text = RC_STEP.replace(".end", ".trainable r1\n.loss value v(out) at=2m\n.end")
    c = memspice.Circuit.from_string(text, "g.cir")
    g = c.grad(fixed_step=True)
    assert g.tran.measures == pytest.approx(c.tran(fixed_step=True).measures, nan_ok=True)
    assert c.op().measures == {}
    assert memspice.Circuit.from_string(DIVIDER, "div.cir").dc().measures == {}
    assert memspice.Circuit.from_string(RC_AC, "rc_ac.cir").ac().measures == {}
    assert memspice.Circuit(os.path.join(ROOT, "netlists/rc_pulse.cir")).tran().measures == {}


# ---- errors ----

def test_dc_errors():
    c = memspice.Circuit.from_string(DIVIDER.replace(".dc V1 0 2 0.25\n", ""), "div.cir")
    with pytest.raises(memspice.ArgumentError, match=r"^div\.cir: no \.dc card"):
        c.dc()
    with pytest.raises(memspice.ArgumentError, match="no independent V or I source named 'nosuch'") as e:
        c.dc("nosuch", 0, 1, 0.1)
    assert e.value.code == -9 and isinstance(e.value, ValueError)
    with pytest.raises(memspice.ArgumentError, match="INCR must be non-zero"):
        c.dc("v1", 0, 1, 0)
    with pytest.raises(memspice.ArgumentError, match="with the sign of STOP - START"):
        c.dc("v1", 0, 1, -0.1)
    with pytest.raises(memspice.ArgumentError, match="swept twice"):
        c.dc("v1", 0, 1, 0.1, "V1", 0, 1, 0.5)
    with pytest.raises(memspice.ArgumentError, match="more than the limit"):
        c.dc("v1", 0, 1, 1e-7, "v2", 0, 1, 1e-7)
    with pytest.raises(memspice.ArgumentError, match="1 or 2 sources, not 3"):
        c.dc(("v1", 0, 1, 1), ("v2", 0, 1, 1), ("i1", 0, 1, 1))
    with pytest.raises(memspice.ArgumentError, match="needs start, stop and incr"):
        c.dc("v1", 0, 1)
    with pytest.raises(memspice.ArgumentError, match="needs its incr"):
        c.dc(v1=slice(0, 1))
    with pytest.raises(memspice.ArgumentError, match="a number"):
        c.dc("v1", "0", 1, 0.1)
    with pytest.raises(memspice.ArgumentError, match="INCR must be non-zero"):
        c.dc("v1", 0, math.nan, 0.1)
    with pytest.raises(ValueError, match="not a DC sweep"):
        c.op().grid("v(mid)")
    bad = """B source undefined below 0.5 V
V1 a 0 1
R1 a 0 1k
B1 b 0 V=ln(v(a)-0.5)
R2 b 0 1k
.end
"""
    with pytest.raises(memspice.EvaluationError, match=r"^b\.cir:4:.*DC sweep at v1=0\.5"):
        memspice.Circuit.from_string(bad, "b.cir").dc("v1", 1, 0, -0.25)
    np.testing.assert_allclose(c.dc("v1", 0, 1, 0.5)["v(mid)"], [0, 0.375, 0.75])   # the work is usable after errors


def test_ac_errors():
    c = memspice.Circuit.from_string(RC_AC.replace(".ac dec 20 1 100k\n", ""), "rc.cir")
    with pytest.raises(memspice.ArgumentError, match=r"^rc\.cir: no \.ac card and no AC request"):
        c.ac()
    with pytest.raises(memspice.ArgumentError, match="lacks fstart, fstop"):
        c.ac("dec", 10)
    with pytest.raises(memspice.ArgumentError, match="one of dec, oct, lin"):
        c.ac("log", 10, 1, 10)
    with pytest.raises(memspice.ArgumentError, match="whole number"):
        c.ac("dec", 2.5, 1, 10)
    with pytest.raises(memspice.ArgumentError, match="0 < fstart <= fstop"):
        c.ac("dec", 10, 0, 10)
    with pytest.raises(memspice.ArgumentError, match="0 < fstart <= fstop"):
        c.ac("lin", 10, 100, 10)
    with pytest.raises(memspice.ArgumentError, match="0 < fstart <= fstop"):
        c.ac("lin", 0, 1, 10)
    with pytest.raises(memspice.ArgumentError, match="more than the limit"):
        c.ac("dec", 10 ** 30, 1, 10)
    with pytest.raises(memspice.ArgumentError, match="not one of tran, dc, ac"):
        c.measures("op")
    with pytest.raises(memspice.Error, match="no independent source named 'vx'"):
        c.ac("lin", 2, 1, 10, sources={"vx": 1})
    floating = "cap to a current source: no DC path\nI1 0 a DC 0 AC 1\nC1 a 0 1u\n.ac lin 2 1 10\n.end\n"
    with pytest.raises((memspice.SingularError, memspice.ConvergenceError)):
        memspice.Circuit.from_string(floating, "f.cir").ac()
    assert len(c.ac("lin", 3, 1, 10).frequency) == 3


def test_sweeps_memory_does_not_grow():
    from test_circuit import rss_kb
    d = memspice.Circuit.from_string(DIVIDER, "div.cir")
    a = memspice.Circuit.from_string(RC_AC, "rc_ac.cir")
    m = memspice.Circuit(os.path.join(ROOT, "netlists/rc_measure.cir"))

    def calls(k):
        for _ in range(k):
            d.dc("v1", 0, 1, 0.1, "i1", 0, 1e-3, 0.5e-3)
            a.ac()
            m.tran(tstop=1e-3)
            try:
                d.dc("nosuch", 0, 1, 0.1)
            except memspice.ArgumentError:
                pass

    calls(50)
    before = rss_kb()
    calls(500)
    grown = rss_kb() - before
    assert grown < 2048, f"RSS grew by {grown} kB over 500 calls"
