"""6. Tensors: the vocabulary, with autograd through every operation (curriculum item 10).

A tensor has a shape (its size along each axis), a rank (the number of axes, ``ndim``) and a size (the
number of elements, ``numel``). Reshaping, joining and casting are all differentiable: for each one we
compute ``out.sum()`` and look at ``x.grad``, which counts how often each element of ``x`` reached the
output -- 1 through a view, 2 when ``cat`` or ``stack`` uses ``x`` twice, 0 where indexing skipped it.

Run: python examples/06_tensors.py
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import autograd
from autograd import Tensor
from autograd.viz import render


def doubled_in_place(x: Tensor) -> Tensor:
    """2 * x + 1, the ``+ 1`` done in place (allowed: no recorded op has read ``y`` yet)."""
    y = x * 2
    y.add_(1)
    return y


# name -> what to do with x, a (12,) float32 leaf; each result is summed and backpropagated
OPERATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "view(3, -1)": lambda x: x.view(3, -1),  # -1: inferred, 12 / 3 = 4
    "view(3, -1).sum(dim=0)": lambda x: x.view(3, -1).sum(dim=0),  # sum along axis 0, the rows
    "unsqueeze(0)": lambda x: x.unsqueeze(0),  # (12,) -> (1, 12)
    "unsqueeze(0).squeeze()": lambda x: x.unsqueeze(0).squeeze(),  # drops axes of size 1
    "cat([x, x])": lambda x: autograd.cat([x, x]),  # joins along an existing axis: (24,)
    "stack([x, x])": lambda x: autograd.stack([x, x]),  # along a new axis: (2, 12)
    "double()": lambda x: x.double(),  # casting between floats is differentiable
    "view(3, -1)[:, 0]": lambda x: x.view(3, -1)[:, 0],  # the first column only
    "2 * x, then add_(1)": doubled_in_place,
}


def main(out_dir: str = "out") -> dict:
    x = autograd.arange(0.0, 12.0, requires_grad=True)  # 0, 1, ..., 11 as float32
    m = x.view(3, -1)
    print(m)
    print(f"shape {m.shape}, rank (ndim) {m.ndim}, size (numel) {m.numel()}, dtype {m.dtype}")
    print("linspace(0, 1, steps=5):", autograd.linspace(0, 1, 5))
    print("integer copy:", x.long().dtype, "- integer tensors cannot require grad")

    shapes, grads = {}, {}
    for name, op in OPERATIONS.items():
        x.grad = None  # backward adds into .grad: start each one from nothing
        out = op(x)
        out.sum().backward()
        shapes[name], grads[name] = out.shape, x.grad.numpy().copy()
        counts = grads[name].astype(int).tolist()
        print(f"{name:<24} shape {str(out.shape):<8} {out.dtype!s:<8} x.grad = {counts}")

    errors = {}  # mistakes get clear messages
    for name, mistake in {
        "view(5, -1) of 12 elements": lambda: x.view(5, -1),
        "backward after exp's output changed in place": lambda: _modify_saved(x),
        "an int tensor requiring grad": lambda: autograd.arange(3).requires_grad_(),
    }.items():
        try:
            mistake()
        except RuntimeError as error:
            errors[name] = str(error)
            print(f"{name}: RuntimeError: {error}")

    # The graph of a small tensor expression, with shapes and gradients in each node.
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([3.0, 4.0], requires_grad=True)
    joined = autograd.stack([a, b]).unsqueeze(0)  # (1, 2, 2)
    out = (joined * joined).sum()
    out.backward()
    path = render(out, Path(out_dir) / "06_tensor_graph.svg")
    print(f"wrote {path}")
    return {
        "shape": m.shape,
        "ndim": m.ndim,
        "numel": m.numel(),
        "shapes": shapes,
        "grads": grads,
        "errors": errors,
        "a_grad": a.grad.numpy(),
        "files": [path],
    }


def _modify_saved(x: Tensor) -> None:
    """exp saves its output for backward (d exp(u) = exp(u) du); after an in-place change backward refuses."""
    y = (x * 1).exp()
    y.add_(1)
    y.sum().backward()


if __name__ == "__main__":
    main()
