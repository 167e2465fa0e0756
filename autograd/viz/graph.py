"""The graph to draw: an iterative walk from the root, each node's role, backward order, and folding.

Folding keeps big graphs readable: above ``max_nodes`` drawn nodes, the nodes computed inside one module
(found through the model's ``named_parameters()`` names) become one node, module level by module level
from the finest (a neuron) to the coarsest (a top-level module: a layer); if that is not enough, the
nodes farthest from the output are folded into one. Nodes are keyed by ``id()`` (tensors may define an
elementwise ``==``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import topological_order
from ..value import LIFTED
from .labels import is_tensor, node_name


@dataclass
class Graph:
    """Nodes in topological order (parents first) and one ``(parent, child)`` edge per use."""

    nodes: list[Any]
    edges: list[tuple[Any, Any]]
    roots: list[Any]

    @classmethod
    def trace(cls, root: Any) -> Graph:
        """Everything ``root`` (a node or a sequence of nodes) was computed from, without recursion."""
        roots = list(root) if isinstance(root, Sequence) and not _is_node(root) else [root]
        for r in roots:
            if not _is_node(r):
                raise TypeError(f"draw_dot: expected a Value or Tensor (with _prev), got {type(r).__name__}")
        nodes = topological_order(roots)
        edges = [(parent, child) for child in nodes for parent in child._prev]
        return cls(nodes, edges, roots)

    def backward_steps(self) -> dict[int, int]:
        """``id(node) -> k``: backward visits this node k-th (1 = the root), as ``run_backward`` does."""
        return {id(node): k for k, node in enumerate(reversed(self.nodes), start=1)}


def _is_node(x: Any) -> bool:
    return hasattr(x, "_prev")


def named_parameters(model: Any) -> list[tuple[str, Any]]:
    """``(name, parameter)`` pairs of ``model``, by duck typing (autograd never imports ``nn``).

    Accepts an object with ``named_parameters()``, a mapping name -> node, or a micrograd-style object
    with ``parameters()`` only, whose attributes are walked (lists by index) to name them torch-style:
    ``layers.0.neurons.3.w.1``.
    """
    if model is None:
        return []
    if callable(getattr(model, "named_parameters", None)):
        return [(str(n), p) for n, p in model.named_parameters()]
    if isinstance(model, Mapping):
        return [(str(n), p) for n, p in model.items()]
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"model must have named_parameters() or parameters(), or be a mapping; got {type(model).__name__}"
        )
    found: dict[int, str] = {}
    stack: list[tuple[str, Any]] = [("", model)]
    seen: set[int] = set()
    while stack:
        prefix, obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if _is_node(obj):
            found.setdefault(id(obj), prefix)
            continue
        if isinstance(obj, (list, tuple)):
            children = [(str(i), item) for i, item in enumerate(obj)]
        elif callable(getattr(obj, "parameters", None)) and hasattr(obj, "__dict__"):
            children = list(vars(obj).items())
        else:
            continue
        stack.extend((f"{prefix}.{k}" if prefix else k, v) for k, v in reversed(children))
    params = list(model.parameters())
    return [(found.get(id(p), f"param{i}"), p) for i, p in enumerate(params)]


def module_path(name: str) -> list[str]:
    """The module a parameter belongs to: ``layers.0.neurons.3.w.1`` -> ``[layers, 0, neurons, 3]``."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return parts[:-1]


def _levels(path: list[str]) -> list[str]:
    """The module prefixes of ``path``, coarsest first: a prefix ending at an index, and the path itself."""
    cuts = [k for k in range(1, len(path)) if path[k - 1].isdigit()] + [len(path)]
    return [".".join(path[:k]) for k in cuts if k]


@dataclass
class Roles:
    """What each node is, for colouring: parameter (with its name), input, constant, output or op result."""

    param_names: dict[int, str] = field(default_factory=dict)
    outputs: set[int] = field(default_factory=set)

    def kind(self, node: Any) -> str:
        key = id(node)
        if key in self.param_names:
            return "parameter"
        if key in self.outputs:
            return "output"
        if node._prev:
            return "result"
        return "constant" if is_constant(node) else "input"

    def title(self, node: Any) -> str:
        return self.param_names.get(id(node)) or node_name(node)


def module_groups(graph: Graph, params: Iterable[tuple[str, Any]], level: int) -> dict[int, str]:
    """``id(node) -> module`` for parameters and the nodes computed inside each module, at ``level``.

    A node is inside module g when a parent is derived from g's parameters alone (a parameter, its
    transpose...), when its only parent is inside g (an activation), or when all its parents are.
    A constant (an unnamed leaf that needs no gradient) used only inside g is inside g too.
    """
    group: dict[int, str] = {}
    pure: dict[int, str] = {}
    drawn = {id(n) for n in graph.nodes}
    for name, p in params:
        if id(p) in drawn:
            levels = _levels(module_path(name)) or [_MODEL]
            group[id(p)] = pure[id(p)] = levels[min(level, len(levels) - 1)]
    for node in graph.nodes:
        parents = node._prev
        if not parents or id(node) in group:
            continue
        pure_groups = {pure.get(id(p)) for p in parents}
        if len(pure_groups) == 1 and None not in pure_groups:
            group[id(node)] = pure[id(node)] = pure_groups.pop()
            continue
        owners = {pure[id(p)] for p in parents if id(p) in pure}
        inside = {group.get(id(p)) for p in parents}
        if len(owners) == 1:
            group[id(node)] = owners.pop()
        elif len(inside) == 1 and None not in inside:
            group[id(node)] = inside.pop()
    users: dict[int, set[str | None]] = {}
    for parent, child in graph.edges:
        if not parent._prev and id(parent) not in group and is_constant(parent):
            users.setdefault(id(parent), set()).add(group.get(id(child)))
    group.update((key, gs.pop()) for key, gs in users.items() if len(gs) == 1 and None not in gs)
    return group


def is_constant(node: Any) -> bool:
    """A number lifted into an expression (a Value made from the 2 of ``x * 2``), or an unnamed tensor leaf
    that needs no gradient. Other Value leaves are inputs or weights, named or not."""
    if node._prev or node_name(node):
        return False
    if is_tensor(node):
        return not getattr(node, "requires_grad", False)
    return getattr(node, "_ctx", None) is LIFTED


def drawn_count(graph: Graph, group: Mapping[int, str]) -> int:
    """Nodes on the page: one per group, and per free node one record plus one op node if it has parents."""
    free = sum(1 + bool(n._prev) for n in graph.nodes if id(n) not in group)
    return free + len(set(group.values()))


def skipped_ranks(graph: Graph, group: Mapping[int, str]) -> int:
    """About how many ranks the drawn edges skip (dot adds a dummy node per skipped rank). A result sits two
    ranks (op node, record) after its latest computed parent; a leaf sits just before its first use, so only
    its later uses skip ranks: an input shared along a long chain skips thousands."""
    rank: dict[int, int] = {}
    for node in graph.nodes:  # parents first
        if node._prev:
            rank[id(node)] = 2 + max((rank[id(p)] for p in node._prev if p._prev), default=0)
    first: dict[int, int] = {}
    for parent, child in graph.edges:
        if not parent._prev:
            first[id(parent)] = min(first.get(id(parent), rank[id(child)]), rank[id(child)])
    return sum(
        rank[id(child)] - (rank[id(parent)] + 2 if parent._prev else first[id(parent)])
        for parent, child in graph.edges
        if id(parent) not in group and id(child) not in group
    )


def fold_far(graph: Graph, group: dict[int, str], budget: int, rest: str) -> dict[int, str]:
    """Adds to ``group`` (as ``rest``) the free nodes farthest from the roots once ``budget`` is spent."""
    cost_left = budget - 1 - len(set(group.values()))
    out = dict(group)
    queue = deque(graph.roots)
    seen = {id(r) for r in graph.roots}
    while queue:
        node = queue.popleft()
        if id(node) not in group:
            cost = 1 + bool(node._prev)
            if cost_left >= cost:
                cost_left -= cost
            else:
                out[id(node)] = rest
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return out


def fold(
    graph: Graph, params: Sequence[tuple[str, Any]], max_nodes: int | None
) -> tuple[dict[int, str], str]:
    """``(id(node) -> group name, note)``: the coarsest folding needed to stay within ``max_nodes``."""
    if max_nodes is None or drawn_count(graph, {}) <= max_nodes:
        return {}, ""
    group: dict[int, str] = {}
    if params:
        depth = max(len(_levels(module_path(n))) for n, _ in params)
        for level in range(depth - 1, -1, -1):
            group = module_groups(graph, params, level)
            if drawn_count(graph, group) <= max_nodes:
                break
    how = [f"by module (e.g. {min(group.values())})"] if group else []
    if drawn_count(graph, group) > max_nodes:
        group = fold_far(graph, group, max_nodes, _FAR)
        how.append(f"by distance ({_FAR})")
    note = (
        f"folded {len(group)} of {len(graph.nodes)} nodes into {len(set(group.values()))} group(s), "
        f"{' and '.join(how)}, to stay within max_nodes={max_nodes} (max_nodes=None draws all)"
    )
    return group, note


_FAR = "farther from the output"
_MODEL = "model"

__all__ = ["Graph", "Roles", "fold", "module_groups", "module_path", "named_parameters", "skipped_ranks"]
