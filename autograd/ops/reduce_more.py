"""More reductions, as torch: prod, cumsum, cumprod, norm, count_nonzero, all/any and argmax/argmin over
``dim``, var_mean and std_mean.

prod and cumprod differentiate through zeros as torch does: without zeros d/da_k is a quotient (out / a_k),
with zeros each element's "product of the others" is multiplied out directly (a table of n x n per slice,
built only then). Their ops keep the reduced dimension (size 1) so the output they save is the node's own
tensor, which a backward under ``create_graph`` differentiates again; the functions drop it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap
from .function import Op, _sum, expand, permute, summed, where
from .matrix_norm import matrix_norm
from .methods import Dim, _axes, _axis, amax, amin, mean, std, var
from .registry import register


def _raw(x: Any) -> np.ndarray:
    """The array of an ndarray or a Tensor (for masks, which are constants)."""
    return x._data if isinstance(x, Tensor) else x


def _last(x: Any, axis: int) -> tuple[Any, tuple[int, ...]]:
    """``x`` with ``axis`` moved last, and the order that moves it back."""
    order = [d for d in range(x.ndim) if d != axis] + [axis]
    back = tuple(order.index(d) for d in range(x.ndim))
    return permute(x, tuple(order)), back


def _each_left_out(x: Any, axis: int) -> Any:
    """``x`` along ``axis`` as a table: row k holds the slice with element k replaced by 1 (an extra last
    dimension, the ``axis`` one second to last): the products of "all but one" without dividing by 0."""
    moved, back = _last(x, axis)
    n = moved.shape[-1]
    table = expand(moved.reshape((*moved.shape[:-1], 1, n)), (*moved.shape, n))
    return where(np.eye(n, dtype=bool), 1.0, table), back


def _cumsum(x: Any, axis: int, reverse: bool) -> Any:
    """Running sums along ``axis`` (from the end when ``reverse``) of an ndarray or a Tensor."""
    if isinstance(x, Tensor):
        return Cumsum.apply(x, axis, reverse)
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


def _prod(x: Any, axis: int) -> Any:
    """The product along ``axis`` (kept, size 1) of an ndarray or a Tensor."""
    return Prod.apply(x, axis) if isinstance(x, Tensor) else np.prod(x, axis=axis, keepdims=True)


def _cumprod(x: Any, axis: int) -> Any:
    """Running products along ``axis`` of an ndarray or a Tensor."""
    return Cumprod.apply(x, axis) if isinstance(x, Tensor) else np.cumprod(x, axis)


class Prod(Op):
    """The product along ``axis``, kept as size 1. d/da_k = the product of the others: out / a_k without
    zeros; with zeros multiplied out (one zero: its others, the rest 0; two: all 0)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axis: int) -> Any:
        out = np.prod(a, axis=axis, keepdims=True)
        ctx._saved = (a, out, axis)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, out, axis = ctx._saved
        if not (_raw(a) == 0).any():
            return g * out / a, None
        table, back = _each_left_out(a, axis)
        others = _prod(table, table.ndim - 1).reshape(table.shape[:-1])
        return g * permute(others, back), None


class Cumsum(Op):
    """Running sums along ``axis`` (from the end when ``reverse``); the gradient is the running sum of
    ``g`` the other way."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axis: int, reverse: bool) -> Any:
        ctx._saved = (axis, reverse)
        return _cumsum(a, axis, reverse)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        axis, reverse = ctx._saved
        return _cumsum(g, axis, not reverse), None, None


class Cumprod(Op):
    """Running products y along ``axis``. d/da_k = sum over i >= k of g_i * prod(a_j, j <= i, j != k): the
    reverse running sum of g * y, over a_k, without zeros; with zeros the running products with each a_k
    set to 1, multiplied out (n x n per slice)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, axis: int) -> Any:
        out = np.cumprod(a, axis)
        ctx._saved = (a, out, axis)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, out, axis = ctx._saved
        if not (_raw(a) == 0).any():
            return _cumsum(g * out, axis, True) / a, None
        table, back = _each_left_out(a, axis)  # [..., k, i]: a's running products with a_k set to 1
        moved, _ = _last(g, axis)
        n = moved.shape[-1]
        terms = _cumprod(table, table.ndim - 1) * moved.reshape((*moved.shape[:-1], 1, n))
        later = np.triu(np.ones((n, n), bool))  # i >= k
        return permute(summed(where(later, terms, 0.0), -1, False), back), None


class Norm(Op):
    """(sum |a|**p)**(1/p) over ``axes``, kept as size 1. d/da = sign(a) |a|**(p-1) / out**(p-1); 0 where
    the norm is 0 (torch's subgradient), and where a is 0 for p < 1."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, p: float, axes: tuple[int, ...] | None) -> Any:
        if p == 2:
            out = np.sqrt(_sum(a * a, axis=axes, keepdims=True))
        elif p == 1:
            out = _sum(np.abs(a), axis=axes, keepdims=True)
        else:
            out = _sum(np.abs(a) ** p, axis=axes, keepdims=True) ** (1 / p)
        ctx._saved = (a, out, p)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, out, p = ctx._saved
        if p == 1:
            return g * _sign(a), None, None
        scale = where(_raw(out) == 0, 1.0, out)  # there a is all 0, so the gradient is too
        if p == 2:
            return g * a / scale, None, None
        grad = g * _sign(a) * abs(a) ** (p - 1) / scale ** (p - 1)
        return (where(_raw(a) == 0, 0.0, grad) if p < 1 else grad), None, None


def _sign(x: Any) -> Any:
    """-1, 0 or 1 (a constant) for an ndarray or a Tensor."""
    return np.sign(_raw(x))


def _kept(x: Tensor, out: Tensor, axes: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """An op's kept-dims result ``out`` as the function returns it: the reduced dims dropped unless
    ``keepdim``."""
    if keepdim:
        return out
    return out.reshape(tuple(n for d, n in enumerate(x.shape) if axes is not None and d not in axes))


def _integers_as_long(x: Tensor, dtype: Any) -> Tensor:
    """``x`` in ``dtype``, or as int64 for integers and bools (torch's dtype for prod, cumsum, cumprod)."""
    if dtype is not None:
        return x.to(dtype)
    return x if dtypes.is_floating(x.dtype) else x.to(dtypes.int64)


@register
def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of all elements, or along ``dim`` (one int, as torch); differentiable through zeros."""
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
        raise TypeError(f"prod(): dim must be an int (torch's prod reduces one dim), got {dim!r}")
    x = _integers_as_long(x, dtype)
    if dim is None or not x.ndim:
        if dim is not None:
            _axis(dim, 0)
        return Prod.apply(x.reshape(-1), 0).reshape(())
    axis = _axis(dim, x.ndim)
    return _kept(x, Prod.apply(x, axis), (axis,), keepdim)


def _running(op: type[Op], x: Tensor, dim: int, *args: Any) -> Tensor:
    """``op`` along ``dim``; a 0-d tensor runs as a vector of one (torch accepts dim 0 and -1 there)."""
    if not x.ndim:
        _axis(dim, 0)
        return op.apply(x.reshape(1), 0, *args).reshape(())
    return op.apply(x, _axis(dim, x.ndim), *args)


@register
def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (integers and bools as int64, as torch)."""
    return _running(Cumsum, _integers_as_long(x, dtype), dim, False)


@register
def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along ``dim`` (integers and bools as int64); differentiable through zeros."""
    return _running(Cumprod, _integers_as_long(x, dtype), dim)


@register
def norm(x: Tensor, p: Any = "fro", dim: Dim = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements when None): 'fro' and 2 (the default), 1, inf (the
    largest magnitude), -inf (the smallest), 0 (the count of nonzeros) or any other p; 'nuc' the nuclear
    norm of the matrices of two dims (``matrix_norm.py``). Its gradient at 0 is 0, as torch's."""
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)):
        return matrix_norm(x, p, dim, keepdim, dtype)  # 'nuc', as torch's linalg.matrix_norm
    if not dtypes.is_floating(x.dtype):
        raise RuntimeError(f"norm(): Expected a floating point tensor as input. Got {x.dtype}")
    x = x if dtype is None else x.to(dtype)
    if p is None or p == "fro":
        p = 2
    axes = _axes(dim, x.ndim)
    if p == math.inf:
        return amax(abs(x), axes, keepdim)
    if p == -math.inf:
        return amin(abs(x), axes, keepdim)
    if p == 0:
        return _wrap(np.asarray(_sum(x._data != 0, axis=axes, keepdims=keepdim), x.dtype))
    return _kept(x, Norm.apply(x, float(p), axes), axes, keepdim)


@register
def count_nonzero(x: Tensor, dim: Dim = None) -> Tensor:
    """How many elements are nonzero, over ``dim`` (an int or a tuple; all when None), as int64."""
    return _wrap(np.asarray(np.count_nonzero(x._data, axis=_axes(dim, x.ndim)), np.int64))


def _logical(x: Tensor, dim: Dim, keepdim: bool, reduce: Any) -> Tensor:
    """all/any over ``dim``: bool, or uint8 for uint8 input, as torch."""
    out = np.asarray(reduce(x._data, axis=_axes(dim, x.ndim), keepdims=keepdim))
    return _wrap(out.astype(np.uint8) if x.dtype == np.uint8 else out)


@register(name="all")
def all_(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """True where every element over ``dim`` (an int or a tuple; all when None) is nonzero."""
    return _logical(x, dim, keepdim, np.all)


@register(name="any")
def any_(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """True where some element over ``dim`` (an int or a tuple; all when None) is nonzero."""
    return _logical(x, dim, keepdim, np.any)


def _arg(x: Tensor, dim: int | None, keepdim: bool, find: Any, name: str) -> Tensor:
    """argmax/argmin: the first index of the extremum (nan counts as the largest), as int64."""
    if dim is None:
        if not x.numel():
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return _wrap(np.asarray(find(x._data, axis=None, keepdims=keepdim), np.int64))
    axis = _axis(dim, x.ndim)
    if x.ndim and not x.shape[axis]:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    return _wrap(np.asarray(find(x._data, axis=axis if x.ndim else None, keepdims=keepdim), np.int64))


@register
def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest value over ``dim`` (of the flattened tensor when None)."""
    return _arg(x, dim, keepdim, np.argmax, "argmax")


@register
def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest value over ``dim`` (of the flattened tensor when None)."""
    return _arg(x, dim, keepdim, np.argmin, "argmin")


@register(method=False)
def var_mean(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """(var, mean) over ``dim``, with var's arguments."""
    if isinstance(dim, bool):  # var_mean(x, unbiased)
        dim, unbiased = None, dim
    spread = var(x, dim, unbiased, keepdim, correction=correction)
    return spread, mean(x, dim, keepdim)


@register(method=False)
def std_mean(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """(std, mean) over ``dim``, with std's arguments."""
    if isinstance(dim, bool):  # std_mean(x, unbiased)
        dim, unbiased = None, dim
    return std(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)
