"""Elementwise arithmetic of two (or three) operands in torch's forms: ``add``/``sub`` with ``alpha``, ``div``
with ``rounding_mode``, ``floor_divide`` (``//``), ``fmod``, ``remainder`` (``%``), ``atan2``, ``hypot`` and
``lerp``, as functions, methods and in-place methods. Operands take torch's result type (``promoted``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap
from .elementwise import Div, Pow
from .function import Op, promoted, zeros
from .pointwise import in_place, scalar_name, tensor_arg
from .registry import register

_ROUNDING = ("trunc", "floor")


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _result(*operands: Any) -> np.dtype:
    """torch's result type of tensors and numbers."""
    return dtypes.result_type(*[_raw(x) for x in operands])


def _not_bool(name: str, *operands: Any) -> None:
    """torch has no kernel of these ops for bools: NotImplementedError, as torch."""
    if _result(*operands).kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _divisor(a: Any, b: Any) -> None:
    """Integer division by zero is an error in torch (floats give inf or nan)."""
    if np.result_type(a, b).kind in "iub" and not np.all(b):
        raise RuntimeError("ZeroDivisionError")


# ----- add, sub, mul, div, pow as torch's functions ------------------------------------------------------
def _alpha(input: Any, other: Any, alpha: Any) -> Any:  # noqa: A002 - torch's name
    """``alpha * other``, with torch's rules: no float alpha for integer or bool operands, a bool alpha only
    for bools."""
    if type(alpha) is int and alpha == 1:  # the commonest call: nothing to check
        return other
    kind = _result(input, other).kind
    if kind in "iub" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, bool) and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if alpha == 1:
        return other
    other = promoted(input, other)[1]  # alpha * other in the result's dtype (a float64 + 2 * uint8 is exact)
    if kind in "iu":  # integers wrap around, as torch's (numpy refuses a Python int out of the dtype's range)
        alpha = np.asarray(alpha).astype(_result(input, other))
    return other * (bool(alpha) if kind == "b" else alpha)


@register
def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002 - torch's name
    """input + alpha * other."""
    return input + _alpha(input, other, alpha)


@register(aliases=("subtract",))
def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002 - torch's name
    """input - alpha * other (not of bools, as torch)."""
    bools = [_raw(x) for x in (input, other) if np.asarray(_raw(x)).dtype.kind == "b"]
    if len(bools) == 2:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if bools:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` operator instead."
        )
    return input - _alpha(input, other, alpha)


@register(aliases=("multiply",))
def mul(input: Any, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input * other."""
    return input * other


@register
def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002 - torch's names
    """input ** exponent (either may be a number) in torch's result type; an integer to a negative power is
    0 (but for +-1) and an error for a Python exponent, as torch."""
    dtype = _power_type(input, exponent)
    if dtype.kind in "iu" and np.any(np.less(_raw(exponent), 0)):
        return _wrap(_integer_power(*(np.asarray(_raw(x), dtype) for x in (input, exponent))))
    input, exponent = promoted(input, exponent)  # noqa: A001 - bools to numbers are int64
    return input**exponent


def _power_type(input: Any, exponent: Any) -> np.dtype:  # noqa: A002 - torch's name
    """The result type of a power, checked as torch: none of bools, no negative Python int exponent."""
    dtype = _result(input, exponent)
    if dtype.kind == "b":
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if dtype.kind in "iu" and not isinstance(exponent, Tensor) and np.any(np.less(exponent, 0)):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return dtype


def _power(a: Any, b: Any) -> Any:
    """a ** b on arrays, with torch's integer rule for negative exponents."""
    if np.result_type(a, b).kind in "iu" and np.any(np.less(b, 0)):
        return _integer_power(a, np.asarray(b))
    return np.power(a, b)


def _integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b for integers, as C and torch: a ** -n truncates to 0, except 1 ** -n = 1, (-1) ** -n = +-1."""
    negative = b < 0
    out = np.power(a, np.where(negative, -b, b))
    return np.where(negative & (np.abs(a) != 1), 0, out).astype(a.dtype)


@register(aliases=("divide",))
def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002 - torch's name
    """input / other: true division (floats for integers), or rounded towards 0 (``"trunc"``) or down
    (``"floor"``) in the operands' dtype, with a zero gradient, as torch."""
    if _rounding(rounding_mode, input, other) is None:
        return input / other
    return RoundedDiv.apply(*promoted(input, other), rounding_mode)


def _rounding(mode: str | None, *operands: Any) -> str | None:
    """``div``'s rounding mode, checked as torch does (none for bools)."""
    if mode is not None and mode not in _ROUNDING:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {mode!r}"
        )
    if mode is not None:
        _not_bool(f"div_{mode}_cpu", *operands)
    return mode


@register
def true_divide(input: Any, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input / other, always true division."""
    return input / other


@register
def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input // other: the quotient rounded down (Python's //), as ``div(rounding_mode="floor")``."""
    return div(input, other, rounding_mode="floor")


def _rounded(a: Any, b: Any, mode: str) -> Any:
    """a / b rounded towards 0 or down; integers exactly (an error for a zero divisor, as torch)."""
    _divisor(a, b)
    if np.result_type(a, b).kind == "f":
        return np.floor_divide(a, b) if mode == "floor" else np.trunc(np.true_divide(a, b))
    floor = np.floor_divide(a, b)
    if mode == "floor":
        return floor
    return floor + ((floor * b != a) & (np.less(a, 0) != np.less(b, 0)))


class RoundedDiv(Op):
    """a / b rounded (``"trunc"``: towards 0, ``"floor"``: down); piecewise constant, so a zero gradient."""

    __slots__ = ()
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, mode: str) -> Any:
        return _rounded(a, b, mode)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        need_a, need_b, _ = ctx._needs
        return zeros(g) if need_a else None, zeros(g) if need_b else None, None


def _quotient(a: Any, b: Any, mode: str) -> Any:
    """``_rounded`` on arrays, or on Tensors (recorded, with its zero gradient): for derivative formulas."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return RoundedDiv.apply(a, b, mode)
    return _rounded(a, b, mode)


# ----- fmod, remainder -------------------------------------------------------------------------------------
def _fmod(a: Any, b: Any) -> Any:
    _divisor(a, b)
    return np.fmod(a, b)


def _remainder(a: Any, b: Any) -> Any:
    _divisor(a, b)
    return np.remainder(a, b)


class Fmod(Op):
    """fmod(a, b) = a - trunc(a / b) b, with a's sign (C's fmod); d/da = 1, d/db = -trunc(a / b)."""

    __slots__ = ()
    _operands = 2
    _edges = True
    fn = staticmethod(_fmod)
    rounding = "trunc"

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any) -> Any:
        if ctx._needs[1]:
            ctx._saved = (a, b)
        return cls.fn(a, b)

    @classmethod
    def backward(cls, ctx: Any, g: Any) -> tuple[Any, ...]:
        need_a, need_b = ctx._needs
        if not need_b:
            return g, None
        a, b = ctx._saved
        return g if need_a else None, -g * _quotient(a, b, cls.rounding)


class Remainder(Fmod):
    """a - floor(a / b) b, with b's sign (Python's %); d/da = 1, d/db = -floor(a / b)."""

    __slots__ = ()
    fn = staticmethod(_remainder)
    rounding = "floor"


@register
def fmod(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """The remainder of input / other with the sign of input (C's fmod); integers stay integers."""
    _not_bool("fmod_cpu", tensor_arg(input, "fmod"), other)
    return Fmod.apply(*promoted(input, other))


@register
def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """The remainder of input / other with the sign of other (Python's %); integers stay integers."""
    _not_bool("remainder_cpu", input, other)
    return Remainder.apply(*promoted(input, other))


# ----- atan2, hypot, lerp ------------------------------------------------------------------------------
class Atan2(Op):
    """atan2(a, b), the angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)."""

    __slots__ = ()
    _operands = 2
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx._saved = (a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b = ctx._saved
        need_a, need_b = ctx._needs
        scaled = g / (a * a + b * b)
        return scaled * b if need_a else None, -scaled * a if need_b else None


class Hypot(Op):
    """sqrt(a^2 + b^2) without overflow; d/da = a / out, d/db = b / out."""

    __slots__ = ()
    _operands = 2
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.hypot(a, b)
        ctx._saved = (a, b, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b, out = ctx._saved
        need_a, need_b = ctx._needs
        scaled = g / out
        return scaled * a if need_a else None, scaled * b if need_b else None


def _lerp(a: Any, e: Any, w: Any) -> Any:
    """a + w (e - a) as torch computes it: from e's side when |w| >= 1/2, so w = 1 gives e exactly."""
    return np.where(np.abs(w) < 0.5, a + w * (e - a), e - (e - a) * (1 - w))


class Lerp(Op):
    """a + w (e - a); d/da = 1 - w, d/de = w, d/dw = e - a."""

    __slots__ = ()
    _edges = True

    @staticmethod
    def forward(ctx: Any, a: Any, e: Any, w: Any) -> Any:
        ctx._saved = (a, e, w)
        return _lerp(a, e, w)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, e, w = ctx._saved
        need_a, need_e, need_w = ctx._needs
        return g * (1 - w) if need_a else None, g * w if need_e else None, g * (e - a) if need_w else None


@register(aliases=("arctan2",))
def atan2(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """The angle of the point (other, input) in (-pi, pi]; integers give float32, as torch."""
    return Atan2.apply(*promoted(tensor_arg(input, "atan2"), other, floats=True))


@register
def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """sqrt(input**2 + other**2), for floating tensors (torch has no integer kernel)."""
    _floating_only("hypot_cpu", tensor_arg(input, "hypot"), other)
    return Hypot.apply(*promoted(input, other))


def _floating_only(name: str, *operands: Any) -> None:
    """torch has no integer kernel of these ops: NotImplementedError, as torch."""
    dtype = _result(*operands)
    if dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{scalar_name(dtype)}'")


@register
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002 - torch's name
    """input + weight * (end - input), weight a number or a tensor (all of input's floating dtype)."""
    return Lerp.apply(_lerp_operands(input, end, weight), end, weight)


def _lerp_operands(input: Any, end: Any, weight: Any) -> Tensor:  # noqa: A002 - torch's name
    """``input``, checked as torch does: end and a tensor weight of its floating dtype."""
    x = tensor_arg(input, "lerp")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != x._data.dtype:
            raise RuntimeError(f"expected dtype {x.dtype} for `{name}` but got dtype {t.dtype}")
    _floating_only("lerp_kernel_scalar", x)
    return x


# ----- in place, and the operators // and % ------------------------------------------------------------
@register(function=False)
def div_(x: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """div, in place (an integer tensor takes only a rounded quotient, as torch)."""
    if _rounding(rounding_mode, x, other) is None:
        return in_place(x, Div, np.true_divide, other)
    return in_place(x, RoundedDiv, _rounded, other, rounding_mode, floats=False)


@register(function=False)
def floor_divide_(x: Tensor, other: Any) -> Tensor:
    """floor_divide, in place."""
    return div_(x, other, rounding_mode="floor")


@register(function=False)
def pow_(x: Tensor, exponent: Any) -> Tensor:
    """pow, in place."""
    _power_type(x, exponent)
    return in_place(x, Pow, _power, exponent, floats=False)


@register(function=False)
def fmod_(x: Tensor, other: Any) -> Tensor:
    """fmod, in place."""
    _not_bool("fmod_cpu", x, other)
    return in_place(x, Fmod, _fmod, other, floats=False)


@register(function=False)
def remainder_(x: Tensor, other: Any) -> Tensor:
    """remainder, in place."""
    _not_bool("remainder_cpu", x, other)
    return in_place(x, Remainder, _remainder, other, floats=False)


@register(function=False, aliases=("arctan2_",))
def atan2_(x: Tensor, other: Any) -> Tensor:
    """atan2, in place."""
    return in_place(x, Atan2, np.arctan2, other)


@register(function=False)
def hypot_(x: Tensor, other: Any) -> Tensor:
    """hypot, in place."""
    _floating_only("hypot_cpu", x, other)
    return in_place(x, Hypot, np.hypot, other)


@register(function=False)
def lerp_(x: Tensor, end: Tensor, weight: Any) -> Tensor:
    """lerp, in place."""
    return in_place(_lerp_operands(x, end, weight), Lerp, _lerp, end, weight)


register(function=False, name="__floordiv__")(floor_divide)
register(function=False, name="__mod__")(remainder)
register(function=False, name="__ifloordiv__")(floor_divide_)
register(function=False, name="__imod__")(remainder_)


@register(function=False, name="__rfloordiv__")
def _rfloordiv(x: Tensor, other: Any) -> Tensor:
    """other // x."""
    return floor_divide(other, x)


@register(function=False, name="__rmod__")
def _rmod(x: Tensor, other: Any) -> Tensor:
    """other % x."""
    return remainder(other, x)


__all__ = ["Atan2", "Fmod", "Hypot", "Lerp", "Remainder", "RoundedDiv"]
