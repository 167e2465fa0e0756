"""Sliding windows besides convolution: max and average pooling, adaptive average pooling, and
``unfold``/``fold`` (im2col and col2im in the open), with torch's arguments, output sizes and errors.

Max pooling finds each window's first largest element on the columns (``conv.im2col`` of the input
padded with -inf) and gathers it, both in ``MaxPool``'s forward (the gradient scatters back to it).
Average pooling is a convolution of each channel with a kernel of ones, divided by torch's count, so its
derivatives are the convolution's; adaptive average pooling is a product with a fixed averaging matrix per
dimension.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap
from .conv import Convolution, Fold, Geometry, Unfold, batched, ints, out_sizes, padded, windows
from .function import Op, where
from .indexing import scatter
from .registry import register


class MaxPool(Op):
    """Each window's largest element (``_pool_index`` finds it, in forward: it depends on the values), and
    ``low`` for a window that lies in the padding; the gradient goes back to those elements, added where
    windows overlap."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, x: Any, kernel: tuple[int, ...], geom: Geometry, out: tuple[int, ...]) -> Any:
        _, flat, empty, low = _pool_index(x, kernel, geom, out)
        ctx._saved = (flat, x.shape, empty)
        values = np.take(x, flat)
        if empty is not None:
            values[empty] = low
        return values

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        flat, shape, empty = ctx._saved
        g = g if empty is None else where(empty, 0.0, g)
        return scatter(g.reshape(-1), flat.reshape(-1), (math.prod(shape),)).reshape(shape), None, None, None


class MaxPoolIndices(Op):
    """Where each window's maximum is (torch's ``indices``, int64, into the spatial plane), found again from
    the values apart from ``MaxPool``, whose forward keeps only what its backward needs: an op, so a compiled
    step finds them again at each replay. Integers: no gradient (it is applied to a detached input)."""

    __slots__ = ()
    _operands = 1
    _promotes = False

    @staticmethod
    def forward(ctx: Any, x: Any, kernel: tuple[int, ...], geom: Geometry, out: tuple[int, ...]) -> Any:
        return _pool_index(x, kernel, geom, out)[0]


def _pool_index(
    data: np.ndarray, kernel: tuple[int, ...], geom: Geometry, out: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Any]:
    """For max pooling of ``data`` (N, C, *spatial): each window's maximum as an index into the spatial
    plane (torch's ``indices``) and into the flattened input, where a window lies all in the padding (or
    None), and the value there (-inf, or the integer dtype's least)."""
    d = data.ndim - 2
    low = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    n, c = data.shape[:2]
    nans = data.dtype.kind == "f" and bool(np.isnan(data).any())
    winner = _winners(windows(padded(data, geom.pads, low), kernel, out, geom), nans)
    plane, empty = _plane_index(winner, data.shape[2:], kernel, out, geom)
    planes = np.arange(n * c, dtype=np.int64).reshape(n, c, *(1,) * d) * math.prod(data.shape[2:])
    flat = planes + (plane if empty is None else np.where(empty, 0, plane))  # into the flattened input
    return plane, flat, empty, low


def _winners(view: np.ndarray, nans: bool) -> np.ndarray:
    """For windows (N, C, *kernel, *out), the flat kernel offset of each one's maximum, chosen as torch
    does: the first largest, or the last nan (looked for only when the input has ``nans``); one comparison
    per kernel offset, vectorised over the rest."""
    d = (view.ndim - 2) // 2
    lead = (slice(None), slice(None))
    offsets = list(itertools.product(*map(range, view.shape[2 : 2 + d])))
    best = view[(*lead, *offsets[0])].copy()
    winner = np.zeros(best.shape, np.int64)
    for k, offset in enumerate(offsets[1:], 1):
        value = view[(*lead, *offset)]
        better = value > best
        if nans:
            better |= value != value
        np.copyto(best, value, where=better)
        np.copyto(winner, k, where=better)
    return winner


def _plane_index(
    winner: np.ndarray, sizes: tuple[int, ...], kernel: tuple[int, ...], out: tuple[int, ...], geom: Geometry
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each winner's index in the input's flattened spatial plane, linear in the window's position and the
    kernel offset, so it comes from two small tables; and where a window lies all in the padding (None if
    nowhere): there the result is -inf and no gradient flows, as torch."""
    starts, shifts = [], []
    base: Any = 0
    delta: Any = 0
    grid, offsets = np.indices(out), np.indices(kernel).reshape(len(kernel), -1)
    for size, at, k, s, (lo, _), dd in zip(
        sizes, grid, offsets, geom.stride, geom.pads, geom.dilation, strict=True
    ):
        starts.append(at * s - lo)
        shifts.append(k * dd)
        base, delta = base * size + starts[-1], delta * size + shifts[-1]
    plane = base + delta[winner]
    if not any(lo > 0 or hi > 0 for lo, hi in geom.pads):
        return plane, None
    inside = np.logical_and.reduce(
        [
            (at + k[winner] >= 0) & (at + k[winner] < size)
            for at, k, size in zip(starts, shifts, sizes, strict=True)
        ]
    )
    return plane, None if inside.all() else ~inside


def _pool_geometry(
    name: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> tuple[tuple[int, ...], Geometry, tuple[int, ...]]:
    """torch's pooling arguments checked (stride defaults to kernel_size), and the output sizes, floor or
    ceil: a last window that would start in the right padding is dropped. The geometry's padding after
    each dimension is what the windows reach (more than ``padding`` in ceil mode, maybe less in floor)."""
    d = x.ndim - 2
    kernel = ints(kernel_size, d, "kernel_size")
    steps = kernel if stride is None or stride == () or stride == [] else ints(stride, d, "stride")
    pads, dilations = ints(padding, d, "padding"), ints(dilation, d, "dilation")
    if min(kernel) <= 0 or min(dilations) <= 0:
        raise RuntimeError(f"{name}: kernel_size and dilation must be positive, got {kernel} and {dilations}")
    if min(steps) <= 0:
        raise RuntimeError(f"{name}: stride should not be zero or negative, got {steps}")
    for k, p in zip(kernel, pads, strict=True):
        if p < 0 or p > k // 2:
            raise RuntimeError(
                f"{name}() padding should be at most half of kernel size, but got padding={p} and "
                f"kernel_size={k}"
            )
    out, his = [], []
    for n, k, s, p, dd in zip(x.shape[2:], kernel, steps, pads, dilations, strict=True):
        span = n + 2 * p - dd * (k - 1) - 1
        m = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (m - 1) * s >= n + p:
            m -= 1
        out.append(m)
        his.append((m - 1) * s + dd * (k - 1) + 1 - n - p)
    if min(out) < 1:
        raise RuntimeError(
            f"{name}: Given input size: ({'x'.join(map(str, x.shape[1:]))}). Calculated output size: "
            f"({'x'.join(map(str, (x.shape[1], *out)))}). Output size is too small"
        )
    geom = Geometry(steps, tuple(zip(pads, his, strict=True)), dilations)
    return kernel, geom, tuple(out)


def _max_pool(
    name: str, d: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
    ceil_mode: bool, return_indices: bool,
) -> Any:  # fmt: skip
    """max_pool1d/2d: the first largest element of each window (a nan if there is one), as torch."""
    x, had_batch = batched(name, input, d)
    kernel, geom, out = _pool_geometry(name, x, kernel_size, stride, padding, dilation, ceil_mode)
    values = MaxPool.apply(x, kernel, geom, out)
    if return_indices:
        indices = MaxPoolIndices.apply(x.detach(), kernel, geom, out)
        return (values, indices) if had_batch else (values.squeeze(0), indices.squeeze(0))
    return values if had_batch else values.squeeze(0)


@register(method=False)
def max_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """The maximum of each window of (N, C, L) or (C, L); with ``return_indices`` also where it is."""
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


@register(method=False)
def max_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """The maximum of each window of (N, C, H, W) or (C, H, W); with ``return_indices`` also where it is
    (an index into H * W, as torch)."""
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _avg_pool(
    name: str, d: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
    count_include_pad: bool, divisor_override: int | None,
) -> Tensor:  # fmt: skip
    """avg_pool1d/2d: each window's sum (a convolution with ones) over torch's count: the window's size
    clipped to the padded input (``count_include_pad``) or to the input, or ``divisor_override``."""
    x, had_batch = batched(name, input, d)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {x.dtype}")
    kernel, geom, out = _pool_geometry(name, x, kernel_size, stride, padding, 1, ceil_mode)
    n, c, sizes = x.shape[0], x.shape[1], x.shape[2:]
    ones = np.ones((1, 1, *kernel), x.dtype)
    total = Convolution.apply(x.reshape(n * c, 1, *sizes), ones, None, geom).reshape(n, c, *out)
    if divisor_override is not None:
        if not divisor_override:
            raise RuntimeError(f"{name}: divisor must be not zero")
        return _unbatch(total / divisor_override, had_batch)
    counts = []
    for size, k, s, m, (p, _) in zip(sizes, kernel, geom.stride, out, geom.pads, strict=True):
        start = np.arange(m) * s - p
        end = np.minimum(start + k, size + p)
        counts.append(end - start if count_include_pad else np.minimum(end, size) - np.maximum(start, 0))
    scale = 1.0 / math.prod(np.ix_(*counts)).astype(x.dtype) if d > 1 else 1.0 / counts[0].astype(x.dtype)
    return _unbatch(total * scale, had_batch)


def _unbatch(y: Tensor, had_batch: bool) -> Tensor:
    """``y`` without the batch dimension ``batched`` added to an unbatched input."""
    return y if had_batch else y.squeeze(0)


@register(method=False)
def avg_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """The mean of each window of (N, C, L) or (C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    """The mean of each window of (N, C, H, W) or (C, H, W) (``F.avg_pool2d``)."""
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _averaging(n: int, m: int, dtype: np.dtype) -> np.ndarray:
    """The (m, n) matrix that averages torch's adaptive windows: output i covers inputs
    floor(i n / m) to ceil((i + 1) n / m)."""
    i = np.arange(m)
    start, end = i * n // m, -(-(i + 1) * n // m)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_avg_pool(name: str, d: int, input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool1d/2d: the mean over torch's adaptive windows, one averaging matrix per dimension
    (a window is a product of ranges, so its mean is the product of the means along each)."""
    if not isinstance(input, Tensor) or input.ndim not in (d + 1, d + 2):
        shape = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got {shape}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype}")
    wanted = (output_size,) * d if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(wanted) != d:
        raise RuntimeError(f"{name}: output_size must be {d}")
    mats = []
    for n, m in zip(input.shape[-d:], wanted, strict=True):
        m = n if m is None else ints(m, 1, "output_size")[0]
        if m < 0:
            raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0")
        mats.append(_wrap(_averaging(n, m, input.dtype)))
    out = input @ mats[-1].mT
    return mats[0] @ out if d == 2 else out


@register(method=False)
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over ``output_size`` windows that tile the last dimension as evenly as they can."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over windows that tile H and W into ``output_size`` (an int, or a pair whose None keeps
    that size) as evenly as they can (``F.adaptive_avg_pool2d``)."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def _window_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple[Any, Geometry]:
    """unfold/fold's arguments as a kernel and a geometry, checked."""
    kernel = ints(kernel_size, 2, "kernel_size")
    geom = Geometry(ints(stride, 2, "stride"), tuple((p, p) for p in ints(padding, 2, "padding")),
                    ints(dilation, 2, "dilation"))  # fmt: skip
    if min(kernel) <= 0 or min(geom.stride) <= 0 or min(geom.dilation) <= 0 or min(min(geom.pads)) < 0:
        raise RuntimeError(
            "kernel_size, stride and dilation must be positive and padding non-negative, got "
            f"{_describe(kernel, geom)}"
        )
    return kernel, geom


def _describe(kernel: Any, geom: Geometry) -> str:
    """The window arguments, for an error message."""
    return (
        f"kernel_size={kernel}, dilation={geom.dilation}, padding={tuple(p for p, _ in geom.pads)}, "
        f"stride={geom.stride}"
    )


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """im2col (``F.unfold``): (N, C, H, W) -> (N, C * kh * kw, L), each column one kernel position's
    inputs, rows ordered (channel, kernel offset), as torch."""
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        shape = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"unfold: Only 3D or 4D input Tensors are supported, got {shape}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    kernel, geom = _window_args(kernel_size, dilation, padding, stride)
    blocks = out_sizes(x.shape[2:], kernel, geom)
    if min(blocks) < 1:
        raise RuntimeError(
            f"unfold: Given input with spatial size {tuple(x.shape[2:])}, {_describe(kernel, geom)}, "
            f"calculated shape of the array of sliding blocks as {blocks}, but its components must be at "
            "least one."
        )
    out = Unfold.apply(x, kernel, geom)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """col2im (``F.fold``): columns (N, C * kh * kw, L) summed into (N, C, *output_size); the adjoint of
    ``unfold``."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        shape = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(
            f"fold: Only unbatched (2D) or batched (3D) input Tensors are supported, got {shape}"
        )
    cols = input if input.ndim == 3 else input.unsqueeze(0)
    sizes = ints(output_size, 2, "output_size")
    kernel, geom = _window_args(kernel_size, dilation, padding, stride)
    area = math.prod(kernel)
    if cols.shape[1] % area:
        raise RuntimeError(
            f"fold: Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
            f"got input.size(1)={cols.shape[1]} and kernel_size={kernel}."
        )
    blocks = out_sizes(sizes, kernel, geom)
    if min(blocks) < 1 or math.prod(blocks) != cols.shape[2]:
        raise RuntimeError(
            f"fold: Given output_size={sizes}, {_describe(kernel, geom)}, expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {' * '.join(map(str, blocks))} = "
            f"{math.prod(blocks)}, but got input.size(2)={cols.shape[2]}."
        )
    out = Fold.apply(cols, (cols.shape[0], cols.shape[1] // area, *sizes), kernel, geom)
    return out if input.ndim == 3 else out.squeeze(0)
