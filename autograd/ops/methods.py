"""The tensor vocabulary as torch lays it out: each function here is ``autograd.name(x, ...)`` and/or the
method ``x.name(...)``, as its ``@register`` says. They check arguments, name the problem when
it is wrong, and call the ops.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import MaxResult, Tensor, _wrap
from . import activation, elementwise, linalg, reduction, shape
from .function import promoted
from .registry import register, register_property

Dim = int | Sequence[int] | None


# ----- arguments ------------------------------------------------------------------------------
def _axis(dim: int, ndim: int) -> int:
    """``dim`` as a non-negative axis; an IndexError naming the valid range otherwise."""
    n = ndim if ndim > 0 else 1  # a 0-d tensor accepts dim 0 and -1, as torch
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _floating(x: Tensor) -> Tensor:
    """``x``, as float32 unless floating: torch's dtype for a float function of integers or bools (numpy's
    would be float16 for bools and 8-bit integers, and its -x wraps unsigned ones around)."""
    return x if x._data.dtype.kind == "f" else x.to(dtypes.DEFAULT_FLOAT)


def _axes(dim: Dim, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence) as a sorted tuple of axes, None for all (and, as torch, for an
    empty sequence and for a 0-d tensor, whose dims 0 and -1 are its whole); an error for a dim out of range
    or given twice, as torch."""
    if dim is None:
        return None
    if isinstance(dim, int):  # the commonest: x.sum(1)
        axis = _axis(dim, ndim)
        return (axis,) if ndim else None
    dims = tuple(dim)
    if not dims:
        return None
    axes = [_axis(d, ndim) for d in dims]
    if len(set(axes)) != len(axes):
        repeated = next(d for d, a in zip(dims, axes, strict=True) if axes.count(a) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return tuple(sorted(axes)) if ndim else None


def _sizes(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def infer_shape(shape: tuple[int, ...], old: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its one ``-1`` inferred from the number of elements of ``old``; an error names both."""
    size = math.prod(old)
    known = math.prod(n for n in shape if n != -1)
    if shape.count(-1) > 1:
        raise RuntimeError(f"only one dimension can be inferred, got shape {list(shape)}")
    if -1 in shape and known and size % known == 0:
        return tuple(size // known if n == -1 else n for n in shape)
    if -1 not in shape and known == size and all(n >= 0 for n in shape):
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size} (input shape {list(old)})")


# ----- shapes -------------------------------------------------------------------------------
@register
def reshape(x: Tensor, *shape: Any) -> Tensor:
    """The same elements in another shape (one -1 is inferred); a view when the memory layout allows."""
    return shape_op(x, infer_shape(_sizes(shape), x.shape), strict=False)


@register(function=False)
def view(x: Tensor, *shape: Any) -> Tensor:
    """As reshape, but always a view sharing memory (an error if the layout needs a copy), as torch."""
    return shape_op(x, infer_shape(_sizes(shape), x.shape), strict=True)


def shape_op(x: Tensor, new: tuple[int, ...], strict: bool = False) -> Tensor:
    """A new tensor (a view when possible) with the same elements in shape ``new``."""
    return shape.Reshape.apply(x, new, strict)


@register(function=False)
def view_as(x: Tensor, other: Tensor) -> Tensor:
    """``view`` to ``other``'s shape."""
    return view(x, other.shape)


@register(function=False)
def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """``reshape`` to ``other``'s shape."""
    return reshape(x, other.shape)


@register
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim..end_dim`` merged into one."""
    if not x.ndim:
        return reshape(x, 1)
    start, end = _axis(start_dim, x.ndim), _axis(end_dim, x.ndim)
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim {start_dim} comes after end_dim {end_dim}")
    return shape_op(x, (*x.shape[:start], math.prod(x.shape[start : end + 1]), *x.shape[end + 1 :]))


@register
def squeeze(x: Tensor, dim: Dim = None) -> Tensor:
    """Dimensions of size 1 removed (only ``dim``'s, when given; others are left alone, as torch)."""
    axes = range(x.ndim) if dim is None else _axes(dim, x.ndim) or ()
    drop = {a for a in axes if x.shape[a] == 1}
    return shape_op(x, tuple(n for i, n in enumerate(x.shape) if i not in drop))


@register
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """A dimension of size 1 inserted at ``dim`` (in [-ndim-1, ndim])."""
    axis = _axis(dim, x.ndim + 1)
    return shape_op(x, (*x.shape[:axis], 1, *x.shape[axis:]))


@register
def permute(x: Tensor, *dims: Any) -> Tensor:
    """The dimensions in the order ``dims``."""
    axes = tuple(_axis(d, x.ndim) for d in _sizes(dims))
    if sorted(axes) != list(range(x.ndim)):
        raise RuntimeError(
            f"permute: dims {list(_sizes(dims))} are not a permutation of the {x.ndim} dimensions"
        )
    return shape.Permute.apply(x, axes)


@register(aliases=("swapaxes", "swapdims"))
def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dimensions ``dim0`` and ``dim1`` swapped (a view; a 0-d tensor's dims 0 and -1 are itself)."""
    axes = list(range(x.ndim))
    a, b = _axis(dim0, x.ndim), _axis(dim1, x.ndim)
    if not axes:
        return shape_op(x, ())
    axes[a], axes[b] = axes[b], axes[a]
    return shape.Permute.apply(x, tuple(axes))


def _T(x: Tensor) -> Tensor:
    """All dimensions reversed (the matrix transpose for 2-D)."""
    return shape.Permute.apply(x, tuple(reversed(range(x.ndim))))


def _mT(x: Tensor) -> Tensor:
    """The last two dimensions swapped (a batch of transposed matrices)."""
    return transpose(x, -2, -1)


@register(function=False)
def expand(x: Tensor, *sizes: Any) -> Tensor:
    """Broadcast (without copying) to ``sizes``; -1 keeps a dimension, new ones are added in front."""
    target = _sizes(sizes)
    lead = len(target) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes {list(target)} is less than the dimensions of {x.shape}"
        )
    full = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(target))
    try:
        return shape.Expand.apply(x, full)
    except ValueError:
        raise RuntimeError(f"expand: shape {x.shape} cannot be expanded to {list(target)}") from None


@register(function=False)
def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """``expand`` to ``other``'s shape."""
    return expand(x, other.shape)


@register(method=False, aliases=("concat", "concatenate"))
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Tensors joined along an existing dimension ``dim``, in their common dtype. As torch, 1-D empty
    tensors (the legacy ``(0,)``) are skipped whatever the others' shape, but take part in the dtype."""
    if not tensors:
        raise RuntimeError("cat: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not t.ndim:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    cast = promoted(*tensors)
    parts = [c for t, c in zip(tensors, cast, strict=True) if t.shape != (0,)] or cast[:1]
    first = parts[0]
    axis = _axis(dim, first.ndim)
    for i, t in enumerate(parts[1:], 1):
        if t.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t.ndim}")
        for a, (n, m) in enumerate(zip(first.shape, t.shape, strict=True)):
            if a != axis and n != m:
                raise RuntimeError(
                    f"cat: Sizes of tensors must match except in dimension {axis}. Expected size {n} but got "
                    f"size {m} for tensor number {i} in the list (shapes {[tuple(p.shape) for p in parts]})."
                )
    return shape.Cat.apply(axis, *parts)


@register(method=False)
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Tensors of one shape joined along a new dimension ``dim``."""
    if not tensors:
        raise RuntimeError("stack: expected a non-empty sequence of tensors")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got shapes {sorted(shapes)}")
    axis = _axis(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, axis) for t in tensors], axis)


@register
def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along ``dim``: pieces of one size (the last may be smaller) or of the
    given sizes."""
    axis = _axis(dim, x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be a positive int, got {split_size_or_sections}")
        sizes = [
            builtins.min(split_size_or_sections, n - start) for start in range(0, n, split_size_or_sections)
        ]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split: sizes {sizes} do not add up to {n}, the size of dimension {dim}")
    ends = list(accumulate(sizes))
    lead = (slice(None),) * axis
    return tuple(x[(*lead, slice(end - size, end))] for size, end in zip(sizes, ends, strict=True))


@register
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` views of (nearly) equal size along ``dim``."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks}")
    return split(x, builtins.max(1, -(-x.shape[_axis(dim, x.ndim)] // chunks)), dim)


@register
def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dimension removed."""
    axis = _axis(dim, x.ndim)
    return tuple(x[(*(slice(None),) * axis, i)] for i in range(x.shape[axis]))


# ----- maths --------------------------------------------------------------------------------
@register
def exp(x: Tensor) -> Tensor:
    """e**x."""
    return elementwise.Exp.apply(_floating(x))


@register
def log(x: Tensor) -> Tensor:
    """Natural log (-inf at 0, nan below)."""
    return elementwise.Log.apply(_floating(x))


@register
def sqrt(x: Tensor) -> Tensor:
    """Square root."""
    return elementwise.Sqrt.apply(_floating(x))


@register
def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return elementwise.Tanh.apply(_floating(x))


@register
def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e**-x), without overflow."""
    return elementwise.Sigmoid.apply(_floating(x))


@register
def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return elementwise.Relu.apply(x)


@register
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return elementwise.LeakyRelu.apply(_floating(x), negative_slope)


@register
def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (e**x - 1) otherwise."""
    return elementwise.Elu.apply(_floating(x), alpha)


@register(aliases=("clip",))
def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """x limited to [min, max] (either may be None or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):  # torch's result type of all three
        x, min, max = promoted(x, min, max)
    return elementwise.Clamp.apply(x, min, max)


@register
def maximum(x: Any, other: Any) -> Tensor:
    """Elementwise max of two broadcastable tensors."""
    return elementwise.Maximum.apply(x, other)


@register
def minimum(x: Any, other: Any) -> Tensor:
    """Elementwise min of two broadcastable tensors."""
    return elementwise.Minimum.apply(x, other)


@register
def sum(x: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """The sum over ``dim`` (all elements when None); unsigned integers sum as int64, as torch (numpy would
    give uint64)."""
    if dtype is None and x._data.dtype.kind == "u":
        dtype = dtypes.int64
    x = x if dtype is None else x.to(dtype)
    return reduction.Sum.apply(x, _axes(dim, x.ndim), keepdim)


@register
def mean(x: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean over ``dim`` (all elements when None)."""
    x = x if dtype is None else x.to(dtype)
    return reduction.Mean.apply(x, _axes(dim, x.ndim), keepdim)


@register
def var(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The variance over ``dim``: sum((x - mean)**2) / (N - correction) (Bessel's correction, 1, by default
    and for None). As torch, ``var(x, True)`` reads True as ``unbiased``, and ``var(x, dim, unbiased)``."""
    if isinstance(dim, bool):  # torch's var(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError("var(): give unbiased or correction, not both")
    correction = int(unbiased) if unbiased is not None else 1 if correction is None else correction
    axes = _axes(dim, x.ndim)
    count = math.prod(x.shape[a] for a in (range(x.ndim) if axes is None else axes))
    centred = x - mean(x, axes, keepdim=True)
    return sum(centred * centred, axes, keepdim) / builtins.max(count - correction, 0)


@register
def std(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The standard deviation over ``dim``: sqrt(var), with var's arguments."""
    return reduction.SafeSqrt.apply(var(x, dim, unbiased, keepdim, correction=correction))


def _extremum(x: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return maximum(x, dim) if largest else minimum(x, dim)
    if dim is None:
        return reduction.Extremum.apply(x, None, False, largest, True, True)
    if isinstance(dim, bool) or not isinstance(dim, int):
        name = "max" if largest else "min"
        raise TypeError(
            f"{name}(dim): dim must be an int (or a Tensor for the elementwise {name}imum), got "
            f"{type(dim).__name__}; use a{name} to reduce over several dims"
        )
    axes = _axes(dim, x.ndim)  # None for a 0-d tensor: its one element is the extremum, at index 0
    values = reduction.Extremum.apply(x, axes, keepdim, largest, axes is None, axes is None)
    indices = (x.argmax if largest else x.argmin)(axes[0] if axes else None, keepdim)
    return MaxResult(values, indices)


@register
def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch's name
    """The largest element; with ``dim``, (values, indices) along it, as torch."""
    return _extremum(x, dim, keepdim, True)


@register
def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch's name
    """The smallest element; with ``dim``, (values, indices) along it, as torch."""
    return _extremum(x, dim, keepdim, False)


@register
def amax(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (ties share the gradient equally)."""
    return reduction.Extremum.apply(x, _axes(dim, x.ndim), keepdim, True, True, False)


@register
def amin(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (ties share the gradient equally)."""
    return reduction.Extremum.apply(x, _axes(dim, x.ndim), keepdim, False, True, False)


@register
def logsumexp(x: Tensor, dim: Dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x), dim)) computed without overflow (``dim``: an int or a tuple)."""
    axes = _axes(dim, x.ndim)
    out = activation.LogSumExp.apply(_floating(x), axes)
    return out if keepdim else squeeze(out, tuple(range(out.ndim)) if axes is None else axes)


@register
def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x), dim): probabilities along ``dim``, stable for large inputs."""
    return activation.Softmax.apply(_floating(x), _axis(dim, x.ndim))


@register
def log_softmax(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x, dim): log-probabilities along ``dim``, stable for large inputs."""
    return activation.LogSoftmax.apply(_floating(x), _axis(dim, x.ndim))


@register(method=False)
def matmul(x: Any, other: Any) -> Tensor:
    """The matrix product (1-D, 2-D and batched with broadcasting), as ``@``."""
    return x @ other if isinstance(x, Tensor) else other.__rmatmul__(x)


@register(method=False)
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` (weight of shape (out, in), as torch's), fused into one node."""
    if (
        weight.ndim != 2
        or x.shape[-1:] != weight.shape[1:]
        or (bias is not None and bias.shape not in ((), (1,), weight.shape[:1]))
    ):
        raise RuntimeError(
            f"linear: input {tuple(x.shape)}, weight {tuple(weight.shape)} and bias "
            f"{None if bias is None else tuple(bias.shape)} do not fit (weight (out, in), input (..., in))"
        )
    if x.dtype != weight.dtype or bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(
            f"linear: expected input, weight and bias to have the same dtype, but got {x.dtype}, "
            f"{weight.dtype} and {None if bias is None else bias.dtype}"
        )
    return linalg.Linear.apply(x, weight, bias)


@register
def nonzero(x: Tensor) -> Tensor:
    """The indices of the nonzero elements, one row each (as torch.nonzero)."""
    return _wrap(np.argwhere(x.numpy()))


register_property("T", _T)
register_property("mT", _mT)

__all__ = ["infer_shape", "shape_op"]
