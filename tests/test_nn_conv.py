"""Convolution, pooling, padding, unfold/fold and Flatten/Unflatten against torch (float64).

The functional forms run through the op factory (forward, gradients against torch and central differences,
second derivatives against torch's); the modules are built with the same arguments as torch's, torch's
``state_dict`` loaded into ours (and ours into torch's), then outputs, input and parameter gradients
compared; bad arguments raise torch's exception type with a message that names the shapes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import TensorOp, check_op
from oracle import assert_close

import autograd
import nn
from autograd.testing.strategies import arrays_in

pytestmark = [
    pytest.mark.usefixtures("torch_float64"),  # torch.nn builds float64 weights here
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths"),  # torch's own note
]


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


# ----- modules against torch.nn, state_dict both ways ----------------------------------------------
def _ours(array):
    return autograd.tensor(array, requires_grad=True)


def _theirs(array):
    return torch.tensor(array, requires_grad=True)


def _load_into_ours(ours, theirs):
    """torch's state_dict into ours: the same keys in the same order, the same shapes."""
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    assert [tuple(v.shape) for v in ours.state_dict().values()] == [tuple(v.shape) for v in state.values()]
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in state.items()})


def _compare(ours, theirs, x, rng, **kwargs):
    """Forward, input and parameter gradients of two modules holding the same weights."""
    a, b = _ours(x), _theirs(x)
    out, expected = ours(a, **kwargs), theirs(b, **kwargs)
    assert tuple(out.shape) == tuple(expected.shape)
    assert_close(out, expected, "forward")
    g = rng.standard_normal(tuple(expected.shape))
    out.backward(autograd.tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(a.grad, b.grad, "input gradient", atol=1e-10)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert_close(p.grad, q.grad, f"gradient of {name}", atol=1e-10)


@st.composite
def conv_modules(draw):
    """A torch.nn convolution layer's class name, constructor arguments and an input size that fits."""
    name = draw(st.sampled_from(["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]))
    d, transposed = int(name[-2]), name.startswith("ConvTranspose")
    groups = draw(st.integers(1, 2))
    args = {
        "in_channels": groups * draw(st.integers(1, 2)),
        "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": draw(st.one_of(st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * d))),
        "stride": draw(st.one_of(st.integers(1, 2), st.tuples(*[st.integers(1, 2)] * d))),
        "dilation": draw(st.integers(1, 2)),
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    kernel = (args["kernel_size"],) * d if isinstance(args["kernel_size"], int) else args["kernel_size"]
    stride = (args["stride"],) * d if isinstance(args["stride"], int) else args["stride"]
    span = [args["dilation"] * (k - 1) + 1 for k in kernel]
    if transposed:
        pad = draw(st.integers(0, 1))
        args["padding"] = pad
        args["output_padding"] = draw(st.integers(0, max(min(stride), args["dilation"]) - 1))
        least = [
            max(1, -(-(2 * pad - s + 1 + args["output_padding"]) // t) + 1)
            for s, t in zip(span, stride, strict=True)
        ]
    else:
        args["padding_mode"] = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
        strings = ["valid", "same"] if max(stride) == 1 else ["valid"]
        args["padding"] = draw(st.one_of(st.integers(0, 2), st.sampled_from(strings)))
        pad = 0 if isinstance(args["padding"], str) else args["padding"]
        if args["padding"] == "same":  # the padding mode pads (span - 1) // 2 or so: the input must exceed it
            pad = max(span) // 2
        least = [max(s - 2 * pad, pad + 1, 1) for s in span]
    sizes = tuple(draw(st.integers(n, n + 2)) for n in least)
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return name, args, (*batch, args["in_channels"], *sizes)


@given(case=conv_modules(), seed=st.integers(0, 2**32 - 1))
def test_conv_modules_match_torch(case, seed):
    name, args, shape = case
    rng = np.random.default_rng(seed)
    theirs = getattr(torch.nn, name)(**args)
    ours = getattr(nn, name)(**args, dtype=autograd.float64)
    assert repr(ours) == repr(theirs)
    _load_into_ours(ours, theirs)
    _compare(ours, theirs, rng.standard_normal(shape), rng)
    # and ours into torch's: fresh weights of ours, loaded into a fresh torch layer
    ours = getattr(nn, name)(**args, dtype=autograd.float64, generator=rng)
    theirs = getattr(torch.nn, name)(**args)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    _compare(ours, theirs, rng.standard_normal(shape), rng)


def test_conv_transpose_output_size_picks_the_output_padding():
    rng = np.random.default_rng(0)
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=(2, 3), padding=1)
    ours = nn.ConvTranspose2d(3, 2, 3, stride=(2, 3), padding=1, dtype=autograd.float64)
    _load_into_ours(ours, theirs)
    x = rng.standard_normal((2, 3, 4, 5))
    for size in [(7, 13), (8, 15), [2, 2, 8, 14]]:
        _compare(ours, theirs, x, rng, output_size=size)
    with pytest.raises(ValueError, match=r"valid sizes range from \[7, 13\] to \[8, 15\]"):
        ours(autograd.tensor(x), output_size=(9, 13))


def test_conv_layers_initialise_as_torch():
    """Default dtype float32, weights and biases within torch's bounds +-1/sqrt(fan_in), drawn."""
    layers = [
        (nn.Conv2d(4, 6, 3, groups=2), 2 * 9),
        (nn.ConvTranspose2d(4, 6, (3, 2), groups=2), 3 * 6),
        (nn.Conv1d(3, 5, 4), 3 * 4),
    ]
    for ours, fan_in in layers:
        assert ours.weight.dtype == autograd.float32 and ours.bias.dtype == autograd.float32
        bound = 1 / math.sqrt(fan_in)
        for p in (ours.weight, ours.bias):
            values = p.numpy()
            assert np.abs(values).max() <= bound and np.unique(values).size == values.size
    assert nn.Conv2d(1, 1, 2, bias=False).bias is None


def test_a_small_cnn_matches_torch():
    """Conv-ReLU-MaxPool-Conv-AvgPool-Flatten-Linear: torch's state_dict loads unchanged and every
    gradient agrees."""

    def build(lib, **kw):
        return lib.Sequential(
            lib.Conv2d(1, 4, 3, padding="same", **kw), lib.ReLU(), lib.MaxPool2d(2),
            lib.Conv2d(4, 6, 3, stride=1, padding=1, groups=2, **kw), lib.AvgPool2d(2, ceil_mode=True),
            lib.AdaptiveAvgPool2d((2, None)), lib.Flatten(), lib.Linear(24, 3, **kw),
            lib.Unflatten(1, (3, 1)),
        )  # fmt: skip

    theirs, ours = build(torch.nn), build(nn, dtype=autograd.float64)
    _load_into_ours(ours, theirs)
    rng = np.random.default_rng(1)
    _compare(ours, theirs, rng.standard_normal((3, 1, 8, 7)), rng)


def test_second_derivatives_through_a_conv_layer():
    """A gradient penalty: d/dw of |d loss/dx|^2 through create_graph, as torch."""
    rng = np.random.default_rng(2)
    theirs = torch.nn.Conv2d(2, 3, 3, stride=2, padding=1, dilation=1, groups=1)
    ours = nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=autograd.float64)
    _load_into_ours(ours, theirs)
    x = rng.standard_normal((2, 2, 5, 5))
    results = []
    for lib, module, leaf in ((autograd, ours, _ours), (torch, theirs, _theirs)):
        xs = leaf(x)
        loss = (module(xs).tanh() ** 2).sum()
        grad = autograd.grad if lib is autograd else torch.autograd.grad
        (gx,) = grad(loss, [xs], create_graph=True)
        penalty = (gx**2).sum()
        results.append(grad(penalty, [module.weight, module.bias, xs]))
    for a, b in zip(*results, strict=True):
        assert_close(a, b, "second derivative", atol=1e-10)


POOLS = [
    ("MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 3, 9)),
    ("MaxPool2d", {"kernel_size": (3, 2), "padding": (1, 0), "ceil_mode": True}, (2, 3, 7, 8)),
    ("MaxPool2d", {"kernel_size": 2}, (3, 6, 5)),
    (
        "AvgPool1d",
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
        (2, 3, 8),
    ),  # fmt: skip
    ("AvgPool2d", {"kernel_size": 3, "stride": (2, 1), "padding": 1, "divisor_override": 4}, (2, 2, 5, 6)),
    ("AvgPool2d", {"kernel_size": (2, 3), "ceil_mode": True, "count_include_pad": False}, (3, 5, 7)),
    ("AdaptiveAvgPool1d", {"output_size": 3}, (2, 3, 7)),
    ("AdaptiveAvgPool2d", {"output_size": (None, 3)}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool2d", {"output_size": 1}, (3, 5, 4)),
    ("Flatten", {}, (2, 3, 4, 5)),
    ("Flatten", {"start_dim": 0, "end_dim": -2}, (2, 3, 4)),
    ("Unflatten", {"dim": -1, "unflattened_size": (2, -1)}, (3, 4, 6)),
]


@pytest.mark.parametrize(
    ("name", "args", "shape"), POOLS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(POOLS)]
)
def test_shape_and_pooling_modules_match_torch(name, args, shape):
    ours, theirs = getattr(nn, name)(**args), getattr(torch.nn, name)(**args)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(3)
    _compare(ours, theirs, rng.permutation(math.prod(shape)).reshape(shape) / 7.0, rng)


@given(data=st.data())
def test_max_pool_indices_match_torch(data):
    d = data.draw(st.integers(1, 2), label="d")
    (x,), params = pool_case(d, "max")(data)
    name = f"max_pool{d}d"
    values, indices = getattr(nn.functional, name)(autograd.tensor(x), **params, return_indices=True)
    expected, expected_indices = getattr(torch.nn.functional, name)(
        torch.tensor(x), **params, return_indices=True
    )
    assert_close(values, expected, "values")
    assert indices.dtype == autograd.int64
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    layer = getattr(nn, f"MaxPool{d}d")(**params, return_indices=True)
    np.testing.assert_array_equal(layer(autograd.tensor(x))[1].numpy(), expected_indices.numpy())


def test_max_pool_window_in_padding():
    """A window that lies all in the padding gives -inf and passes no gradient (torch's value; torch itself
    writes outside its buffers there, so it is not run here)."""
    x = autograd.tensor(np.arange(3.0).reshape(1, 1, 3), requires_grad=True)
    out = nn.functional.max_pool2d(x, (2, 1), padding=(1, 0), dilation=(2, 1))
    np.testing.assert_array_equal(out.numpy(), np.full((1, 1, 3), -np.inf))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 1, 3)))


def test_max_pool_takes_the_first_of_ties_and_nan():
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, np.nan, 2.0], [2.0, 2.0, 2.0]]]])
    for kw in ({"kernel_size": 2, "stride": 1}, {"kernel_size": 3, "padding": 1, "stride": 2}):
        a, b = _ours(x), _theirs(x)
        out, expected = nn.functional.max_pool2d(a, **kw), torch.nn.functional.max_pool2d(b, **kw)
        assert_close(out, expected, "values")
        out.sum().backward()
        expected.sum().backward()
        assert_close(a.grad, b.grad, "gradient")


def test_pad_keeps_dtype_and_value():
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    ours = nn.functional.pad(autograd.tensor(x), (1, -1, 2, 0), value=7)
    expected = torch.nn.functional.pad(torch.tensor(x), (1, -1, 2, 0), value=7)
    assert ours.dtype == autograd.int64
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


# ----- errors: torch's exception type, a message that names the problem ----------------------------
def _x(*shape):
    return lambda lib: lib.zeros(*shape)


ERRORS = [
    (
        "conv2d input dims",
        lambda F, t: F.conv2d(t(3, 5), t(4, 3, 3, 3)),
        r"3D \(unbatched\) or 4D .*\[3, 5\]",
    ),
    (
        "conv2d channels",
        lambda F, t: F.conv2d(t(2, 4, 5, 5), t(4, 3, 3, 3)),
        r"input\[2, 4, 5, 5\] to have 3 channels",
    ),
    ("conv2d groups", lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), groups=2), "to have 6 channels"),
    ("conv2d weight split", lambda F, t: F.conv2d(t(2, 4, 5, 5), t(3, 2, 3, 3), groups=2), "divisible by 2"),
    ("conv2d bias", lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), t(3)), "bias of size \\[3\\]"),
    ("conv2d too small", lambda F, t: F.conv2d(t(2, 3, 2, 2), t(4, 3, 3, 3)), r"\(2 x 2\).*\(3 x 3\)"),
    ("conv2d stride", lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), stride=0), "non-positive stride"),
    ("conv2d stride len", lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), stride=(1, 2, 3)), "list of 2"),
    ("conv2d padding", lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), padding=-1), "negative padding"),
    (
        "conv2d same stride",
        lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), padding="same", stride=2),
        "strided convolutions",
    ),  # fmt: skip
    ("conv2d padding string", lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), padding="full"), "'full'"),
    (
        "conv_transpose2d channels",
        lambda F, t: F.conv_transpose2d(t(2, 3, 5, 5), t(4, 3, 3, 3)),
        r"input\[2, 3, 5, 5\] to have 4 channels",
    ),  # fmt: skip
    (
        "conv_transpose2d output_padding",
        lambda F, t: F.conv_transpose2d(t(1, 4, 5, 5), t(4, 3, 3, 3), output_padding=1),
        "output padding",
    ),  # fmt: skip
    (
        "conv_transpose2d too small",
        lambda F, t: F.conv_transpose2d(t(1, 3, 1, 1), t(3, 4, 1, 1), padding=1),
        "too small",
    ),  # fmt: skip
    ("max_pool2d padding", lambda F, t: F.max_pool2d(t(1, 3, 5, 5), 3, padding=2), "at most half"),
    ("max_pool2d too small", lambda F, t: F.max_pool2d(t(1, 3, 5, 5), 6), r"\(3x5x5\).*\(3x0x0\)"),
    ("avg_pool1d dims", lambda F, t: F.avg_pool1d(t(2, 3, 5, 5), 2), r"\[2, 3, 5, 5\]"),
    ("avg_pool2d too small", lambda F, t: F.avg_pool2d(t(1, 3, 5, 5), 6), "too small"),
    ("adaptive dims", lambda F, t: F.adaptive_avg_pool2d(t(5), 2), r"\[5\]"),
    ("adaptive size", lambda F, t: F.adaptive_avg_pool2d(t(1, 3, 5, 5), (1, 2, 3)), "output_size must be 2"),
    ("unfold blocks", lambda F, t: F.unfold(t(2, 3, 5, 5), 6), r"sliding blocks as \(0, 0\)"),
    ("fold divisible", lambda F, t: F.fold(t(2, 13, 16), (5, 5), 2), "input.size\\(1\\)=13"),
    ("fold blocks", lambda F, t: F.fold(t(2, 12, 15), (5, 5), 2), "input.size\\(2\\)=15"),
    ("pad odd", lambda F, t: F.pad(t(2, 3), (1,)), "divisible by 2"),
    ("pad long", lambda F, t: F.pad(t(2, 3), (1, 1, 1, 1, 1, 1)), "padding length 6"),
    ("pad reflect size", lambda F, t: F.pad(t(1, 3, 4), (4, 1), mode="reflect"), r"\(4, 1\) at dimension 2"),
    ("pad reflect dims", lambda F, t: F.pad(t(1, 3, 4, 4), (1, 1), mode="reflect"), "Padding size 2"),
    ("pad circular wrap", lambda F, t: F.pad(t(1, 3, 4), (5, 1), mode="circular"), "more than once"),
    ("pad mode", lambda F, t: F.pad(t(1, 3, 4), (1, 1), mode="wrap"), "wrap"),
    ("pad value", lambda F, t: F.pad(t(1, 3, 4), (1, 1), mode="reflect", value=2.0), "value"),
]


@pytest.mark.parametrize(("name", "call", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, call, message):
    with pytest.raises(Exception) as expected:
        call(torch.nn.functional, torch.zeros)
    with pytest.raises(type(expected.value), match=message):
        call(nn.functional, autograd.zeros)


MODULE_ERRORS = [
    (lambda lib: lib.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda lib: lib.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
    (lambda lib: lib.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda lib: lib.Conv2d(4, 4, 3, padding="same", stride=2), "strided convolutions"),
    (lambda lib: lib.Conv2d(4, 4, 3, padding="bar"), "Invalid padding string 'bar'"),
    (lambda lib: lib.Conv2d(4, 4, 3, padding_mode="bar"), "padding_mode='bar'"),
    (lambda lib: lib.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), "zeros"),
    (lambda lib: lib.Unflatten(1, (2, 2))((autograd if lib is nn else torch).zeros(2, 3, 5)),
     r"\[2, 2\] don't multiply up to the size of dim 1 \(3\)"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), MODULE_ERRORS)
def test_module_errors_match_torch(call, message):
    with pytest.raises(Exception) as expected:
        call(torch.nn)
    with pytest.raises(type(expected.value), match=message):
        call(nn)
