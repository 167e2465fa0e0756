"""Convolution, pooling, padding, unfold/fold and Flatten/Unflatten against torch (float64).

The functional forms run through the op factory (forward, gradients against torch and central differences,
second derivatives against torch's); the modules are built with the same arguments as torch's, torch's
``state_dict`` loaded into ours (and ours into torch's), then outputs, input and parameter gradients
compared; bad arguments raise torch's exception type with a message that names the shapes.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import TensorOp, check_op

import autograd
import nn
from autograd.testing.strategies import arrays_in

pytestmark = pytest.mark.usefixtures("torch_float64")  # torch.nn builds float64 weights here


def F(lib):  # noqa: N802 - torch's alias
    """``nn.functional`` for ``lib`` = autograd, ``torch.nn.functional`` for torch."""
    return nn.functional if lib is autograd else torch.nn.functional


# ----- drawing cases ------------------------------------------------------------------------------
def _batch(data, d, channels):
    """A batch of 1 or 2, or none (an unbatched input), before ``channels`` and ``d`` sizes."""
    n = data.draw(st.sampled_from([None, 1, 2]), label="batch")
    return () if n is None else (n,)


def conv_case(d, transposed=False):
    """Input, weight and maybe bias for conv{d}d / conv_transpose{d}d, with stride, padding (ints, "same",
    "valid"), dilation, groups and (transposed) output_padding such that the output is not empty."""

    def draw(data):
        groups = data.draw(st.integers(1, 2), label="groups")
        c_in, c_out = (groups * data.draw(st.integers(1, 2), label=f"c{i}") for i in range(2))
        kernel = data.draw(st.tuples(*[st.integers(1, 3)] * d), label="kernel")
        stride = data.draw(st.tuples(*[st.integers(1, 2)] * d), label="stride")
        dilation = data.draw(st.tuples(*[st.integers(1, 2)] * d), label="dilation")
        params = {"stride": stride, "dilation": dilation, "groups": groups}
        if transposed:
            pad = data.draw(st.tuples(*[st.integers(0, 2)] * d), label="padding")
            extra = tuple(
                data.draw(st.integers(0, max(s, dd) - 1)) for s, dd in zip(stride, dilation, strict=True)
            )
            sizes = []
            for k, s, dd, p, e in zip(kernel, stride, dilation, pad, extra, strict=True):
                least = max(1, -(-(2 * p - dd * (k - 1) - e) // s) + 1)  # output >= 1
                sizes.append(data.draw(st.integers(least, least + 2)))
            params.update(padding=pad, output_padding=extra)
            weight_shape = (c_in, c_out // groups, *kernel)
        else:
            same_ok = max(stride) == 1
            strings = st.sampled_from(["same", "valid"] if same_ok else ["valid"])
            padding = data.draw(st.one_of(st.tuples(*[st.integers(0, 2)] * d), strings), label="padding")
            pads = (0,) * d if padding in ("same", "valid") else padding
            least = [
                max(1, dd * (k - 1) + 1 - 2 * p) for k, dd, p in zip(kernel, dilation, pads, strict=True)
            ]
            sizes = [data.draw(st.integers(n, n + 2)) for n in least]
            params["padding"] = padding
            weight_shape = (c_out, c_in // groups, *kernel)
        shapes = [(*_batch(data, d, c_in), c_in, *sizes), weight_shape]
        if data.draw(st.booleans(), label="bias"):
            shapes.append((c_out,))
        return [data.draw(arrays_in(s), label=f"x{i}") for i, s in enumerate(shapes)], params

    return draw


def pool_case(d, kind):
    """One input for max ("max"), average ("avg") or adaptive average ("adaptive") pooling over ``d``
    dimensions, with torch's arguments; max pooling's values are well apart (no ties for differences)."""

    def draw(data):
        channels = data.draw(st.integers(1, 2), label="channels")
        if kind == "adaptive":
            sizes = data.draw(st.tuples(*[st.integers(1, 5)] * d), label="sizes")
            one = st.integers(1, 4)
            pair = st.tuples(*[st.one_of(one, st.none())] * d)
            size = data.draw(st.one_of(one, pair) if d == 2 else one, label="output_size")
            return [data.draw(arrays_in((*_batch(data, d, channels), channels, *sizes)))], {
                "output_size": size
            }
        kernel = data.draw(st.tuples(*[st.integers(1, 3)] * d), label="kernel")
        dilation = (
            data.draw(st.tuples(*[st.integers(1, 2)] * d), label="dilation") if kind == "max" else (1,) * d
        )
        pad = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
        stride = data.draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * d)), label="stride")
        # every window must reach the input: torch's max pooling corrupts its heap on a window that lies
        # all in the padding (test_max_pool_window_in_padding checks ours alone)
        reach = [0 if kind == "max" else 2 * p for p in pad]
        least = [dd * (k - 1) + 1 - r for k, dd, r in zip(kernel, dilation, reach, strict=True)]
        sizes = [data.draw(st.integers(max(1, n), max(1, n) + 3)) for n in least]
        params = {
            "kernel_size": kernel,
            "stride": stride,
            "padding": pad,
            "ceil_mode": data.draw(st.booleans()),
        }
        if kind == "max":
            params["dilation"] = dilation
        else:
            params["count_include_pad"] = data.draw(st.booleans(), label="count_include_pad")
            if d == 2 and data.draw(st.booleans(), label="override"):
                params["divisor_override"] = data.draw(st.integers(1, 5), label="divisor_override")
        x = data.draw(arrays_in((*_batch(data, d, channels), channels, *sizes), unique=kind == "max"))
        return [x], params

    return draw


def window_case(folding):
    """unfold's input (N, C, H, W), or fold's columns (N, C * kh * kw, L) with the output size they fit."""

    def draw(data):
        kernel = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)), label="kernel")
        dilation = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="dilation")
        pad = data.draw(st.tuples(st.integers(0, 1), st.integers(0, 1)), label="padding")
        stride = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="stride")
        sizes = tuple(
            data.draw(st.integers(max(1, dd * (k - 1) + 1 - 2 * p), dd * (k - 1) + 3))
            for k, dd, p in zip(kernel, dilation, pad, strict=True)
        )
        channels = data.draw(st.integers(1, 2), label="channels")
        params = {"kernel_size": kernel, "dilation": dilation, "padding": pad, "stride": stride}
        lead = (*_batch(data, 2, channels), channels)
        if not folding:
            return [data.draw(arrays_in((*lead, *sizes)))], params
        blocks = math.prod(
            (n + 2 * p - dd * (k - 1) - 1) // s + 1
            for n, k, s, p, dd in zip(sizes, kernel, stride, pad, dilation, strict=True)
        )
        shape = (*lead[:-1], channels * math.prod(kernel), blocks)
        return [data.draw(arrays_in(shape))], {"output_size": sizes, **params}

    return draw


def pad_case(data):
    """An input and F.pad widths: constant over any number of trailing dimensions (negative widths crop),
    or reflect / replicate / circular over the last 1 or 2 of an input with 1 or 2 more."""
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]), label="mode")
    if mode == "constant":
        shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), label="shape")
        m = data.draw(st.integers(1, len(shape)), label="dims")
        widths = []
        for n in reversed(shape[-m:]):
            lo = data.draw(st.integers(-(n - 1), 2))
            widths += [lo, data.draw(st.integers(-(n - 1 + min(lo, 0)), 2))]
        value = data.draw(st.sampled_from([None, 0.0, -1.5]), label="value")
        return [data.draw(arrays_in(shape))], {"pad": tuple(widths), "mode": mode, "value": value}
    m = data.draw(st.integers(1, 2), label="dims")
    lead = data.draw(st.lists(st.integers(1, 2), min_size=1, max_size=2), label="lead")
    shape = (*lead, *data.draw(st.tuples(*[st.integers(2, 4)] * m), label="sizes"))
    widths = []
    for n in reversed(shape[-m:]):
        top = n - 1 if mode == "reflect" else n
        widths += [data.draw(st.integers(0, top)), data.draw(st.integers(0, top))]
    return [data.draw(arrays_in(shape))], {"pad": tuple(widths), "mode": mode}


def _conv(name):
    return lambda lib, *xs, **p: getattr(F(lib), name)(*xs, **p)


OPS = [
    TensorOp("conv1d", _conv("conv1d"), conv_case(1)),
    TensorOp("conv2d", _conv("conv2d"), conv_case(2)),
    TensorOp("conv_transpose1d", _conv("conv_transpose1d"), conv_case(1, transposed=True)),
    TensorOp("conv_transpose2d", _conv("conv_transpose2d"), conv_case(2, transposed=True)),
    TensorOp("max_pool1d", _conv("max_pool1d"), pool_case(1, "max")),
    TensorOp("max_pool2d", _conv("max_pool2d"), pool_case(2, "max")),
    TensorOp("avg_pool1d", _conv("avg_pool1d"), pool_case(1, "avg")),
    TensorOp("avg_pool2d", _conv("avg_pool2d"), pool_case(2, "avg")),
    TensorOp("adaptive_avg_pool1d", _conv("adaptive_avg_pool1d"), pool_case(1, "adaptive")),
    TensorOp("adaptive_avg_pool2d", _conv("adaptive_avg_pool2d"), pool_case(2, "adaptive")),
    TensorOp("unfold", _conv("unfold"), window_case(folding=False)),
    TensorOp("fold", _conv("fold"), window_case(folding=True)),
    TensorOp("pad", _conv("pad"), pad_case),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op, data):
    check_op(op, data)
