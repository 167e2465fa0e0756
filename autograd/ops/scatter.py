"""Reading and writing along index tensors, as torch: gather, scatter, index_select/index_add/index_put,
masked_fill/masked_select, take, tril/triu, diag and diagonal, with their in-place ``_`` forms.

Each is one of three ops on a numpy index tuple built from torch's arguments: a read (``Index``: a[idx],
whose backward adds the gradient back at idx, repeated indices accumulating), a write (``SetItem``:
a[idx] = src) or an accumulating write (``AddAt``: a[idx] += src, repeats adding up). Their backwards are
reads and writes again, so all of them are differentiable to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..compiler import constant
from ..inplace import _inplace
from ..tensor import Tensor, _index
from .function import Op, ViewOp, where
from .indexing import Index, Scatter, SetItem
from .methods import _axis, expand
from .registry import register


class AddAt(Op):
    """``a`` with ``src`` added at ``index`` (np.add.at: repeated indices add up); d/da = 1, d/dsrc is the
    gradient read back at ``index``."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any, index: Any) -> Any:
        out = np.array(a, copy=True)
        np.add.at(out, index, src)
        ctx._saved = (index,)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (index,) = ctx._saved
        return g, g[index] if ctx._needs[1] else None, None


class MulAt(Op):
    """``a`` with the elements at ``index`` multiplied by ``src`` (scatter's reduce="multiply"); torch has
    no derivative for it, and neither has this: backward refuses, as torch's."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any, index: Any) -> Any:
        out = np.array(a, copy=True)
        np.multiply.at(out, index, src)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        raise RuntimeError("the derivative of scatter with reduce='multiply' is not implemented (as torch)")


def _put(data: np.ndarray, value: Any, index: Any) -> None:
    """The unrecorded write of ``SetItem``: ``data[index] = value``."""
    data[index] = value


def _add_at(data: np.ndarray, value: Any, index: Any) -> None:
    """The unrecorded write of ``AddAt``: ``data[index] += value``, repeats adding up."""
    np.add.at(data, index, value)


def _mul_at(data: np.ndarray, value: Any, index: Any) -> None:
    """The unrecorded write of ``MulAt``: ``data[index] *= value``, repeats multiplying up."""
    np.multiply.at(data, index, value)


# ----- checking torch's arguments --------------------------------------------------------------
def _integers(index: Any, op: str) -> np.ndarray:
    """An index tensor's array; a RuntimeError unless it holds integers, as torch."""
    data = index._data if isinstance(index, Tensor) else np.asarray(index)
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {data.dtype}")
    return data


def _in_bounds(index: np.ndarray, size: int, dim: int, op: str, error: type = RuntimeError) -> None:
    """An ``error`` naming the first index outside [0, size) of dimension ``dim``."""
    bad = (index < 0) | (index >= size)
    if bad.any():
        raise error(f"{op}(): index {index[bad][0]} is out of bounds for dimension {dim} with size {size}")


def along(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """gather's and scatter's positions as a numpy index: ``index[i][j]`` names ``(i, index[i][j])`` for
    ``axis`` 1; every other dimension runs over the index's own size."""
    return tuple(
        index if d == axis else np.arange(n).reshape([-1 if e == d else 1 for e in range(index.ndim)])
        for d, n in enumerate(index.shape)
    )


def _gathered(shape: tuple[int, ...], dim: int, index: Any, op: str) -> tuple[int, tuple[Any, ...]]:
    """The axis and numpy index of gather/scatter ``(dim, index)`` on a tensor of ``shape``, checked as
    torch: same number of dimensions, no larger than ``shape`` off ``dim``, entries in range; an empty index
    is not checked (nor its dtype), as torch: it reads and writes nothing."""
    data = index._data if isinstance(index, Tensor) else np.asarray(index)
    axis = _axis(dim, len(shape))
    if not data.size:
        return axis, tuple(np.zeros(data.shape, np.intp) for _ in shape)
    data = _integers(data, op)
    if data.ndim != len(shape):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {list(data.shape)}, input {list(shape)})"
        )
    if any(n > m for d, (n, m) in enumerate(zip(data.shape, shape, strict=True)) if d != axis):
        raise RuntimeError(
            f"{op}(): Size does not match at a dimension: expected index {list(data.shape)} to be no larger "
            f"than self {list(shape)} apart from dimension {axis}"
        )
    _in_bounds(data, shape[axis] if shape else 1, dim, op)
    return axis, along(data, axis) if shape else ()


def _source(src: Any, index: Any, shape: tuple[int, ...], dtype: np.dtype, op: str) -> Any:
    """scatter's ``src`` (a tensor of ``dtype``, the first ``index.shape`` elements used) or value."""
    if not isinstance(src, Tensor):
        if isinstance(src, (np.ndarray, list, tuple)) or src is None:
            raise TypeError(f"{op}(): src must be a Tensor or a number, got {type(src).__name__}")
        return src
    if src.dtype != dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype ({dtype} vs {src.dtype})")
    if src.ndim != len(shape) or any(n > m for n, m in zip(shape, src.shape, strict=True)):
        raise RuntimeError(f"{op}(): src {list(src.shape)} must be at least index {list(shape)} in each dim")
    return src if src.shape == shape else src[tuple(slice(0, n) for n in shape)]


def _selected(x: Tensor, dim: int, index: Any, op: str, error: type) -> tuple[Any, ...]:
    """index_select's, index_add's numpy index: ``index`` (a vector) along ``dim``, checked."""
    data = _integers(index, op)
    if data.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(data.shape)}")
    axis = _axis(dim, x.ndim)
    _in_bounds(data, x.shape[axis] if x.ndim else 1, dim, op, error)
    if not x.ndim:  # a scalar is its own single slice, as torch: the index names it once
        if data.size != 1:
            raise IndexError(f"{op}(): Index to scalar can have only 1 value, got {data.size} value(s)")
        return ()
    return (slice(None),) * axis + (data.reshape(-1),)


def _mask(x: Tensor, mask: Any, op: str) -> np.ndarray:
    """A bool mask's array; a RuntimeError for other dtypes, as torch."""
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {data.dtype}")
    return data


def _fill_value(value: Any, op: str) -> Any:
    """masked_fill's value: a number or a 0-d tensor, as torch."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"{op} only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
        )
    return value


# ----- reads --------------------------------------------------------------------------------------
@register
def gather(x: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = x[i][index[i][j]]`` (``dim`` 1); the gradient adds back at the gathered positions. A
    0-d ``x`` reads as a vector of one, as torch's."""
    if not x.ndim and isinstance(index, Tensor) and (index.ndim == 1 or not index.numel()):
        x = x.reshape(1)
    _, idx = _gathered(x.shape, dim, index, "gather")
    return Index.apply(x, idx)


@register
def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``x`` at ``index`` (a vector) along ``dim``."""
    return Index.apply(x, _selected(x, dim, index, "index_select", RuntimeError))


@register
def take(x: Tensor, index: Tensor) -> Tensor:
    """``x`` read as a flat vector at ``index`` (negative entries count from the end), in index's shape."""
    data, size = _integers(index, "take"), x.numel()
    bad = (data < -size) | (data >= size)
    if bad.any():
        raise IndexError(f"take(): out of range: tried to access index {data[bad][0]} on a tensor of {size} "
                         "elements.")  # fmt: skip
    return Index.apply(x.reshape(-1), data)


@register
def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``x`` where ``mask`` (broadcast with ``x``) is True, as a vector."""
    data = _mask(x, mask, "masked_select")
    shape = np.broadcast_shapes(x.shape, data.shape)
    return Index.apply(x if x.shape == shape else expand(x, shape), np.broadcast_to(data, shape))


class Diagonal(ViewOp):
    """The diagonal ``offset`` of dims ``dim1`` and ``dim2``, as a last dim: a view of ``a`` (writes through
    it reach ``a``, as torch's); d/da puts the gradient on that diagonal of zeros (``DiagonalScatter``)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, offset: int, dim1: int, dim2: int) -> Any:
        ctx._saved = (a.shape, offset, dim1, dim2)
        return _diagonal_view(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        shape, offset, dim1, dim2 = ctx._saved
        if isinstance(g, Tensor):
            return DiagonalScatter.apply(g, shape, offset, dim1, dim2), None, None, None
        return _placed(g, shape, offset, dim1, dim2), None, None, None


class DiagonalScatter(Op):
    """Zeros of ``shape`` with ``g`` on a diagonal (Diagonal's backward, as an op for higher derivatives);
    its gradient is that diagonal of the output's."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> Any:
        ctx._saved = (shape, offset, dim1, dim2)
        return _placed(g, shape, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        _, offset, dim1, dim2 = ctx._saved
        taken = (
            Diagonal.apply(g, offset, dim1, dim2)
            if isinstance(g, Tensor)
            else np.diagonal(g, *ctx._saved[1:])
        )
        return taken, None, None, None, None


def _placed(g: np.ndarray, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` on the diagonal ``offset`` of dims ``dim1`` and ``dim2``."""
    out = np.zeros(shape, g.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


def _diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """``np.diagonal`` made writeable where ``a`` is (numpy's is a read-only view of the same memory)."""
    out = np.diagonal(a, offset, dim1, dim2)
    if a.flags.writeable:
        out.flags.writeable = True
    return out


@register
def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1`` and ``dim2`` (above it for ``offset`` > 0), as a last dimension: a view,
    as torch's (writing into it changes ``x``; one version counter)."""
    a, b = _axis(dim1, x.ndim), _axis(dim2, x.ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(x, offset, a, b)


def _diagonal(rows: int, cols: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) positions of diagonal ``offset`` of a rows x cols matrix."""
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


@register
def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's square matrix with it on diagonal ``diagonal``; a matrix's diagonal ``diagonal``."""
    if x.ndim == 2:
        return Index.apply(x, _diagonal(*x.shape, diagonal))
    if x.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    n = x.shape[0] + abs(diagonal)
    return Scatter.apply(x, _diagonal(n, n, diagonal), (n, n))


def _triangle(x: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    """``x`` with the elements off its lower (upper) triangle from ``diagonal`` zeroed, per matrix."""
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got {x.ndim}")
    keep = np.tri(*x.shape[-2:], diagonal if lower else diagonal - 1, dtype=bool)
    return where(constant(keep if lower else ~keep), x, constant(np.zeros((), x.dtype)))


@register
def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of each matrix (on and below ``diagonal``), the rest zero."""
    return _triangle(x, diagonal, True, "tril")


@register
def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of each matrix (on and above ``diagonal``), the rest zero."""
    return _triangle(x, diagonal, False, "triu")


# ----- writes: out of place, and in place through _inplace (version counters kept) --------------
def _scatter_args(x: Tensor, dim: int, index: Any, src: Any, op: str) -> tuple[Any, tuple[Any, ...]]:
    _, idx = _gathered(x.shape, dim, index, op)
    return _source(src, index, _integers(index, op).shape, x.dtype, op), idx


_REDUCE: dict[str | None, tuple[type[Op], Any]] = {
    None: (SetItem, _put),
    "add": (AddAt, _add_at),
    "multiply": (MulAt, _mul_at),
}


def _scatter_op(reduce: str | None, op: str) -> tuple[type[Op], Any]:
    """The op and its unrecorded writer for scatter's ``reduce``: None writes, "add" adds up, "multiply"
    multiplies (no derivative, as torch)."""
    if reduce not in _REDUCE:
        raise RuntimeError(f"{op}(): reduce argument must be either add or multiply, got {reduce!r}")
    return _REDUCE[reduce]


@register
def scatter(
    x: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """``x`` with ``out[i][index[i][j]] = src[i][j]`` (``dim`` 1); ``src`` a tensor or a number (``value``).
    With repeated indices one write wins; each ``src`` element gets the gradient at its target."""
    src, idx = _scatter_args(x, dim, index, value if src is None else src, "scatter")
    op, _ = _scatter_op(reduce, "scatter")
    return op.apply(x, src, idx)


@register(function=False)
def scatter_(
    x: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """``scatter`` in place."""
    src, idx = _scatter_args(x, dim, index, value if src is None else src, "scatter_")
    op, write = _scatter_op(reduce, "scatter_")
    return _inplace(x, op, write, src, idx)


@register
def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``x`` with ``out[i][index[i][j]] += src[i][j]`` (``dim`` 1); repeated indices add up."""
    src, idx = _scatter_args(x, dim, index, src, "scatter_add")
    return AddAt.apply(x, src, idx)


@register(function=False)
def scatter_add_(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add`` in place."""
    src, idx = _scatter_args(x, dim, index, src, "scatter_add_")
    return _inplace(x, AddAt, _add_at, src, idx)


def _index_add_args(x: Tensor, dim: int, index: Any, source: Tensor, alpha: float, op: str) -> Any:
    idx = _selected(x, dim, index, op, IndexError if x.ndim <= 1 else RuntimeError)  # torch's types
    expected = x.shape[: len(idx) - 1] + (len(idx[-1]),) + x.shape[len(idx) :] if x.ndim else ()
    if tuple(source.shape) != expected:
        raise RuntimeError(f"{op}(): source {list(source.shape)} should be {list(expected)} (self "
                           f"{list(x.shape)}, {np.size(index)} indices along dim {dim})")  # fmt: skip
    return source if alpha == 1 else source * alpha, idx


@register
def index_add(x: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """``x`` with ``alpha * source`` added at ``index`` (a vector) along ``dim``; repeats add up."""
    return AddAt.apply(x, *_index_add_args(x, dim, index, source, alpha, "index_add"))


@register(function=False)
def index_add_(x: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """``index_add`` in place."""
    return _inplace(x, AddAt, _add_at, *_index_add_args(x, dim, index, source, alpha, "index_add_"))


def _put_args(x: Tensor, indices: Any, values: Any, op: str) -> tuple[Any, tuple[Any, ...]]:
    """index_put's numpy index (a tuple of integer or bool tensors, checked against ``x``) and values."""
    idx = _index(tuple(indices))
    dim = 0
    for part in idx:
        part = np.asarray(part)
        if part.dtype == np.bool_:
            dim += part.ndim
            continue
        _integers(part, op)
        if dim >= x.ndim:
            raise IndexError(f"{op}(): too many indices for a tensor of dimension {x.ndim}")
        size = x.shape[dim]
        bad = (part < -size) | (part >= size)
        if bad.any():
            raise IndexError(
                f"{op}(): index {part[bad][0]} is out of bounds for dimension {dim} with size {size}"
            )
        dim += 1
    if isinstance(values, Tensor) and values.dtype != x.dtype:
        raise RuntimeError(f"{op}(): Index put requires the source and destination dtypes match, got "
                           f"{x.dtype} for the destination and {values.dtype} for the source.")  # fmt: skip
    return values, idx


@register
def index_put(x: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``x`` with ``x[indices] = values`` (``+=`` with ``accumulate``, repeats adding up)."""
    values, idx = _put_args(x, indices, values, "index_put")
    return (AddAt if accumulate else SetItem).apply(x, values, idx)


@register
def index_put_(x: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``index_put`` in place."""
    values, idx = _put_args(x, indices, values, "index_put_")
    return _inplace(x, AddAt, _add_at, values, idx) if accumulate else _inplace(x, SetItem, _put, values, idx)


@register
def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``x`` with ``value`` (a number or a 0-d tensor) where ``mask`` (broadcast with ``x``) is True; the
    filled positions get no gradient (-inf before a softmax is safe), ``value`` their sum."""
    data, value = _mask(x, mask, "masked_fill_"), _fill_value(value, "masked_fill_")
    shape = np.broadcast_shapes(x.shape, data.shape)
    x = x if x.shape == shape else expand(x, shape)
    return SetItem.apply(x, _in_dtype(value, x.dtype), np.broadcast_to(data, shape))


@register(function=False)
def masked_fill_(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``masked_fill`` in place (``mask`` broadcasts to ``x``'s shape)."""
    data, value = _mask(x, mask, "masked_fill_"), _fill_value(value, "masked_fill_")
    try:
        data = np.broadcast_to(data, x.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_fill_: mask {list(data.shape)} is not broadcastable to self {list(x.shape)}"
        ) from None
    return _inplace(x, SetItem, _put, _in_dtype(value, x.dtype), data)


def _in_dtype(value: Any, dtype: np.dtype) -> Any:
    """A Python number written into an integer tensor truncates, as torch (numpy refuses floats there)."""
    if isinstance(value, float) and not dtypes.is_floating(dtype) and np.isfinite(value):
        return int(value)
    return value
