"""Sorting and selection, as torch: sort, argsort, topk, kthvalue, median, mode and unique.

The indices come from numpy's stable argsort (nan sorts as the largest value, as torch); the values are
the input read at them (``Index``), so the gradient goes back to the chosen elements, as torch's.
Results of several tensors are named tuples with torch's names (``torch.return_types.sort`` and so on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap
from .indexing import Index
from .methods import _axis
from .registry import register
from .scatter import along


class sort_result(NamedTuple):  # noqa: N801 - torch.return_types.sort
    """What ``sort`` returns: the sorted values and their indices in the input."""

    values: Tensor
    indices: Tensor


class topk_result(NamedTuple):  # noqa: N801 - torch.return_types.topk
    """What ``topk`` returns: the k values and their indices."""

    values: Tensor
    indices: Tensor


class kthvalue_result(NamedTuple):  # noqa: N801 - torch.return_types.kthvalue
    """What ``kthvalue`` returns: the k-th smallest values and their indices."""

    values: Tensor
    indices: Tensor


class median_result(NamedTuple):  # noqa: N801 - torch.return_types.median
    """What ``median(dim)`` returns: the lower medians and their indices."""

    values: Tensor
    indices: Tensor


class mode_result(NamedTuple):  # noqa: N801 - torch.return_types.mode
    """What ``mode`` returns: the most frequent values and the last index of each."""

    values: Tensor
    indices: Tensor


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting order along ``axis`` (ties keep their order, descending too), as int64."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]  # sorted backwards from the end, then reversed: ties keep their first-come order
    flipped = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(flipped, axis)


def _picked(x: Tensor, order: np.ndarray, axis: int, result: Callable[..., Any]) -> Any:
    """(values, indices): ``x`` read at ``order`` along ``axis`` (differentiable) and ``order``."""
    return result(Index.apply(x, along(order, axis)), _wrap(order.astype(np.int64, copy=False)))


def _nonempty(x: Tensor, axis: int, op: str) -> None:
    """torch's IndexError for a reduction that picks an element along an empty dimension."""
    if x.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")


@register
def sort(x: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> sort_result:
    """The values along ``dim`` in order, and where each came from; ties keep their order (always
    stable, which torch's ``stable=False`` allows)."""
    if not x.ndim:
        return sort_result(*_scalar(x, dim))
    axis = _axis(dim, x.ndim)
    return _picked(x, _order(x._data, axis, descending), axis, sort_result)


@register
def argsort(x: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``x`` along ``dim`` (stable: ties keep their order)."""
    if not x.ndim:
        return _scalar(x, dim)[1]
    return _wrap(_order(x._data, _axis(dim, x.ndim), descending))


@register
def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> topk_result:  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their indices, in order
    (also for ``sorted=False``, whose order torch leaves open)."""
    axis = _axis(dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, dimension {dim} has size {n})")
    if not x.ndim:
        return topk_result(*_scalar(x, dim))  # for k 0 as well: torch's shapes
    order = np.take(_order(x._data, axis, largest), np.arange(k), axis=axis)
    return _picked(x, order, axis, topk_result)


def _scalar(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """A 0-d tensor's (values, indices) for a reduction over ``dim`` (0 or -1): itself, at index 0."""
    _axis(dim, 0)
    return Index.apply(x, ()), _wrap(np.zeros((), np.int64))


def _at(x: Tensor, order: np.ndarray, axis: int, keepdim: bool, result: Callable[..., Any]) -> Any:
    """``_picked`` for one position per slice (``order`` has size 1 along ``axis``), kept or squeezed."""
    values, indices = _picked(x, order, axis, result)
    return result(values, indices) if keepdim else result(values.squeeze(axis), indices.squeeze(axis))


@register
def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> kthvalue_result:
    """The ``k``-th smallest value along ``dim`` (k from 1) and its index."""
    axis = _axis(dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {n})"
        )
    if not x.ndim:
        return kthvalue_result(*_scalar(x, dim))
    order = np.take(_order(x._data, axis, False), [k - 1], axis=axis)
    return _at(x, order, axis, keepdim, kthvalue_result)


def _median_order(data: np.ndarray, axis: int) -> np.ndarray:
    """The index of the lower median along ``axis`` (size 1 there), or of the first nan where there is one,
    as torch."""
    order = np.take(_order(data, axis, False), [(data.shape[axis] - 1) // 2], axis=axis)
    if data.dtype.kind == "f":
        nan = np.isnan(data)
        order = np.where(nan.any(axis, keepdims=True), np.argmax(nan, axis, keepdims=True), order)
    return order


@register
def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of all elements (nan if any is nan; nan for none), or along ``dim`` as (values,
    indices); the gradient goes to the chosen element."""
    if dim is None:
        if not x.numel():
            return _wrap(np.full((), np.nan, x.dtype if dtypes.is_floating(x.dtype) else dtypes.float32))
        flat = x.reshape(-1)
        return Index.apply(flat, int(_median_order(flat._data, 0)[0]))
    if not x.ndim:
        return median_result(*_scalar(x, dim))
    axis = _axis(dim, x.ndim)
    _nonempty(x, axis, "median")
    return _at(x, _median_order(x._data, axis), axis, keepdim, median_result)


@register
def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> mode_result:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the last index
    where it occurs, as torch; the gradient goes to that element."""
    if not x.ndim:
        return mode_result(*_scalar(x, dim))
    axis = _axis(dim, x.ndim)
    _nonempty(x, axis, "mode")
    rows = np.moveaxis(x._data, axis, -1)
    ordered = np.sort(rows, axis=-1)
    n = ordered.shape[-1]
    position = np.arange(n)
    starts = np.ones(ordered.shape, bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)  # where each one's run began
    ends = np.ones(ordered.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, position, n), -1), axis=-1), -1)
    best = np.argmax(last - first, axis=-1, keepdims=True)  # the longest run; the first is the smallest
    value = np.take_along_axis(ordered, best, -1)
    index = n - 1 - np.argmax(np.flip(rows == value, -1), axis=-1, keepdims=True)
    return _at(x, np.moveaxis(index, -1, axis), axis, keepdim, mode_result)


@register
def unique(
    x: Tensor,
    sorted: bool = True,  # noqa: A002 - torch's name
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values (slices along ``dim``), sorted (also for ``sorted=False``, whose order torch
    leaves open); with ``return_inverse`` where each element went, with ``return_counts`` how many of
    each. Not differentiable."""
    axis = None if dim is None else _axis(dim, x.ndim)
    values, inverse, counts = np.unique(x._data, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else -1).astype(np.int64, copy=False)
    found = (_wrap(values), _wrap(inverse), _wrap(counts.astype(np.int64, copy=False)))
    if not (return_inverse or return_counts):
        return found[0]
    return tuple(t for t, wanted in zip(found, (True, return_inverse, return_counts), strict=True) if wanted)
