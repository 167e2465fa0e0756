"""Big graphs stay readable: above ``max_nodes`` the drawing folds modules (neuron, then layer), then the
nodes farthest from the output, and says what it folded."""

from __future__ import annotations

import random
import re

from autograd import Value
from autograd.viz import draw_dot
from autograd.viz.graph import Graph, drawn_count, module_path, named_parameters
from autograd.viz.inspect import read_svg
from nn.micro import MLP


def trained_loss(points: int = 6) -> tuple[MLP, Value]:
    random.seed(1)
    model = MLP(2, [8, 8, 1])
    xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(points)]
    loss = Value.sum((model(x) - 1.0) ** 2 for x in xs)
    loss.backward()
    return model, loss


def test_micrograd_models_are_named_by_walking_their_attributes():
    model, _ = trained_loss(1)
    names = [n for n, _ in named_parameters(model)]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert len(names) == len(set(names)) == len(model.parameters())
    assert module_path("layers.0.neurons.3.w.1") == ["layers", "0", "neurons", "3"]
    assert module_path("fc1.weight") == ["fc1"]


def test_small_graphs_are_not_folded():
    model, loss = trained_loss(1)
    dot = draw_dot(loss, model=model)
    assert dot.note == ""
    assert len(read_svg(dot.pipe()).nodes) == drawn_count(Graph.trace(loss), {})


def test_neurons_fold_first_then_layers():
    model, loss = trained_loss()
    total = drawn_count(Graph.trace(loss), {})
    assert total > 400  # far more than the 60 asked for below
    dot = draw_dot(loss, model=model, max_nodes=60)
    drawing = read_svg(dot.pipe())
    assert len(drawing.nodes) <= 60
    groups = {texts[0]: texts[1] for texts in drawing.nodes.values() if "nodes folded" in "".join(texts)}
    assert len(groups) == 17  # 8 + 8 + 1 neurons
    assert "layers.0.neurons.0" in groups and "layers.2.neurons.0" in groups
    assert groups["layers.2.neurons.0"].endswith("9 parameters")
    assert "by module" in dot.note and "max_nodes=60" in dot.note
    coarse = draw_dot(loss, model=model, max_nodes=40)  # 17 neurons + 32 loss nodes is too many
    layers = [t[0] for t in read_svg(coarse.pipe()).nodes.values() if "nodes folded" in "".join(t)]
    assert sorted(layers) == ["layers.0", "layers.1", "layers.2"]


def test_without_a_model_the_far_nodes_fold_into_one():
    x = Value(0.5, "x")
    for _ in range(300):
        x = (x * 0.999).tanh()
    dot = draw_dot(x, max_nodes=200)
    drawing = read_svg(dot.pipe())
    assert len(drawing.nodes) == 200
    folded = [t for t in drawing.nodes.values() if t[0] == "farther from the output"]
    assert len(folded) == 1 and "nodes folded" in folded[0][1]
    assert "by distance" in dot.note
    assert ["x", "data 0.5000", "grad 0.0000"] not in drawing.nodes.values()  # the input is the farthest
    everything = read_svg(draw_dot(x, max_nodes=None).pipe())
    assert len(everything.nodes) == 1 + 5 * 300  # x, then per step a constant, 2 results and 2 ops


def test_folded_edges_are_merged_and_counted():
    model, loss = trained_loss(2)
    source = draw_dot(loss, model=model, max_nodes=30).source
    assert re.search(r"g\d+ -> g\d+ \[label=x2\]", source)  # 2 uses between two groups: one edge, "x2"


def shared_inputs_chain(steps: int) -> Value:
    """An unrolled recurrence reusing ten inputs at every step: each input's edges reach along the chain."""
    xs = [Value(i / 10, f"x{i}") for i in range(10)]
    acc = Value(0.0, "h")
    for i in range(steps):
        acc = (acc + xs[i % 10] * 0.5).tanh()
    acc.backward()
    return acc


def test_long_edges_are_counted_and_cap_the_layout():
    from autograd.viz.graph import skipped_ranks

    long = Graph.trace(shared_inputs_chain(500))
    assert skipped_ranks(long, {}) > 100_000  # each later use of an input skips the ranks since its first use
    _, trained = trained_loss()
    assert skipped_ranks(Graph.trace(trained), {}) < 100  # an MLP's edges join neighbouring ranks
    capped = draw_dot(long.roots[0])
    assert "splines=line" in capped.source and "nslimit=1" in capped.source and capped.note
    plain = draw_dot(trained)
    assert "splines" not in plain.source and "nslimit" not in plain.source


def test_a_long_shared_input_chain_still_renders_with_every_drawn_node():
    root = shared_inputs_chain(120)
    dot = draw_dot(root, max_nodes=None)
    assert "splines=line" in dot.source
    drawing = read_svg(dot.pipe())
    assert len(drawing.nodes) == drawn_count(Graph.trace(root), {})
