"""``Dropout`` (and ``dropout``): while training, each element is zeroed with probability ``p`` and the
survivors scaled by 1 / (1 - p), so the expected output equals the input; in evaluation it is the identity.

The masks come from one place, ``_draw_mask``, the module's random generator, until the engine has a
global generator (``manual_seed``) for it to draw from.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.random import numpy_generator

from .module import Module


def _draw_mask(shape: tuple[int, ...], p: float) -> np.ndarray:
    """A boolean mask of ``shape``, each element kept (True) with probability 1 - p, drawn from the default
    generator (``autograd.manual_seed`` makes it repeatable)."""
    return numpy_generator(None).random(shape) >= p


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """``input`` with elements zeroed with probability ``p`` and the rest scaled by 1 / (1 - p) when
    ``training`` (all zeros at p = 1), else ``input`` itself; ``inplace`` writes into ``input``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        scale = np.zeros(input.shape, input.dtype)
    else:
        keep = _draw_mask(tuple(input.shape), p)
        scale = keep.astype(input.dtype) * np.asarray(1.0 / (1.0 - p), input.dtype)
    return input.mul_(Tensor(scale)) if inplace else input * Tensor(scale)


class Dropout(Module):
    """Zeroes each element with probability ``p`` (0.5) while training, scaling the rest by 1 / (1 - p);
    the identity in evaluation (``model.eval()``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


__all__ = ["Dropout", "dropout"]
