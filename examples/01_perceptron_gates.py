"""1. The perceptron and logic gates (curriculum items 2-4).

Rosenblatt's rule learns any linearly separable problem: on two separated clouds of points the number of
mistakes per epoch drops to zero. AND, OR and NAND are single perceptrons; XOR is not linearly separable,
so one perceptron keeps making mistakes on it forever -- but two layers of gates compute it:
XOR(a, b) = AND(NAND(a, b), OR(a, b)).

Run: python examples/01_perceptron_gates.py
"""

from __future__ import annotations

import numpy as np
from plots import figure, save

import nn
from nn.gates import AND, NAND, OR, truth_table

BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def xor(a: int, b: int) -> int:
    """XOR as a two-layer network of gates: the NAND and OR units feed an AND unit."""
    return AND(NAND(a, b), OR(a, b))


def main(out_dir: str = "out") -> dict:
    # -- Linearly separable data: two clouds, labels -1 and +1 (the perceptron's convention).
    X, y01 = nn.data.make_blobs(100, centers=[[-2.0, -2.0], [2.0, 2.0]], cluster_std=0.7, seed=0)
    y = np.where(y01 == 1, 1, -1)
    separable = nn.Perceptron(rate=0.1, n_iter=10).fit(X, y)
    print("separable data, mistakes per epoch:", separable.errors_)

    # -- The gates' truth tables, and XOR built from them.
    tables = {name: truth_table(g) for name, g in [("AND", AND), ("OR", OR), ("NAND", NAND), ("XOR", xor)]}
    for name, table in tables.items():
        print(f"{name:>4}:", " ".join(f"{a}{b}->{out}" for (a, b), out in table.items()))

    # -- One perceptron on XOR's four points: no line separates them, so it never gets them all right.
    y_xor = np.array([1 if xor(a, b) else -1 for a, b in BITS])
    single = nn.Perceptron(rate=0.1, n_iter=20).fit(BITS, y_xor)
    xor_accuracy = float(np.mean(single.predict(BITS) == y_xor))
    print("XOR with one perceptron, mistakes per epoch:", single.errors_, f"(accuracy {xor_accuracy:.2f})")

    # -- Pictures: mistakes per epoch, and the line the perceptron learned.
    fig, (ax_err, ax_line) = figure(ncols=2)
    ax_err.plot(range(1, len(separable.errors_) + 1), separable.errors_, "o-", label="separable clouds")
    ax_err.plot(range(1, len(single.errors_) + 1), single.errors_, "s-", label="XOR (4 points)")
    ax_err.set(xlabel="epoch", ylabel="mistakes (updates)", title="Rosenblatt's rule")
    ax_err.legend()
    ax_line.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    b, w1, w2 = separable.weights_  # bias first, as in the curriculum
    xs = np.linspace(X[:, 0].min(), X[:, 0].max(), 2)
    ax_line.plot(xs, -(b + w1 * xs) / w2, "k--", label="w.x + b = 0")
    ax_line.set(title="the learned boundary")
    ax_line.legend()
    path = save(fig, out_dir, "01_perceptron")

    return {
        "separable_errors": list(separable.errors_),
        "xor_errors": list(single.errors_),
        "xor_perceptron_accuracy": xor_accuracy,
        "truth_tables": tables,
        "files": [path],
    }


if __name__ == "__main__":
    main()
