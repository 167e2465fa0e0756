"""Rosenblatt's perceptron (1958): a unit step over ``w . x + b`` and its error-driven learning rule.

For each sample, ``delta = rate * (target - predict(x))`` and ``w += delta * x``, ``b += delta``: the
weights move only on a mistake. It converges when the classes are linearly separable, and never on XOR.
This is the curriculum's chapter-3 algorithm in numpy, with its bugs fixed and inputs checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def unit_step(net: Any, low: int = -1) -> np.ndarray:
    """The threshold unit's activation (Heaviside, firing at 0): 1 where ``net >= 0``, ``low`` elsewhere;
    -1 for Rosenblatt's +-1 labels, 0 for the 0/1 logic gates (as ``F.step``)."""
    return np.where(np.asarray(net) >= 0.0, 1, low)


class Perceptron:
    """A single threshold unit trained by Rosenblatt's rule; labels must be -1 or +1.

    ``weights_`` holds the bias at index 0 then one weight per feature, all starting at zero;
    ``errors_`` counts the updates (misclassified samples) of each epoch. With a ``seed`` the samples
    are visited in a new seeded order each epoch; without one, in the given order.
    """

    def __init__(self, rate: float = 0.01, n_iter: int = 10, seed: int | None = None) -> None:
        if not rate > 0:
            raise ValueError(f"Perceptron: rate must be > 0, got {rate!r}")
        if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
            raise ValueError(f"Perceptron: n_iter must be a positive int, got {n_iter!r}")
        self.rate = float(rate)
        self.n_iter = n_iter
        self.seed = seed
        self.weights_: np.ndarray | None = None
        self.errors_: list[int] = []

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Runs ``n_iter`` epochs of the learning rule over ``X`` (samples x features); returns self."""
        X = _features(X)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"Perceptron.fit: y must have shape ({X.shape[0]},), got {y.shape}")
        if not np.isin(y, (-1, 1)).all():
            raise ValueError(f"Perceptron.fit: labels must be -1 or +1, got {np.unique(y).tolist()}")
        rng = None if self.seed is None else np.random.default_rng(self.seed)
        self.weights_ = np.zeros(1 + X.shape[1])
        self.errors_ = []
        for _ in range(self.n_iter):
            order = range(len(X)) if rng is None else rng.permutation(len(X))
            errors = 0
            for i in order:
                delta = self.rate * (y[i] - self.predict(X[i]))
                self.weights_[1:] += delta * X[i]
                self.weights_[0] += delta
                errors += int(delta != 0.0)
            self.errors_.append(errors)
        return self

    def net_input(self, X: Any) -> np.ndarray:
        """``X . w + b`` for one sample (a vector) or many (a matrix)."""
        if self.weights_ is None:
            raise RuntimeError("Perceptron: call fit(X, y) before net_input or predict")
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-1:] != (len(self.weights_) - 1,):
            raise ValueError(f"Perceptron: expected {len(self.weights_) - 1} features, got shape {X.shape}")
        return X @ self.weights_[1:] + self.weights_[0]

    def predict(self, X: Any) -> np.ndarray:
        """The class label, +1 or -1, by the unit step of the net input."""
        return unit_step(self.net_input(X))

    def __repr__(self) -> str:
        return f"Perceptron(rate={self.rate}, n_iter={self.n_iter}, seed={self.seed})"


def _features(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(
            f"Perceptron.fit: X must be a non-empty (samples, features) matrix, got shape {X.shape}"
        )
    return X
