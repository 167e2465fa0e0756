"""Reading and writing with an index (ints, slices, None, ..., bool masks, integer arrays), as in torch.

Reading is a gather, whose backward is a scatter-add (repeated indices accumulate); the scatter's
backward is the gather again, so both are differentiable to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op, ViewOp, where, zeros

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def is_basic(index: Any) -> bool:
    """True for indices that numpy answers with a view (no arrays or lists inside)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, _BASIC) and not isinstance(p, bool) for p in parts)


def scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index`` (for an ndarray or a Tensor ``g``)."""
    if isinstance(g, Tensor):
        return Scatter.apply(g, index, shape)
    out = np.zeros(shape, g.dtype)
    if is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


class Index(ViewOp):
    """a[index]; a view for basic indices, a copy for advanced ones (as numpy)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, index: Any) -> Any:
        ctx._saved = (index, a.shape)
        return a[index]

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        index, shape = ctx._saved
        return scatter(g, index, shape), None


class Scatter(Op):
    """Index's backward as an op (for higher derivatives): zeros of ``shape``, ``g`` added at ``index``."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, g: Any, index: Any, shape: tuple[int, ...]) -> Any:
        ctx._saved = (index,)
        return scatter(g, index, shape)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (index,) = ctx._saved
        return g[index], None, None


class SetItem(Op):
    """``a`` with ``a[index] = value`` (out of place; ``Tensor.__setitem__`` writes it into the storage)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, a: Any, value: Any, index: Any) -> Any:
        out = np.array(a, copy=True)
        out[index] = value
        kept = np.ones(out.shape, bool)
        kept[index] = False
        ctx._saved = (kept, index)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        kept, index = ctx._saved
        return where(kept, g, 0.0), g[index] if ctx._needs[1] else None, None


class Copy(Op):
    """``src`` broadcast into ``a``'s shape and dtype (``copy_``); the gradient goes to ``src``, and ``a``'s
    overwritten values get zeros (as torch: not None)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any) -> Any:
        return np.broadcast_to(src, a.shape).astype(a.dtype)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return zeros(g) if ctx._needs[0] else None, g
