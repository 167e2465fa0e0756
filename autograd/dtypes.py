"""dtypes as in PyTorch, on numpy: the aliases, what a Python value becomes, and torch's promotion rules.

PyTorch's default float is float32: Python floats become float32 and an op mixes a float32 tensor with a
Python float (or an integer tensor with a float) into float32, where numpy would say float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")
half, float, double = float16, float32, float64  # PyTorch's names
short, int, long = int16, int32, int64  # PyTorch's names

DEFAULT_FLOAT = float32


def as_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy dtype; accepts numpy dtypes, our aliases, Python types and torch dtypes' names."""
    if isinstance(dtype, np.dtype):
        return dtype
    name = getattr(dtype, "__module__", None) == "torch" and str(dtype).removeprefix("torch.")
    return np.dtype(name or dtype)


def is_floating(dtype: np.dtype) -> bool:
    """True for the floating dtypes, the only ones that can carry gradients."""
    return dtype.kind == "f"


def infer(array: np.ndarray, source: Any) -> np.ndarray:
    """Applies torch's inference to an array made from Python data: float64 from Python floats is float32."""
    if array.dtype == float64 and not isinstance(source, np.ndarray | np.generic):
        return array.astype(float32)
    return array


def _category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floats: torch promotes across categories by category alone."""
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def _promote(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """torch.promote_types: the higher category's dtype (float16 + int64 is float16), within one category
    the one that holds both (numpy's rule there: int8 + uint8 is int16)."""
    if a is None or b is None:
        return b if a is None else a
    ca, cb = _category(a), _category(b)
    return np.promote_types(a, b) if ca == cb else a if ca > cb else b


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """torch's rule between priorities: a lower-priority operand counts only if its category is higher."""
    if higher is None or lower is not None and _category(lower) > _category(higher):
        return _promote(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype:
    """torch.result_type of arrays and Python numbers: tensors with dimensions decide, then 0-d tensors,
    then numbers (bool, int64, float32), each only where it brings a higher category (bool < int < float):
    an int8 tensor plus a 0-d int64 tensor stays int8, a float16 tensor times an int64 one is float16."""
    dimensioned = zero_d = number = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dimensioned = _promote(dimensioned, x.dtype)
            else:
                zero_d = _promote(zero_d, x.dtype)
        else:
            kind = np.asarray(x).dtype.kind
            number = _promote(number, bool_ if kind == "b" else DEFAULT_FLOAT if kind == "f" else int64)
    result = _combine(dimensioned, _combine(zero_d, number))
    assert result is not None, "result_type needs an operand"
    return result


def demote(result: np.ndarray, inputs: tuple[Any, ...]) -> np.ndarray:
    """A float64 result that torch would make float32: no dimensioned input is float64 (0-d float64 tensors
    count only when no dimensioned input is floating; Python and numpy scalars never count)."""
    dimensioned = [a.dtype for a in inputs if isinstance(a, np.ndarray) and a.ndim]
    if float64 in dimensioned:
        return result
    if not any(d.kind == "f" for d in dimensioned) and any(
        isinstance(a, np.ndarray) and a.dtype == float64 for a in inputs
    ):
        return result
    return result.astype(float32)


__all__ = [
    "as_dtype",
    "bool_",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_floating",
    "long",
    "short",
    "uint8",
]
