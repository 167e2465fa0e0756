"""Elementwise math of one input, as torch has it: ``sin``, ``log2``, ``erf``, ``floor``, ``sign``, ... each a
function ``autograd.name``, a method ``x.name()`` and an in-place method ``x.name_()``.

Most are ``unary``-made: one line gives the numpy forward beside the derivative, as a function of the saved
input ``a`` or result ``out`` (ndarrays on a plain backward, Tensors under ``create_graph``, so the same
formula gives second derivatives). Integer and bool inputs give float32, as in torch. The rounding family
(``floor``, ``ceil``, ``round``, ``trunc``, ``sign``) keeps integer dtypes and has a zero gradient, as torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..errstate import quiet, settle
from ..inplace import _inplace
from ..tensor import Tensor
from .elementwise import Abs, Clamp, Exp, Log, Mul, Neg, Sqrt
from .function import Op, exp, zeros
from .methods import _floating
from .registry import register

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

_OPERANDS = (Tensor, np.ndarray, int, float)  # what takes part in an in-place op's result type
_TORCH_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "float16": "Half", "float32": "Float", "float64": "Double",
}  # fmt: skip


def scalar_name(dtype: np.dtype) -> str:
    """torch's name of a dtype in its error messages (``Long`` for int64)."""
    return _TORCH_NAMES.get(str(dtype), str(dtype))


def tensor_arg(x: Any, name: str) -> Tensor:
    """``x``, which must be a Tensor (torch refuses numbers for ``input``): a TypeError naming ``name``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def in_place(x: Tensor, op: Any, fn: Callable[..., Any], *params: Any, floats: bool = True) -> Tensor:
    """``x.name_(*params)``: ``op`` through the in-place machinery (version counter, recorded when needed),
    ``fn(storage, *params)`` computing the values when nothing is recorded. A result an integer or bool
    ``x`` cannot hold (floats, ``floats`` saying the op's result always is) is refused, as torch."""
    kind = x._data.dtype.kind
    if kind != "f":  # a floating tensor takes any result
        raw = [p._data if isinstance(p, Tensor) else p for p in params if isinstance(p, _OPERANDS)]
        result = dtypes.DEFAULT_FLOAT if floats else dtypes.result_type(x._data, *raw)
        if result.kind == "f" or result.kind != "b" and kind == "b":  # torch's canCast
            raise RuntimeError(
                f"result type {scalar_name(result)} can't be cast to the desired output type "
                f"{scalar_name(x._data.dtype)}"
            )
    write = _WRITERS.get(fn)
    if write is None:
        write = _WRITERS[fn] = _writer(fn)
    return _inplace(x, op, write, *params)


def _writer(fn: Callable[..., Any]) -> Callable[..., None]:
    """What writes ``fn(storage, *values)`` into the storage: quietly at a domain's edge (inf or nan, as out
    of place), integers wrapping around as torch's; a ufunc writes into the storage directly."""
    ufunc = isinstance(fn, np.ufunc)

    def write(data: np.ndarray, *values: Any) -> None:
        token = quiet()
        try:
            if ufunc:
                fn(data, *values, out=data, casting="unsafe")
            else:
                np.copyto(data, fn(data, *values), casting="unsafe")
        finally:
            settle(token)

    return write


_WRITERS: dict[Any, Callable[..., None]] = {}  # one writer per function, made on first use


# ----- differentiable functions of one input ------------------------------------------------------------
class Unary(Op):
    """An elementwise op of one floating input (made by ``unary``): ``fn`` on arrays; the derivative ``slope``
    of the saved input (``saves == "a"``) or result (``"out"``), None when it is 1."""

    __slots__ = ()
    _operands = 1
    _edges = True
    fn: Callable[[Any], Any]
    slope: Callable[[Any], Any] | None
    saves = "a"

    @classmethod
    def forward(cls, ctx: Any, a: Any) -> Any:
        out = cls.fn(a)
        if cls.slope is not None:
            ctx._saved = (a if cls.saves == "a" else out,)
        return out

    @classmethod
    def backward(cls, ctx: Any, g: Any) -> Any:
        if cls.slope is None:
            return g
        (x,) = ctx._saved
        return g * cls.slope(x)

    @classmethod
    def of(cls, x: Any) -> Any:
        """The op on a Tensor (recorded), or ``fn`` on an array: what a derivative formula calls."""
        return cls.apply(x) if isinstance(x, Tensor) else cls.fn(x)


def unary(
    name: str,
    fn: Callable[[Any], Any],
    slope: Callable[[Any], Any] | None,
    doc: str,
    *,
    saves: str = "a",
    aliases: tuple[str, ...] = (),
    kernel: str | None = None,
) -> type[Unary]:
    """The op ``name`` (``fn`` forward, ``slope`` its derivative), registered as ``autograd.name``,
    ``x.name()`` and ``x.name_()`` (and under ``aliases``). Integers and bools give float32, or with
    ``kernel`` (torch's name of its float-only kernel) a NotImplementedError, as torch."""
    op = type(name.capitalize(), (Unary,), {"__slots__": (), "__doc__": doc, "saves": saves})
    op.fn, op.slope = staticmethod(fn), None if slope is None else staticmethod(slope)  # type: ignore[assignment]

    def function(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
        return op.apply(_floating(_kernel(tensor_arg(input, name), kernel)))

    def method_(x: Tensor) -> Tensor:
        return in_place(_kernel(x, kernel), op, fn)

    function.__name__, function.__doc__ = name, doc
    method_.__name__, method_.__doc__ = f"{name}_", f"{name}, in place."
    register(aliases=aliases)(function)
    register(aliases=tuple(f"{a}_" for a in aliases))(method_)  # torch.sin_ exists too
    return op


def _kernel(x: Tensor, kernel: str | None) -> Tensor:
    """``x``, unless ``kernel`` (a float-only one) is given and ``x`` is not floating."""
    if kernel is not None and x._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for {scalar_name(x._data.dtype)!r}')
    return x


def _erf(a: np.ndarray) -> np.ndarray:
    """The C library's erf, elementwise (numpy has none), in ``a``'s dtype."""
    return np.asarray(_ERF(a), dtype=a.dtype)


_ERF = np.frompyfunc(math.erf, 1, 1)

# name, forward, derivative (of the saved input a, or result out)
Exp2 = unary("exp2", np.exp2, lambda out: out * _LN2, "2**x; d/dx = 2**x ln 2.", saves="out")
Expm1 = unary("expm1", np.expm1, lambda out: out + 1, "e**x - 1, exact near 0; d/dx = e**x.", saves="out")
Log2 = unary("log2", np.log2, lambda a: 1 / (a * _LN2), "Base-2 log; d/dx = 1 / (x ln 2).")
Log10 = unary("log10", np.log10, lambda a: 1 / (a * _LN10), "Base-10 log; d/dx = 1 / (x ln 10).")
Log1p = unary("log1p", np.log1p, lambda a: 1 / (a + 1), "log(1 + x), exact near 0; d/dx = 1 / (1 + x).")
Rsqrt = unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda out: -0.5 * out * out * out,
              "1 / sqrt(x); d/dx = -rsqrt(x)**3 / 2.", saves="out")  # fmt: skip
Reciprocal = unary("reciprocal", np.reciprocal, lambda out: -(out * out), "1 / x; d/dx = -1 / x**2.",
                   saves="out")  # fmt: skip
Sin = unary("sin", np.sin, lambda a: Cos.of(a), "Sine; d/dx = cos x.")
Cos = unary("cos", np.cos, lambda a: -Sin.of(a), "Cosine; d/dx = -sin x.")
Tan = unary("tan", np.tan, lambda out: 1 + out * out, "Tangent; d/dx = 1 + tan(x)**2.", saves="out")
Asin = unary("asin", np.arcsin, lambda a: Rsqrt.of(1 - a * a), "Inverse sine; d/dx = 1 / sqrt(1 - x**2).",
             aliases=("arcsin",))  # fmt: skip
Acos = unary("acos", np.arccos, lambda a: -Rsqrt.of(1 - a * a), "Inverse cosine; d/dx = -1 / sqrt(1 - x**2).",
             aliases=("arccos",))  # fmt: skip
Atan = unary("atan", np.arctan, lambda a: 1 / (1 + a * a), "Inverse tangent; d/dx = 1 / (1 + x**2).",
             aliases=("arctan",))  # fmt: skip
Sinh = unary("sinh", np.sinh, lambda a: Cosh.of(a), "Hyperbolic sine; d/dx = cosh x.")
Cosh = unary("cosh", np.cosh, lambda a: Sinh.of(a), "Hyperbolic cosine; d/dx = sinh x.")
Asinh = unary("asinh", np.arcsinh, lambda a: Rsqrt.of(a * a + 1), "Inverse sinh; d/dx = 1 / sqrt(x**2 + 1).",
              aliases=("arcsinh",))  # fmt: skip
Acosh = unary("acosh", np.arccosh, lambda a: Rsqrt.of(a * a - 1), "Inverse cosh; d/dx = 1 / sqrt(x**2 - 1).",
              aliases=("arccosh",))  # fmt: skip
Atanh = unary("atanh", np.arctanh, lambda a: 1 / (1 - a * a), "Inverse tanh; d/dx = 1 / (1 - x**2).",
              aliases=("arctanh",))  # fmt: skip
Erf = unary("erf", _erf, lambda a: _TWO_OVER_SQRT_PI * exp(-(a * a)),
            "The error function; d/dx = 2 / sqrt(pi) e**(-x**2).")  # fmt: skip
Frac = unary("frac", lambda a: a - np.trunc(a), None, "x - trunc(x), the sign of x kept; d/dx = 1.",
             kernel="frac_cpu")  # fmt: skip


# ----- the rounding family: integer dtypes kept, zero gradient ----------------------------------------
class Flat(Op):
    """An elementwise op that is piecewise constant: ``fn(a, *params)``, and a zero gradient as torch's."""

    __slots__ = ()
    _edges = True
    fn: Callable[..., Any]

    @classmethod
    def forward(cls, ctx: Any, a: Any, *params: Any) -> Any:
        return cls.fn(a, *params)

    @classmethod
    def backward(cls, ctx: Any, g: Any) -> Any:
        return (zeros(g), *(None,) * (len(ctx._needs) - 1))


def _sign(a: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 (0 for nan, as torch; bools stay)."""
    if a.dtype.kind == "b":
        return a.copy()
    out = np.sign(a)
    return np.where(np.isnan(out), 0, out) if a.dtype.kind == "f" else np.asarray(out)


class Floor(Flat):
    """The largest integer <= x."""

    __slots__ = ()
    fn = staticmethod(np.floor)


class Ceil(Flat):
    """The smallest integer >= x."""

    __slots__ = ()
    fn = staticmethod(np.ceil)


class Trunc(Flat):
    """x rounded towards 0."""

    __slots__ = ()
    fn = staticmethod(np.trunc)


class Round(Flat):
    """x rounded to ``decimals`` places, halves to even (torch's nearbyint(x * 10**d) / 10**d)."""

    __slots__ = ()
    fn = staticmethod(np.round)


class Sign(Flat):
    """-1, 0 or 1 by the sign of x; 0 at nan, as torch."""

    __slots__ = ()
    fn = staticmethod(_sign)


def _whole(x: Tensor, op: type[Flat], name: str, *params: Any) -> Tensor:
    """A rounding op on ``x``: integers are whole already (a copy), bools are refused, as torch."""
    kind = tensor_arg(x, name)._data.dtype.kind
    if kind == "f":
        return op.apply(x, *params)
    if kind == "b" or any(params):  # round(decimals=) of integers: torch has no kernel either
        raise NotImplementedError(f'"{name}" not implemented for {scalar_name(x._data.dtype)!r}')
    return x.clone()


def _whole_(x: Tensor, op: type[Flat], name: str, *params: Any) -> Tensor:
    """``_whole`` in place: nothing to do for integers."""
    kind = x._data.dtype.kind
    if kind == "f":
        return in_place(x, op, op.fn, *params)
    _whole(x, op, name, *params)  # the same errors
    return x


@register
def floor(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """The largest integer <= x (integers kept as they are); zero gradient."""
    return _whole(input, Floor, "floor")


@register
def ceil(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """The smallest integer >= x (integers kept as they are); zero gradient."""
    return _whole(input, Ceil, "ceil")


@register(aliases=("fix",))
def trunc(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """x rounded towards 0 (integers kept as they are); zero gradient."""
    return _whole(input, Trunc, "trunc")


@register
def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002 - torch's names
    """x rounded to ``decimals`` places (negative: to tens, hundreds...), halves to even; zero gradient."""
    return _whole(input, Round, "round", decimals) if decimals else _whole(input, Round, "round")


@register
def sign(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """-1, 0 or 1 per element in the input's dtype (bools stay, nan gives 0, as torch); zero gradient."""
    return Sign.apply(tensor_arg(input, "sign"))


@register
def floor_(x: Tensor) -> Tensor:
    """floor, in place."""
    return _whole_(x, Floor, "floor")


@register
def ceil_(x: Tensor) -> Tensor:
    """ceil, in place."""
    return _whole_(x, Ceil, "ceil")


@register(aliases=("fix_",))
def trunc_(x: Tensor) -> Tensor:
    """trunc, in place."""
    return _whole_(x, Trunc, "trunc")


@register
def round_(x: Tensor, *, decimals: int = 0) -> Tensor:
    """round, in place."""
    return _whole_(x, Round, "round", decimals) if decimals else _whole_(x, Round, "round")


@register(function=False)
def sign_(x: Tensor) -> Tensor:
    """sign, in place."""
    return in_place(x, Sign, _sign, floats=False)


# ----- abs, neg, square: torch's forms of the core ops ---------------------------------------------------
_NEG_BOOL = (
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead."
)


def _no_bool(x: Tensor, name: str, negation: bool = False) -> Tensor:
    """``x`` unless bool: torch has no abs or neg of bools (neg's RuntimeError says to use ``~``)."""
    if tensor_arg(x, name)._data.dtype.kind == "b":
        if negation:
            raise RuntimeError(_NEG_BOOL)
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    return x


@register(aliases=("absolute",))
def abs(input: Tensor) -> Tensor:  # noqa: A001, A002 - torch's names
    """|x| in the input's dtype; the gradient is sign(x) (0 at 0 and at nan), as torch."""
    return Abs.apply(_no_bool(input, "abs"))


@register(aliases=("negative",))
def neg(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """-x in the input's dtype (unsigned integers wrap around, as torch)."""
    return Neg.apply(_no_bool(input, "neg", negation=True))


@register
def abs_(x: Tensor) -> Tensor:
    """abs, in place."""
    return in_place(_no_bool(x, "abs"), Abs, np.abs, floats=False)


register(function=False, name="absolute_")(abs_)  # a method only, as torch


@register(aliases=("negative_",))
def neg_(x: Tensor) -> Tensor:
    """neg, in place."""
    return in_place(_no_bool(x, "neg", negation=True), Neg, np.negative, floats=False)


@register
def square(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """x * x; bools square to int64, as torch."""
    x = tensor_arg(input, "square")
    x = x.to(dtypes.int64) if x._data.dtype.kind == "b" else x
    return Mul.apply(x, x)


@register
def exp_(x: Tensor) -> Tensor:
    """exp, in place."""
    return in_place(x, Exp, np.exp)


@register
def log_(x: Tensor) -> Tensor:
    """log, in place."""
    return in_place(x, Log, np.log)


@register
def sqrt_(x: Tensor) -> Tensor:
    """sqrt, in place."""
    return in_place(x, Sqrt, np.sqrt)


@register(aliases=("clip_",))
def clamp_(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - torch's names
    """clamp, in place: a float bound of an integer tensor is refused, as torch."""
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    return in_place(x, Clamp, np.clip, min, max, floats=False)


__all__ = ["Flat", "Unary", "in_place", "scalar_name", "tensor_arg", "unary"]
