"""4. Activation functions and their derivatives, computed by autograd (curriculum item 5).

For an elementwise f, the gradient of sum(f(x)) with respect to x is f'(x) at every point, so one backward
pass gives the whole derivative curve. Each is checked against its formula. Two lessons to look for:
sigmoid' = s(1 - s) never exceeds 0.25 (so stacked sigmoids shrink gradients), and softmax must subtract
max(z) before exp -- the naive exp(z) / sum(exp(z)) overflows to nan for z = 1000.

Run: python examples/04_activations.py
"""

from __future__ import annotations

import numpy as np
from plots import figure, save

import autograd
from autograd.functional import jacobian


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + e^-x) in a form that cannot overflow


# name -> (the activation on a Tensor, its derivative by formula on numpy)
ACTIVATIONS = {
    "sigmoid": (lambda t: t.sigmoid(), lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (lambda t: t.tanh(), lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda t: t.relu(), lambda x: (x > 0).astype(float)),  # relu'(0) = 0, as in torch
    "leaky_relu": (lambda t: t.leaky_relu(0.01), lambda x: np.where(x > 0, 1.0, 0.01)),
    "elu": (lambda t: t.elu(1.0), lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
}


def naive_softmax(z: np.ndarray) -> np.ndarray:
    """exp(z) / sum(exp(z)) as often written: exp(1000) is inf, and inf / inf is nan."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / np.exp(z).sum()


def main(out_dir: str = "out") -> dict:
    xs = np.linspace(-5.0, 5.0, 201)
    curves, max_error = {}, 0.0
    for name, (f, formula) in ACTIVATIONS.items():
        x = autograd.tensor(xs, requires_grad=True)  # float64
        y = f(x)
        (dy_dx,) = autograd.grad(y.sum(), x)  # elementwise f: d sum f(x) / dx_i = f'(x_i)
        curves[name] = (y.numpy(), dy_dx.numpy())
        max_error = max(max_error, float(np.abs(dy_dx.numpy() - formula(xs)).max()))
    d_sigmoid = curves["sigmoid"][1]
    print(f"max sigmoid'(x) = {d_sigmoid.max():.4f} at x = {xs[d_sigmoid.argmax()]:.2f}")
    print(f"autograd vs formulas: largest difference {max_error:.2e}")

    # Softmax turns scores into probabilities. Its derivative is a matrix: ds_i/dz_j = s_i (delta_ij - s_j).
    z = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)
    s = autograd.softmax(z, dim=0).numpy()
    J = jacobian(lambda t: autograd.softmax(t, dim=0), z).numpy()
    jacobian_error = float(np.abs(J - (np.diag(s) - np.outer(s, s))).max())
    big = np.array([1000.0, 1001.0, 1002.0])
    stable = autograd.softmax(autograd.tensor(big), dim=0).numpy()
    print(f"softmax([1, 2, 3]) = {np.round(s, 4)}; Jacobian vs s_i(delta_ij - s_j): {jacobian_error:.1e}")
    print(f"softmax([1000, 1001, 1002]): stable {np.round(stable, 4)}, naive {naive_softmax(big)}")

    fig, axes = figure(ncols=len(ACTIVATIONS) + 1, size=(3.2, 3.0))
    for ax, (name, (y, dy)) in zip(axes, curves.items(), strict=False):
        ax.plot(xs, y, label=name)
        ax.plot(xs, dy, "--", label="derivative")
        ax.set(title=name, xlabel="x")
        ax.legend(fontsize="small")
    axes[0].axhline(0.25, color="gray", lw=0.5)  # sigmoid' <= 0.25
    axes[-1].bar(range(3), s)
    axes[-1].set(title="softmax([1, 2, 3])", xticks=range(3))
    path = save(fig, out_dir, "04_activations")

    return {
        "sigmoid_grad_max": float(d_sigmoid.max()),
        "sigmoid_grad_argmax": float(xs[d_sigmoid.argmax()]),
        "max_formula_error": max_error,
        "softmax": s,
        "softmax_jacobian_error": jacobian_error,
        "softmax_large": stable,
        "naive_softmax_large": naive_softmax(big),
        "files": [path],
    }


if __name__ == "__main__":
    main()
