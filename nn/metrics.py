"""Classification metrics on model outputs (no gradient: they measure, they are not minimised).

The 0-1 loss counts mistakes; it is flat almost everywhere and jumps at the boundary, so its gradient
is zero or undefined and gradient descent cannot use it: we train on a smooth loss and report these.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_numpy(x: Any) -> np.ndarray:
    """A Tensor's values (or an array-like) as a numpy array."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x)


def predicted_labels(output: Any, threshold: float = 0.0) -> np.ndarray:
    """Class labels from an output: argmax over classes for ``(n, C>1)`` scores, else
    ``output > threshold`` as 0/1 (threshold 0 for logits, 0.5 for probabilities). Integer outputs are
    labels already."""
    out = as_numpy(output)
    if out.dtype.kind in "iub":
        return out
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    return (out.reshape(out.shape[0] if out.ndim else 1) > threshold).astype(np.int64)


def accuracy(output: Any, target: Any, threshold: float = 0.0) -> float:
    """The fraction of samples whose predicted label equals ``target`` (see ``predicted_labels``)."""
    pred = predicted_labels(output, threshold)
    true = as_numpy(target)
    if true.dtype.kind == "f" and true.ndim == 2 and true.shape[1] == 1:
        true = true[:, 0]
    if pred.shape != true.shape:
        raise ValueError(f"accuracy: predictions of shape {pred.shape} for targets of shape {true.shape}")
    return float(np.mean(pred == true))


def zero_one_loss(output: Any, target: Any, threshold: float = 0.0) -> float:
    """The fraction of misclassified samples, ``1 - accuracy``: the perceptron's error count per sample."""
    return 1.0 - accuracy(output, target, threshold)


__all__ = ["accuracy", "as_numpy", "predicted_labels", "zero_one_loss"]
