"""autograd.onnx.export (issue 16): the written model passes onnx's full check and onnxruntime reproduces
tracegrad's outputs (float32, 1e-5) at the traced batch size and, with dynamic_axes, at another; ops without
a mapping and values the trace would freeze are clear errors."""

from __future__ import annotations

import importlib.util
import io
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import autograd
import nn
from autograd.onnx import OnnxError


def run_both(model, shapes, batches=(3, 5), dynamic=True, **kwargs):
    """Exports ``model`` at batch ``batches[0]``; compares onnxruntime with tracegrad at every batch, and the
    model loaded back (autograd.onnx.load) with the original at the traced batch."""
    autograd.manual_seed(0)
    args = tuple(autograd.randn(batches[0], *s) for s in shapes)
    names = [f"x{i}" for i in range(len(shapes))]
    axes = {n: {0: "batch"} for n in names + kwargs.get("output_names", [])} if dynamic else None
    f = io.BytesIO()
    proto = autograd.onnx.export(model, args, f, input_names=names, dynamic_axes=axes, **kwargs)
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()), full_check=True)
    session = ort.InferenceSession(f.getvalue())
    for batch in batches if dynamic else batches[:1]:
        xs = [autograd.randn(batch, *s) for s in shapes]
        expected = flat(model(*xs))
        got = session.run(None, {n: x.numpy() for n, x in zip(names, xs, strict=True)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
    back = autograd.onnx.load(f.getvalue())(*args)
    back = back if isinstance(back, tuple) else (back,)
    for b, e in zip(back, flat(model(*args)), strict=True):
        np.testing.assert_allclose(b.numpy(), e.numpy(), rtol=1e-6, atol=1e-6)
    return proto


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def op_types(proto):
    return [n.op_type for n in proto.graph.node if n.op_type != "Constant"]


def test_mlp_is_gemm_relu_gemm_softmax_with_state_dict_names():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(-1))
    proto = run_both(model, [(4,)])
    assert op_types(proto) == ["Gemm", "Relu", "Gemm", "Softmax"]
    assert [i.name for i in proto.graph.initializer] == list(model.state_dict())
    assert proto.opset_import[0].version == 17


def test_a_function_and_tensor_methods():
    def fn(x, y):
        z = (x * 2.0 - y).tanh() / (1 + y.abs())
        return z.sum(-1, keepdim=True), z.reshape(z.shape[0], 2, 3).transpose(1, 2)[:, 1:, -1].exp()

    run_both(fn, [(6,), (6,)])


@pytest.mark.parametrize(
    ("fn", "name"),
    [(lambda x: x.all(), "op all"), (lambda x: autograd.bernoulli(x.sigmoid()), "op Bernoulli")],
)
def test_missing_mapping_names_the_op_and_where(fn, name):
    with pytest.raises(OnnxError, match=f"{name} has no ONNX mapping.*test_onnx_export.py"):
        autograd.onnx.export(fn, (autograd.randn(2, 3),), io.BytesIO())


def test_in_place_change_of_a_traced_tensor_is_refused():
    def fn(x):
        y = x * 2
        y += 1
        return y

    with pytest.raises(OnnxError, match="in-place __iadd__"):
        autograd.onnx.export(fn, (autograd.randn(2, 3),), io.BytesIO())


def test_item_on_a_traced_value_is_refused_with_where():
    def fn(x):
        return x * x.sum().item()

    with pytest.raises(OnnxError, match=r"item\(\).*test_onnx_export.py"):
        autograd.onnx.export(fn, (autograd.randn(2, 3),), io.BytesIO())


def test_the_model_is_back_in_training_mode_and_the_file_written(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2))
    path = tmp_path / "m.onnx"
    autograd.onnx.export(model, (autograd.randn(1, 2),), path)
    assert model.training and onnx.load(path).graph.node


def test_comparisons_and_argmax_are_recorded():
    def fn(x, y):
        mask = (x > y) | (x <= -0.5)
        return autograd.where(mask, x, y * 0.5), x.argmax(-1), (x != y).float().sum(1)

    run_both(fn, [(4,), (4,)])


@pytest.mark.parametrize(
    ("cls", "options"),
    [
        (nn.LSTM, {}),
        (nn.GRU, {"batch_first": True}),
        (nn.LSTM, {"num_layers": 2, "bidirectional": True, "batch_first": True}),
        (nn.GRU, {"num_layers": 2, "bidirectional": True}),
        (nn.RNN, {"nonlinearity": "relu"}),
    ],
)
def test_recurrent_layers_become_onnx_lstm_gru_rnn(cls, options):
    autograd.manual_seed(1)
    layer = cls(3, 4, **options)
    first = options.get("batch_first", False)

    def fn(x):  # x: (N, L, 3); the layer sees its own layout
        out, state = layer(x if first else x.transpose(0, 1))
        return (out, *state) if isinstance(state, tuple) else (out, state)

    proto = run_both(fn, [(5, 3)])
    assert {"LSTM": "LSTM", "GRU": "GRU", "RNN": "RNN"}[cls.__name__] in op_types(proto)


@pytest.mark.parametrize("batch_first", [True, False])
def test_transformer_encoder_layer(batch_first):
    autograd.manual_seed(2)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=batch_first).eval()

    def fn(x):  # x: (N, L, 8)
        out = layer(x if batch_first else x.transpose(0, 1))
        return out if batch_first else out.transpose(0, 1)

    proto = run_both(fn, [(4, 8)])
    assert "Softmax" in op_types(proto)


def trained_batch_norm(*shape, channels):
    """A BatchNorm with running statistics away from 0 and 1, and weights away from 1 and 0."""
    bn = nn.BatchNorm1d(channels)
    for _ in range(3):
        bn(autograd.randn(*shape) * 3 + 1)
    with autograd.no_grad():
        bn.weight.copy_(autograd.rand(channels) + 0.5)
        bn.bias.copy_(autograd.randn(channels))
    return bn.eval()


class Layers(nn.Module):
    """BatchNorm1d, LayerNorm, GELU, SiLU, Softplus, Hardtanh, Dropout (eval), GroupNorm."""

    def __init__(self):
        super().__init__()
        self.bn = trained_batch_norm(8, 4, 5, channels=4)
        self.norm = nn.LayerNorm(5)
        self.group = nn.GroupNorm(2, 4)
        self.acts = nn.Sequential(
            nn.GELU(), nn.SiLU(), nn.Softplus(2.0, 1.0), nn.Hardtanh(-0.5, 0.8), nn.Dropout()
        )

    def forward(self, x):  # (N, 4, 5)
        return self.acts(self.group(self.norm(self.bn(x))))


def test_normalizations_and_activations():
    autograd.manual_seed(5)
    model = Layers().eval()
    proto = run_both(model, [(4, 5)])
    kinds = op_types(proto)
    assert "BatchNormalization" in kinds and "LayerNormalization" in kinds and "Dropout" not in kinds
    assert {"bn.running_mean", "bn.running_var", "bn.num_batches_tracked"} <= {
        i.name for i in proto.graph.initializer
    }


def test_embedding_takes_integer_inputs_at_any_batch():
    autograd.manual_seed(6)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 2))
    f = io.BytesIO()
    x = autograd.randint(0, 10, (3, 5))
    proto = autograd.onnx.export(model, (x,), f, input_names=["ids"], dynamic_axes={"ids": [0, 1]})
    assert op_types(proto)[0] == "Gather"
    session = ort.InferenceSession(f.getvalue())
    y = autograd.randint(0, 10, (2, 7))
    np.testing.assert_allclose(
        session.run(None, {"ids": y.numpy()})[0], model(y).numpy(), rtol=1e-5, atol=1e-6
    )


def test_pointwise_family_reductions_and_shapes():
    def fn(x, y):
        u = x.sigmoid() * 0.8 + 0.1  # in (0, 1)
        trig = u.sin() + u.cos() + u.tan() + u.asin() + u.acos() + u.atan() + u.sinh() + u.cosh()
        trig = trig + u.asinh() + (u + 1).acosh() + u.atanh() + u.erf() + u.reciprocal() + u.rsqrt()
        logs = u.log1p() + u.expm1() + u.exp2() + u.log2() + u.log10()
        rounding = (
            (x * 3).floor() + (x * 3).ceil() + (x * 3).round() + (x * 3).trunc() + (x * 3).frac() + x.sign()
        )
        mixed = autograd.addmm(y[:, :3], x[:, :2], y[:2, :3], beta=0.5, alpha=2.0)
        return trig + logs, rounding, mixed, x.cumsum(1), x.prod(1), x[:, :2].tile((2, 3)), x.clamp(-0.5, 0.5)

    run_both(fn, [(6,), (6,)], batches=(3, 3), dynamic=False)


# ----- convolution and pooling (the digits CNN) -------------------------------------------------------------


def digits_cnn():
    """examples/09_cnn_digits.py's ``build()`` (the examples folder is not a package)."""
    path = pathlib.Path(__file__).parent.parent / "examples" / "09_cnn_digits.py"
    spec = importlib.util.spec_from_file_location("cnn_digits", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # its ``from plots import ...``
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module.build()


def test_the_digits_cnn_is_conv_relu_maxpool_twice_flatten_gemm():
    autograd.manual_seed(1)
    model = digits_cnn()
    proto = run_both(model, [(1, 8, 8)], batches=(4, 9), output_names=["logits"])
    assert op_types(proto) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm"]
    assert [i.name for i in proto.graph.initializer] == list(model.state_dict())


@pytest.mark.parametrize(
    ("layer", "shape", "ops"),
    [
        (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1), (2, 7, 6), ["Conv"]),
        (
            lambda: nn.Conv2d(4, 4, (2, 3), padding="same", dilation=2, groups=2, bias=False),
            (4, 6, 5),
            ["Conv"],
        ),
        (lambda: nn.Conv1d(2, 6, 4, padding="same", groups=2), (2, 7), ["Conv"]),
        (lambda: nn.Conv1d(2, 3, 3, stride=2, padding="valid", dilation=2), (2, 9), ["Conv"]),
        (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True), (2, 6, 7), ["MaxPool"]),
        (lambda: nn.MaxPool2d((2, 3), stride=1, dilation=(2, 1)), (2, 6, 7), ["MaxPool"]),
        (lambda: nn.MaxPool1d(2, ceil_mode=True), (3, 7), ["MaxPool"]),
        (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 6, 7), ["AveragePool"]),
        (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 6, 7), ["AveragePool"]),
        (lambda: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), (2, 8), ["AveragePool"]),
        (lambda: nn.AvgPool1d(2, ceil_mode=True), (2, 7), ["AveragePool"]),
        (lambda: nn.AvgPool2d(2, divisor_override=3), (2, 4, 4), ["Reshape", "Conv", "Reshape", "Div"]),
        (lambda: nn.AdaptiveAvgPool2d(1), (3, 5, 6), ["GlobalAveragePool"]),
        (lambda: nn.AdaptiveAvgPool2d((2, None)), (3, 4, 5), ["AveragePool"]),
        (lambda: nn.AdaptiveAvgPool2d(3), (3, 4, 5), ["MatMul", "MatMul"]),  # uneven windows: their matrices
        (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (3, 20))), (3, 4, 5), ["Reshape", "Reshape"]),
    ],
)
def test_convolution_and_pooling_options(layer, shape, ops):
    autograd.manual_seed(2)
    model = layer()
    proto = run_both(model, [shape], output_names=["y"])
    assert op_types(proto) == ops


def test_unbatched_inputs_and_pooling_indices_without_mapping():
    autograd.manual_seed(3)
    model = nn.Sequential(nn.Conv1d(2, 3, 3), nn.MaxPool1d(2), nn.AvgPool1d(2))
    x = autograd.randn(2, 8)
    f = io.BytesIO()
    autograd.onnx.export(model, (x,), f)
    got = ort.InferenceSession(f.getvalue()).run(None, {"input_0": x.numpy()})[0]
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(OnnxError, match="MaxPool"):
        autograd.onnx.export(
            nn.MaxPool2d(2, return_indices=True), (autograd.randn(1, 1, 4, 4),), io.BytesIO()
        )
