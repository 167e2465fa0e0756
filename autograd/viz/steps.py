"""``backprop_steps``: one picture per backward step, so a learner can page through the chain rule.

Backward visits nodes in reverse topological order; when it reaches a node, that node's gradient is
final (every path to it has been summed). Picture k shows the gradients known after step k.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..engine import grad
from .backends import write
from .draw import draw_dot
from .graph import Graph


def all_gradients(root: Any, graph: Graph | None = None) -> dict[int, Any]:
    """``id(node) -> d root / d node`` for every node of ``root``'s graph (the root's own is 1), computed
    with ``autograd.grad`` so ``.grad`` is left untouched: a drawing can show intermediate gradients,
    which a tensor backward does not keep. Pass it to ``draw_dot(..., grads=...)``."""
    graph = graph or Graph.trace(root)
    outputs = graph.roots[0] if len(graph.roots) == 1 else graph.roots
    return dict(zip(map(id, graph.nodes), grad(outputs, graph.nodes, retain_graph=True), strict=True))


def backprop_steps(
    root: Any, directory: str | os.PathLike[str], *, max_steps: int = 200, **options: Any
) -> list[Path]:
    """Writes ``step_001.svg`` ... (one per node, in backward order) to ``directory``; returns the paths.

    Gradients are computed with ``autograd.grad`` (``retain_graph=True``), so ``.grad`` is left untouched.
    ``options`` go to ``draw_dot`` (``rankdir``, ``model``...).
    """
    graph = Graph.trace(root)
    if len(graph.nodes) > max_steps:
        raise ValueError(
            f"backprop_steps draws one picture per node: this graph has {len(graph.nodes)} nodes, "
            f"more than max_steps={max_steps} (raise it, or draw a smaller graph)"
        )
    grads = all_gradients(root, graph)
    out = Path(directory)
    width = max(3, len(str(len(graph.nodes))))
    paths = []
    for k in range(1, len(graph.nodes) + 1):
        picture = draw_dot(root, step=k, grads=grads, max_nodes=None, **options)
        paths.append(write(picture.source, out / f"step_{k:0{width}d}.svg"))
    return paths


__all__ = ["all_gradients", "backprop_steps"]
