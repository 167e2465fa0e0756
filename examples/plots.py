"""Plotting helpers shared by the examples: headless matplotlib figures saved as SVG under ``out/``.

``matplotlib.figure.Figure`` is used directly (no pyplot), so nothing needs a display or a global backend.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def figure(
    ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (5.0, 4.0)
) -> tuple[Figure, np.ndarray]:
    """A new figure and its axes as a flat array (``size`` is per panel, in inches)."""
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    return fig, axes


def save(fig: Figure, out_dir: str | Path, name: str) -> Path:
    """Writes ``fig`` to ``out_dir/name.svg`` (making the folder) and prints where."""
    path = Path(out_dir) / f"{name}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg")
    print(f"wrote {path}")
    return path


def decision_regions(
    ax: Axes, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray, title: str = ""
) -> None:
    """Colours the plane by ``predict`` (points (n, 2) -> class labels (n,)) and scatters the data on it."""
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 150)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 150)
    gx, gy = np.meshgrid(xs, ys)
    labels = predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    levels = np.arange(int(max(labels.max(), y.max())) + 2) - 0.5
    ax.contourf(gx, gy, labels, levels=levels, cmap="coolwarm", alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set_title(title)
