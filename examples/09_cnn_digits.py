"""9. A convolutional net on handwritten digits (scikit-learn's bundled 8x8 digits: no download).

Two 3x3 convolutions (``nn.Conv2d``), each followed by ReLU and 2x2 max pooling (``nn.MaxPool2d``), flatten
and a linear layer to the 10 classes; Adam and cross-entropy train it on 75% of the 1,797 images. Plots
(out/cnn_digits.svg): the first layer's learned 3x3 filters (edge and stroke detectors) and the test
confusion matrix (which digits it mistakes for which).

Needs scikit-learn (in the dev extra: ``pip install -e '.[dev]'``).
Run: python examples/09_cnn_digits.py [--epochs 30]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from plots import figure, save

import autograd
import nn
from nn import functional as F  # noqa: N812 (torch's spelling)

try:
    from sklearn.datasets import load_digits
except ImportError as exc:  # pragma: no cover - the dev extra has it
    raise SystemExit("examples/09_cnn_digits.py needs scikit-learn: pip install -e '.[dev]'") from exc


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images (n, 1, 8, 8) scaled to [0, 1] and labels, split 75/25 at random (seeded)."""
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.75 * len(X))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def build(dtype: Any = None) -> nn.Sequential:
    """conv(1->8) relu pool, conv(8->16) relu pool, flatten, linear(64->10)."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 10, dtype=dtype),
    )


def train(
    model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, batch: int = 64, lr: float = 1e-2
) -> list[float]:
    """Adam over shuffled minibatches (a seeded numpy rng); returns every step's loss."""
    rng = np.random.default_rng(0)
    opt = nn.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(0, len(X), batch):
            ix = order[i : i + batch]
            loss = F.cross_entropy(model(autograd.tensor(X[ix])), autograd.tensor(y[ix]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@autograd.no_grad()
def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The most likely class of each image."""
    return model(autograd.tensor(X)).argmax(dim=1).numpy()


def main(out_dir: str = "out", epochs: int = 10) -> dict[str, Any]:
    """Trains, reports test accuracy, plots the first layer's filters and the confusion matrix."""
    Xtr, ytr, Xte, yte = data()
    autograd.manual_seed(0)
    model = build()
    losses = train(model, Xtr, ytr, epochs)
    pred = predict(model, Xte)
    accuracy = float(np.mean(pred == yte))
    print(
        f"{len(Xtr)} training and {len(Xte)} test images; after {epochs} epochs: test accuracy {accuracy:.4f}"
    )
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (yte, pred), 1)
    fig, axes = figure(3, 1, size=(4.2, 4.0))
    filters = model[0].weight.detach().numpy()[:, 0]
    tiles = np.ones((2 * 4, 4 * 4)) * np.nan
    for k, f in enumerate(filters):
        r, c = divmod(k, 4)
        tiles[4 * r : 4 * r + 3, 4 * c : 4 * c + 3] = f
    lim = np.nanmax(np.abs(tiles))
    im = axes[0].imshow(tiles, cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[0].set_title("first layer: the 8 learned 3x3 filters")
    axes[0].axis("off")
    fig.colorbar(im, ax=axes[0], shrink=0.6)
    axes[1].imshow(confusion, cmap="Blues")
    for (i, j), n in np.ndenumerate(confusion):
        if n:
            axes[1].text(
                j,
                i,
                str(n),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if n > confusion.max() / 2 else "black",
            )
    axes[1].set_xticks(range(10))
    axes[1].set_yticks(range(10))
    axes[1].set_xlabel("predicted digit")
    axes[1].set_ylabel("true digit")
    axes[1].set_title(f"test confusion matrix (accuracy {accuracy:.1%})")
    axes[2].plot(losses, lw=0.8)
    axes[2].set_xlabel("step (batch of 64)")
    axes[2].set_ylabel("training loss")
    axes[2].set_title("training loss")
    path = save(fig, out_dir, "cnn_digits")
    return {"files": [path], "accuracy": accuracy, "confusion": confusion, "losses": losses}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    main(args.out, args.epochs)
