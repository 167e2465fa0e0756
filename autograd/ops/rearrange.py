"""The rest of torch's shape vocabulary (the basics, reshape to unbind, are in ``methods``): unflatten, t,
repeat, repeat_interleave, tile, flip, roll, narrow, movedim and nelement, as torch places them. Each
checks its arguments, names the problem as torch does, and calls an op of ``shape`` or ``indexing``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap
from . import shape
from .methods import Dim, _axes, _axis, _sizes, shape_op, transpose
from .registry import register


def _ints(value: int | Sequence[int]) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple."""
    return (value,) if isinstance(value, int) else tuple(value)


@register
def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one of which may be -1, inferred)."""
    if not x.ndim:
        raise RuntimeError("unflatten: cannot unflatten a 0-dim tensor")
    axis = _axis(dim, x.ndim)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: only one dimension can be inferred, got sizes {list(sizes)}")
    n, known = x.shape[axis], math.prod(s for s in sizes if s != -1)
    if -1 in sizes and known and n % known == 0:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if -1 in sizes or math.prod(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({n}) in "
            "the input tensor"
        )
    return shape_op(x, (*x.shape[:axis], *sizes, *x.shape[axis + 1 :]))


@register
def t(x: Tensor) -> Tensor:
    """The matrix transpose of a 2-D tensor; a 0-d or 1-D one as it is (a view), as torch."""
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else shape_op(x, x.shape)


@register(function=False)
def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """``x`` copied ``sizes[i]`` times along each dimension; extra leading sizes add dimensions."""
    reps = _sizes(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {list(reps)}")
    lead = (1,) * (len(reps) - x.ndim)
    return shape.Tile.apply(shape_op(x, (*lead, *x.shape)) if lead else x, reps)


@register
def tile(x: Tensor, dims: Sequence[int]) -> Tensor:
    """``repeat`` with ``dims`` padded with leading 1s to the number of dimensions, as torch.tile."""
    reps = _ints(dims)
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


@register
def repeat_interleave(
    x: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or one count per element) along ``dim`` (the
    flattened tensor when None). With one tensor of counts alone, the indices repeated by them."""
    if repeats is None:  # torch.repeat_interleave(counts): arange(len(counts)) repeated
        return repeat_interleave(_wrap(np.arange(len(x))), x)
    if dim is None:
        x, dim = shape_op(x, (x.numel(),)), 0
    if not x.ndim:
        raise IndexError(f"repeat_interleave: a 0-d tensor has no dim {dim} (torch's too); use dim=None")
    axis = _axis(dim, x.ndim)
    n = x.shape[axis]
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if counts.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be integers, got {counts.dtype}")
    if counts.ndim == 1 and counts.shape[0] not in (1, n):
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.shape[0]} and input.size({dim}) = {n}"
        )
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    index = np.repeat(np.arange(n), np.broadcast_to(counts, (n,)))
    if output_size is not None and output_size != len(index):
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {len(index)} but got {output_size}"
        )
    return x[(slice(None),) * axis + (index,)]


@register
def flip(x: Tensor, *dims: Any) -> Tensor:
    """The elements in reverse order along ``dims`` (a copy, as torch)."""
    if not dims:
        raise TypeError("flip() missing required argument 'dims'")
    return shape.Flip.apply(x, _axes(_sizes(dims), x.ndim) or ())


@register
def roll(x: Tensor, shifts: int | Sequence[int], dims: Dim = None) -> Tensor:
    """The elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when None)."""
    moves = _ints(shifts)
    if dims is None:
        if len(moves) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(moves)}, dims:0")
        return shape_op(shape.Roll.apply(shape_op(x, (x.numel(),)), moves, (0,)), x.shape)
    axes = tuple(_axis(d, x.ndim) for d in _ints(dims))
    if len(moves) != len(axes):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(moves)}, dims:{len(axes)}")
    return shape.Roll.apply(x, moves, axes) if x.ndim else shape_op(x, ())


@register
def narrow(x: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The ``length`` elements from ``start`` (an int or a 0-d integer tensor) along ``dim``: a view."""
    if not x.ndim:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        if start.ndim or start.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    axis = _axis(dim, x.ndim)
    n = x.shape[axis]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start %= max(n, 1)
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return x[(slice(None),) * axis + (slice(start, start + length),)]


@register(aliases=("moveaxis",))
def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """The dimensions ``source`` moved to the places ``destination``, the others keeping their order."""
    sources, targets = _ints(source), _ints(destination)
    if len(sources) != len(targets):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(sources)} dims) should contain the "
            f"same number of dims as destination ({list(targets)} dims)"
        )
    src = [_axis(d, x.ndim) for d in sources]
    dst = [_axis(d, x.ndim) for d in targets]
    for name, given, axes in (("source", sources, src), ("destination", targets, dst)):
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    rest = iter(a for a in range(x.ndim) if a not in src)
    placed = dict(zip(dst, src, strict=True))
    order = tuple(placed[a] if a in placed else next(rest) for a in range(x.ndim))
    return shape.Permute.apply(x, order)


@register(function=False)
def nelement(x: Tensor) -> int:
    """The number of elements (``numel``'s other name)."""
    return x.numel()
