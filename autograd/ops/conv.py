"""Convolution as torch has it (cross-correlation, any number of spatial dimensions, stride, padding,
dilation, groups), vectorised: im2col is one copy of a strided view of the padded input
(``as_strided``), the product one batched matmul; col2im adds the columns back with one strided add per
kernel offset (kh * kw of them, never a loop over pixels or channels).

Three linear maps are each other's adjoints and make every derivative, to any order:
``conv(x, w)``, ``conv_input(g, w)`` (the transposed convolution: d/dx of ``<g, conv(x, w)>``) and
``conv_weight(x, g)`` (d/dw). ``Convolution`` and ``ConvTranspose`` are ops whose backward calls the other
maps, on arrays for a plain backward and through the ops again on Tensors under ``create_graph``;
``Unfold`` and ``Fold`` (im2col and col2im, ``F.unfold``/``F.fold``) are the same pair in the open.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..tensor import Tensor
from .function import Op, _sum, summed
from .registry import register


class Geometry(NamedTuple):
    """How a kernel slides over the spatial dimensions: per dimension the stride, the zeros added before and
    after (``pads``, ``(lo, hi)``), the dilation; and the number of channel groups."""

    stride: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int = 1


def out_sizes(sizes: Sequence[int], kernel: Sequence[int], geom: Geometry) -> tuple[int, ...]:
    """The number of kernel positions along each spatial dimension."""
    return tuple(
        (n + lo + hi - d * (k - 1) - 1) // s + 1
        for n, k, s, (lo, hi), d in zip(sizes, kernel, geom.stride, geom.pads, geom.dilation, strict=True)
    )


def padded(x: np.ndarray, pads: Sequence[tuple[int, int]], value: float = 0) -> np.ndarray:
    """``x`` with ``value`` added before and after each spatial dimension (the dims after the first two)."""
    if not any(lo > 0 or hi > 0 for lo, hi in pads):  # (a negative hi trims what no window reads)
        return x
    lead = x.ndim - len(pads)
    out = np.empty((*x.shape[:lead], *_extents(x.shape[lead:], pads)), x.dtype)
    out.fill(value)
    out[_inner(x.shape[lead:], pads)] = x
    return out


def _extents(sizes: Sequence[int], pads: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """The padded sizes. A negative ``hi`` (the output_padding of a transposed convolution) trims what no
    kernel position reaches: it is left in place, unread."""
    return tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(sizes, pads, strict=True))


def _inner(sizes: Sequence[int], pads: Sequence[tuple[int, int]]) -> tuple[Any, ...]:
    """The index of the unpadded input in the padded one."""
    return (..., *(slice(lo, lo + n) for n, (lo, _) in zip(sizes, pads, strict=True)))


def windows(xp: np.ndarray, kernel: Sequence[int], out: Sequence[int], geom: Geometry) -> np.ndarray:
    """A read-only view (N, C, *kernel, *out) of the padded input: element [n, c, *k, *o] is the input under
    kernel offset k at output position o."""
    spatial = xp.strides[2:]
    strides = (
        *xp.strides[:2],
        *(s * d for s, d in zip(spatial, geom.dilation, strict=True)),
        *(s * t for s, t in zip(spatial, geom.stride, strict=True)),
    )
    return as_strided(xp, (*xp.shape[:2], *kernel, *out), strides, writeable=False)


def im2col(x: np.ndarray, kernel: Sequence[int], geom: Geometry, value: float = 0) -> np.ndarray:
    """The columns (N, C * prod(kernel), prod(out)): each kernel position's inputs in one column, rows
    ordered (channel, kernel offset) as torch's unfold; the padding is ``value``."""
    out = out_sizes(x.shape[2:], kernel, geom)
    view = windows(padded(x, geom.pads, value), kernel, out, geom)
    return view.reshape(x.shape[0], x.shape[1] * math.prod(kernel), math.prod(out))


def col2im(cols: np.ndarray, shape: Sequence[int], kernel: Sequence[int], geom: Geometry) -> np.ndarray:
    """im2col's adjoint: columns (N, C * prod(kernel), L) added back into an input of ``shape`` (N, C,
    *sizes), overlapping windows summed; one strided add per kernel offset."""
    sizes = shape[2:]
    out = out_sizes(sizes, kernel, geom)
    cols = cols.reshape(*shape[:2], *kernel, *out)
    total = np.zeros((*shape[:2], *_extents(sizes, geom.pads)), cols.dtype)
    for offset in itertools.product(*map(range, kernel)):
        at = tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s)
            for o, d, s, m in zip(offset, geom.dilation, geom.stride, out, strict=True)
        )
        total[(..., *at)] += cols[(slice(None), slice(None), *offset)]
    return total[_inner(sizes, geom.pads)]


# ----- the three maps, on arrays ------------------------------------------------------------------
def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """A weight (O, C/groups, *kernel) as (groups, O/groups, C/groups * prod(kernel)) matrices."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _columns(x: np.ndarray, kernel: Sequence[int], geom: Geometry) -> np.ndarray:
    """im2col's columns per group: (N, groups, C/groups * prod(kernel), L)."""
    cols = im2col(x, kernel, geom)
    return cols.reshape(x.shape[0], geom.groups, cols.shape[1] // geom.groups, cols.shape[2])


def _conv(cols: np.ndarray, w: np.ndarray, out: Sequence[int], geom: Geometry) -> np.ndarray:
    """y[n, o] = sum over c, k of w[o, c, k] x[n, c, at o's window + k], from x's ``_columns``: one matmul
    per group and sample."""
    return (_grouped(w, geom.groups) @ cols).reshape(cols.shape[0], w.shape[0], *out)


def _conv_input(g: np.ndarray, w: np.ndarray, shape: Sequence[int], geom: Geometry) -> np.ndarray:
    """The transposed convolution: the input (``shape``) gradient of ``conv`` for an output gradient ``g``."""
    groups, n = geom.groups, g.shape[0]
    gg = g.reshape(n, groups, g.shape[1] // groups, -1)
    cols = _grouped(w, groups).swapaxes(-1, -2) @ gg
    return col2im(cols.reshape(n, -1, cols.shape[-1]), shape, w.shape[2:], geom)


def _conv_weight(cols: np.ndarray, g: np.ndarray, kernel: Sequence[int], geom: Geometry) -> np.ndarray:
    """The weight gradient of ``conv``, from x's ``_columns``: each sample's output gradient times its
    columns, summed over the samples."""
    groups, n = geom.groups, g.shape[0]
    gg = g.reshape(n, groups, g.shape[1] // groups, -1)
    gw = _sum(gg @ cols.swapaxes(-1, -2), axis=0)
    return gw.reshape(g.shape[1], cols.shape[2] // math.prod(kernel), *kernel)


# ----- the three maps for arrays or Tensors (backward under create_graph goes through the ops) -------
def _any_tensor(*values: Any) -> bool:
    """Whether any value is a Tensor (a backward under create_graph)."""
    return any(isinstance(v, Tensor) for v in values)


def conv(x: Any, w: Any, geom: Geometry) -> Any:
    """``conv`` of arrays, or the ``Convolution`` op when either is a Tensor."""
    if _any_tensor(x, w):
        return Convolution.apply(x, w, None, geom)
    return _conv(_columns(x, w.shape[2:], geom), w, out_sizes(x.shape[2:], w.shape[2:], geom), geom)


def conv_input(g: Any, w: Any, shape: Sequence[int], geom: Geometry) -> Any:
    """``conv``'s input gradient of arrays, or the ``ConvTranspose`` op when either is a Tensor."""
    if _any_tensor(g, w):
        return ConvTranspose.apply(g, w, None, geom, tuple(shape[2:]))
    return _conv_input(g, w, shape, geom)


def conv_weight(x: Any, g: Any, kernel: Sequence[int], geom: Geometry, cols: Any = None) -> Any:
    """``conv``'s weight gradient of arrays (from x's columns ``cols`` when given); for Tensors composed of
    ``Unfold``, matmul and sum, so it is differentiable again."""
    if not _any_tensor(x, g):
        return _conv_weight(_columns(x, kernel, geom) if cols is None else cols, g, kernel, geom)
    groups, n = geom.groups, g.shape[0]
    unfolded = Unfold.apply(x, tuple(kernel), geom)
    unfolded = unfolded.reshape(n, groups, unfolded.shape[1] // groups, unfolded.shape[2])
    gg = g.reshape(n, groups, g.shape[1] // groups, -1)
    return (gg @ unfolded.transpose(-1, -2)).sum(0).reshape(g.shape[1], x.shape[1] // groups, *kernel)


def _bias_grad(g: Any) -> Any:
    """The bias gradient: ``g`` summed over the batch and the spatial dimensions (for arrays by einsum, a
    third of the time of ``sum`` over these axes)."""
    if isinstance(g, Tensor):
        return summed(g, (0, *range(2, g.ndim)), keepdims=False)
    return np.einsum("ncl->c", g.reshape(g.shape[0], g.shape[1], -1))


def _add_bias(y: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """``y`` (a fresh array) plus the bias per channel, in place."""
    if b is not None:
        y += b.reshape(-1, *(1,) * (y.ndim - 2))
    return y


# ----- ops ----------------------------------------------------------------------------------------
class Convolution(Op):
    """y = conv(x, w) + b (b may be None): d/dx = conv_input(g, w), d/dw = conv_weight(x, g), d/db = g
    summed over batch and space. When w needs a gradient, x's columns are kept for it (as torch's
    slow_conv2d keeps its ``finput``: an im2col less in backward), and x for a backward under
    create_graph; w is kept only when x needs a gradient."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any, geom: Geometry) -> Any:
        need_x, need_w = ctx._needs[:2]
        kernel = w.shape[2:]
        cols = _columns(x, kernel, geom)
        ctx._saved = (x if need_w else None, cols if need_w else None, w if need_x else None, x.shape, kernel,
                      geom)  # fmt: skip
        return _add_bias(_conv(cols, w, out_sizes(x.shape[2:], kernel, geom), geom), b)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        x, cols, w, shape, kernel, geom = ctx._saved
        need_x, need_w, need_b = ctx._needs[:3]
        gx = conv_input(g, w, shape, geom) if need_x else None
        gw = conv_weight(x, g, kernel, geom, cols) if need_w else None
        return gx, gw, _bias_grad(g) if need_b else None, None


class ConvTranspose(Op):
    """y = conv_input(x, w) + b, the output's spatial ``sizes`` given (they fix output_padding): d/dx =
    conv(g, w), d/dw = conv_weight(g, x), d/db = g summed over batch and space."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any, geom: Geometry, sizes: tuple[int, ...]) -> Any:
        need_x, need_w = ctx._needs[:2]
        ctx._saved = (x if need_w else None, w if need_x else None, w.shape[2:], geom)
        shape = (x.shape[0], w.shape[1] * geom.groups, *sizes)
        return _add_bias(_conv_input(x, w, shape, geom), b)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        x, w, kernel, geom = ctx._saved
        need_x, need_w, need_b = ctx._needs[:3]
        gx = conv(g, w, geom) if need_x else None
        gw = conv_weight(g, x, kernel, geom) if need_w else None
        return gx, gw, _bias_grad(g) if need_b else None, None, None


class Unfold(Op):
    """im2col: (N, C, *sizes) -> (N, C * prod(kernel), L); the gradient is col2im (``Fold``)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, x: Any, kernel: tuple[int, ...], geom: Geometry) -> Any:
        ctx._saved = (x.shape, kernel, geom)
        return im2col(x, kernel, geom)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        shape, kernel, geom = ctx._saved
        gx = Fold.apply(g, shape, kernel, geom) if isinstance(g, Tensor) else col2im(g, shape, kernel, geom)
        return gx, None, None


class Fold(Op):
    """col2im: columns (N, C * prod(kernel), L) summed into (N, C, *sizes) (``shape``); the gradient is
    im2col (``Unfold``)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, cols: Any, shape: tuple[int, ...], kernel: tuple[int, ...], geom: Geometry) -> Any:
        ctx._saved = (kernel, geom)
        return col2im(cols, shape, kernel, geom)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        kernel, geom = ctx._saved
        gx = Unfold.apply(g, kernel, geom) if isinstance(g, Tensor) else im2col(g, kernel, geom)
        return gx, None, None, None


# ----- arguments ------------------------------------------------------------------------------------
def ints(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` (or 1) ints as ``n`` ints, as torch reads stride, padding, ..."""
    values = (value,) if isinstance(value, int | np.integer) else tuple(value)
    if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in values):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
    if len(values) not in (1, n):
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(values)}"
        )
    return tuple(int(v) for v in values) * (n // len(values))


def batched(name: str, x: Tensor, d: int) -> tuple[Tensor, bool]:
    """``x`` with a batch dimension (an unbatched input (C, *sizes) gets one), and whether it had one."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (d + 1, d + 2):
        raise RuntimeError(
            f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input of size: "
            f"{list(x.shape)}"
        )
    return (x, True) if x.ndim == d + 2 else (x.unsqueeze(0), False)


def _sizes(values: Sequence[int]) -> str:
    """Sizes as torch's messages write them: (5 x 5)."""
    return f"({' x '.join(map(str, values))})"


def _check_common(name: str, stride: tuple[int, ...], dilation: tuple[int, ...], groups: int) -> None:
    """torch's checks of stride, dilation and groups."""
    if min(stride) <= 0:
        raise RuntimeError(f"{name}: non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"{name}: non-positive dilation is not supported")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{name}: non-positive groups is not supported, got groups={groups!r}")


def _check_dtypes(name: str, *tensors: Tensor | None) -> None:
    """Input, weight and bias must share a dtype (torch casts none of them)."""
    kinds = {t.dtype for t in tensors if t is not None}
    if len(kinds) > 1:
        listed = ", ".join(str(t.dtype) for t in tensors if t is not None)
        raise RuntimeError(f"{name}: input, weight and bias must have one dtype, got {listed}")


def _check_weight(name: str, weight: Tensor, bias: Tensor | None, d: int, out_channels: int) -> None:
    """The weight has d + 2 dimensions, the bias one per output channel."""
    if not isinstance(weight, Tensor) or weight.ndim != d + 2:
        shape = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise RuntimeError(f"{name}: expected a {d + 2}-dimensional weight, got {shape}")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )


def same_pads(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """torch's padding="same": dilation * (k - 1) zeros per dimension, the odd one after."""
    return tuple(
        (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=True)
    )


def _conv_nd(
    name: str, d: int, input: Tensor, weight: Tensor, bias: Tensor | None,
    stride: Any, padding: Any, dilation: Any, groups: int,
) -> Tensor:  # fmt: skip
    """conv1d/conv2d: arguments checked as torch does, then one ``Convolution`` node."""
    x, had_batch = batched(name, input, d)
    stride, dilation = ints(stride, d, "stride"), ints(dilation, d, "dilation")
    _check_common(name, stride, dilation, groups)
    _check_weight(name, weight, bias, d, weight.shape[0] if isinstance(weight, Tensor) else 0)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: {padding!r}")
        if padding == "same" and max(stride) > 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = same_pads(kernel, dilation) if padding == "same" else ((0, 0),) * d
    else:
        pad = ints(padding, d, "padding")
        if min(pad) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = tuple((p, p) for p in pad)
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} to "
            f"have {weight.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    _check_dtypes(name, x, weight, bias)
    geom = Geometry(stride, pads, dilation, groups)
    sizes = x.shape[2:]
    if min(out_sizes(sizes, kernel, geom)) < 1:
        raise RuntimeError(
            f"{name}: Calculated padded input size per channel: "
            f"{_sizes([n + lo + hi for n, (lo, hi) in zip(sizes, pads, strict=True)])}. Kernel size: "
            f"{_sizes([dd * (k - 1) + 1 for k, dd in zip(kernel, dilation, strict=True)])}. Kernel size "
            "can't be greater than actual input size"
        )
    out = Convolution.apply(x, weight, bias, geom)
    return out if had_batch else out.squeeze(0)


@register(method=False)
def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None,
    stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """1-D convolution (cross-correlation) of (N, C_in, L) or (C_in, L) with a weight (C_out, C_in /
    groups, k); ``padding`` an int, "same" or "valid", as torch."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@register(method=False)
def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None,
    stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """2-D convolution (cross-correlation) of (N, C_in, H, W) or (C_in, H, W) with a weight (C_out, C_in /
    groups, kh, kw); ``padding`` an int, a pair, "same" or "valid", as torch."""
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_nd(
    name: str, d: int, input: Tensor, weight: Tensor, bias: Tensor | None,
    stride: Any, padding: Any, output_padding: Any, groups: int, dilation: Any,
) -> Tensor:  # fmt: skip
    """conv_transpose1d/2d: arguments checked as torch does, then one ``ConvTranspose`` node."""
    x, had_batch = batched(name, input, d)
    stride, dilation = ints(stride, d, "stride"), ints(dilation, d, "dilation")
    pad, extra = ints(padding, d, "padding"), ints(output_padding, d, "output_padding")
    _check_common(name, stride, dilation, groups)
    if min(pad) < 0 or min(extra) < 0:
        raise RuntimeError(f"{name}: negative padding is not supported")
    _check_weight(name, weight, bias, d, weight.shape[1] * groups if isinstance(weight, Tensor) else 0)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} to have "
            f"{weight.shape[0]} channels, but got {x.shape[1]} channels instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(f"{name}: in_channels {weight.shape[0]} are not divisible by groups={groups}")
    if any(e >= s and e >= dd for e, s, dd in zip(extra, stride, dilation, strict=True)):
        raise RuntimeError(
            f"{name}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(extra)}, stride={list(stride)}, dilation={list(dilation)}"
        )
    _check_dtypes(name, x, weight, bias)
    kernel = weight.shape[2:]
    sizes = tuple(
        (n - 1) * s - 2 * p + dd * (k - 1) + e + 1
        for n, s, p, dd, k, e in zip(x.shape[2:], stride, pad, dilation, kernel, extra, strict=True)
    )
    if min(sizes) < 1:
        raise RuntimeError(
            f"{name}: Given input size per channel: {_sizes(x.shape[2:])}. Calculated output size per "
            f"channel: {_sizes(sizes)}. Output size is too small"
        )
    geom = Geometry(stride, tuple((p, p - e) for p, e in zip(pad, extra, strict=True)), dilation, groups)
    out = ConvTranspose.apply(x, weight, bias, geom, sizes)
    return out if had_batch else out.squeeze(0)


@register(method=False)
def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """The transposed 1-D convolution (conv1d's input gradient) with a weight (C_in, C_out / groups, k)."""
    return _conv_transpose_nd(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


@register(method=False)
def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """The transposed 2-D convolution (conv2d's input gradient, a learned upsampling) with a weight (C_in,
    C_out / groups, kh, kw)."""
    return _conv_transpose_nd(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
