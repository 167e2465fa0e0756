"""Reductions over ``dim`` (None: all dimensions; an int or a tuple) with ``keepdim``, as torch.

Their backward spreads ``g`` back over the reduced dimensions: ``g`` reshaped to the kept shape (1 in each
reduced dimension) broadcasts against the input.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from .function import Op, _sum, expand, where


def _array(total: Any) -> np.ndarray:
    """A reduction's result as an array: numpy gives a scalar when every axis goes, which would send the op
    the long way round (``function._finish``)."""
    return total if type(total) is np.ndarray else np.asarray(total)


@lru_cache(maxsize=1024)
def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with 1 in each reduced dimension (what ``keepdim=True`` gives); once per shape and axes."""
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    """Sum over ``axes``; d/da = 1, so backward broadcasts ``g`` back over the summed axes."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axes: tuple[int, ...] | None, keepdim: bool) -> Any:
        ctx._saved = (a.shape, axes)
        return _array(_sum(a, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        shape, axes = ctx._saved
        g = g if axes is None else g.reshape(kept_shape(shape, axes))  # (a sum of all broadcasts as it is)
        return expand(g, shape), None, None


class Mean(Op):
    """Mean over ``axes``; d/da = 1/n for each of the n averaged elements."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axes: tuple[int, ...] | None, keepdim: bool) -> Any:
        count = a.size if axes is None else a.size // max(math.prod(kept_shape(a.shape, axes)), 1)
        ctx._saved = (a.shape, axes, count)
        return _array(_sum(a, axis=axes, keepdims=keepdim) / count)  # ndarray.mean's wrapper costs 4x more

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        shape, axes, count = ctx._saved
        g = g if axes is None else g.reshape(kept_shape(shape, axes))  # (a mean of all broadcasts as it is)
        return expand(g / count, shape), None, None


class Extremum(Op):
    """max or min over ``axes``. ``spread``: ties share the gradient equally (torch's max() and amax);
    otherwise it all goes to the element whose index is returned (torch's max(dim)). Where nan is the
    extremum, ``nans`` gives the nans the gradient (torch's max() and min() of everything), else every
    element's is nan (amax's, 0 / 0)."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(
        ctx: Any, a: Any, axes: tuple[int, ...] | None, keepdim: bool, largest: bool, spread: bool, nans: bool
    ) -> Any:
        best = (np.max if largest else np.min)(a, axis=axes, keepdims=True)
        if spread:
            hits = a == best
            if nans and (best != best).any():
                hits |= (a != a) & (best != best)
            weight = hits / hits.sum(axis=axes, keepdims=True)
        else:
            (axis,) = axes
            index = (np.argmax if largest else np.argmin)(a, axis=axis, keepdims=True)
            weight = np.zeros(a.shape, bool)
            np.put_along_axis(weight, index, True, axis=axis)
        ctx._saved = (weight.astype(a.dtype, copy=False), kept_shape(a.shape, axes))
        return (
            best
            if keepdim
            else best.reshape([n for i, n in enumerate(a.shape) if i not in (axes or range(a.ndim))])
        )

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        weight, kept = ctx._saved
        return g.reshape(kept) * weight, None, None, None, None, None


class SafeSqrt(Op):
    """sqrt for std: its gradient is 0 where the result is 0 (a constant input), as torch's std."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.sqrt(a)
        ctx._saved = (out, out == 0)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        out, zero = ctx._saved
        return where(zero, 0.0, g / (2 * where(zero, 1.0, out)))
