"""8. Your own op: a custom ``autograd.Function``, checked the way tracegrad checks its own ops.

``my_op.py`` defines softplus(x) = log(1 + e^x) with its forward and backward; ``test_my_op.py`` tests it
with hypothesis strategies and ``gradcheck``. Copy both files, change the maths, run pytest on the copy.
Here we use the op, check it once with ``gradcheck`` and ``gradgradcheck``, and plot it.

Run: python examples/08_custom_op.py    then: pytest examples/test_my_op.py
"""

from __future__ import annotations

import numpy as np
from my_op import softplus
from plots import figure, save

import autograd
from autograd.testing import gradcheck, gradgradcheck


def main(out_dir: str = "out") -> dict:
    # gradcheck: backward's gradient against central differences (f(x + eps) - f(x - eps)) / 2 eps.
    x = autograd.tensor(np.linspace(-4.0, 4.0, 9), requires_grad=True)
    first = gradcheck(softplus, [x])
    second = gradgradcheck(softplus, [x])  # the backward is differentiable too
    print(f"gradcheck: {first}, gradgradcheck: {second}")

    # Used like any built-in op: in expressions, with backward.
    xs = autograd.linspace(-6.0, 6.0, 121, dtype=autograd.float64, requires_grad=True)
    ys = softplus(xs)
    ys.sum().backward()
    x_np = xs.detach().numpy()
    sigmoid = 1.0 / (1.0 + np.exp(-x_np))  # the textbook formula, independent of the op's backward
    slope_vs_sigmoid = float(np.abs(xs.grad.numpy() - sigmoid).max())
    print(f"d softplus / dx vs 1 / (1 + e^-x): largest difference {slope_vs_sigmoid:.1e}")

    big = softplus(autograd.tensor([-1000.0, 1000.0], dtype=autograd.float64)).numpy()
    print(f"softplus(-1000) = {big[0]}, softplus(1000) = {big[1]} (no overflow)")

    fig, (ax,) = figure()
    ax.plot(x_np, ys.detach().numpy(), label="softplus(x)")
    ax.plot(x_np, xs.grad.numpy(), "--", label="its gradient = sigmoid(x)")
    ax.plot(x_np, xs.detach().relu().numpy(), ":", label="relu(x)")
    ax.set(xlabel="x", title="a custom op: softplus")
    ax.legend()
    path = save(fig, out_dir, "08_custom_op")
    return {
        "gradcheck": first,
        "gradgradcheck": second,
        "slope_vs_sigmoid": slope_vs_sigmoid,
        "x": x_np,
        "softplus": ys.detach().numpy(),
        "slope": xs.grad.numpy(),
        "large": big,
        "files": [path],
    }


if __name__ == "__main__":
    main()
