"""``draw_compiled``: a recording of ``autograd.compile`` as a picture of its replayed program.

Each step of the program (an op's forward or backward, a gradient's fit or sum, a ``.grad`` store, an
in-place write, a creation, a call such as an optimizer's ``step``) is a node, coloured by its kind; edges
carry the arrays from the step that makes them to the steps that read them (dashed: an op's saved context,
from its forward to its backward; dotted: program order, into a step that reads no array of the program).
The tensors a replay reads from outside (arguments, parameters, their gradients) are nodes at the top, the
ones it writes (gradients, updated tensors) nodes at the bottom, named as the modules name them. The viz
package reads the compiled object; the compiler knows nothing of drawing.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import graphviz

from ..compiler import Compiled, _describe
from .draw import RANKDIRS, Diagram
from .escape import escape_text

KINDS = {  # kind -> (phase, fill colour, what it does), in the legend's order
    "create": ("forward", "#d9d2e9", "makes a tensor (zeros, randn, tensor(...))"),
    "copy": ("forward", "#eeeeee", "keeps old values for an in-place op"),
    "forward": ("forward", "#cfe2f3", "an op's forward"),
    "seed": ("backward", "#fff2cc", "backward's first gradient"),
    "backward": ("backward", "#f4cccc", "an op's backward"),
    "gather": ("backward", "#fce5cd", "a gradient fitted to its input, or two summed"),
    "grad": ("backward", "#ffe599", "a .grad stored"),
    "zero_grad": ("update", "#d9ead3", ".grad = None"),
    "write": ("update", "#b6d7a8", "an in-place write (no graph)"),
    "call": ("update", "#93c47d", "a call run again at every replay (optimizer step, zero_grad)"),
}
OUTSIDE = {"read": "#ffffff", "written": "#ead1dc"}  # fills of the tensors outside the program
_OUTSIDE = re.compile(r"\b([AE][0-9]+)(\._grad)?")  # a tensor from outside (or its gradient) in a line
_WRITES = {"grad", "zero_grad", "write"}  # kinds whose first outside tensor is the one they change


def draw_compiled(
    compiled: Compiled, index: int = 0, format: str = "svg", rankdir: str = "TB", size: str | None = None
) -> Diagram:
    """The program of ``compiled``'s recording number ``index`` (in ``explain()``'s order) as a diagram;
    ``render(diagram, "step.svg")`` writes it. A recording that ended in a graph break has no program."""
    if not isinstance(compiled, Compiled):
        raise TypeError(f"draw_compiled: expected an autograd.compile result, got {type(compiled).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    entries = list(compiled.entries.values())
    if not 0 <= index < len(entries):
        raise IndexError(f"draw_compiled: recording {index} of {len(entries)} (call the function first)")
    entry = entries[index]
    if entry.reason is not None:
        raise ValueError(f"draw_compiled: recording {index} is a graph break (runs eagerly): {entry.reason}")
    program = entry.build()
    names = _tensor_names(compiled, program.run.__globals__)
    counts = Counter(step.kind for step in program.steps)
    caption = [
        f"autograd.compile({compiled.__name__}), recording {index}: {_describe(entry.signature)}",
        f"{len(program.steps)} steps, {program.buffers()} buffers, {program.dropped} dead steps dropped; "
        "edges: arrays (dashed: an op's saved context; dotted: program order)",
    ]
    attrs = {"rankdir": rankdir, "labelloc": "t", "label": _lines(caption), "fontname": "Courier"}
    if size:
        attrs["size"] = size
    font = {"fontname": "Courier"}
    dot = Diagram(format=format, graph_attr=attrs, node_attr={"style": "filled", **font}, edge_attr=font)
    _legend(dot, counts)
    made: dict[str, str] = {}  # a local of the program -> the node of the step that made it
    outside: set[str] = set()
    for i, step in enumerate(program.steps):
        node = f"s{i}"
        phase, fill, _ = KINDS.get(step.kind, ("other", "#ffffff", ""))
        dot.node(node, _lines([f"#{i} {step.kind}", _what(step, names)]), fillcolor=fill, shape="box")
        inputs = [name for name in step.reads if name in made]
        for name in inputs:
            style = {"style": "dashed"} if name.startswith("C") else {}
            dot.edge(made[name], node, **style)
        read, written = _outside(step)
        for key in read:
            _tensor(dot, outside, "in", key, names)
            dot.edge(f"in_{key}", node)
            inputs.append(key)
        for key in written:
            _tensor(dot, outside, "out", key, names)
            dot.edge(node, f"out_{key}")
        if not inputs and i:
            dot.edge(
                f"s{i - 1}", node, style="dotted", arrowhead="none" if step.kind == "create" else "normal"
            )
        for name in step.writes:
            made[name] = node
    return dot


def _lines(lines: list[str]) -> str:
    """Escaped lines joined by DOT's centred line break."""
    return graphviz.nohtml("\\n".join(escape_text(line) for line in lines))


def _legend(dot: Diagram, counts: Counter[str]) -> None:
    """A box per kind of step the program has: its colour, its phase, what it does and how many."""
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend: kinds of step (phase)", style="dashed", fontname="Courier")
        previous = None
        for kind, (phase, fill, what) in KINDS.items():
            if counts[kind]:
                text = [f"{kind} ({phase}): {counts[kind]}", what]
                legend.node(f"legend_{kind}", _lines(text), fillcolor=fill, shape="box")
                if previous is not None:  # stacked in the legend's order
                    legend.edge(previous, f"legend_{kind}", style="invis")
                previous = f"legend_{kind}"
        for side, fill in OUTSIDE.items():
            text = [f"a tensor {side}", "outside the program (argument, parameter, .grad)"]
            legend.node(f"legend_{side}", _lines(text), fillcolor=fill, shape="ellipse")
            if previous is not None:
                legend.edge(previous, f"legend_{side}", style="invis")
            previous = f"legend_{side}"


def _outside(step: Any) -> tuple[list[str], list[str]]:
    """The tensors from outside the program (``E3``, or ``E3.grad``) that a step reads and writes: the first
    one a ``.grad`` store or an in-place write names is the one it changes (a gradient's fit names its
    leaf only for its shape: none)."""
    found: list[str] = []
    for line in step.lines:
        for m in _OUTSIDE.finditer(line):
            key = m.group(1) + (".grad" if m.group(2) or step.kind in ("grad", "zero_grad") else "")
            if key not in found:
                found.append(key)
    if step.kind == "gather":
        return [], []
    return (found[1:], found[:1]) if step.kind in _WRITES else (found, [])


def _tensor(dot: Diagram, drawn: set[str], side: str, key: str, names: dict[str, str]) -> None:
    """The node of a tensor outside the program, once: at the top (read) or the bottom (written)."""
    node = f"{side}_{key}"
    if node in drawn:
        return
    drawn.add(node)
    base, _, grad = key.partition(".")
    title = names.get(base, base) + (".grad" if grad else "")
    fill = OUTSIDE["read" if side == "in" else "written"]
    dot.node(node, _lines([title, "read" if side == "in" else "written"]), fillcolor=fill, shape="ellipse")


def _what(step: Any, names: dict[str, str]) -> str:
    """The step's own words: the op, the call, or the tensor it stores into."""
    label = step.label or ("sum of gradients" if " + " in step.lines[0] else "gradient fitted")
    return re.sub(r"\b[AE][0-9]+\b", lambda m: names.get(m.group(), m.group()), label)


def _tensor_names(compiled: Compiled, namespace: dict[str, Any]) -> dict[str, str]:
    """``E3`` -> ``0.weight`` (the parameter or buffer's name in the first module that has it, else its
    shape), ``A0`` -> ``argument 0``."""
    named: dict[int, str] = {}
    for module in compiled._modules or ():
        for method in ("named_parameters", "named_buffers"):
            for name, t in getattr(module, method, lambda: ())():
                named.setdefault(id(t), name)
    out = {}
    for key, value in namespace.items():
        if key[:1] == "E" and key[1:].isdigit():
            shape = "x".join(map(str, getattr(value, "shape", ()))) or "scalar"
            out[key] = named.get(id(value), f"tensor {shape}")
    return out | {f"A{i}": f"argument {i}" for i in range(64)}


__all__ = ["draw_compiled"]
