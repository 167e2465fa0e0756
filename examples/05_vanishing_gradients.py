"""5. Vanishing gradients and dead ReLUs (curriculum item 5).

Backpropagation multiplies one local derivative per layer. sigmoid' <= 0.25, so through 10 sigmoid layers
the gradient reaching the first layers is many orders of magnitude smaller than at the last: those layers
barely learn. tanh (slope 1 at 0), ReLU and ELU (slope 1 for x > 0) keep it alive. All four networks
here start from the same Glorot-uniform weights; only the activation differs.

ReLU has its own failure: a unit whose input is negative for every sample outputs 0 and gets no gradient,
so it never recovers. A too-large learning rate throws many units there at once.

Run: python examples/05_vanishing_gradients.py
"""

from __future__ import annotations

import numpy as np
from plots import figure, save

import autograd
import nn


def deep_net(activation: str, depth: int = 10, width: int = 32, seed: int = 0) -> nn.Sequential:
    """2 -> ``depth`` hidden layers of ``width`` units -> 1 logit, Glorot-uniform weights, zero biases."""
    generator = np.random.default_rng(seed)
    model = nn.build_mlp(2, [width] * depth, 1, activation=activation, generator=generator)
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, generator=generator)
            nn.init.zeros_(layer.bias)
    return model


def layer_grad_norms(model: nn.Sequential, inputs: autograd.Tensor, targets: autograd.Tensor) -> list[float]:
    """The norm of d loss / d weight of each Linear layer, input side first, after one backward pass."""
    model.zero_grad()
    nn.BCEWithLogitsLoss()(model(inputs), targets).backward()
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    return [float(np.linalg.norm(layer.weight.grad.numpy())) for layer in linears]


def dead_relu_fraction(lr: float, inputs: autograd.Tensor, targets: autograd.Tensor, epochs: int) -> float:
    """Trains a 3-hidden-layer ReLU net with plain SGD at ``lr``; the fraction of ReLU units that output 0
    for every sample in the last epoch (``nn.fit`` records it)."""
    model = nn.build_mlp(2, [32, 32, 32], 1, activation="relu", generator=np.random.default_rng(0))
    loader = nn.DataLoader(nn.TensorDataset(inputs, targets), batch_size=20, shuffle=True, seed=0)
    history = nn.fit(
        model, nn.BCEWithLogitsLoss(), nn.optim.SGD(model.parameters(), lr=lr), loader, epochs, progress=False
    )
    return history.dead_relu[-1]


def main(out_dir: str = "out") -> dict:
    X, y = nn.data.make_moons(200, noise=0.1, seed=0)
    inputs = autograd.tensor(X, dtype=autograd.float32)
    targets = autograd.tensor(y[:, None], dtype=autograd.float32)

    activations = ("sigmoid", "tanh", "relu", "elu")
    norms = {act: layer_grad_norms(deep_net(act), inputs, targets) for act in activations}
    for act, n in norms.items():
        print(f"{act:>8}: |grad| first layer {n[0]:.1e}, last layer {n[-1]:.1e}, ratio {n[0] / n[-1]:.1e}")

    epochs = 10
    dead = {lr: dead_relu_fraction(lr, inputs, targets, epochs) for lr in (0.05, 5.0)}
    for lr, fraction in dead.items():
        print(f"SGD lr={lr}: {fraction:.0%} of ReLU units dead after {epochs} epochs")

    fig, (ax_norms, ax_dead) = figure(ncols=2)
    for act, n in norms.items():
        ax_norms.semilogy(range(1, len(n) + 1), n, "o-", label=act)
    ax_norms.set(
        xlabel="layer (1 = next to the input)", ylabel="|d loss / d W|", title="gradient norm per layer"
    )
    ax_norms.legend()
    ax_dead.bar([f"lr={lr}" for lr in dead], [100 * f for f in dead.values()])
    ax_dead.set(ylabel="% dead ReLU units", title=f"after {epochs} epochs of SGD")
    path = save(fig, out_dir, "05_vanishing_gradients")
    return {"grad_norms": norms, "dead_relu": dead, "files": [path]}


if __name__ == "__main__":
    main()
