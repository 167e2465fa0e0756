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
