"""``Value``: micrograd's scalar, rebuilt on the shared core to be fast, lean and correct.

Each op is two short pieces side by side: the forward (a float and the parents it came from)
and its local derivatives ``d out / d input`` registered with ``@derivative``. A derivative
rule is written once and runs on floats for a plain backward and on ``Value``s under
``create_graph=True``, so the same line gives first, second and third derivatives.

A node keeps only its data, grad, label, parents, op name and one optional constant: no
closures, so no reference cycles, and a dropped graph is freed by reference counting alone.
"""

from __future__ import annotations

import math
import numbers
from itertools import repeat
from operator import attrgetter
from operator import mul as _mul
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from .engine import Node, backward
from .grad_mode import STATE

Number = Union[int, float]
Operand = Union["Value", int, float]
Rule = Callable[..., Sequence[Any]]

_INF = math.inf
RULES: dict[str, Rule] = {}


def derivative(op: str) -> Callable[[Rule], Rule]:
    """Registers ``rule(ctx, out, *inputs) -> (d out/d input, ...)`` as the derivative of ``op``."""

    def register(rule: Rule) -> Rule:
        RULES[op] = rule
        return rule

    return register


class Value(Node):
    """A scalar that remembers how it was computed, so ``backward()`` can fill every ``.grad``."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_ctx")

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data) takes a real number, got {type(data).__name__}: {data!r}")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad: Any = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._op = ""
        self._ctx: Any = None

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ----- the node protocol of the core ---------------------------------------------------
    def _vjp(self, grad: Any, create_graph: bool) -> list[Any]:
        prev = self._prev
        if create_graph:
            local = RULES[self._op](self._ctx, self, *prev)
        else:
            local = RULES[self._op](self._ctx, self.data, *map(_get_data, prev))
        return list(map(_mul, local, repeat(grad)))

    def _accumulate(self, grad: Any) -> None:
        self.grad += grad

    def _seed(self, gradient: Any) -> Any:
        if gradient is None:
            return 1.0
        if isinstance(gradient, Value):
            return gradient
        return Value(gradient).data

    def _wrap_grad(self, grad: Any, create_graph: bool) -> Value:
        return grad if isinstance(grad, Value) else Value(grad)

    def backward(self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this one depends on with ``d self / d node``.

        Gradients are *added* into ``.grad`` (as in micrograd and PyTorch): zero them between steps.
        With ``create_graph=True`` the grads are ``Value``s themselves and can be differentiated again.
        """
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # ----- comparisons by data (used by derivative rules that branch) ----------------------
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    def __float__(self) -> float:
        return self.data

    # ----- arithmetic -----------------------------------------------------------------------
    def __add__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data + other.data, "+", (self, other))

    def __mul__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data * other.data, "*", (self, other))

    def __sub__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data - other.data, "-", (self, other))

    def __truediv__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(_div(self.data, other.data), "/", (self, other))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _result(_pow(self.data, other.data), "**", (self, other))
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            return NotImplemented
        return _result(_pow(self.data, other), "**", (self,), other)

    def __radd__(self, other: Operand) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other + self

    def __rmul__(self, other: Operand) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other * self

    def __rsub__(self, other: Operand) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other - self

    def __rtruediv__(self, other: Operand) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other / self

    def __rpow__(self, other: Operand) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other**self

    def __neg__(self) -> Value:
        return _result(-self.data, "neg", (self,))

    def __abs__(self) -> Value:
        return _result(abs(self.data), "abs", (self,))

    # ----- activations and elementary functions ---------------------------------------------
    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is 0, as in PyTorch."""
        return _result(self.data if self.data > 0 else 0.0, "ReLU", (self,))

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, alpha * x otherwise: negative inputs keep a small gradient."""
        return _result(self.data if self.data > 0 else alpha * self.data, "leaky_relu", (self,), alpha)

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha * (e^x - 1) otherwise: smooth, and its mean output is near zero."""
        x = self.data
        return _result(x if x > 0 else alpha * math.expm1(x), "elu", (self,), alpha)

    def tanh(self) -> Value:
        """(e^2x - 1) / (e^2x + 1)."""
        return _result(math.tanh(self.data), "tanh", (self,))

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow for any x."""
        return _result(_sigmoid(self.data), "sigmoid", (self,))

    def exp(self) -> Value:
        """e^x (inf past about 709, as in floating point)."""
        return _result(_exp(self.data), "exp", (self,))

    def log(self) -> Value:
        """Natural log: log(0) = -inf and log(x < 0) = nan, as in PyTorch."""
        return _result(_log(self.data), "log", (self,))

    # ----- fused n-ary nodes ----------------------------------------------------------------
    @staticmethod
    def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
        """``start + v1 + v2 + ...`` as one node instead of a chain of additions."""
        parents = (_lift_or_raise(start, "sum"), *(_lift_or_raise(v, "sum") for v in values))
        return _result(math.fsum(p.data for p in parents), "sum", parents)

    @staticmethod
    def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None) -> Value:
        """``w . x + b`` as one node: what a neuron computes before its activation."""
        if len(weights) != len(inputs):
            raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
        try:  # the common case, all Values, without a per-element type check
            total = sum(map(_mul, map(_get_data, weights), map(_get_data, inputs)), 0.0)
            parents = (*weights, *inputs)
        except AttributeError:
            parents = tuple(_lift_or_raise(v, "dot") for v in (*weights, *inputs))
            total = sum(map(_mul, map(_get_data, parents[: len(weights)]), map(_get_data, parents[len(weights) :])), 0.0)
        if bias is not None:
            b = _lift_or_raise(bias, "dot")
            total += b.data
            parents = (*parents, b)
        return _result(total, "dot", parents, len(weights))


def _result(data: float, op: str, parents: tuple[Value, ...], ctx: Any = None) -> Value:
    """A new node: records its parents unless grad mode is off; checks it in anomaly mode."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._ctx = ctx
    out._prev = parents if STATE.grad_enabled else ()
    if STATE.anomaly and not math.isfinite(data):
        raise FloatingPointError(f"op {op!r} produced {data} from inputs {[p.data for p in parents]}")
    return out


_new = object.__new__
_get_data = attrgetter("data")


def _lift(x: Any) -> Any:
    """A Value as is; a real number as a constant Value; anything else NotImplemented."""
    if type(x) is Value:
        return x
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return _constant(float(x))
    return x if isinstance(x, Value) else NotImplemented


def _lift_or_raise(x: Any, op: str) -> Value:
    value = _lift(x)
    if value is NotImplemented:
        raise TypeError(f"{op}: expected a Value or a real number, got {type(x).__name__}")
    return value


def _constant(data: float) -> Value:
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = ""
    out._ctx = None
    out._prev = ()
    return out


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else x


# ----- IEEE float semantics (Python's math raises where PyTorch returns inf or nan) -------------
def _div(a: Any, b: Any) -> Any:
    """a / b; on floats, x / 0 is +-inf and 0 / 0 is nan, as in PyTorch."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _pow(a: Any, b: Any) -> Any:
    """a ** b; on floats, nan for a negative base with a fractional exponent, inf on overflow."""
    if isinstance(a, Value) or isinstance(b, Value):
        return a**b
    try:
        result = a**b
    except ZeroDivisionError:
        return _INF if b != int(b) or int(b) % 2 == 0 or math.copysign(1.0, a) > 0 else -_INF
    except OverflowError:
        return _INF if a > 0 or b % 2 == 0 else -_INF
    return math.nan if isinstance(result, complex) else result


def _exp(x: Any) -> Any:
    if isinstance(x, Value):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _log(x: Any) -> Any:
    if isinstance(x, Value):
        return x.log()
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else math.nan


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# ----- derivative rules: (ctx, out, *inputs) -> d out / d input, for floats and Values alike ----
@derivative("+")
def _d_add(ctx: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (1.0, 1.0)


@derivative("-")
def _d_sub(ctx: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (1.0, -1.0)


@derivative("*")
def _d_mul(ctx: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (b, a)


@derivative("/")
def _d_div(ctx: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (_div(1.0, b), _div(-out, b))


@derivative("**")
def _d_pow(ctx: Any, out: Any, x: Any, y: Any = None) -> tuple[Any, ...]:
    """x**c: c * x**(c-1); x**y also d/dy = x**y * log(x) (0 where x == 0, as in PyTorch)."""
    exponent = ctx if y is None else y
    dx = exponent * _pow(x, exponent - 1) if _data(exponent) != 0 else 0.0
    if y is None:
        return (dx,)
    return (dx, 0.0 if _data(x) == 0 and _data(y) >= 0 else out * _log(x))


@derivative("neg")
def _d_neg(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (-1.0,)


@derivative("abs")
def _d_abs(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


@derivative("ReLU")
def _d_relu(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 if x > 0 else 0.0,)


@derivative("leaky_relu")
def _d_leaky_relu(alpha: float, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 if x > 0 else alpha,)


@derivative("elu")
def _d_elu(alpha: float, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 if x > 0 else out + alpha,)


@derivative("tanh")
def _d_tanh(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1 - out * out,)


@derivative("sigmoid")
def _d_sigmoid(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out * (1 - out),)


@derivative("exp")
def _d_exp(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out,)


@derivative("log")
def _d_log(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (_div(1.0, x),)


@derivative("sum")
def _d_sum(ctx: Any, out: Any, *terms: Any) -> tuple[Any, ...]:
    return (1.0,) * len(terms)


@derivative("dot")
def _d_dot(n: int, out: Any, *args: Any) -> tuple[Any, ...]:
    """d(w.x + b)/dw_i = x_i, d/dx_i = w_i, d/db = 1."""
    return args[n : 2 * n] + args[:n] + (1.0,) * (len(args) - 2 * n)


__all__ = ["RULES", "Value", "derivative"]
