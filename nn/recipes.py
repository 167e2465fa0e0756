"""Choosing the architecture (curriculum items 6 and 8): the output layer and loss by task, an MLP builder
and a starting guess for the hidden width.

| task        | output units | prediction head  | training loss (on raw outputs)             |
|-------------|--------------|------------------|--------------------------------------------|
| regression  | n targets    | identity         | MSELoss                                    |
| binary      | 1            | Sigmoid          | BCEWithLogitsLoss  (= sigmoid + BCE, fused) |
| multiclass  | n classes    | Softmax(dim=1)   | CrossEntropyLoss   (= softmax + CE, fused)  |

The model itself ends in a plain ``Linear``: the fused losses apply the sigmoid/softmax internally in
a numerically stable way, and the head turns outputs into values or probabilities when predicting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Linear
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Identity, Module, Sequential

ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
}


@dataclass(frozen=True)
class OutputRecipe:
    """How a task's output layer is built and trained: ``head()`` maps raw outputs to predictions,
    ``loss()`` is the training loss on raw outputs, ``targets(y)`` shapes labels for that loss."""

    task: str
    head: Callable[[], Module]
    loss: Callable[[], Module]
    target_dtype: str
    column: bool

    def output_units(self, n_targets_or_classes: int) -> int:
        """Units of the last Linear: 1 for binary, one per class or per regression target otherwise."""
        return 1 if self.task == "binary" else n_targets_or_classes

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Labels as the loss expects them: float columns (n, 1) for binary/1-D regression, int64 indices for
        multiclass."""
        y = np.asarray(y).astype(self.target_dtype)
        return y.reshape(len(y), -1) if self.column and y.ndim == 1 else y


RECIPES = {
    "regression": OutputRecipe("regression", Identity, MSELoss, "float64", True),
    "binary": OutputRecipe("binary", Sigmoid, BCEWithLogitsLoss, "float64", True),
    "multiclass": OutputRecipe("multiclass", lambda: Softmax(dim=1), CrossEntropyLoss, "int64", False),
}


def output_recipe(task: str) -> OutputRecipe:
    """The recipe for ``"regression"``, ``"binary"`` or ``"multiclass"``."""
    try:
        return RECIPES[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}: choose one of {sorted(RECIPES)}") from None


def suggest_hidden_units(n_in: int, n_out: int) -> int:
    """round(sqrt(n_in * n_out)): the geometric-mean rule of thumb, a *starting point* for the hidden width
    to tune from, not a law (at least 1)."""
    if n_in < 1 or n_out < 1:
        raise ValueError(f"suggest_hidden_units: sizes must be >= 1, got {n_in}, {n_out}")
    return max(1, round(math.sqrt(n_in * n_out)))


def build_mlp(
    n_in: int,
    hidden: Sequence[int],
    n_out: int,
    activation: str = "relu",
    generator: np.random.Generator | None = None,
    dtype: Any = None,
) -> Sequential:
    """``Linear -> activation`` for each hidden width, then a final ``Linear`` to ``n_out`` raw outputs
    (weights of ``dtype``, float32 by default, drawn from ``generator``)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {sorted(ACTIVATIONS)}")
    layers: list[Module] = []
    sizes = [n_in, *hidden]
    for a, b in zip(sizes, sizes[1:], strict=False):
        layers += [Linear(a, b, dtype=dtype, generator=generator), ACTIVATIONS[activation]()]
    layers.append(Linear(sizes[-1], n_out, dtype=dtype, generator=generator))
    return Sequential(*layers)


__all__ = ["ACTIVATIONS", "RECIPES", "OutputRecipe", "build_mlp", "output_recipe", "suggest_hidden_units"]
