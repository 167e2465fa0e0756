"""Export rules of the sliding-window ops: the ``Convolution`` op as one Conv (stride, padding incl. "same",
dilation, groups, bias), and the pooling functions recorded as a whole (their ops index windows in ways ONNX
has no node for): MaxPool, AveragePool, GlobalAveragePool.

A pooling function whose arguments have no ONNX form (``return_indices``, ``divisor_override``, adaptive
windows that do not tile the input evenly) is not accepted, so its own ops are recorded instead (adaptive
averaging as MatMul; max pooling's index gather is an error naming the op).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops.conv import Geometry, ints
from .values import Var

if TYPE_CHECKING:
    from .exporter import Graph


def _convolution(g: Graph, x: Var, w: Any, b: Any, geom: Geometry) -> str:
    """Conv with ONNX's pads (all begins, then all ends), which may differ (padding="same", even kernel)."""
    dtype = g.out.dtype
    kernel = list(np.shape(w.array if isinstance(w, Var) else w)[2:])
    return g.node(
        "Conv",
        [g.value(x, dtype), g.value(w, dtype)] + ([] if b is None else [g.value(b, dtype)]),
        kernel_shape=kernel,
        strides=list(geom.stride),
        pads=[lo for lo, _ in geom.pads] + [hi for _, hi in geom.pads],
        dilations=list(geom.dilation),
        group=int(geom.groups),
    )


def _batched(g: Graph, x: Var, d: int, build: Callable[[str], str]) -> str:
    """``build`` applied to ``x`` with a batch dimension (an unbatched input gets one and loses it after)."""
    if x.ndim == d + 2:
        return build(x.name)
    return g.node("Squeeze", [build(g.node("Unsqueeze", [x.name, g.ints([0])])), g.ints([0])])


def _window(
    g: Graph, x: Var, d: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> dict[str, Any]:
    """torch's pooling arguments as ONNX attributes. torch's ceil mode drops a last window that would start
    in the right padding; where that leaves floor's sizes, ceil_mode=0 says the same plainly."""
    kernel = ints(kernel_size, d, "kernel_size")
    steps = kernel if stride is None or stride == () or stride == [] else ints(stride, d, "stride")
    pads, dilations = ints(padding, d, "padding"), ints(dilation, d, "dilation")
    floor = [
        (n + 2 * p - dd * (k - 1) - 1) // s + 1
        for n, k, s, p, dd in zip(x.shape[-d:], kernel, steps, pads, dilations, strict=True)
    ]
    ceil = bool(ceil_mode) and list(g.out.shape[-d:]) != floor
    return {
        "kernel_shape": list(kernel),
        "strides": list(steps),
        "pads": list(pads) * 2,
        "ceil_mode": int(ceil),
        "dilations": list(dilations),
    }


def _max_pool(d: int) -> Callable[..., str]:
    def rule(g: Graph, x: Var, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
             return_indices: bool) -> str:  # fmt: skip
        attrs = _window(g, x, d, kernel_size, stride, padding, dilation, ceil_mode)
        return _batched(g, x, d, lambda v: g.node("MaxPool", [v], **attrs))

    return rule


def _avg_pool(d: int) -> Callable[..., str]:
    def rule(g: Graph, x: Var, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
             count_include_pad: bool, *_: Any) -> str:  # fmt: skip
        attrs = _window(g, x, d, kernel_size, stride, padding, 1, ceil_mode)
        del attrs["dilations"]  # AveragePool has dilations from opset 19 only
        include = int(bool(count_include_pad))
        return _batched(g, x, d, lambda v: g.node("AveragePool", [v], count_include_pad=include, **attrs))

    return rule


def _adaptive_sizes(x: Any, output_size: Any, d: int) -> list[int]:
    """The output sizes of adaptive pooling (None keeps the input's)."""
    wanted = (output_size,) * d if output_size is None or isinstance(output_size, int) else tuple(output_size)
    return [
        n if m is None else ints(m, 1, "output_size")[0] for n, m in zip(x.shape[-d:], wanted, strict=True)
    ]


def _tiles(x: Any, output_size: Any, d: int) -> bool:
    """Adaptive windows are plain AveragePool windows when every output size divides its input size."""
    try:
        return all(m > 0 and n % m == 0 for n, m in zip(x.shape[-d:], _adaptive_sizes(x, output_size, d),
                                                            strict=True))  # fmt: skip
    except (TypeError, ValueError, RuntimeError):
        return False  # bad arguments: the function's own error


def _adaptive_avg_pool(d: int) -> Callable[..., str]:
    def rule(g: Graph, x: Var, output_size: Any) -> str:
        sizes = _adaptive_sizes(x, output_size, d)
        if all(m == 1 for m in sizes):
            return _batched(g, x, d, lambda v: g.node("GlobalAveragePool", [v]))
        kernel = [n // m for n, m in zip(x.shape[-d:], sizes, strict=True)]
        return _batched(g, x, d, lambda v: g.node("AveragePool", [v], kernel_shape=kernel, strides=kernel))

    return rule


OP_RULES: dict[str, Callable[..., str]] = {"Convolution": _convolution}
FUNCTION_RULES: dict[str, Callable[..., bool]] = {
    "autograd.ops.pooling.max_pool1d": lambda x, *args: not args[-1],
    "autograd.ops.pooling.max_pool2d": lambda x, *args: not args[-1],
    "autograd.ops.pooling.avg_pool1d": lambda *_: True,
    "autograd.ops.pooling.avg_pool2d": lambda *args: args[-1] is None,
    "autograd.ops.pooling.adaptive_avg_pool1d": lambda x, size: _tiles(x, size, 1),
    "autograd.ops.pooling.adaptive_avg_pool2d": lambda x, size: _tiles(x, size, 2),
}
RULES: dict[str, Callable[..., str]] = {
    "max_pool1d": _max_pool(1),
    "max_pool2d": _max_pool(2),
    "avg_pool1d": _avg_pool(1),
    "avg_pool2d": _avg_pool(2),
    "adaptive_avg_pool1d": _adaptive_avg_pool(1),
    "adaptive_avg_pool2d": _adaptive_avg_pool(2),
}
