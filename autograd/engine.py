"""The one reverse-mode core that drives every kind of node (``Value`` and ``Tensor`` alike).

A node is anything that follows the small ``Node`` protocol below: it knows its parents
(``_prev``) and does its own step of a backward pass (``_backward``): it stores the gradient of its
output where it belongs and turns it into gradients for its parents (the vector-Jacobian product:
``dL/dparent = dL/dout * dout/dparent``). The core does the rest: an iterative topological order,
the chain rule over every path (gradients of shared parents add up), higher-order graphs, anomaly
checks and the functional ``grad``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from .errstate import quiet, settle
from .grad_mode import ANOMALY, STATE, TRACING, _GradSwitch


class Node:
    """The protocol of a graph node. Subclasses define ``__slots__`` with ``_prev`` and ``_acc``.

    ``_prev``: the parents this node was computed from (empty for leaves and constants).
    ``_acc``: the gradient this node has gathered so far in the running backward pass; None outside one
    (a new node sets it to None). Gradients gather in the nodes themselves, not in a dict of the pass: the
    hot loop of every backward is adding into it.
    ``_backward(grad, create_graph, retain_graph, accumulate)``: this node's step of one backward pass,
    given its total gradient ``grad``. With ``accumulate`` it adds ``grad`` into ``.grad`` (where this
    kind of node keeps one); it adds each parent's gradient into the parent's ``_acc`` (``push`` does
    that for a sequence of gradients) and, unless ``retain_graph``, frees what its backward saved. With
    ``create_graph`` the gradients are nodes themselves, so they can be differentiated again.
    ``_hooks`` (None when there are none) and ``_run_hooks(grad)``: the core runs a node's hooks on its total
    gradient before anything else sees it (its ``_backward``, or a functional ``grad`` that returns it).
    ``_seed(gradient)``: the starting gradient of a backward from this node (``None``: ones).
    ``_wrap_grad(grad, create_graph)``: a raw gradient as users see it (what ``grad`` returns).
    ``_ordered``: True for a kind of node that counts its making in ``_seq`` (a node made after its parents
    counts higher), so a sort by ``_seq`` is a topological order: cheaper than a depth-first one.
    Nodes hash by identity: a subclass that defines ``__eq__`` must keep ``__hash__ = Node.__hash__``.
    """

    __slots__ = ()
    _prev: tuple[Node, ...]
    _acc: Any
    _hooks: Any = None  # a kind of node that takes hooks has a slot of this name
    _ordered = False

    def _backward(self, grad: Any, create_graph: bool, retain_graph: bool, accumulate: bool) -> None:
        raise NotImplementedError

    def _run_hooks(self, grad: Any) -> Any:
        raise NotImplementedError

    def _seed(self, gradient: Any) -> Any:
        raise NotImplementedError

    def _wrap_grad(self, grad: Any, create_graph: bool) -> Any:
        raise NotImplementedError

    __hash__ = object.__hash__

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        """What a copy keeps (``copy.deepcopy(model)``, say): every slot and attribute but the gradient
        gathered by a running pass, which belongs to that pass only."""
        state = dict(getattr(self, "__dict__", {}))
        for cls in type(self).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if name not in ("__weakref__", "__dict__", "_acc") and hasattr(self, name):
                    state[name] = getattr(self, name)
        return None, state

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        for name, value in state[1].items():
            setattr(self, name, value)
        self._acc = None


def push(parents: Sequence[Node], grads: Iterable[Any]) -> None:
    """Adds each gradient into its parent's ``_acc`` (``None``: that parent gets none): the chain rule's sum
    over paths."""
    for parent, grad in zip(parents, grads, strict=True):
        if grad is not None:
            gathered = parent._acc
            parent._acc = grad if gathered is None else gathered + grad


def topological_order(roots: Iterable[Node]) -> list[Node]:
    """Every node reachable from ``roots``, each after all of its parents.

    Iterative depth-first search with an explicit stack of parent iterators, so graph depth is
    limited by memory only (micrograd's recursive sort fails near 500 links). A node whose parents
    were all seen already (a leaf, or a neuron whose weights and inputs are known) goes straight into
    the order, checked by one set operation instead of a loop over its parents (and not even that when
    its first parent is new, as in a chain): in a DAG a seen parent of a newly found node is never on the
    stack, so it is in the order already. Nodes that count their making (``_ordered``: tensors) need no
    search order at all: they are gathered and sorted (``_by_sequence``).
    """
    roots = list(roots)
    for root in roots:
        if not getattr(root, "_ordered", False):  # (micrograd's own Values are drawn too)
            break
    else:
        return _by_sequence(roots)
    order: list[Node] = []
    seen: set[Node] = set()
    known = seen.issuperset
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root._prev))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    prev = parent._prev
                    # a parent of its own to visit? (micrograd's own Values keep their parents in a set)
                    if prev and (type(prev) is tuple and prev[0] not in seen or not known(prev)):
                        stack.append((parent, iter(prev)))
                        break
                    order.append(parent)
            else:
                stack.pop()
                order.append(node)
    return order


def _by_sequence(roots: list[Node]) -> list[Node]:
    """The topological order of nodes that count their making (``_ordered``): every node reachable from
    ``roots``, gathered in any order (a plain loop, no stack of iterators), then sorted by ``_seq``."""
    seen = set(roots)
    stack = list(seen)
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                if parent._prev:  # a leaf has nothing to visit
                    stack.append(parent)
    return sorted(seen, key=_SEQ)


_SEQ = attrgetter("_seq")


def check_finite(value: Any, op: str, inputs: Sequence[Any] | None = None, position: int = 0) -> None:
    """Anomaly mode's one check: a FloatingPointError naming ``op`` when ``value`` (a number, an array or a
    node) holds nan or inf -- a forward result when ``inputs`` are given, else gradient ``position`` of its
    backward."""
    if _finite(value):
        return
    raw = _values(value)
    if inputs is not None:
        raise FloatingPointError(f"op {op!r} produced {raw!r} from inputs {[_values(x) for x in inputs]!r}")
    raise FloatingPointError(
        f"backward of op {op!r} produced a non-finite gradient {raw!r} for its input {position}"
    )


def _finite(value: Any) -> bool:
    """No nan or inf in ``value`` (a number, an array or a node); True for what holds no floats."""
    raw = _values(value)
    return np.asarray(raw).dtype.kind not in "fc" or bool(np.all(np.isfinite(raw)))


def _values(x: Any) -> Any:
    """The numbers inside a node (a Tensor's array, a Value's float); anything else as it is."""
    if isinstance(x, Node):
        return x._data if hasattr(x, "_data") else x.data  # type: ignore[attr-defined]
    return x


def _check_grads(node: Node, before: list[Any]) -> None:
    """Anomaly mode, after ``node``'s backward step: a parent whose gathered gradient was finite (``before``)
    and holds nan or inf now names the op that made it (``grad_fn``, a Value's ``_op``)."""
    op = getattr(node, "_op", None) or getattr(node, "grad_fn", None) or type(node).__name__
    for position, (parent, was) in enumerate(zip(node._prev, before, strict=True)):
        if parent._acc is not None and (was is None or _finite(was)):
            check_finite(parent._acc, op, position=position)


# Passes gather gradients in the nodes, so they take turns: a pass in another thread waits, and a pass
# started from inside one (a hook or a Function's backward that calls backward) keeps the outer pass's
# gradients aside while it runs. (So a hook must not wait for a backward running in another thread: that
# thread waits for the hook's pass to end.)
_PASSES = threading.RLock()
_DEPTH = [0]


def run_backward(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Node] | None = None,
) -> list[Any] | None:
    """Backpropagate ``seeds`` (dL/droot) from ``roots`` through the graph.

    Without ``inputs`` every reached node stores its total gradient (adding it into ``.grad``:
    gradients accumulate across calls, as in micrograd and PyTorch). With ``inputs`` nothing is
    stored and the total gradients of those nodes are returned (``None`` for an input the roots do
    not depend on). Gradients of one pass never mix with gradients left over from an earlier one.
    """
    if TRACING and STATE.tracer is not None:  # autograd.compile records only the passes of ``backward``
        STATE.tracer.unsupported("autograd.grad (a backward pass not started by .backward())")
    order = topological_order(roots)
    wanted: dict[Node, Any] | None = None if inputs is None else dict.fromkeys(inputs)
    needed = None if wanted is None else _on_paths_to(wanted, order)  # with inputs: whose backward runs
    anomaly = STATE.anomaly if ANOMALY else False  # (the list first: a thread-local read costs ~500 instr)
    with _PASSES:
        outer = [node._acc for node in order] if _DEPTH[0] else None
        if outer is not None:
            for node in order:
                node._acc = None
        _DEPTH[0] += 1
        # Gradients at a domain's edge are inf or nan as in IEEE arithmetic (and torch), without numpy's
        # warnings; detect_anomaly() is the tool that stops at them. One quiet error state per pass.
        token = quiet()
        try:
            with _GradSwitch(True) if create_graph else _NO_GRAD:
                push(roots, seeds)
                if wanted is None and not anomaly:  # the commonest pass, in its leanest loop
                    for node in reversed(order):  # every node's parents come later: its gradient is complete
                        grad = node._acc
                        if grad is not None:
                            node._acc = None
                            if node._hooks is not None:
                                grad = node._run_hooks(grad)
                            node._backward(grad, create_graph, retain_graph, True)
                else:
                    _walk(order, wanted, needed, create_graph, retain_graph, anomaly)
        except BaseException:
            for node in order:  # nothing of a failed pass is left behind for the next one
                node._acc = None
            raise
        finally:
            settle(token)
            _DEPTH[0] -= 1
            if outer is not None:
                for node, gathered in zip(order, outer, strict=True):
                    node._acc = gathered
    return None if wanted is None else [wanted[node] for node in inputs]  # type: ignore[union-attr]


def _walk(
    order: list[Node],
    wanted: dict[Node, Any] | None,
    needed: set[Node] | None,
    create_graph: bool,
    retain_graph: bool,
    anomaly: bool,
) -> None:
    """The backward loop of a functional ``grad`` (which records the gradients of ``wanted`` and goes only
    towards them) or of a pass under anomaly mode (which checks each node's gradients)."""
    for node in reversed(order):
        grad = node._acc
        if grad is None:
            continue
        node._acc = None
        if wanted is not None:
            stops = node not in needed  # type: ignore[operator]
            if node in wanted:  # as torch: after its hooks if it stops here, else before them
                hooked = stops and node._hooks is not None
                wanted[node] = node._run_hooks(grad) if hooked else grad
            if stops:
                continue
        if node._hooks is not None:
            grad = node._run_hooks(grad)
        if anomaly:
            before = [parent._acc for parent in node._prev]
        node._backward(grad, create_graph, retain_graph, wanted is None)
        if anomaly:
            _check_grads(node, before)


def _on_paths_to(inputs: dict[Node, Any], order: list[Node]) -> set[Node]:
    """The nodes of ``order`` (parents first) whose backward leads to one of ``inputs``: those with an input,
    or a node that leads to one, among their parents. Backward stops below them (as torch's grad), so hooks
    and saved values further down stay untouched."""
    leads = set(inputs)
    needed: set[Node] = set()
    for node in order:
        for parent in node._prev:
            if parent in leads:
                needed.add(node)
                leads.add(node)
                break
    return needed


_NO_GRAD = _GradSwitch(False)  # a switch that acts only in a with block (set_grad_enabled acts when made)


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any | Sequence[Any] | None = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = True,
) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    As ``torch.autograd.grad``: ``grad_outputs`` defaults to ones for scalar outputs; with
    ``create_graph=True`` the results are nodes, so derivatives of derivatives can be taken.
    An input the outputs do not depend on gets ``None`` (or raises with ``allow_unused=False``).
    """
    outs = [outputs] if isinstance(outputs, Node) else list(outputs)
    ins = [inputs] if isinstance(inputs, Node) else list(inputs)
    if grad_outputs is None or (isinstance(grad_outputs, Node) or not isinstance(grad_outputs, Sequence)):
        given = [grad_outputs] * len(outs) if grad_outputs is None or len(outs) == 1 else None
        if given is None:
            raise ValueError("grad_outputs must be a sequence with one gradient per output")
    else:
        given = list(grad_outputs)
    if len(given) != len(outs):
        raise ValueError(f"grad: got {len(outs)} outputs but {len(given)} grad_outputs")
    seeds = [out._seed(g) for out, g in zip(outs, given, strict=True)]  # type: ignore[attr-defined]
    keep = create_graph if retain_graph is None else retain_graph
    result = run_backward(outs, seeds, retain_graph=keep, create_graph=create_graph, inputs=ins)
    assert result is not None
    if not allow_unused:
        for position, value in enumerate(result):
            if value is None:
                raise RuntimeError(f"grad: input {position} is not used by the outputs (allow_unused=False)")
    return tuple(None if g is None else ins[i]._wrap_grad(g, create_graph) for i, g in enumerate(result))  # type: ignore[attr-defined]


def backward(
    node: Node, gradient: Any = None, *, retain_graph: bool = False, create_graph: bool = False
) -> None:
    """Backpropagate from one node, adding the gradients into ``.grad`` (see ``run_backward``)."""
    tracer = STATE.tracer if TRACING else None
    if tracer is not None and tracer.backward(node, gradient, retain_graph, create_graph):
        return  # autograd.compile ran the pass and recorded it
    seed = node._seed(gradient)  # type: ignore[attr-defined]
    run_backward([node], [seed], retain_graph=retain_graph or create_graph, create_graph=create_graph)


__all__ = ["Node", "backward", "check_finite", "grad", "push", "run_backward", "topological_order"]
