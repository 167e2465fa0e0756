"""Drawing ``Value`` graphs: micrograd's picture and call, roles, determinism, depth, backward order."""

from __future__ import annotations

import random

import graphviz
import pytest

from autograd import Value
from autograd.viz import backprop_steps, draw_dot, render
from autograd.viz.draw import STYLE
from autograd.viz.inspect import read_svg
from nn.micro import MLP


def neuron() -> Value:
    """micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b) with its gradients."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o


def svg_of(root, **options):
    return read_svg(draw_dot(root, **options).pipe(format="svg"))


def records(drawing) -> dict[str, list[str]]:
    """Title -> texts of the record nodes that have a title."""
    values = (texts for key, texts in drawing.nodes.items() if not key.endswith("op"))
    return {texts[0]: texts[1:] for texts in values if texts[0].strip()}


def test_micrograd_call_returns_a_digraph_with_records_and_op_nodes():
    dot = draw_dot(neuron(), format="svg", rankdir="LR")
    assert isinstance(dot, graphviz.Digraph)
    drawing = read_svg(dot.pipe())
    ops = sorted(texts[0] for key, texts in drawing.nodes.items() if key.endswith("op"))
    assert ops == ["*", "*", "+", "+", "tanh"]
    assert len(drawing.nodes) == 15  # 10 values + 5 ops
    assert len(drawing.edges) == 14  # 9 inputs into ops + 5 op -> result
    shown = records(drawing)
    assert shown["x1"] == ["data 2.0000", "grad -1.5000"]
    assert shown["w1"] == ["data -3.0000", "grad 1.0000"]
    assert shown["x2"] == ["data 0.0000", "grad 0.5000"]
    assert shown["o"] == ["data 0.7071", "grad 1.0000"]
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in dot.source


def test_each_use_is_its_own_edge():
    a = Value(3.0, "a")
    drawing = svg_of(a + a)
    assert drawing.edges.count("n0->n1op") == 2
    drawing = svg_of(a * a * a)
    assert sorted(drawing.edges).count("n0->n1op") == 2 and "n0->n2op" in drawing.edges


def test_roles_are_coloured_apart():
    random.seed(0)
    model = MLP(2, [3, 1])
    out = model([Value(1.0, "x0"), 2.0])
    loss = (out - 1.0) ** 2
    loss.backward()
    dot = draw_dot(loss, model=model)
    drawing = read_svg(dot.pipe())
    names = {texts[0]: drawing.fills[key] for key, texts in drawing.nodes.items() if not key.endswith("op")}
    assert names["layers.0.neurons.0.w.0"] == STYLE["parameter"]
    assert names["layers.1.neurons.0.b"] == STYLE["parameter"]
    assert names["x0"] == STYLE["input"]
    fills = list(drawing.fills.values())
    assert fills.count(STYLE["parameter"]) == len(model.parameters()) == 13
    assert fills.count(STYLE["output"]) == 1
    assert fills.count(STYLE["constant"]) == 4  # 2.0 lifted once per first-layer neuron, and the 1.0
    assert len({STYLE[k] for k in ("parameter", "input", "output", "constant", "result")}) == 5


def test_named_parameters_object_is_used_by_duck_typing():
    w, x = Value(2.0), Value(3.0, "x")

    class Model:
        def named_parameters(self):
            yield "layer.weight", w

    drawing = svg_of(w * x, model=Model())
    assert ["layer.weight", "data 2.0000", "grad 0.0000"] in drawing.nodes.values()
    with pytest.raises(TypeError, match="named_parameters"):
        draw_dot(w * x, model=object())


def test_same_graph_gives_the_same_dot_text():
    assert draw_dot(neuron()).source == draw_dot(neuron()).source
    o = neuron()
    assert draw_dot(o).source == draw_dot(o).source


def test_deep_graph_draws_without_recursion():
    x = Value(1.0, "x")
    for _ in range(5000):
        x = x * 1.0001 + 0.0001
    dot = draw_dot(x, max_nodes=None)
    assert dot.source.count("shape=record") == 1 + 4 * 5000  # x, and per step two constants and two results


def test_micrograds_own_values_draw_too():
    from micrograd.engine import Value as MicroValue

    a, b = MicroValue(2.0), MicroValue(-3.0)
    c = a * b + a
    c.backward()
    drawing = svg_of(c)
    assert len(drawing.nodes) == 6 and len(drawing.edges) == 6
    assert sorted(texts[-1] for texts in drawing.nodes.values() if len(texts) == 3) == [
        "grad -2.0000",
        "grad 1.0000",
        "grad 1.0000",
        "grad 2.0000",
    ]


def test_backward_order_numbers_nodes_as_backward_visits_them():
    drawing = svg_of(neuron(), backward_order=True)
    titles = [texts[0] for key, texts in drawing.nodes.items() if not key.endswith("op")]
    numbers = sorted(int(t.split()[0][1:]) for t in titles)
    assert numbers == list(range(1, 11))
    assert "#1 o" in titles
    labelled = read_svg(draw_dot(neuron(), backward_order=True).pipe()).edges
    assert len(labelled) == 14
    assert 'label="step 1"' in draw_dot(neuron(), backward_order=True).source  # the edge into tanh, step 1


def test_backprop_steps_writes_one_svg_per_step_with_the_known_gradients(tmp_path):
    o = neuron()
    grads_before = o.grad
    paths = backprop_steps(o, tmp_path)
    assert [p.name for p in paths] == [f"step_{k:03d}.svg" for k in range(1, 11)]
    assert o.grad == grads_before  # computed with autograd.grad, .grad untouched
    first = records(read_svg(paths[0].read_text()))
    assert first["#1 o"] == ["data 0.7071", "grad 1.0000"]
    second = next(title for title in first if title.split()[0] == "#2")
    assert first[second][-1] == "grad 0.5000"  # complete: its one user (tanh) passed it back
    pending = [texts for title, texts in first.items() if title not in ("#1 o", second)]
    assert pending and all(texts[-1] == "grad ?" for texts in pending)
    last = records(read_svg(paths[-1].read_text()))
    assert all(texts[-1] != "grad ?" for texts in last.values())
    by_name = {title.split()[1]: texts for title, texts in last.items() if len(title.split()) == 2}
    assert by_name["x1"][-1] == "grad -1.5000" and by_name["w1"][-1] == "grad 1.0000"
    with pytest.raises(ValueError, match="max_steps"):
        backprop_steps(o, tmp_path / "big", max_steps=5)


def test_render_writes_svg_and_dot_by_extension(tmp_path):
    o = neuron()
    svg = render(o, tmp_path / "sub" / "neuron.svg")
    assert len(read_svg(svg.read_text()).nodes) == 15
    dot = render(o, tmp_path / "neuron.dot")
    assert dot.read_text() == draw_dot(o).source
    with pytest.raises(ValueError, match=r"\.svg"):
        render(o, tmp_path / "neuron.bmp")


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="Value or Tensor"):
        draw_dot(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(neuron(), rankdir="XY")


def test_color_by_gradient_and_size():
    dot = draw_dot(neuron(), color_by_grad=True)
    assert "/reds9/9" in dot.source and "/reds9/1" in dot.source  # |grad| 1.5 is the largest, 0 the smallest
    assert 'size="40,40"' in dot.source
    assert "size=" not in draw_dot(neuron(), size=None).source


def test_gradients_that_are_values_show_their_number():
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert ["x", "data 3.0000", "grad 27.0000"] in svg_of(y).nodes.values()


def test_a_frame_says_what_its_step_does_and_labels_edges_with_steps_not_gradients(tmp_path):
    paths = backprop_steps(neuron(), tmp_path)
    text = paths[1].read_text()
    assert "Backward step 2 of 10: #2" in text and "passes its gradient to its inputs" in text
    assert "grey: still to come" in text  # the legend
    assert ">grad 2<" not in text and ">step 2<" in text and ">step 1<" in text


def test_a_gradient_shows_once_every_user_has_passed_it_back(tmp_path):
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    z = y + x  # x has two users: the product (visited last) and the sum (visited first)
    z.label = "z"
    frames = [records(read_svg(p.read_text())) for p in backprop_steps(z, tmp_path)]
    x_at = [next(texts for title, texts in frame.items() if title.endswith(" x")) for frame in frames]
    assert [texts[-1] for texts in x_at] == ["grad ?", "grad 7.0000", "grad 7.0000"]  # 2x + 1: both users


def test_only_numbers_lifted_into_the_graph_are_drawn_as_constants():
    import nn

    random.seed(0)
    neuron = nn.Neuron(2)
    out = neuron([Value(1.0, "x1"), Value(2.0, "x2")]) * 2
    kinds = [
        line.split("tooltip=")[1].split("]")[0]
        for line in draw_dot(out).source.splitlines()
        if "tooltip=" in line
    ]
    assert kinds.count("constant") == 1  # the 2; the neuron's weights and bias are not constants
    with_model = draw_dot(out, model=neuron).source
    assert with_model.count("tooltip=parameter") == 3 and with_model.count("tooltip=constant") == 1
