"""Drawing ``Tensor`` graphs: name, shape, dtype, values (or min/mean/max), grads, parameters by their
``named_parameters()`` names, a whole MLP on tensors folded by layer, and backward steps."""

from __future__ import annotations

import numpy as np

import nn
from autograd import Tensor
from autograd.viz import backprop_steps, draw_dot
from autograd.viz.draw import STYLE
from autograd.viz.inspect import read_svg


def records(drawing) -> list[list[str]]:
    return [[t.strip() for t in texts] for key, texts in drawing.nodes.items() if not key.endswith("op")]


def test_small_tensors_show_values_and_large_ones_a_summary():
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    w.name = "w"
    big = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = (w.sum() * big).sum()
    y.backward()
    drawing = read_svg(draw_dot(y).pipe())
    shown = [[" ".join(text.split()) for text in texts] for texts in records(drawing)]
    w_grad = "grad [[66.0000, 66.0000], [66.0000, 66.0000]]"
    assert ["w", "2x2 float64", "data [[1.0000, -2.0000], [0.5000, 3.0000]]", w_grad] in shown
    big_data = "data min 0.0000, mean 5.5000, max 11.0000"
    assert ["", "3x4 float64", big_data, "grad min 2.5000, mean 2.5000, max 2.5000"] in shown
    assert ["", "scalar float64", "data 165.0000", "grad None"] in shown  # the output: grad not retained
    ops = sorted(texts[0] for key, texts in drawing.nodes.items() if key.endswith("op"))
    assert ops == ["Mul", "Sum", "Sum"]


def test_tensor_mlp_parameters_are_named_coloured_and_folded_by_layer():
    generator = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(4, 16, generator=generator), nn.ReLU(), nn.Linear(16, 3, generator=generator)
    )
    x = Tensor(generator.normal(size=(8, 4)).astype(np.float32))
    loss = model(x).relu().mean()
    loss.backward()
    names = [name for name, _ in model.named_parameters()]
    dot = draw_dot(loss, model=model)
    drawing = read_svg(dot.pipe())
    titles = {texts[0].strip(): drawing.fills[key] for key, texts in drawing.nodes.items()}
    for name in names:
        assert titles[name] == STYLE["parameter"]
    assert list(drawing.fills.values()).count(STYLE["output"]) == 1
    assert dot.note == ""
    folded = draw_dot(loss, model=model, max_nodes=8)
    drawing = read_svg(folded.pipe())
    assert len(drawing.nodes) <= 8
    groups = sorted(texts[0] for texts in drawing.nodes.values() if "nodes folded" in "".join(texts))
    assert groups == sorted({name.rsplit(".", 1)[0] for name in names})


def test_backprop_steps_on_tensors_show_every_gradient(tmp_path):
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    out = (a * b + a).sum()
    paths = backprop_steps(out, tmp_path)
    assert len(paths) == 5
    last = records(read_svg(paths[-1].read_text()))
    grads = sorted(r[-1] for r in last)
    assert "grad [4.0000, 0.0000]" in grads  # d out/d a = b + 1
    assert "grad [1.0000, 2.0000]" in grads  # d out/d b = a
    assert "grad 1.0000" in grads
    assert a.grad is None  # computed with autograd.grad: .grad untouched
