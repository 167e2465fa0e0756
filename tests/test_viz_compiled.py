"""``viz.draw_compiled``: a compiled step's recording drawn as its program (a node per step, coloured by
kind, arrays as edges, the tensors it reads and writes named by their modules), valid SVG, every text
escaped; the compiler itself never imports viz."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.compiler import Compiled
from autograd.viz import draw_compiled, render
from autograd.viz.compiled import KINDS, OUTSIDE
from autograd.viz.inspect import read_svg


def t1_step() -> Compiled:
    """The T1 user step: MLP 2-4-4-1, hinge loss, SGD with momentum, compiled and replayed once."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X = ag.tensor(rng.normal(size=(8, 2)).astype(np.float32))
    y = ag.tensor(np.sign(rng.normal(size=(8, 1))).astype(np.float32))

    def step() -> float:
        opt.zero_grad()
        loss = nn.HingeLoss()(model(X), y)
        loss.backward()
        opt.step()
        return loss.item()

    compiled = ag.compile(step)
    compiled()
    compiled()
    return compiled


def test_every_step_is_a_node_coloured_by_kind_with_data_flow_edges() -> None:
    compiled = t1_step()
    program = next(iter(compiled.entries.values())).build()
    drawing = read_svg(draw_compiled(compiled).pipe(format="svg"))
    steps = {k: v for k, v in drawing.nodes.items() if re.fullmatch(r"s\d+", k)}
    assert len(steps) == len(program.steps)
    kinds = Counter(step.kind for step in program.steps)
    assert {"forward", "backward", "gather", "grad", "call"} <= set(kinds)
    for i, step in enumerate(program.steps):
        assert drawing.nodes[f"s{i}"][0] == f"#{i} {step.kind}"
        assert drawing.fills[f"s{i}"] == KINDS[step.kind][1]
    for kind, n in kinds.items():  # the legend: one box per kind, with its count
        assert drawing.nodes[f"legend_{kind}"][0].startswith(f"{kind} ({KINDS[kind][0]}): {n}")
    texts = drawing.texts()
    assert "Optimizer.zero_grad" in texts and any(t.endswith(".step") for t in texts)
    for name in ("0.weight", "2.bias", "4.weight"):  # parameters by their module names, read and written
        assert [name, "read"] in drawing.nodes.values() and [
            f"{name}.grad",
            "written",
        ] in drawing.nodes.values()
    assert all(fill == OUTSIDE["written"] for key, fill in drawing.fills.items() if key.startswith("out_"))
    # every forward feeds something, and each backward gets its op's saved context from its forward
    forward = [f"s{i}" for i, s in enumerate(program.steps) if s.kind == "forward"]
    assert all(any(e.startswith(f"{f}->") for e in drawing.edges) for f in forward)
    backward = [f"s{i}" for i, s in enumerate(program.steps) if s.kind == "backward"]
    assert all(any(e.startswith("s") and e.endswith(f"->{b}") for e in drawing.edges) for b in backward)


def test_labels_are_escaped_and_cannot_change_the_graph() -> None:
    nasty = '"]; evil [label="pwned"]; s0 -> s1; {a|b} <x> \\ \n'
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def body(tag: str) -> ag.Tensor:
        (w * 2).sum().backward()
        return w.grad

    body.__name__ = nasty
    compiled = ag.compile(body)
    compiled(nasty)
    compiled(nasty)
    drawn = draw_compiled(compiled)
    drawing = read_svg(drawn.pipe(format="svg"))
    assert "evil" not in drawing.nodes
    steps = len(next(iter(compiled.entries.values())).build().steps)
    assert sum(1 for k in drawing.nodes if re.fullmatch(r"s\d+", k)) == steps
    assert '"pwned"' not in drawn.source.replace('\\"', "")  # the quotes stay inside the caption's string


def test_render_to_svg_file_and_errors(tmp_path: Path) -> None:
    compiled = t1_step()
    out = render(draw_compiled(compiled, rankdir="LR"), tmp_path / "step.svg")
    assert read_svg(out.read_bytes()).nodes
    with pytest.raises(TypeError, match="expected an autograd.compile result"):
        draw_compiled(lambda: None)  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="recording 1 of 1"):
        draw_compiled(compiled, 1)
    with pytest.raises(ValueError, match="rankdir"):
        draw_compiled(compiled, rankdir="up")
    broken = ag.compile(lambda x: x * float(x.sum().item()))
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        broken(ag.ones(2))
    with pytest.raises(ValueError, match="graph break"):
        draw_compiled(broken)


def test_arrows_point_one_way_the_compiler_never_imports_viz() -> None:
    compiler = Path(ag.__file__).parent / "compiler"
    for source in compiler.glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+\S*viz", source.read_text(), re.M), source.name
