"""Elementwise ops: each a numpy forward beside its backward (``g`` is d loss / d out).

Inputs broadcast as in numpy; the node sums each gradient back to its input's shape, so no op here does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Op, log, where


class Add(Op):
    """a + b; d/da = d/db = 1."""

    __slots__ = ()
    _operands = 2

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a + b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return g, g


class Sub(Op):
    """a - b; d/da = 1, d/db = -1."""

    __slots__ = ()
    _operands = 2

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a - b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return g, -g if ctx._needs[1] else None


class Mul(Op):
    """a * b; d/da = b, d/db = a (each saved only when the other needs a gradient)."""

    __slots__ = ()
    _operands = 2

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need_a, need_b = ctx._needs
        ctx._saved = (b if need_a else None, a if need_b else None)
        return a * b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        b, a = ctx._saved
        return None if b is None else g * b, None if a is None else g * a


class Div(Op):
    """a / b; d/da = 1/b, d/db = -a/b^2."""

    __slots__ = ()
    _operands = 2
    _edges = True
    _floats = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx._saved = (a if ctx._needs[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b = ctx._saved
        ga = g / b
        return ga, None if a is None else -ga * a / b


class Pow(Op):
    """a ** b; d/da = b a^(b-1) (0 where b == 0), d/db = a^b log a (0 where a == 0 and b >= 0), as torch."""

    __slots__ = ()
    _operands = 2
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = a**b
        exponent_grad = ctx._needs[1]
        zero_base = np.logical_and(np.equal(a, 0), np.greater_equal(b, 0)) if exponent_grad else None
        ctx._saved = (a, b, np.not_equal(b, 0), out if exponent_grad else None, zero_base)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b, nonzero_exponent, out, zero_base = ctx._saved
        ga = where(nonzero_exponent, g * b * a ** (b - 1), 0.0) if ctx._needs[0] else None
        if out is None:
            return ga, None
        if type(a) is np.ndarray and a.dtype != out.dtype:  # log a at the result's precision (numpy's log
            a = a.astype(out.dtype)  # of 8-bit integers is float16), as torch
        return ga, where(zero_base, 0.0, g * out * log(a))


class Neg(Op):
    """-a; d/da = -1."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return -a

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return -g


class Exp(Op):
    """e^a; its derivative is itself, so the output is saved."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.exp(a)
        ctx._saved = (out,)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx._saved
        return g * out


class Log(Op):
    """Natural log (-inf at 0, nan below); d/da = 1/a."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx._saved = (a,)
        return np.log(a)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (a,) = ctx._saved
        return g / a


class Sqrt(Op):
    """sqrt(a); d/da = 1 / (2 sqrt(a)), from the saved output."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.sqrt(a)
        ctx._saved = (out,)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx._saved
        return g / (2 * out)


class Abs(Op):
    """|a|; its derivative sign(a) is 0 at 0 and at nan, as in torch."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx._saved = (np.greater(a, 0).astype(np.result_type(a)) - np.less(a, 0),)
        return np.abs(a)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (sign,) = ctx._saved
        return g * sign


class Tanh(Op):
    """tanh(a); d/da = 1 - tanh(a)^2, from the saved output."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.tanh(a)
        ctx._saved = (out,)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx._saved
        return g * (1 - out * out)


class Sigmoid(Op):
    """1 / (1 + e^-a), computed as exp(-log(1 + e^-a)) with logaddexp: no overflow, and full relative
    precision far into the left tail (where (1 + tanh(a/2)) / 2 rounds to 0)."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.exp(-np.logaddexp(0, -a))
        ctx._saved = (out,)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx._saved
        return g * out * (1 - out)


class Relu(Op):
    """max(a, 0); its derivative at 0 is 0, as in torch."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.maximum(a, 0)
        ctx._saved = (out,)  # as torch: the result, which exists anyway, not a mask that would be kept too
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx._saved  # passes where a > 0, and a nan passes its gradient, as in torch; 10x faster than
        return g * (out != 0)  # where(), but unlike torch a nan gradient stays nan where it stops


class LeakyRelu(Op):
    """a for a > 0, negative_slope * a otherwise."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, negative_slope: float) -> Any:
        slope = np.where(a > 0, 1, negative_slope).astype(a.dtype, copy=False)
        ctx._saved = (slope,)
        return a * slope

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (slope,) = ctx._saved
        return g * slope, None


class Elu(Op):
    """a for a > 0, alpha (e^a - 1) otherwise; the derivative there is out + alpha, except at a == 0 where
    it is the constant alpha (so the second derivative there is 0, as torch). As torch's, the gradient
    takes the e^a branch where a <= 0 only: at nan it passes unchanged."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, alpha: float) -> Any:
        out = np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))
        ctx._saved = (a <= 0, a == 0, out, alpha)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        curved, flat, out, alpha = ctx._saved
        return where(curved, where(flat, g * alpha, g * (out + alpha)), g), None


class Clamp(Op):
    """a clipped into [low, high] (either may be None): min(max(a, low), high), so where the bounds cross
    the result is high. The gradient passes where low <= a <= high (not at nan), and goes to the tensor
    bound that gave the result, as in torch."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, a: Any, low: Any, high: Any) -> Any:
        no, every = np.zeros(np.shape(a), bool), np.ones(np.shape(a), bool)
        raised = a if low is None else np.maximum(a, low)
        above = no if high is None else np.greater(raised, high)
        below = no if low is None else np.less(a, low) & ~above
        inside = (every if low is None else np.greater_equal(a, low)) & (
            every if high is None else np.less_equal(a, high)
        )
        ctx._saved = (inside, below, above)
        return raised if high is None else np.minimum(raised, high)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        inside, below, above = ctx._saved
        _, need_low, need_high = ctx._needs
        return g * inside, g * below if need_low else None, g * above if need_high else None


class Maximum(Op):
    """Elementwise max; ties split the gradient in halves and a nan passes it to both sides, as in torch."""

    __slots__ = ()
    _operands = 2

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.maximum(a, b)
        ctx._saved = (*_shares(a, b, out),)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        share_a, share_b = ctx._saved
        return g * share_a, g * share_b


class Minimum(Op):
    """Elementwise min; ties split the gradient in halves and a nan passes it to both sides, as in torch."""

    __slots__ = ()
    _operands = 2

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.minimum(a, b)
        share_b, share_a = _shares(a, b, out)  # min's shares are max's, swapped
        ctx._saved = (share_a, share_b)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        share_a, share_b = ctx._saved
        return g * share_a, g * share_b


def _shares(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    """Each side's share of max(a, b)'s gradient: 1 where it is the result, 1/2 on ties, 0 where it lost
    (so a nan, which loses no comparison, gets it all)."""
    half = np.where(np.equal(a, b), 0.5, 1.0).astype(np.result_type(out), copy=False)
    return half * ~np.less(a, b), half * ~np.greater(a, b)


class Where(Op):
    """``a`` where ``condition`` holds, else ``b``; the gradient goes to the chosen side."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, condition: Any, a: Any, b: Any) -> Any:
        condition = np.asarray(condition, bool)
        ctx._saved = (condition,)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (condition,) = ctx._saved
        _, need_a, need_b = ctx._needs
        return (
            None,
            where(condition, g, 0.0) if need_a else None,
            where(condition, 0.0, g) if need_b else None,
        )


class Cast(Op):
    """A copy in another floating dtype; the node casts the gradient back to the input's dtype."""

    __slots__ = ()
    _operands = 1
    _promotes = False  # a float64 result is what was asked for

    @staticmethod
    def forward(ctx: Any, a: Any, dtype: Any) -> Any:
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return g, None


class Clone(Op):
    """A copy with its own storage, in ``order``: "K" keeps the layout (torch's clone), "C" is row-major
    (contiguous)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any, order: str) -> Any:
        return np.array(a, copy=True, order=order)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return g, None
