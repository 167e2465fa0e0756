"""Dropout as an op: each element zeroed with probability ``p``, the survivors scaled by 1 / (1 - p).

The mask is drawn inside the op's forward, from the default generator (``autograd.manual_seed`` seeds it),
so the op is one node whose backward multiplies by the same scaled mask, and a replay of a compiled step
(``autograd.compile``), which calls each op's forward again, draws a fresh mask each time: the same
masks, in the same order, as eager steps from the same seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..inplace import _inplace
from ..random import numpy_generator
from ..tensor import Tensor
from .function import Op
from .pointwise import scalar_name
from .registry import register


def _draw_mask(shape: tuple[int, ...], p: float) -> np.ndarray:
    """A boolean mask of ``shape``, each element kept (True) with probability 1 - p, drawn from the default
    generator (``autograd.manual_seed`` makes it repeatable)."""
    return numpy_generator(None).random(shape) >= p


def _scale(shape: tuple[int, ...], dtype: np.dtype, p: float) -> np.ndarray:
    """The factors dropout multiplies by: 0 where dropped, 1 / (1 - p) where kept (all 0 at p = 1)."""
    if p == 1.0:
        return np.zeros(shape, dtype)
    return _draw_mask(shape, p).astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype)


class Dropout(Op):
    """x * scale, ``scale`` drawn in forward (0 or 1 / (1 - p) per element); d/dx = scale, the same draw."""

    __slots__ = ()
    _operands = 1
    _promotes = False
    _random = True  # forward draws: a compiled replay calls it again and never drops it as dead work

    @staticmethod
    def forward(ctx: Any, x: Any, p: float) -> Any:
        scale = _scale(np.shape(x), x.dtype, p)
        if ctx._needs[0]:
            ctx._saved = (scale,)
        return x * scale

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (scale,) = ctx._saved
        return g * scale, None


def _write(data: np.ndarray, p: float) -> None:
    """The unrecorded in-place dropout: ``data *= scale``."""
    np.multiply(data, _scale(data.shape, data.dtype, p), out=data)


def apply_dropout(input: Tensor, p: float, inplace: bool) -> Tensor:
    """Dropout of ``input`` with probability ``p`` (0 < p <= 1), into ``input`` itself when ``inplace``: the
    one place masks are drawn (``nn.functional.dropout`` and ``autograd.dropout`` come here)."""
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {scalar_name(input.dtype)}"
        )
    return _inplace(input, Dropout, _write, p) if inplace else Dropout.apply(input, p)


@register(method=False)
def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002 - torch's names
    """``input`` with elements zeroed with probability ``p`` and the rest scaled by 1 / (1 - p) when
    ``train``, else ``input`` itself (torch.dropout)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return apply_dropout(input, p, False) if train and p > 0.0 else input
