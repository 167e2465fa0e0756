"""softmax, log_softmax and logsumexp along a dimension, stable for any finite input (the max is subtracted
before exponentiating, so inputs of +-1e4 neither overflow nor lose the answer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Op, _sum, exp, summed

_max = np.maximum.reduce  # ndarray.max without its Python wrapper


def _shifted(a: Any, axis: Any) -> tuple[Any, Any]:
    """(a - max, max) along ``axis``, the max taken as 0 where infinite: exp(a - max) cannot overflow."""
    top = _max(a, axis=axis, keepdims=True, initial=-np.inf)  # -inf over an empty axis (torch's answer)
    top = np.where(np.isfinite(top), top, 0)
    return a - top, top


class LogSumExp(Op):
    """log(sum(exp(a), dim)), keeping the reduced dimension; d/da = softmax(a) = exp(a - out)."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, axis: Any) -> Any:
        shifted, top = _shifted(a, axis)
        out = np.log(_sum(np.exp(shifted), axis=axis, keepdims=True)) + top
        ctx._saved = (a, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, out = ctx._saved
        return g * exp(a - out), None


class Softmax(Op):
    """exp(a) / sum(exp(a), dim); backward: out * (g - sum(g * out, dim))."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, axis: int) -> Any:
        e = np.exp(_shifted(a, axis)[0])
        out = e / _sum(e, axis=axis, keepdims=True)
        ctx._saved = (out, axis)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        out, axis = ctx._saved
        return out * (g - summed(g * out, axis)), None


class LogSoftmax(Op):
    """a - logsumexp(a, dim); backward: g - softmax * sum(g, dim), with softmax = exp(out)."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, axis: int) -> Any:
        shifted = _shifted(a, axis)[0]
        out = shifted - np.log(_sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx._saved = (out, axis)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        out, axis = ctx._saved
        return g - exp(out) * summed(g, axis), None
