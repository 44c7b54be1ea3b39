"""memspice.torch.CircuitLayer: gradcheck, the trainer's gradient, bounds,
the layer from arguments, the example against memspice train."""
import csv
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import memspice            # noqa: E402
import memspice.torch as mt  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
TINY = os.path.join(ROOT, "tests/python/data/tiny.cir")      # tools/mknet --layers 3,2 --steps 10
DIGITS = os.path.join(ROOT, "netlists/digits6x5.cir")
RC3 = os.path.join(ROOT, "tests/python/data/rc3.cir")             # no .input/.readout cards
CLI = os.environ["MEMSPICE"]


def test_gradcheck_batched_params_and_inputs():
    layer = mt.CircuitLayer(TINY)
    assert layer.engine == "batched"
    x = torch.rand(3, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x.requires_grad_(True)
    f = lambda x, w: mt.CircuitFunction.apply(x, w, layer.net, 1)   # noqa: E731
    assert torch.autograd.gradcheck(f, (x, layer.weight), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradcheck_per_sample_params_and_inputs():
    layer = mt.CircuitLayer(TINY, engine="per-sample")
    x = torch.rand(2, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x.requires_grad_(True)
    f = lambda x, w: mt.CircuitFunction.apply(x, w, layer.net, 1)   # noqa: E731
    # the per-sample path's Newton tolerance limits the finite differences
    assert torch.autograd.gradcheck(f, (x, layer.weight), eps=1e-5, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("net", [TINY, DIGITS])
def test_per_sample_dx_equals_batched(net):
    """dL/dx by the circuit adjoint (per sample) = the batched engine's."""
    a, b = memspice.Network(net, engine="batched"), memspice.Network(net, engine="per-sample")
    rng = np.random.default_rng(4)
    x, ds = rng.random((5, a.n_inputs)), rng.standard_normal((5, a.n_classes))
    _, pa, xa = a.backward(x, ds, want_dx=True)
    _, pb, xb = b.backward(x, ds, want_dx=True)
    assert np.abs(xa).max() > 0.1
    np.testing.assert_allclose(xb, xa, rtol=0, atol=1e-8 * max(1, np.abs(xa).max()))
    np.testing.assert_allclose(pb, pa, rtol=0, atol=1e-8 * max(1, np.abs(pa).max()))


@pytest.mark.parametrize("engine", ["batched", "per-sample"])
def test_dx_of_spikes_unsupported(engine):
    text = open(TINY).read().replace("encoding=analog", "encoding=rate")
    net = memspice.Network.from_string(text, TINY, engine=engine)
    x, ds = np.full((2, net.n_inputs), 0.5), np.ones((2, net.n_classes))
    _, dp, _ = net.backward(x, ds)   # dL/dparams is fine
    assert np.all(np.isfinite(dp))
    with pytest.raises(memspice.UnsupportedError, match="encoding=analog"):
        net.backward(x, ds, want_dx=True)


@pytest.mark.parametrize("engine", ["batched", "per-sample"])
def test_layer_equals_trainer_cross_entropy(engine):
    """torch's cross-entropy through the layer = memspice train's loss and gradient (ms_batch_run / ms_net_sample)."""
    layer = mt.CircuitLayer(DIGITS, engine=engine)
    rng = np.random.default_rng(2)
    B = 20 if engine == "batched" else 4
    x = rng.random((B, layer.n_inputs)).astype(np.float32).astype(np.float64)   # the trainer reads floats
    y = rng.integers(0, layer.n_classes, B)
    scores = layer(torch.from_numpy(x))
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y), reduction="sum")
    loss.backward()
    s_ref, l_ref, g_ref = layer.net.loss(x, y)
    np.testing.assert_allclose(scores.detach().numpy(), s_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(loss.item(), l_ref.sum(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.numpy(), g_ref, rtol=1e-9, atol=1e-12 * np.abs(g_ref).max())


def test_engines_agree_and_params_sync():
    a, b = mt.CircuitLayer(DIGITS), mt.CircuitLayer(DIGITS, engine="per-sample")
    x = torch.rand(3, a.n_inputs, dtype=torch.float64)
    np.testing.assert_allclose(a(x).detach().numpy(), b(x).detach().numpy(), rtol=1e-7)
    with torch.no_grad():
        a.weight.mul_(0.5)
    y = a(x)
    assert not np.allclose(y.detach().numpy(), b(x).detach().numpy())
    np.testing.assert_array_equal(a.net.get_params(), a.weight.detach().numpy())


def test_scaled_values(tmp_path):
    """.trainable scale=: the layer's weight is value / scale, its gradient scale x dL/dvalue,
    its bounds bound / scale; the circuit gets weight x scale."""
    layer = mt.CircuitLayer(digits_trainable_cm(str(tmp_path)))
    s = layer.net.scale
    cms = [k for k, n in enumerate(layer.param_names) if n.startswith("cm")]
    assert np.all(s[cms] == 150e-12) and np.all(np.delete(s, cms) == 1)
    np.testing.assert_allclose(layer.values().detach().numpy(), layer.net.get_params(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(layer.hi.numpy()[cms], 200e-12 / 150e-12, rtol=1e-15)
    x = torch.rand(4, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    layer(x).sum().backward()
    _, dvalue, _ = layer.net.backward(x.numpy(), np.ones((4, layer.n_classes)))
    np.testing.assert_allclose(layer.weight.grad.numpy(), s * dvalue, rtol=1e-12, atol=0)
    assert np.abs(layer.weight.grad.numpy()[cms]).max() > 1e-3   # O(1) in the optimiser's unit
    with torch.no_grad():
        layer.weight[cms[0]] = 1.2
    layer.sync_to_circuit()
    assert layer.net.get_params()[cms[0]] == pytest.approx(1.2 * 150e-12, rel=1e-15)
    assert layer.named_circuit_values()[layer.param_names[cms[0]]] == pytest.approx(180e-12, rel=1e-15)


def test_bounds_after_step():
    layer = mt.CircuitLayer(TINY)
    opt = torch.optim.SGD(layer.parameters(), lr=1e6)
    layer.clamp_after(opt)
    x = torch.rand(4, layer.n_inputs, dtype=torch.float64)
    layer(x).sum().backward()
    opt.step()
    w = layer.weight.detach()
    assert torch.all(w >= layer.lo) and torch.all(w <= layer.hi)
    assert torch.any(w == layer.lo) or torch.any(w == layer.hi)


def test_layer_from_arguments_gradcheck():
    """A netlist without .input/.readout: the cards come from the arguments;
    a voltage and a current input, the run from the operating point."""
    layer = mt.CircuitLayer(RC3, inputs=["vin*", "iin0 scale=1e-4"], readout=["v(o*)"], reduce="mean")
    assert layer.engine == "per-sample" and layer.n_classes == 3
    assert layer.input_names == ["vin0", "vin1", "iin0"] and len(layer.param_names) == 5
    x = torch.rand(3, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    x.requires_grad_(True)
    f = lambda x, w: mt.CircuitFunction.apply(x, w, layer.net, 1)   # noqa: E731
    # resistances in ohms: eps relative to them is small, the circuit is linear in x
    assert torch.autograd.gradcheck(f, (x, layer.weight), eps=1e-4, atol=1e-9, rtol=1e-5)
    old = mt.CircuitLayer(TINY)   # CircuitLayer(path) as before
    assert old.net.text is None and old.n_inputs == 3


def load_example():
    spec = importlib.util.spec_from_file_location("train_mnist", os.path.join(ROOT, "python/examples/train_mnist.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def digits_trainable_cm(folder):
    """digits6x5 with trainable membrane capacitances (.trainable cm1_* ... scale=150p)."""
    path = os.path.join(folder, "digits_cm.cir")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools/mknet"), "--preset", "digits6x5", "--trainable-cm",
                    "-o", path], check=True)
    return path


@pytest.mark.parametrize("engine,args,cm", [
    ("batched", ["--epochs", "10", "--batch", "8"], False),                   # the default run: all 200 samples
    ("per-sample", ["--epochs", "2", "--batch", "8", "--train-limit", "48", "--test-limit", "40"], False),
    ("batched", ["--epochs", "3", "--batch", "8"], True),                     # .trainable scale=: Adam on C / 150p
])
def test_example_equals_memspice_train(tmp_path, engine, args, cm):
    """python/examples/train_mnist.py and `memspice train` with the same
    netlist, options and seed: the same losses and accuracies per epoch and
    the same trained values (to rounding)."""
    data = os.path.join(ROOT, "netlists/digits6x5")
    common = args + ["--seed", "3", "--engine", engine]
    net = digits_trainable_cm(str(tmp_path)) if cm else DIGITS
    out = tmp_path / "run"
    p = subprocess.run([CLI, "train", net, "--data", data, "--no-plots", "-o", str(out), *common],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(out / "metrics.csv") as f:
        ref = list(csv.DictReader(f))
    ex = load_example()
    layer, hist = ex.train(ex.parse_args(["--net", net, "--data", data, *common]))
    assert len(hist) == len(ref)
    for h, r in zip(hist, ref):
        assert h["test_acc"] == float(r["test_acc"]) and h["train_acc"] == float(r["train_acc"])
        np.testing.assert_allclose([h["train_loss"], h["test_loss"]], [float(r["train_loss"]), float(r["test_loss"])],
                                   rtol=1e-9)
    trained = memspice.Network(str(out / "trained.cir")).get_params()
    values = layer.values().detach().numpy()
    # to rounding, in each value's own unit (a capacitance moves by ~ lr x 150p a step)
    np.testing.assert_allclose(values / layer.net.scale, trained / layer.net.scale, rtol=0, atol=1e-9)
    if cm:
        cms = [k for k, n in enumerate(layer.param_names) if n.startswith("cm")]
        moved = np.abs(values[cms] - memspice.Network(net).get_params()[cms])
        assert len(cms) == 10 and moved.max() > 1e-12   # the capacitances were trained, in farads
        assert np.all(values[cms] >= 50e-12) and np.all(values[cms] <= 200e-12)
    elif engine == "batched":
        assert hist[-1]["test_acc"] == 1.0   # README: 10 epochs, batch 8: 100 %


def test_example_one_short_epoch():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, os.path.join(ROOT, "python/examples/train_mnist.py"), "--epochs", "1",
                        "--train-limit", "64", "--test-limit", "64", "--batch", "16"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "epoch 1" in p.stdout and "test acc" in p.stdout
