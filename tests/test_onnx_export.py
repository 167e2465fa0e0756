"""autograd.onnx.export (issue 16): the written model passes onnx's full check and onnxruntime reproduces
tracegrad's outputs (float32, 1e-5) at the traced batch size and, with dynamic_axes, at another; ops without
a mapping and values the trace would freeze are clear errors."""

from __future__ import annotations

import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import autograd
import nn
from autograd.onnx import OnnxError


def run_both(model, shapes, batches=(3, 5), dynamic=True, **kwargs):
    """Exports ``model`` at batch ``batches[0]``; compares onnxruntime with tracegrad at every batch."""
    autograd.manual_seed(0)
    args = tuple(autograd.randn(batches[0], *s) for s in shapes)
    names = [f"x{i}" for i in range(len(shapes))]
    axes = {n: {0: "batch"} for n in names} if dynamic else None
    f = io.BytesIO()
    proto = autograd.onnx.export(model, args, f, input_names=names, dynamic_axes=axes, **kwargs)
    onnx.checker.check_model(onnx.load_from_string(f.getvalue()), full_check=True)
    session = ort.InferenceSession(f.getvalue())
    for batch in batches if dynamic else batches[:1]:
        xs = [autograd.randn(batch, *s) for s in shapes]
        expected = model(*xs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = session.run(None, {n: x.numpy() for n, x in zip(names, xs, strict=True)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
    return proto


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
    [(lambda x: x.all(), "op all"), (lambda x: autograd.bernoulli(x.sigmoid()), "op Sample")],
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
