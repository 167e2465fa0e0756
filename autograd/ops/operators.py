"""The operator surface of ``Tensor``: arithmetic and comparison dunders, indexing, in-place updates and
dtype conversions, each calling its op. ``tensor.py`` holds the node and imports no op; this module
attaches these as methods (``@register``'s table at the end), so arrows point one way: ops -> tensor.

The dunders route by operand (see ``function.py``): a Python number takes ``apply_scalar``, a tensor
``binary``, anything else ``_binary`` (lists become arrays; other types give Python's TypeError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import STATE
from ..inplace import _inplace
from ..tensor import Tensor, _index, _raw, _to_array, _wrap
from .elementwise import Abs, Add, Clone, Div, Mul, Neg, Pow, Sub
from .function import Op, apply_scalar, binary, promoted
from .indexing import Copy, Index, SetItem
from .linalg import MatMul
from .registry import register

_NUMBERS = frozenset({float, int})  # Python numbers take the short path of binary ops
_ndarray = np.ndarray


# ----- copies ----------------------------------------------------------------------------------
def contiguous(self: Tensor) -> Tensor:
    """This tensor if its memory is row-major, otherwise a row-major copy."""
    return self if self._data.flags.c_contiguous else Clone.apply(self, "C")


def clone(self: Tensor) -> Tensor:
    """A copy with its own storage and the same layout (as torch); gradients flow back to this tensor."""
    return Clone.apply(self, "K")


# ----- arithmetic -----------------------------------------------------------------------
def __add__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Add, self, other)
    return binary(Add, self, other) if type(other) is Tensor else _binary(Add, self, other)


def __radd__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Add, self, other, True)
    return binary(Add, other, self) if type(other) is Tensor else _binary(Add, self, other, True)


def __sub__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Sub, self, other)
    return binary(Sub, self, other) if type(other) is Tensor else _binary(Sub, self, other)


def __rsub__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Sub, self, other, True)
    return binary(Sub, other, self) if type(other) is Tensor else _binary(Sub, self, other, True)


def __mul__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Mul, self, other)
    return binary(Mul, self, other) if type(other) is Tensor else _binary(Mul, self, other)


def __rmul__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Mul, self, other, True)
    return binary(Mul, other, self) if type(other) is Tensor else _binary(Mul, self, other, True)


def __truediv__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Div, self, other)
    return binary(Div, self, other) if type(other) is Tensor else _binary(Div, self, other)


def __rtruediv__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Div, self, other, True)
    return binary(Div, other, self) if type(other) is Tensor else _binary(Div, self, other, True)


def __pow__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Pow, self, other)
    return binary(Pow, self, other) if type(other) is Tensor else _binary(Pow, self, other)


def __rpow__(self: Tensor, other: Any) -> Tensor:
    if type(other) in _NUMBERS:
        return apply_scalar(Pow, self, other, True)
    return binary(Pow, other, self) if type(other) is Tensor else _binary(Pow, self, other, True)


def __matmul__(self: Tensor, other: Any) -> Tensor:
    return binary(MatMul, self, other) if type(other) is Tensor else _binary(MatMul, self, other)


def __rmatmul__(self: Tensor, other: Any) -> Tensor:
    return binary(MatMul, other, self) if type(other) is Tensor else _binary(MatMul, self, other, True)


def __neg__(self: Tensor) -> Tensor:
    return Neg.apply(self)


def __pos__(self: Tensor) -> Tensor:
    return self


def __abs__(self: Tensor) -> Tensor:
    return Abs.apply(self)


# The methods go through Python's operators: a dunder's NotImplemented becomes Python's TypeError.


def matmul(self: Tensor, other: Any) -> Tensor:
    """self @ other."""
    return self @ other


# ----- comparisons: bool tensors without grad -------------------------------------------
def __eq__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
    return _compare(np.equal, self, other)


def __ne__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
    return _compare(np.not_equal, self, other)


def __lt__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.less, self, other)


def __le__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.less_equal, self, other)


def __gt__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.greater, self, other)


def __ge__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.greater_equal, self, other)


def __invert__(self: Tensor) -> Tensor:
    return _wrap(~self._data)


def __and__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.bitwise_and, self, other)


def __or__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.bitwise_or, self, other)


def __xor__(self: Tensor, other: Any) -> Tensor:
    return _compare(np.bitwise_xor, self, other)


# ----- in-place operations --------------------------------------------------------------
def add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """self += alpha * other, in place."""
    return _inplace(self, Add, _ADD, other if alpha == 1 else _scaled(other, alpha))


def sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """self -= alpha * other, in place."""
    return _inplace(self, Sub, _SUB, other if alpha == 1 else _scaled(other, alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    """self *= other, in place."""
    return _inplace(self, Mul, _MUL, other)


def __itruediv__(self: Tensor, other: Any) -> Tensor:
    """self /= other, in place: ``div_`` without its rounding modes, for an optimiser's hot path."""
    return _inplace(self, Div, _DIV, other)


def zero_(self: Tensor) -> Tensor:
    """Sets every element to 0, in place."""
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Sets every element to ``value``, in place."""
    return copy_(self, value)


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copies ``src`` (broadcast to this shape) into this tensor, in place; gradients flow to ``src``."""
    return _inplace(self, Copy, _copy, src)


def __setitem__(self: Tensor, index: Any, value: Any) -> None:
    _inplace(self, SetItem, _put, value, _index(index))


def __getitem__(self: Tensor, index: Any) -> Tensor:
    return Index.apply(self, _index(index))


# ----- helpers ---------------------------------------------------------------------------------
def _binary(op: Any, tensor: Tensor, other: Any, reflected: bool = False) -> Any:
    """``tensor <op> other`` (``other <op> tensor`` when ``reflected``) for an operand that is not a Python
    number: a tensor or data of real numbers (nested lists become arrays). Arrays or numbers of another
    kind (complex, object, str) are refused by name; a str, None, ... gives NotImplemented, so Python's
    TypeError names both types."""
    if not isinstance(other, Tensor):
        if isinstance(other, (list, tuple)):  # nested lists: torch's dtypes (Python floats are float32)
            other = _to_array(other, None, copy=False)
        dtype = np.asarray(other).dtype
        if dtype.kind not in "biuf":
            if isinstance(other, (np.ndarray, np.generic, complex)):
                raise TypeError(f"{op.__name__}: tensors hold real numbers, got an operand of dtype {dtype}")
            return NotImplemented
    return binary(op, other, tensor) if reflected else binary(op, tensor, other)


def _scaled(x: Any, alpha: float) -> Any:
    """``alpha * x`` for ``add_``/``sub_``: an op only when it is recorded, else on the raw array (an
    optimiser's update runs under no_grad and needs no result tensor)."""
    if isinstance(x, Tensor) and x.requires_grad and STATE.grad_enabled:
        return x * alpha
    return _raw(x) * alpha


class Compare(Op):
    """A comparison or bitwise ``ufunc(a, b)`` (one subclass per ufunc): no gradient (its operands come
    detached), but an op, so a compiled step replays it."""

    __slots__ = ()
    ufunc: Any = None

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any) -> Any:  # type: ignore[override]
        return cls.ufunc(a, b)


_COMPARES = {
    u: type(u.__name__.title().replace("_", ""), (Compare,), {"__slots__": (), "ufunc": u})
    for u in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
              np.bitwise_and, np.bitwise_or, np.bitwise_xor)
}  # fmt: skip


def _compare(ufunc: Any, a: Tensor, b: Any) -> Tensor:
    """``ufunc(a, b)`` without grad, in torch's result type when ``b`` is a tensor or an array of another
    dtype (a 0-d int64 tensor against a uint8 one compares as uint8)."""
    y = _raw(b)
    if type(y) is _ndarray and y.dtype != a._data.dtype:
        a, b = promoted(a, b)
    return _COMPARES[ufunc].apply(_detached(a), _detached(b))


def _detached(x: Any) -> Any:
    return x.detach() if isinstance(x, Tensor) and x.requires_grad else x


def _ufunc(ufunc: np.ufunc) -> Callable[..., Any]:
    """A writer applying ``ufunc(storage, other)`` into the storage (an int tensor refuses float results)."""
    return lambda data, other: ufunc(data, other, data)  # out=data; casting="same_kind" is the default


_ADD, _SUB, _MUL, _DIV = map(_ufunc, (np.add, np.subtract, np.multiply, np.true_divide))


def _clip(data: np.ndarray, low: Any, high: Any) -> None:
    np.clip(data, low, high, out=data)


def _copy(data: np.ndarray, src: Any) -> None:
    np.copyto(data, src, casting="unsafe")  # copy_ converts between any dtypes, as torch


def _put(data: np.ndarray, value: Any, index: Any) -> None:
    data[index] = value


# ----- the table: method name -> function ------------------------------------------------------
_METHODS: dict[str, Callable[..., Any]] = {
    "contiguous": contiguous, "clone": clone,
    "__add__": __add__, "__radd__": __radd__, "__sub__": __sub__, "__rsub__": __rsub__,
    "__mul__": __mul__, "__rmul__": __rmul__, "__truediv__": __truediv__, "__rtruediv__": __rtruediv__,
    "__pow__": __pow__, "__rpow__": __rpow__, "__matmul__": __matmul__, "__rmatmul__": __rmatmul__,
    "__neg__": __neg__, "__pos__": __pos__, "__abs__": __abs__, "matmul": matmul,
    "__eq__": __eq__, "__ne__": __ne__, "__lt__": __lt__, "__le__": __le__, "__gt__": __gt__,
    "__ge__": __ge__, "__invert__": __invert__, "__and__": __and__, "__or__": __or__, "__xor__": __xor__,
    "add_": add_, "sub_": sub_, "mul_": mul_, "copy_": copy_,
    "__setitem__": __setitem__, "__getitem__": __getitem__,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": __itruediv__,  # x += y: x.add_(y)
}  # fmt: skip
for _name, _method in _METHODS.items():
    register(_method, function=False, name=_name)
register(zero_)  # torch.zero_(x) and x.zero_()
register(fill_)
