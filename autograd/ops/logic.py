"""Comparison and logic, as torch has them: bool tensors that carry no gradient (``eq`` ... ``ge`` and their
long names, ``isnan``, ``isinf``, ``logical_and`` ...), ``isclose``/``allclose``/``equal``, and ``where``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap
from .elementwise import Where
from .function import promoted
from .pointwise import scalar_name, tensor_arg
from .registry import register


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


# ----- comparisons (through the operators, which give torch's result type) ------------------------------
@register
def eq(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input == other, elementwise (nan equals nothing)."""
    return input == other


@register(aliases=("not_equal",))
def ne(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input != other, elementwise (nan differs from everything)."""
    return input != other


@register(aliases=("less",))
def lt(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input < other, elementwise."""
    return input < other


@register(aliases=("less_equal",))
def le(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input <= other, elementwise."""
    return input <= other


@register(aliases=("greater",))
def gt(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input > other, elementwise."""
    return input > other


@register(aliases=("greater_equal",))
def ge(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """input >= other, elementwise."""
    return input >= other


# ----- tests of each element ----------------------------------------------------------------------
@register
def isnan(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is nan."""
    return _wrap(np.isnan(tensor_arg(input, "isnan")._data))


@register
def isinf(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is inf or -inf."""
    return _wrap(np.isinf(tensor_arg(input, "isinf")._data))


@register
def isposinf(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is inf."""
    return _wrap(np.equal(tensor_arg(input, "isposinf")._data, np.inf))


@register
def isneginf(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is -inf."""
    return _wrap(np.equal(tensor_arg(input, "isneginf")._data, -np.inf))


@register
def isfinite(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is neither inf nor nan."""
    return _wrap(np.isfinite(tensor_arg(input, "isfinite")._data))


# ----- logic: any dtype, nonzero is True ------------------------------------------------------------
@register
def logical_not(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """True where the element is zero."""
    return _wrap(np.logical_not(tensor_arg(input, "logical_not")._data))


@register
def logical_and(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """True where both elements are nonzero."""
    return _wrap(np.logical_and(tensor_arg(input, "logical_and")._data, _array(other)))


@register
def logical_or(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """True where either element is nonzero."""
    return _wrap(np.logical_or(tensor_arg(input, "logical_or")._data, _array(other)))


@register
def logical_xor(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's name
    """True where exactly one of the elements is nonzero."""
    return _wrap(np.logical_xor(tensor_arg(input, "logical_xor")._data, _array(other)))


# ----- closeness --------------------------------------------------------------------------------------
@register
def isclose(
    input: Tensor,  # noqa: A002 - torch's name
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """True where |input - other| <= atol + rtol |other| (or equal, infinities included), as torch computes
    it: in the tensors' dtype, which must be the same."""
    a = tensor_arg(input, "isclose")._data
    if not isinstance(other, (Tensor, np.ndarray)):
        raise TypeError(f"isclose(): argument 'other' must be Tensor, not {type(other).__name__}")
    b = _array(other)
    if a.dtype != b.dtype:
        raise RuntimeError(f"{scalar_name(a.dtype)} did not match {scalar_name(b.dtype)}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.equal(a, b)
        if equal_nan and a.dtype.kind == "f":
            close = close | np.isnan(a) & np.isnan(b)
        if rtol or atol:
            if a.dtype.kind != "f":  # torch's error terms of integers are in the default float
                a, b = a.astype(dtypes.DEFAULT_FLOAT), b.astype(dtypes.DEFAULT_FLOAT)
            allowed = atol + np.abs(rtol * b)
            actual = np.abs(a - b)
            close = close | np.isfinite(actual) & (actual <= allowed)
    return _wrap(close)


@register
def allclose(
    input: Tensor,  # noqa: A002 - torch's name
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool:
    """True when ``isclose`` holds for every element."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@register
def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002 - torch's name
    """True when both have the same shape and the same elements (nan equals nothing)."""
    return bool(np.array_equal(tensor_arg(input, "equal")._data, _array(other)))


# ----- where ---------------------------------------------------------------------------------------------
def _condition(condition: Any) -> Any:
    """``where``'s condition, a bool tensor (uint8 still accepted with torch's warning)."""
    dtype = _array(condition).dtype
    if dtype.kind == "b":
        return condition
    if dtype == dtypes.uint8:
        warnings.warn(
            "where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
            "future version of PyTorch. Use a boolean condition instead.",
            UserWarning,
            stacklevel=3,
        )
        return _array(condition).astype(bool)
    raise RuntimeError(
        f"where expected condition to be a boolean tensor, but got a tensor with dtype {scalar_name(dtype)}"
    )


@register(method=False)
def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002 - torch's name
    """``input`` where ``condition`` is True, ``other`` elsewhere (broadcasting all three), in torch's result
    type of ``input`` and ``other``; the gradient goes to the chosen side. ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return tuple(_wrap(i) for i in np.nonzero(_array(condition)))
    condition = _condition(condition)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    return Where.apply(condition, *promoted(input, other))


def _where_method(x: Tensor, condition: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` is True, ``y`` elsewhere: ``where(condition, x, y)``."""
    return where(condition, x, y)


register(function=False, name="where")(_where_method)

__all__ = ["where"]
