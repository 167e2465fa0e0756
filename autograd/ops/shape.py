"""Ops that move elements without changing them: reshape/view, permute, expand, cat, flip, roll and tile.

Their backward moves the gradient back the same way. Results that view the input's memory share its
version counter (``ViewOp``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op, ViewOp, permute, summed


class Reshape(ViewOp):
    """The same elements in another shape; ``strict`` (``view``) refuses to copy, as torch's view."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, shape: tuple[int, ...], strict: bool) -> Any:
        ctx._saved = (a.shape,)
        if not strict:
            return a.reshape(shape)
        out = a.view()
        try:
            out.shape = shape
        except AttributeError:
            raise RuntimeError(
                f"view size {shape} is not compatible with input tensor's size {a.shape} and stride (memory "
                "layout); use .reshape(...) instead."
            ) from None
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (shape,) = ctx._saved
        return g.reshape(shape), None, None


class Permute(ViewOp):
    """The dimensions reordered (transpose, .T); backward applies the inverse order."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axes: tuple[int, ...]) -> Any:
        inverse = [0] * len(axes)  # inverse[axes[i]] = i (np.argsort is 10x slower on a short tuple)
        for position, axis in enumerate(axes):
            inverse[axis] = position
        ctx._saved = (tuple(inverse),)
        return a.transpose(axes)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (inverse,) = ctx._saved
        return permute(g, inverse), None


class Expand(ViewOp):
    """Broadcast to a larger shape without copying; the node sums the gradient back."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, shape: tuple[int, ...]) -> Any:
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return g, None


class Cat(Op):
    """Tensors joined along ``axis`` (the first argument); each gets back its slice of the gradient."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, axis: int, *parts: Any) -> Any:
        ends = np.cumsum([np.shape(p)[axis] for p in parts]).tolist()
        ctx._saved = (axis, list(zip([0, *ends[:-1]], ends, strict=True)))
        return np.concatenate(parts, axis=axis)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        axis, spans = ctx._saved
        lead = (slice(None),) * axis
        return (None, *(g[(*lead, slice(start, end))] for start, end in spans))


class Flip(Op):
    """The elements in reverse order along ``axes`` (a copy, as torch); backward flips the gradient back."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axes: tuple[int, ...]) -> Any:
        ctx._saved = (axes,)
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (axes,) = ctx._saved
        return (Flip.apply(g, axes) if isinstance(g, Tensor) else np.flip(g, axes)), None


class Roll(Op):
    """The elements shifted cyclically by ``shifts`` along ``axes``; backward shifts the gradient back."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        ctx._saved = (tuple(-s for s in shifts), axes)
        return np.roll(a, shifts, axes)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        back, axes = ctx._saved
        return (Roll.apply(g, back, axes) if isinstance(g, Tensor) else np.roll(g, back, axes)), None, None


class Tile(Op):
    """``a`` repeated ``reps[i]`` times along each axis (as many reps as axes): d/da sums the copies, the
    gradient seen as (reps[0], n[0], reps[1], n[1], ...) and summed over the reps axes."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, reps: tuple[int, ...]) -> Any:
        ctx._saved = (reps, a.shape)
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        reps, shape = ctx._saved
        pairs = tuple(n for pair in zip(reps, shape, strict=True) for n in pair)
        return summed(g.reshape(pairs), tuple(range(0, len(pairs), 2)), keepdims=False), None
