"""autograd.onnx.load (issue 16): what torch.onnx.export writes runs here with torch's outputs and gradients,
tracegrad -> ONNX -> tracegrad gives the original's, and hostile files are refused before anything is
allocated or read."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import autograd
import nn
from autograd.onnx import OnnxError


def torch_onnx(model, *xs, **kwargs):
    """torch's own exporter (the TorchScript one: dynamo needs onnxscript), as bytes."""
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, xs, f, dynamo=False, opset_version=17, **kwargs)
    return f.getvalue()


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def compare_with_torch(model, *shapes, names=None):
    """Loads torch's export of ``model`` (float64) and compares outputs, input gradients and the gradients
    of the parameters that keep torch's names."""
    model = model.double().eval()
    torch.manual_seed(0)
    xs = [torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in shapes]
    loaded = autograd.onnx.load(torch_onnx(model, *xs))
    ours = [autograd.tensor(x.detach().numpy(), requires_grad=True) for x in xs]
    expected, got = flat(model(*xs)), flat(loaded(*ours))
    assert len(expected) == len(got)
    weights = [torch.randn(e.shape, dtype=torch.float64) for e in expected]
    sum((e * w).sum() for e, w in zip(expected, weights, strict=True)).backward()
    sum((g * autograd.tensor(w.numpy())).sum() for g, w in zip(got, weights, strict=True)).backward()
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(g.numpy(), e.detach().numpy(), rtol=1e-9, atol=1e-12)
    for x, o in zip(xs, ours, strict=True):
        np.testing.assert_allclose(o.grad.numpy(), x.grad.numpy(), rtol=1e-9, atol=1e-12)
    torch_params = dict(model.named_parameters())
    matched = 0
    for name, p in loaded.named_parameters():
        if name in torch_params:
            np.testing.assert_allclose(p.grad.numpy(), torch_params[name].grad.numpy(), rtol=1e-9, atol=1e-12)
            matched += 1
    return loaded, matched


def test_torch_mlp_with_activations_softmax_gemm():
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.Sigmoid(),
        torch.nn.Linear(6, 6),
        torch.nn.Tanh(),
        torch.nn.Linear(6, 5),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(5, 5),
        torch.nn.ELU(0.7),
        torch.nn.Linear(5, 3),
        torch.nn.ReLU(),
        torch.nn.LogSoftmax(-1),
    )
    loaded, matched = compare_with_torch(model, (3, 4))
    assert matched == 10 and sorted(dict(loaded.named_parameters())) == sorted(dict(model.named_parameters()))


class Shapes(torch.nn.Module):
    """Reshape, Flatten, Transpose, Concat, MatMul, LayerNorm, Softmax as torch writes them."""

    def __init__(self):
        super().__init__()
        self.norm = torch.nn.LayerNorm(6)
        self.proj = torch.nn.Linear(6, 6)

    def forward(self, x, y):
        z = torch.cat([x, y], 1).reshape(x.shape[0], 3, 4).transpose(1, 2)  # (N, 4, 3)
        z = torch.flatten(z @ z.transpose(1, 2), 1)[:, :6]
        return torch.softmax(self.proj(self.norm(z)), -1), z.max(1).values


def test_torch_shapes_layernorm_matmul():
    compare_with_torch(Shapes(), (2, 5), (2, 7))


@pytest.mark.parametrize("cls", [torch.nn.LSTM, torch.nn.GRU])
def test_torch_recurrent_layers(cls):
    torch.manual_seed(1)
    loaded, _ = compare_with_torch(cls(3, 4, num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3))
    assert any(n.op_type == cls.__name__ for n in loaded._nodes)


def norms():
    """BatchNorm1d with running statistics away from 0 and 1, LayerNorm, GroupNorm, GELU, SiLU."""
    bn = nn.BatchNorm1d(4)
    for _ in range(3):
        bn(autograd.randn(6, 4, 5) * 3 + 1)
    return nn.Sequential(bn, nn.LayerNorm(5), nn.GroupNorm(2, 4), nn.GELU(), nn.SiLU()).eval()


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(-1)),
        lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
        lambda: nn.GRU(3, 4, batch_first=True),
        lambda: nn.RNN(3, 4, nonlinearity="relu"),
        lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval(),
        lambda: norms(),
    ],
)
def test_round_trip_gives_the_original_outputs_gradients_and_names(make):
    autograd.manual_seed(3)
    model = make()
    shape = {nn.Sequential: (5, 4), nn.TransformerEncoderLayer: (2, 5, 8)}.get(type(model), (6, 2, 3))
    shape = (
        (3, 4, 5)
        if isinstance(model[0] if isinstance(model, nn.Sequential) else None, nn.BatchNorm1d)
        else shape
    )
    round_trip(model.double(), autograd.randn(*shape, dtype=autograd.float64))


def round_trip(model, x):
    """tracegrad -> ONNX -> tracegrad: the same state_dict names, outputs, input and parameter gradients."""
    f = io.BytesIO()
    autograd.onnx.export(model, (x,), f)
    loaded = autograd.onnx.load(f.getvalue())
    assert list(loaded.state_dict()) == list(model.state_dict())
    xa, xb = x.detach().requires_grad_(), x.detach().requires_grad_()
    a, b = flat(model(xa)), flat(loaded(xb))
    assert len(a) == len(b)
    sum((t * (i + 1)).sum() for i, t in enumerate(a)).backward()
    sum((t * (i + 1)).sum() for i, t in enumerate(b)).backward()
    for p, q in zip(a, b, strict=True):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xb.grad.numpy(), xa.grad.numpy(), rtol=1e-10, atol=1e-12)
    mine = dict(model.named_parameters())
    for name, p in loaded.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), mine[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def cnn_pair():
    """The digits CNN (examples/09_cnn_digits.py) in torch, and in tracegrad with torch's weights."""
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 2 * 2, 10),
    )  # fmt: skip
    ours = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )  # fmt: skip
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def test_torch_digits_cnn_round_trip():
    theirs, _ = cnn_pair()
    loaded, matched = compare_with_torch(theirs, (3, 1, 8, 8))
    assert matched == 6  # both convolutions' and the linear layer's weight and bias
    assert [n.op_type for n in loaded._nodes if n.op_type in ("Conv", "MaxPool")] == ["Conv", "MaxPool"] * 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: cnn_pair()[1],
        lambda: nn.Sequential(
            nn.Conv2d(4, 4, (2, 3), padding="same", dilation=(1, 2), groups=2),
            nn.AvgPool2d(3, 2, 1, ceil_mode=True),
            nn.MaxPool2d(2, ceil_mode=True),  # 5x5 -> 3x3
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        ),
    ],
)
def test_cnn_round_trip_gives_the_original_outputs_and_gradients(make):
    autograd.manual_seed(5)
    model = make()
    channels = model[0].in_channels
    round_trip(model.double(), autograd.randn(3, channels, 8, 8, dtype=autograd.float64))


def test_a_loaded_model_fine_tunes():
    autograd.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    f = io.BytesIO()
    autograd.onnx.export(model, (autograd.randn(4, 2),), f)
    loaded = autograd.onnx.load(f.getvalue())
    x = autograd.randn(32, 2)
    y = (x[:, :1] * x[:, 1:]).detach()
    opt = nn.optim.Adam(loaded.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        loss = nn.functional.mse_loss(loaded(x), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first


# ----- hostile files --------------------------------------------------------------------------------------
def model_bytes(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()


def vinfo(name, shape=(2,)):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def test_huge_declared_dims_are_refused_before_allocating():
    big = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20], raw_data=b"\0" * 16)
    data = model_bytes([helper.make_node("Add", ["x", "w"], ["y"])], [vinfo("x")], [vinfo("y")], [big])
    with pytest.raises(OnnxError, match="more than .* elements"):
        autograd.onnx.load(data)


def test_declared_size_must_match_the_bytes_present():
    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1000], raw_data=b"\0" * 16)
    data = model_bytes([helper.make_node("Add", ["x", "w"], ["y"])], [vinfo("x")], [vinfo("y")], [short])
    with pytest.raises(OnnxError, match="holds 4"):
        autograd.onnx.load(data)


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../secret.bin", "link.bin"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    outside = tmp_path / "secret.bin"
    outside.write_bytes(b"\0" * 64)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "link.bin").symlink_to(outside)
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value=location)
    path = folder / "m.onnx"
    path.write_bytes(
        model_bytes([helper.make_node("Add", ["x", "w"], ["y"])], [vinfo("x")], [vinfo("y")], [w])
    )
    with pytest.raises(OnnxError, match="outside the model's folder"):
        autograd.onnx.load(path)


def test_external_data_inside_the_folder_loads_and_its_range_is_checked(tmp_path):
    (tmp_path / "w.bin").write_bytes(np.array([1.0, 2.0], np.float32).tobytes())
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="w.bin")
    path = tmp_path / "m.onnx"
    path.write_bytes(
        model_bytes([helper.make_node("Add", ["x", "w"], ["y"])], [vinfo("x")], [vinfo("y")], [w])
    )
    out = autograd.onnx.load(path)(autograd.tensor([1.0, 1.0]))
    assert out.tolist() == [2.0, 3.0]
    w.external_data.add(key="offset", value="4")
    path.write_bytes(
        model_bytes([helper.make_node("Add", ["x", "w"], ["y"])], [vinfo("x")], [vinfo("y")], [w])
    )
    with pytest.raises(OnnxError, match="outside its 8 bytes"):
        autograd.onnx.load(path)


def test_cyclic_graph_unknown_op_and_attribute_are_refused():
    cycle = [
        helper.make_node("Relu", ["b"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"]),
        helper.make_node("Add", ["x", "a"], ["y"]),
    ]
    with pytest.raises(OnnxError, match="cycle"):
        autograd.onnx.load(model_bytes(cycle, [vinfo("x")], [vinfo("y")]))
    with pytest.raises(OnnxError, match="operator Hardmax is not supported"):
        autograd.onnx.load(
            model_bytes([helper.make_node("Hardmax", ["x"], ["y"])], [vinfo("x")], [vinfo("y")])
        )
    odd = helper.make_node("Relu", ["x"], ["y"], colour="red")
    with pytest.raises(OnnxError, match="attribute 'colour'"):
        autograd.onnx.load(model_bytes([odd], [vinfo("x")], [vinfo("y")]))


def test_not_a_regular_file_or_not_onnx(tmp_path):
    with pytest.raises(OnnxError, match="not a regular file"):
        autograd.onnx.load(tmp_path)
    (tmp_path / "junk.onnx").write_bytes(b"\xff" * 100)
    with pytest.raises(OnnxError, match="not an ONNX model"):
        autograd.onnx.load(tmp_path / "junk.onnx")


def test_huge_shape_asked_at_run_time_is_refused():
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "s")
    node = helper.make_node("ConstantOfShape", ["s"], ["y"])
    data = model_bytes([node], [vinfo("x")], [vinfo("y", (1 << 20, 1 << 20))], [shape])
    loaded = autograd.onnx.load(data)
    with pytest.raises(OnnxError, match="more than .* elements"):
        loaded(autograd.zeros(2))


def test_tracegrad_render_draws_an_onnx_file(tmp_path, capsys):
    from autograd.cli import main

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    path = tmp_path / "torch.onnx"
    path.write_bytes(torch_onnx(model, torch.randn(2, 3)))
    assert main([str(path), "-o", str(tmp_path / "g.svg")]) == 0
    svg = (tmp_path / "g.svg").read_text()
    assert "Gemm" in svg and "Relu" in svg and "0.weight" in svg and "wrote" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.onnx"), "-o", str(tmp_path / "h.svg")]) == 1
    assert "cannot be read" in capsys.readouterr().err
