"""Hypothesis strategies for testing ops: inputs inside an op's domain, Values, random expression
trees that build the same formula in tracegrad and in torch, and arrays and tensors of any
(broadcastable, non-contiguous) shape.

Domains are reached by *shifting*, never by filtering: a draw ``u`` in [-1, 1] is mapped affinely
into the domain, so no example is thrown away and shrinking still moves towards simple values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from ..value import Value


@dataclass(frozen=True)
class Domain:
    """The floats in [lo, hi], less the open gap (-gap, gap) around 0 when ``gap > 0``.

    ``map`` sends u in [-1, 1] onto the domain, monotonically (rounding may merge draws that are
    extremely close: ``arrays_in(..., unique=True)`` gives well-separated values).
    """

    name: str
    lo: float
    hi: float
    gap: float = 0.0

    def map(self, u: Any) -> Any:
        """The point of the domain that u in [-1, 1] stands for (works on floats and arrays)."""
        u = np.asarray(u, dtype=np.float64)
        if self.gap > 0:  # symmetric around 0: |x| in [gap, hi], the sign of u kept
            out = np.where(u >= 0, 1.0, -1.0) * (self.gap + (self.hi - self.gap) * np.abs(u))
        else:  # about the midpoint, so tiny draws stay tiny (and distinct) in symmetric domains
            out = (self.lo + self.hi) / 2 + (self.hi - self.lo) / 2 * u
        out = np.clip(out, self.lo, self.hi)  # rounding must not step outside the domain
        return out if out.ndim else float(out)


DomainLike = str | tuple[float, float] | Domain


def resolve_domain(spec: DomainLike = "real", *, bound: float = 5.0, margin: float = 0.1) -> Domain:
    """A named domain: ``real`` [-bound, bound]; ``positive`` [margin, bound] (log, sqrt, a base with
    a real exponent); ``negative``; ``nonzero`` (a divisor, or away from the kink of relu/abs);
    ``unit-interval`` [margin, 1 - margin]; or a ``(lo, hi)`` interval."""
    if isinstance(spec, Domain):
        return spec
    if isinstance(spec, tuple):
        lo, hi = spec
        return Domain(f"[{lo}, {hi}]", float(lo), float(hi))
    named = {
        "real": Domain("real", -bound, bound),
        "positive": Domain("positive", margin, bound),
        "negative": Domain("negative", -bound, -margin),
        "nonzero": Domain("nonzero", -bound, bound, gap=margin),
        "unit-interval": Domain("unit-interval", margin, 1.0 - margin),
    }
    if spec not in named:
        raise ValueError(f"unknown domain {spec!r}; expected one of {sorted(named)} or a (lo, hi) tuple")
    return named[spec]


_UNIT = st.floats(-1.0, 1.0)


def floats_in(
    domain: DomainLike = "real", *, bound: float = 5.0, margin: float = 0.1
) -> st.SearchStrategy[float]:
    """Floats inside an op's domain (see ``resolve_domain``): ``floats_in("positive")`` for ``log``."""
    return _UNIT.map(resolve_domain(domain, bound=bound, margin=margin).map)


def values(
    domain: DomainLike = "real", *, bound: float = 5.0, margin: float = 0.1
) -> st.SearchStrategy[Value]:
    """Leaf ``Value``s whose data lies in the domain."""
    return floats_in(domain, bound=bound, margin=margin).map(Value)


# ----- random expression trees ------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Expr:
    """A node of an expression tree: an op, its operand subtrees and one constant (exponent,
    scalar operand, alpha, or the number of weights of ``dot``). Hashes by identity, so a subtree
    used twice becomes one shared node of the graph (its gradients must add up)."""

    op: str
    args: tuple[Expr, ...] = ()
    const: float = 0.0

    def __str__(self) -> str:
        kind, a, c = _kind(self.op), [str(x) for x in self.args], self.const
        if kind == "leaf":
            return f"x{int(c)}"
        if kind in ("x?c", "c?x"):  # "x**c" prints as (x ** c)
            left, right = (a[0], c) if kind == "x?c" else (c, a[0])
            return f"({left} {self.op[1:-1]} {right})"
        if kind == "bin":
            return f"square({a[0]})" if self.args[0] is self.args[1] else f"({a[0]} {self.op} {a[1]})"
        return f"{self.op}({', '.join(a)}{f', {c}' if self.op in _WITH_CONST else ''})"

    __repr__ = __str__


_SCALAR_OPS = ("x+c", "c+x", "x-c", "c-x", "x*c", "c*x", "x/c", "c/x", "x**c", "c**x")
_BINARY_OPS = ("+", "-", "*", "/", "**")
_UNARY_OPS = ("neg", "abs", "relu", "tanh", "sigmoid", "exp", "log", "leaky_relu", "elu")
_DOTS = ("dot", "dot_relu", "dot_tanh")  # Value.dot plain and with its fused activations
_WITH_CONST = ("leaky_relu", "elu", *_DOTS)


def _kind(op: str) -> str:
    if op == "leaf":
        return "leaf"
    if op in _SCALAR_OPS:
        return "x?c" if op.startswith("x") else "c?x"
    return "bin" if op in _BINARY_OPS else "call"


# Forward rules shared by both backends (Values and 0-d torch tensors have the same operators).
_SHARED: dict[str, Callable[..., Any]] = {
    "x+c": lambda x, c: x + c, "c+x": lambda x, c: c + x,
    "x-c": lambda x, c: x - c, "c-x": lambda x, c: c - x,
    "x*c": lambda x, c: x * c, "c*x": lambda x, c: c * x,
    "x/c": lambda x, c: x / c, "c/x": lambda x, c: c / x,
    "x**c": lambda x, c: x**c, "c**x": lambda x, c: c**x,
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "**": lambda x, y: x**y,
    "neg": lambda x: -x, "abs": abs, "relu": lambda x: x.relu(), "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(), "exp": lambda x: x.exp(), "log": lambda x: x.log(),
}  # fmt: skip


def _value_ops() -> dict[str, Callable[..., Any]]:
    return {
        **_SHARED,
        "leaky_relu": lambda x, c: x.leaky_relu(c),
        "elu": lambda x, c: x.elu(c),
        "sum": lambda *xs: Value.sum(xs),
        "dot": lambda n, *xs: Value.dot(xs[:n], xs[n : 2 * n], xs[2 * n]),
        "dot_relu": lambda n, *xs: Value.dot(xs[:n], xs[n : 2 * n], xs[2 * n], "relu"),
        "dot_tanh": lambda n, *xs: Value.dot(xs[:n], xs[n : 2 * n], xs[2 * n], "tanh"),
    }


def _torch_ops() -> dict[str, Callable[..., Any]]:
    import torch
    from torch.nn import functional

    return {
        **_SHARED,
        "leaky_relu": lambda x, c: functional.leaky_relu(x, c),
        "elu": lambda x, c: functional.elu(x, c),
        "sum": lambda *xs: torch.stack(xs).sum(),
        "dot": lambda n, *xs: _torch_dot(n, xs),
        "dot_relu": lambda n, *xs: torch.relu(_torch_dot(n, xs)),
        "dot_tanh": lambda n, *xs: torch.tanh(_torch_dot(n, xs)),
    }


def _torch_dot(n: int, xs: Sequence[Any]) -> Any:
    import torch

    return (torch.stack(list(xs[:n])) * torch.stack(list(xs[n : 2 * n]))).sum() + xs[2 * n]


@dataclass(frozen=True, repr=False)
class Expression:
    """A random formula over leaf inputs ``x0, x1, ...`` and the floats they hold.

    ``value()`` builds it on tracegrad ``Value``s, ``torch()`` on float64 torch scalars: the same
    graph from the same leaves, so forward results and gradients can be compared one to one.
    """

    root: Expr
    leaves: tuple[float, ...]

    def __str__(self) -> str:
        names = ", ".join(f"x{i}={v!r}" for i, v in enumerate(self.leaves))
        return f"{self.root}  with  {names}"

    __repr__ = __str__

    def build(self, leaves: Sequence[Any], ops: dict[str, Callable[..., Any]]) -> Any:
        """Evaluates the tree on ``leaves`` with one forward rule per op; shared subtrees once."""
        memo: dict[int, Any] = {}
        order = _postorder(self.root)
        for node in order:
            args = [memo[id(a)] for a in node.args]
            kind = _kind(node.op)
            if kind == "leaf":
                out = leaves[int(node.const)]
            elif kind in ("x?c", "c?x") or node.op in ("leaky_relu", "elu"):
                out = ops[node.op](args[0], node.const)
            elif node.op in _DOTS:
                out = ops[node.op](int(node.const), *args)
            else:
                out = ops[node.op](*args)
            memo[id(node)] = out
        return memo[id(self.root)]

    def value(self, leaves: Sequence[Value] | None = None) -> tuple[Value, list[Value]]:
        """(output, leaves) built with ``autograd.Value``: on new leaves holding ``self.leaves``,
        or on the given ones (to evaluate the same formula elsewhere, as ``gradcheck`` does)."""
        given = [Value(v) for v in self.leaves] if leaves is None else list(leaves)
        return self.build(given, _value_ops()), given

    def torch(self) -> tuple[Any, list[Any]]:
        """(output, leaves) built with float64 torch tensors that require grad."""
        import torch

        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in self.leaves]
        return self.build(leaves, _torch_ops()), leaves


def _postorder(root: Expr) -> list[Expr]:
    """Each distinct node once, after its operands (iterative: trees may be deep)."""
    order: list[Expr] = []
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


def _positive(e: Expr) -> Expr:
    """e * e + 1 >= 1: a guard that keeps log, division and real powers in their domain."""
    return Expr("x+c", (Expr("*", (e, e)),), 1.0)


def _bounded(e: Expr) -> Expr:
    """tanh(e) in (-1, 1): a guard that keeps exp and exponents from overflowing."""
    return Expr("tanh", (e,))


def _unary(op: str, e: Expr, alpha: float) -> Expr:
    guarded = {"log": _positive(e), "exp": _bounded(e)}.get(op, e)
    return Expr(op, (guarded,), alpha if op in ("leaky_relu", "elu") else 0.0)


def _scalar(op: str, e: Expr, c: float) -> Expr:
    if op == "x**c":  # integer powers of anything, real powers of positive bases
        return Expr(op, (e if c in (2.0, 3.0) else _positive(e),), c)
    if op == "c**x":
        return Expr(op, (_bounded(e),), abs(c) + 0.5)
    if op == "c/x":
        return Expr(op, (_positive(e),), c)
    return Expr(op, (e,), c)


def _binary(op: str, a: Expr, b: Expr) -> Expr:
    if op == "/":
        return Expr(op, (a, _positive(b)))
    if op == "**":
        return Expr(op, (_positive(a), _bounded(b)))
    return Expr(op, (a, b))


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    constants = st.sampled_from([2.0, 3.0, 0.5, -1.0, 1.5, -2.5])
    alphas = st.sampled_from([0.01, 0.1, 1.0, 2.0])
    nary = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(_unary, st.sampled_from(_UNARY_OPS), children, alphas),
        st.builds(_scalar, st.sampled_from(_SCALAR_OPS), children, constants),
        st.builds(_binary, st.sampled_from(_BINARY_OPS), children, children),
        children.map(lambda e: Expr("*", (e, e))),  # a shared operand: gradients from both paths add
        nary.map(lambda xs: Expr("sum", tuple(xs))),
        st.builds(
            lambda op, w, x, b: Expr(op, (*w, *x[: len(w)], b), float(len(w))),
            st.sampled_from(_DOTS), nary, st.lists(children, min_size=3, max_size=3), children,
        ),
    )  # fmt: skip


@st.composite
def expressions(
    draw: st.DrawFn,
    *,
    max_inputs: int = 3,
    max_nodes: int = 10,
    domain: DomainLike = "real",
    bound: float = 2.0,
) -> Expression:
    """Random expression trees over every ``Value`` op (``+ - * / **`` with Values, constants on
    either side, unary ops, activations, ``Value.sum``, ``Value.dot`` with and without its fused
    activations), with shared subtrees.

    Ops with a restricted domain get a guard built from other ops (``log(e*e + 1)``,
    ``a / (b*b + 1)``, ``exp(tanh(e))``), so every tree is finite and differentiable wherever
    its leaves (drawn in ``domain``) lie, except at the kinks of abs/relu, where torch's convention holds.
    """
    n = draw(st.integers(1, max_inputs))
    leaves = tuple(draw(floats_in(domain, bound=bound)) for _ in range(n))
    leaf = st.integers(0, n - 1).map(lambda i: Expr("leaf", (), float(i)))
    root = draw(st.recursive(leaf, _extend, max_leaves=max_nodes))
    return Expression(root, leaves)


# ----- arrays and tensors -------------------------------------------------------------------------
def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d (a scalar tensor) included by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """``num_shapes`` shapes that broadcast together (numpy's rules): operands of an elementwise op."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


def matmul_shapes(*, max_dims: int = 4, max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Operand shapes for ``a @ b``: 1-D, 2-D and batched, batch dimensions broadcasting."""
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=max_dims, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


LAYOUTS = ("contiguous", "transposed", "strided")
_GRID = 2**16


def relayout(array: np.ndarray, layout: str) -> np.ndarray:
    """The same values in another memory layout: ``transposed`` (Fortran order, a transposed view) or
    ``strided`` (every other element of a larger buffer whose gaps hold nan, so an op that reads
    past its view shows it). Arrays with fewer than two elements stay as they are."""
    if layout == "contiguous" or array.size < 2:
        return array
    if layout == "transposed":
        axes = tuple(reversed(range(array.ndim)))
        return np.ascontiguousarray(array.transpose(axes)).transpose(axes)
    if layout == "strided":
        buffer = np.full((*array.shape[:-1], 2 * array.shape[-1]), np.nan, dtype=array.dtype)
        buffer[..., ::2] = array
        return buffer[..., ::2]
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


@st.composite
def arrays_in(
    draw: st.DrawFn,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    domain: DomainLike = "real",
    *,
    bound: float = 5.0,
    margin: float = 0.1,
    unique: bool = False,
    layout: str | None = None,
) -> np.ndarray:
    """float64 arrays with every element in the domain; ``layout=None`` draws contiguous and
    non-contiguous views. ``unique`` (for max, min, sort-like ops, not differentiable at ties) draws
    from a grid of 2**17 + 1 points, so elements differ by far more than gradcheck's step."""
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    if unique:
        grid = draw(hnp.arrays(np.int64, shape, elements=st.integers(-_GRID, _GRID), unique=True))
        u = grid / _GRID
    else:
        u = draw(hnp.arrays(np.float64, shape, elements=_UNIT))
    array = np.asarray(resolve_domain(domain, bound=bound, margin=margin).map(u), dtype=np.float64).reshape(
        shape
    )
    return relayout(array, layout if layout is not None else draw(st.sampled_from(LAYOUTS)))


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    domain: DomainLike = "real",
    *,
    requires_grad: bool = True,
    bound: float = 5.0,
    margin: float = 0.1,
    unique: bool = False,
    layout: str | None = None,
) -> Any:
    """float64 ``autograd.Tensor`` leaves in a domain, sharing memory with a drawn (possibly
    non-contiguous) array; ``shape=None`` draws a shape with ``shapes()``."""
    import autograd

    array = draw(
        arrays_in(
            shapes() if shape is None else shape,
            domain,
            bound=bound,
            margin=margin,
            unique=unique,
            layout=layout,
        )
    )
    return autograd.from_numpy(array).requires_grad_(requires_grad)


__all__ = [
    "LAYOUTS",
    "Domain",
    "Expr",
    "Expression",
    "arrays_in",
    "broadcastable_shapes",
    "expressions",
    "floats_in",
    "matmul_shapes",
    "relayout",
    "resolve_domain",
    "shapes",
    "tensors",
    "values",
]
