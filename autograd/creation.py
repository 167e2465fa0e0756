"""Making tensors, with torch's names and dtype rules (Python floats -> float32, ints -> int64)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .compiler import recorded
from .tensor import Tensor, _to_array, _wrap

Seed = int | np.random.Generator | None


def _leaf(array: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    return _wrap(array).requires_grad_() if requires_grad else _wrap(array)


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


@recorded  # a compiled function makes it again at each replay
def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data`` (nested lists, numbers, arrays or tensors)."""
    return _leaf(_to_array(data, dtype, copy=True), dtype, requires_grad)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with an ndarray or tensor of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) == data.dtype):
        return data
    return _leaf(_to_array(data, dtype, copy=False), dtype, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory (and dtype) with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return _wrap(array)


@recorded  # a compiled function makes it again at each replay
def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _leaf(np.zeros(_shape(size), dtypes.as_dtype(dtype or dtypes.float32)), None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _leaf(np.ones(_shape(size), dtypes.as_dtype(dtype or dtypes.float32)), None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype is inferred from the value as in ``tensor``."""
    value = _to_array(fill_value, dtype, copy=False)
    return _leaf(
        np.full(tuple(size), value, dtypes.as_dtype(dtype) if dtype else value.dtype), None, requires_grad
    )


@recorded  # a compiled function makes it again at each replay
def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever memory held (use only to overwrite)."""
    return _leaf(np.empty(_shape(size), dtypes.as_dtype(dtype or dtypes.float32)), None, requires_grad)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``x``'s shape and dtype."""
    return zeros(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``x``'s shape and dtype."""
    return ones(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``x``'s shape and dtype."""
    return full(x.shape, fill_value, dtype=dtype or x.dtype, requires_grad=requires_grad)


@recorded  # a compiled function makes it again at each replay
def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    return _leaf(np.eye(n, m, dtype=dtypes.as_dtype(dtype or dtypes.float32)), None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """start, start + step, ... up to (not including) end; int64 when all three are ints, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    default = dtypes.int64 if integral else dtypes.float32
    return _leaf(np.arange(start, end, step).astype(dtypes.as_dtype(dtype or default)), None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (float32 unless ``dtype``)."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    array = np.linspace(start, end, steps).astype(dtypes.as_dtype(dtype or dtypes.float32))
    return _leaf(array, None, requires_grad)


def _generator(generator: Seed) -> np.random.Generator:
    return generator if isinstance(generator, np.random.Generator) else np.random.default_rng(generator)


@recorded  # a compiled function makes it again at each replay
def rand(*size: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1); ``generator`` is a seed or a numpy Generator."""
    array = _generator(generator).random(_shape(size), dtype=dtypes.as_dtype(dtype or dtypes.float32))
    return _leaf(array, None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def randn(*size: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples; ``generator`` is a seed or a numpy Generator."""
    array = _generator(generator).standard_normal(
        _shape(size), dtype=dtypes.as_dtype(dtype or dtypes.float32)
    )
    return _leaf(array, None, requires_grad)


@recorded  # a compiled function makes it again at each replay
def randint(low: int, high: int, size: Sequence[int], generator: Seed = None, dtype: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64 unless ``dtype``)."""
    array = _generator(generator).integers(low, high, tuple(size))
    return _leaf(array.astype(dtypes.as_dtype(dtype or dtypes.int64)), None, False)


__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "tensor",
    "zeros",
    "zeros_like",
]
