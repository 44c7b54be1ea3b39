"""memspice.torch: a network netlist as a PyTorch layer.

    layer = memspice.torch.CircuitLayer("net.cir")     # .input/.readout/.trainable/.tran
    layer = memspice.torch.CircuitLayer("rc.cir", inputs=["vin*"], readout=["v(o*)"], reduce="mean")
                                     # a netlist without .input/.readout: the arguments make them
    y = layer(x)                     # (B, n_inputs) float64 -> (B, n_classes) scores
    loss = torch.nn.functional.cross_entropy(y, labels)
    loss.backward(); opt.step(); layer.apply_bounds()

The circuit's trainable values are one float64 nn.Parameter, `layer.weight`
(names in `layer.param_names`), in the optimiser's units: value / scale
(.trainable scale=, 1 where none; `layer.values()` = weight x scale); every
forward (and backward) writes the values into the C circuit, so optimizer
steps and manual edits are always what the circuit simulates.  Bounds (the cells' states in [0, 1],
min=/max= of .trainable) are applied as `memspice train` applies them after
each optimizer step: call `layer.apply_bounds()` after `opt.step()`, or once
`layer.clamp_after(opt)` to have it done by the optimizer.  The backward is
the circuit adjoint seeded with the upstream gradient dL/dscores, so any
PyTorch loss works; it gives dL/dweight (summed over the batch) and, with
encoding=analog inputs (either engine), dL/dx: rate and latency spikes are
not differentiable in x, so asking for it there raises UnsupportedError.
"""
import numpy as np
import torch

from ._core import Network

__all__ = ["CircuitLayer", "CircuitFunction"]


class CircuitFunction(torch.autograd.Function):
    """scores = circuit(x; weight).  apply(x, weight, network, seed)."""

    @staticmethod
    def forward(ctx, x, weight, net, seed):
        w = weight.detach().cpu().numpy().astype(np.float64)
        xn = x.detach().cpu().numpy().astype(np.float64)
        net.set_params(w)
        s = net.forward(xn, seed)
        ctx.net, ctx.seed, ctx.xn, ctx.w = net, seed, xn, w
        return torch.from_numpy(s).to(device=x.device)

    @staticmethod
    def backward(ctx, gout):
        net = ctx.net
        net.set_params(ctx.w)   # the values of the forward, whatever happened since
        want_dx = bool(ctx.needs_input_grad[0])
        ds = gout.detach().cpu().numpy().astype(np.float64)
        _, dp, dx = net.backward(ctx.xn, ds, ctx.seed, want_dx=want_dx)
        gx = torch.from_numpy(dx).to(gout.device) if want_dx else None
        gw = torch.from_numpy(dp).to(gout.device) if ctx.needs_input_grad[1] else None
        return gx, gw, None, None


class CircuitLayer(torch.nn.Module):
    """A network netlist (what `memspice train` reads) as a torch.nn.Module.

    path: the netlist; engine: "auto" (batched when the network compiles for
    it, else per sample), "batched" or "per-sample"; threads: the C library's
    worker threads (0: one per core); seed: rate-coded inputs' spikes (sample b
    of a batch draws from hash(seed, b)).  Everything is float64: inputs are
    converted, scores and gradients are float64 tensors.

    For a netlist without .input/.readout cards, the keywords make them
    (memspice.Network): inputs=["vin*"] (source globs), readout=["v(o*)"]
    (signals; v(glob) expands over the nodes in natural order), reduce=
    "mean"|"final"|"max"|"integral", and scale, encoding, gain, loss,
    trainable.  The .tran window and the .trainable values (or trainable=)
    must be there."""

    def __init__(self, path, engine="auto", threads=0, seed=1, *, inputs=None, readout=None, reduce=None,
                 scale=None, encoding=None, gain=None, loss=None, trainable=None):
        super().__init__()
        self.net = Network(path, engine=engine, threads=threads, inputs=inputs, readout=readout, reduce=reduce,
                           scale=scale, encoding=encoding, gain=gain, loss=loss, trainable=trainable)
        self.seed = int(seed)
        self.param_names = list(self.net.param_names)
        self.input_names = list(self.net.input_names)
        self.n_inputs, self.n_classes = self.net.n_inputs, self.net.n_classes
        # the optimiser works on value / scale (.trainable scale=; 1 where none), as memspice train's
        # does, so that Adam's step is lr x scale in a value's own units (a capacitance in farads)
        self.register_buffer("scale", torch.from_numpy(self.net.scale.copy()))
        self.weight = torch.nn.Parameter(torch.from_numpy(self.net.get_params()) / self.scale)
        self.register_buffer("lo", torch.from_numpy(self.net.lo.copy()) / self.scale)
        self.register_buffer("hi", torch.from_numpy(self.net.hi.copy()) / self.scale)

    @property
    def engine(self):
        return self.net.engine

    def values(self):
        """The circuit's values (weight x scale), in the graph."""
        return self.weight * self.scale

    def forward(self, x):
        x = torch.as_tensor(x, dtype=torch.float64)
        return CircuitFunction.apply(x, self.values(), self.net, self.seed)

    @torch.no_grad()
    def apply_bounds(self):
        """Clamp the trainable values into their bounds (as memspice train does after each step;
        lo and hi are in weight units, bound / scale)."""
        self.weight.copy_(torch.maximum(torch.minimum(self.weight, self.hi), self.lo))

    def clamp_after(self, optimizer):
        """Make optimizer.step() call apply_bounds() after each step."""
        if hasattr(optimizer, "register_step_post_hook"):   # torch >= 2.0
            return optimizer.register_step_post_hook(lambda *a, **k: self.apply_bounds())
        step = optimizer.step

        def bounded_step(*a, **k):
            r = step(*a, **k)
            self.apply_bounds()
            return r
        optimizer.step = bounded_step
        return None

    @torch.no_grad()
    def sync_to_circuit(self):
        """Write the parameter into the C circuit now (forward does it anyway)."""
        self.net.set_params(self.values().detach().cpu().numpy())

    def named_circuit_values(self):
        return dict(zip(self.param_names, self.values().detach().cpu().tolist()))

    def extra_repr(self):
        return (f"{self.net.path!r}, inputs={self.n_inputs}, classes={self.n_classes}, "
                f"params={len(self.param_names)}, engine={self.engine}")
