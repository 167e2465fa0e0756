"""7. Training: batch, epoch, iteration, and the output layer for each task (curriculum items 6 and 8).

An *epoch* is one pass over the data; an *iteration* is one batch (one forward, backward and step). With 100
samples in batches of 50, an epoch is 2 iterations, so 50 epochs are 100 iterations.

The last layer and the loss depend on the task (``nn.output_recipe``):
- binary (moons): one output, sigmoid + binary cross-entropy (``BCEWithLogitsLoss`` fuses the two);
- multiclass (spirals): one output per class, softmax + cross-entropy (``CrossEntropyLoss`` fuses them);
- regression (a noisy curve): one output, no activation, mean squared error.

Run: python examples/07_training.py
"""

from __future__ import annotations

from typing import Any

import numpy as np
from plots import decision_regions, figure, save

import autograd
import nn


def train(
    task: str, X: np.ndarray, y: np.ndarray, hidden: list[int], epochs: int, batch_size: int, lr: float
) -> dict[str, Any]:
    """Builds an MLP for ``task`` and trains it with ``nn.fit`` (Adam); returns the model, its history
    and the number of iterations actually run."""
    recipe = nn.output_recipe(task)
    n_out = recipe.output_units(int(y.max()) + 1 if task == "multiclass" else 1)
    model = nn.build_mlp(
        X.shape[1],
        hidden,
        n_out,
        activation="tanh",
        generator=np.random.default_rng(0),
        dtype=autograd.float64,
    )
    inputs, targets = autograd.tensor(X), autograd.tensor(recipe.targets(y))
    loader = nn.DataLoader(nn.TensorDataset(inputs, targets), batch_size=batch_size, shuffle=True, seed=0)
    loss_fn = recipe.loss()
    iterations = 0

    def counted_loss(output: autograd.Tensor, target: autograd.Tensor) -> autograd.Tensor:
        nonlocal iterations  # fit calls the loss once per batch: count the iterations
        iterations += 1
        return loss_fn(output, target)

    metrics = {} if task == "regression" else {"accuracy": nn.accuracy}
    history = nn.fit(
        model,
        counted_loss,
        nn.optim.Adam(model.parameters(), lr=lr),
        loader,
        epochs,
        metrics=metrics,
        progress=False,
    )
    print(
        f"{task}: {len(X)} samples, batch {batch_size}, {epochs} epochs -> {len(loader)} iterations per "
        f"epoch, {iterations} in all; final loss {history.loss[-1]:.4f}"
    )
    return {"model": model, "history": history, "iterations": iterations, "recipe": recipe}


def outputs(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The model's raw outputs on ``X`` (no graph is recorded)."""
    with autograd.no_grad():
        return model(autograd.tensor(X)).numpy()


def main(out_dir: str = "out") -> dict:
    # Binary: two moons, the batch-epoch-iteration example of the curriculum.
    X_moons, y_moons = nn.data.make_moons(100, noise=0.1, seed=0)
    moons = train("binary", X_moons, y_moons, [16, 16], epochs=50, batch_size=50, lr=0.05)
    moons_accuracy = nn.accuracy(outputs(moons["model"], X_moons), y_moons)  # logit > 0 <=> sigmoid > 0.5

    # Multiclass: three interleaved spirals, full batch.
    X_spirals, y_spirals = nn.data.make_spirals(300, n_classes=3, noise=0.02, seed=0)
    spirals = train("multiclass", X_spirals, y_spirals, [32, 32], epochs=150, batch_size=300, lr=0.02)
    spirals_accuracy = nn.accuracy(outputs(spirals["model"], X_spirals), y_spirals)  # argmax over classes

    # Regression: y = sin(x) + noise; the output is the prediction itself.
    rng = np.random.default_rng(0)
    X_curve = np.sort(rng.uniform(-3, 3, size=(100, 1)), axis=0)
    y_curve = np.sin(X_curve[:, 0]) + rng.normal(scale=0.1, size=100)
    curve = train("regression", X_curve, y_curve, [32], epochs=200, batch_size=50, lr=0.02)
    regression_mse = float(np.mean((outputs(curve["model"], X_curve)[:, 0] - y_curve) ** 2))
    print(
        f"moons accuracy {moons_accuracy:.1%}, spirals accuracy {spirals_accuracy:.1%} (chance 33%), "
        f"regression MSE {regression_mse:.4f} (noise variance 0.01)"
    )

    fig, axes = figure(ncols=3, nrows=2, size=(4.0, 3.5))
    runs = {"moons": moons, "spirals": spirals, "curve": curve}
    for ax, (name, run) in zip(axes, runs.items(), strict=False):
        ax.plot(run["history"].loss)
        ax.set(title=f"{name}: {run['recipe'].loss.__name__}", xlabel="epoch", ylabel="loss", yscale="log")
    decision_regions(
        axes[3],
        lambda p: (outputs(moons["model"], p)[:, 0] > 0).astype(int),
        X_moons,
        y_moons,
        f"moons, accuracy {moons_accuracy:.0%}",
    )
    decision_regions(
        axes[4],
        lambda p: outputs(spirals["model"], p).argmax(axis=1),
        X_spirals,
        y_spirals,
        f"spirals, accuracy {spirals_accuracy:.0%}",
    )
    grid = np.linspace(-3, 3, 200)[:, None]
    axes[5].scatter(X_curve[:, 0], y_curve, s=10, label="data")
    axes[5].plot(grid[:, 0], outputs(curve["model"], grid)[:, 0], "r", label="model")
    axes[5].set(title=f"regression, MSE {regression_mse:.3f}")
    axes[5].legend()
    path = save(fig, out_dir, "07_training")

    return {
        "moons_iterations": moons["iterations"],
        "moons_accuracy": moons_accuracy,
        "spirals_accuracy": spirals_accuracy,
        "spirals_chance": 1 / 3,
        "regression_mse": regression_mse,
        "losses": {
            "moons": moons["history"].loss,
            "spirals": spirals["history"].loss,
            "regression": curve["history"].loss,
        },
        "files": [path],
    }


if __name__ == "__main__":
    main()
