"""``Value``: micrograd's scalar, rebuilt on the shared core to be fast, lean and correct.

Each op is one short method whose ``@op`` line states its backward: the vector-Jacobian product
``vjp(ctx, out, grad, *inputs) -> (grad * d out / d input, ...)``. A rule is written once and runs
on floats for a plain backward and on ``Value``s under ``create_graph=True``, so the same line
gives first, second and third derivatives.

A node keeps only its data, grad, label, parents, op name and one optional constant: no
closures, so no reference cycles, and a dropped graph is freed by reference counting alone.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias, TypeVar

from .engine import Node, backward, check_finite, push
from .grad_mode import ANOMALY, STATE, SWITCHED

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"
Vjp = Callable[..., Sequence[Any]]
Push = Callable[[Any, float, float, tuple["Value", ...], bool], None]
Method = TypeVar("Method", bound=Callable[..., Any])

_INF = math.inf
VJPS: dict[str, Vjp] = {}
PUSHES: dict[str, Push] = {}


def op(name: str, vjp: Vjp, push: Push | None = None) -> Callable[[Method], Method]:
    """Registers ``vjp`` as the backward of the op ``name``; the method itself is left as is.

    An n-ary op may add a ``push(ctx, out, grad, parents, accumulate)`` rule for the plain (float)
    backward: it adds the parents' gradients into their ``_acc`` itself, without building a list of
    gradients first. With ``accumulate`` (gradients go into ``.grad``) it may skip exact zeros.
    """

    def register(method: Method) -> Method:
        VJPS[name] = vjp
        if push is not None:
            PUSHES[name] = push
        return method

    return register


def _pow_vjp(ctx: Any, out: Any, grad: Any, x: Any, y: Any = None) -> tuple[Any, ...]:
    """x**c: c * x**(c-1); for x**y also d/dy = x**y * log(x), 0 where x == 0 <= y (as PyTorch)."""
    exponent = ctx if y is None else y
    dx = grad * exponent * _pow(x, exponent - 1) if _data(exponent) != 0 else 0.0
    if y is None:
        return (dx,)
    return (dx, 0.0 if _data(x) == 0 and _data(y) >= 0 else grad * out * _log(x))


# A dot product's parents are (w_1..w_n, x_1..x_n) and maybe a bias: n = len(parents) // 2 either way.
# Its ctx is the sum before the activation (see ``Value.dot``).
def _dot_vjp(total: Any, out: Any, grad: Any, *args: Any) -> list[Any]:
    """d(w.x + b)/dw_i = x_i, d/dx_i = w_i, d/db = 1."""
    n = len(args) // 2
    return [x * grad for x in args[n : 2 * n]] + [w * grad for w in args[:n]] + [grad] * (len(args) - 2 * n)


def _dot_push(grad: float, parents: tuple[Value, ...]) -> None:
    """``_dot_vjp`` on floats, added straight into the parents (the hot loop of a network's backward)."""
    n = len(parents) // 2
    for w, x in zip(parents[:n], parents[n : 2 * n]):  # noqa: B905 - the slices have n items each
        acc = w._acc
        w._acc = grad * x.data if acc is None else acc + grad * x.data
        acc = x._acc
        x._acc = grad * w.data if acc is None else acc + grad * w.data
    for b in parents[2 * n :]:
        acc = b._acc
        b._acc = grad if acc is None else acc + grad


def _dot_relu_push(
    total: float, out: float, grad: float, parents: tuple[Value, ...], accumulate: bool
) -> None:
    """A ReLU neuron's push. A dead one (sum <= 0) gives its parents 0 * data, which is zero when the sum is
    finite (then every data is): nothing to add when gradients are stored, so that work is skipped. At
    -inf the zeros meet an infinity and give nan, as in torch; nan is alive and passes its gradient."""
    if total > 0 or total != total:
        _dot_push(grad, parents)
    elif not accumulate or total == -_INF:
        _dot_push(0.0, parents)


def _sum_push(ctx: Any, out: float, grad: float, parents: tuple[Value, ...], accumulate: bool) -> None:
    """d(sum)/d term = 1 for every term."""
    push(parents, (grad,) * len(parents))


# A neuron's activation fused into its dot product: one node, the dot's rule with grad * f'(out).
def _relu_grad(out: Any, grad: Any) -> Any:
    return 0.0 if out <= 0 else grad


def _tanh_grad(out: Any, grad: Any) -> Any:
    return grad * (1 - out * out)


_ACTIVATIONS: dict[str | None, tuple[str, Callable[[float], float] | None]] = {
    None: ("dot", None),
    "relu": ("dot+ReLU", lambda s: 0.0 if s <= 0 else s),
    "tanh": ("dot+tanh", math.tanh),
}


class Value(Node):
    """A scalar that remembers how it was computed, so ``backward()`` can fill every ``.grad``."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_ctx", "_acc", "__weakref__")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(data) is not float and (isinstance(data, bool) or not isinstance(data, numbers.Real)):
            raise TypeError(f"Value(data) takes a real number, got {type(data).__name__}: {data!r}")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad: Any = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._op = ""
        self._ctx: Any = None
        self._acc: Any = None

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ----- the node protocol of the core ---------------------------------------------------
    def _backward(self, grad: Any, create_graph: bool, retain_graph: bool, accumulate: bool) -> None:
        if accumulate:
            self.grad += grad
        prev = self._prev
        if not prev:
            return
        op = self._op
        if create_graph:
            push(prev, VJPS[op](self._ctx, self, grad, *prev))
            return
        rule = PUSHES.get(op)
        if rule is not None:
            rule(self._ctx, self.data, grad, prev, accumulate)
        else:
            push(prev, VJPS[op](self._ctx, self.data, grad, *[p.data for p in prev]))

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
    @op("+", lambda ctx, out, grad, a, b: (grad, grad))
    def __add__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data + other.data, "+", (self, other))

    @op("*", lambda ctx, out, grad, a, b: (grad * b, grad * a))
    def __mul__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data * other.data, "*", (self, other))

    @op("-", lambda ctx, out, grad, a, b: (grad, -grad))
    def __sub__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(self.data - other.data, "-", (self, other))

    @op("/", lambda ctx, out, grad, a, b: (_div(grad, b), _div(-grad * out, b)))
    def __truediv__(self, other: Operand) -> Value:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _result(_div(self.data, other.data), "/", (self, other))

    @op("**", _pow_vjp)
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

    @op("neg", lambda ctx, out, grad, x: (-grad,))
    def __neg__(self) -> Value:
        return _result(-self.data, "neg", (self,))

    @op("abs", lambda ctx, out, grad, x: (grad if x > 0 else -grad if x < 0 else 0.0,))
    def __abs__(self) -> Value:
        return _result(abs(self.data), "abs", (self,))

    # ----- activations and elementary functions ---------------------------------------------
    @op("ReLU", lambda ctx, out, grad, x: (0.0 if x <= 0 else grad,))
    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is 0 and nan passes through, as in PyTorch."""
        return _result(0.0 if self.data <= 0 else self.data, "ReLU", (self,))

    @op("leaky_relu", lambda alpha, out, grad, x: (grad if x > 0 else grad * alpha,))
    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, alpha * x otherwise: negative inputs keep a small gradient."""
        return _result(self.data if self.data > 0 else alpha * self.data, "leaky_relu", (self,), alpha)

    # At x == 0 the slope alpha is a constant, so the second derivative there is 0; at nan the gradient
    # passes as for x > 0 (torch takes the curved branch only where x <= 0).
    @op("elu", lambda a, out, grad, x: (grad * (a + out) if x < 0 else grad * a if x <= 0 else grad,))
    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, alpha * (e^x - 1) otherwise: smooth, and its mean output is near zero."""
        x = self.data
        return _result(x if x > 0 else alpha * math.expm1(x), "elu", (self,), alpha)

    @op("tanh", lambda ctx, out, grad, x: (grad * (1 - out * out),))
    def tanh(self) -> Value:
        """(e^2x - 1) / (e^2x + 1)."""
        return _result(math.tanh(self.data), "tanh", (self,))

    @op("sigmoid", lambda ctx, out, grad, x: (grad * out * (1 - out),))
    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow for any x."""
        return _result(_sigmoid(self.data), "sigmoid", (self,))

    @op("exp", lambda ctx, out, grad, x: (grad * out,))
    def exp(self) -> Value:
        """e^x (inf past about 709, as in floating point)."""
        return _result(_exp(self.data), "exp", (self,))

    @op("log", lambda ctx, out, grad, x: (_div(grad, x),))
    def log(self) -> Value:
        """Natural log: log(0) = -inf and log(x < 0) = nan, as in PyTorch."""
        return _result(_log(self.data), "log", (self,))

    # ----- fused n-ary nodes ----------------------------------------------------------------
    @staticmethod
    @op("sum", lambda ctx, out, grad, *terms: (grad,) * len(terms), _sum_push)
    def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
        """``start + v1 + v2 + ...`` as one node instead of a chain of additions."""
        parents = (_lift_or_raise(start, "sum"), *(_lift_or_raise(v, "sum") for v in values))
        return _result(_fsum([p.data for p in parents]), "sum", parents)

    @staticmethod
    @op("dot", _dot_vjp, lambda total, out, grad, parents, accumulate: _dot_push(grad, parents))
    @op("dot+ReLU", lambda s, out, g, *args: _dot_vjp(s, out, _relu_grad(out, g), *args), _dot_relu_push)
    @op(
        "dot+tanh",
        lambda s, out, grad, *args: _dot_vjp(s, out, _tanh_grad(out, grad), *args),
        lambda s, out, grad, parents, accumulate: _dot_push(_tanh_grad(out, grad), parents),
    )
    def dot(
        weights: Sequence[Operand],
        inputs: Sequence[Operand],
        bias: Operand | None = None,
        activation: str | None = None,
    ) -> Value:
        """``w . x + b`` as one node: what a neuron computes before its activation.

        ``activation="relu"`` or ``"tanh"`` applies it in the same node (a whole neuron, one node):
        the backward multiplies by its derivative (``out > 0``, ``1 - out**2``) before the dot's.
        """
        kind = _ACTIVATIONS.get(activation) if activation is None or isinstance(activation, str) else None
        if kind is None:
            raise ValueError(f"dot: activation must be None, 'relu' or 'tanh', got {activation!r}")
        n = len(weights)
        if n != len(inputs):
            raise ValueError(f"dot: {n} weights but {len(inputs)} inputs")
        parents = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
        try:  # the common case, all Values, without a per-element type check; micrograd's order of sums
            if bias is not None and type(bias) is not Value:
                raise TypeError
            total = 0.0 if bias is None else bias.data
            for w, x in zip(weights, inputs):  # noqa: B905 - lengths checked
                total += w.data * x.data  # type: ignore[union-attr]
            if type(total) is not float:  # something else with a .data (a numpy scalar, a Tensor)
                raise TypeError
        except (AttributeError, TypeError):  # numbers among them: constants (anything else: a clear error)
            parents = tuple(_lift_or_raise(v, "dot") for v in parents)
            total = 0.0 if bias is None else parents[-1].data
            for w, x in zip(parents[:n], parents[n : 2 * n]):  # noqa: B905 - n each
                total += w.data * x.data
        name, activate = kind
        return _result(total if activate is None else activate(total), name, parents, total)


def _result(data: float, op: str, parents: tuple[Value, ...], ctx: Any = None) -> Value:
    """A new node: records its parents unless grad mode is off; checks it in anomaly mode."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._ctx = ctx
    out._prev = parents
    out._acc = None
    if SWITCHED:  # some thread left the defaults: read this thread's modes
        if not STATE.grad_enabled:
            out._prev = ()
        if ANOMALY and STATE.anomaly:
            check_finite(data, op, [p.data for p in parents])
    return out


_new = object.__new__


def _lift(x: Any) -> Any:
    """A Value as is; a real number as a constant Value; anything else NotImplemented."""
    if type(x) is Value:
        return x
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return _constant(float(x))
    if isinstance(x, Value):
        return x
    if type(x).__name__ == "Value" and hasattr(x, "data"):  # micrograd's, or another engine's
        raise TypeError(
            f"can't mix tracegrad's Value with {type(x).__module__}.Value: import both from tracegrad "
            "(from autograd import Value; from nn import Neuron, Layer, MLP)"
        )
    return NotImplemented


def _fsum(numbers: list[float]) -> float:
    """The exactly rounded sum; where that is inf or nan (math.fsum raises there: inf - inf, an overflow
    on the way) the sum that ``+`` gives, as a chain of additions would."""
    try:
        return math.fsum(numbers)
    except (OverflowError, ValueError):
        return sum(numbers)


def _lift_or_raise(x: Any, op: str) -> Value:
    value = _lift(x)
    if value is NotImplemented:
        raise TypeError(f"{op}: expected a Value or a real number, got {type(x).__name__}")
    return value


LIFTED = "a number lifted into the graph"  # the _ctx of such a leaf (leaves' _ctx is otherwise unused)


def _constant(data: float) -> Value:
    """A leaf for a plain number in an expression (the 2 of ``x * 2``), marked so drawings can say so."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = ""
    out._ctx = LIFTED
    out._prev = ()
    out._acc = None
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


__all__ = ["PUSHES", "VJPS", "Value", "op"]
