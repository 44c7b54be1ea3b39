"""memspice.torch.CircuitLayer: gradcheck, the trainer's gradient, bounds, the example."""
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


def test_gradcheck_batched_params_and_inputs():
    layer = mt.CircuitLayer(TINY)
    assert layer.engine == "batched"
    x = torch.rand(3, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x.requires_grad_(True)
    f = lambda x, w: mt.CircuitFunction.apply(x, w, layer.net, 1)   # noqa: E731
    assert torch.autograd.gradcheck(f, (x, layer.weight), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradcheck_per_sample_params():
    layer = mt.CircuitLayer(TINY, engine="per-sample")
    x = torch.rand(2, layer.n_inputs, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    f = lambda w: mt.CircuitFunction.apply(x, w, layer.net, 1)   # noqa: E731
    # the per-sample path's Newton tolerance limits the finite differences
    assert torch.autograd.gradcheck(f, (layer.weight,), eps=1e-5, atol=1e-5, rtol=1e-3)
    xg = x.clone().requires_grad_(True)
    with pytest.raises(memspice.UnsupportedError):
        layer(xg).sum().backward()


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


def test_example_one_short_epoch():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, os.path.join(ROOT, "python/examples/train_mnist.py"), "--epochs", "1",
                        "--train-limit", "64", "--test-limit", "64", "--batch", "16"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "epoch 1" in p.stdout and "test acc" in p.stdout
