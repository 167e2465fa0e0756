"""Making tensors, with torch's names and dtype rules (Python floats -> float32, ints -> int64).

Every function takes torch's ``device=`` (the CPU: another device is refused, see ``devices.py``) and, where
torch's does, ``layout=`` (``strided`` or None: tensors are dense, a sparse layout is refused); the
random ones take ``generator=`` (an ``autograd.Generator``, a numpy Generator, or None for the default
generator that ``autograd.manual_seed`` seeds; see ``random.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .compiler import recorded
from .devices import check, check_layout, check_memory_format
from .ops.sampling import Sample, floats, need_floating
from .random import numpy_generator
from .tensor import Tensor, _raw, _to_array, _wrap


def _leaf(array: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    return _wrap(array).requires_grad_() if requires_grad else _wrap(array)


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    """A size given as ints or as one sequence, checked as torch: no negative dimension."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) for n in shape):
        raise TypeError(f"size must be a tuple of ints, got {size!r}")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return tuple(int(n) for n in shape)


@recorded  # a compiled function makes it again at each replay
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data`` (nested lists, numbers, arrays or tensors)."""
    check(device, "tensor")
    return _leaf(_to_array(data, dtype, copy=True), dtype, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with an ndarray or tensor of the right dtype."""
    check(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) == data.dtype):
        return data
    return _leaf(_to_array(data, dtype, copy=False), dtype, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory (and dtype) with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return _wrap(array)


def _made(array: np.ndarray, device: Any, layout: Any, name: str, requires_grad: bool) -> Tensor:
    """A new leaf around ``array``, once ``device`` is checked as the CPU and ``layout`` as strided."""
    check(device, name)
    check_layout(layout, name)
    return _leaf(array, None, requires_grad)


def _dtype(dtype: Any, default: np.dtype = dtypes.float32) -> np.dtype:
    return default if dtype is None else dtypes.as_dtype(dtype)


@recorded  # a compiled function makes it again at each replay
def zeros(
    *size: Any, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _made(np.zeros(_shape(size), _dtype(dtype)), device, layout, "zeros", requires_grad)


@recorded  # a compiled function makes it again at each replay
def ones(
    *size: Any, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _made(np.ones(_shape(size), _dtype(dtype)), device, layout, "ones", requires_grad)


@recorded  # a compiled function makes it again at each replay
def full(
    size: Sequence[int],
    fill_value: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype is inferred from the value as in ``tensor``."""
    value = _to_array(fill_value, dtype, copy=False)
    array = np.full(_shape((size,)), value, _dtype(dtype, value.dtype))
    return _made(array, device, layout, "full", requires_grad)


@recorded  # a compiled function makes it again at each replay
def empty(
    *size: Any, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor whose values are whatever memory held (use only to overwrite)."""
    return _made(np.empty(_shape(size), _dtype(dtype)), device, layout, "empty", requires_grad)


def _like(x: Tensor, dtype: Any, layout: Any, device: Any, memory_format: Any, name: str) -> dict[str, Any]:
    """The keywords a ``*_like`` function passes on: ``x``'s dtype unless ``dtype``, the layout (strided,
    ``x``'s) and device checked."""
    check_memory_format(memory_format, name)
    return {
        "dtype": x.dtype if dtype is None else dtype,
        "layout": check_layout(layout, name),
        "device": check(device, name),
    }


def zeros_like(
    x: Tensor,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Zeros with ``x``'s shape and dtype."""
    return zeros(
        x.shape, **_like(x, dtype, layout, device, memory_format, "zeros_like"), requires_grad=requires_grad
    )


def ones_like(
    x: Tensor,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Ones with ``x``'s shape and dtype."""
    return ones(
        x.shape, **_like(x, dtype, layout, device, memory_format, "ones_like"), requires_grad=requires_grad
    )


def empty_like(
    x: Tensor,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """An uninitialised tensor with ``x``'s shape and dtype (use only to overwrite)."""
    return empty(
        x.shape, **_like(x, dtype, layout, device, memory_format, "empty_like"), requires_grad=requires_grad
    )


def full_like(
    x: Tensor,
    fill_value: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """``fill_value`` with ``x``'s shape and dtype."""
    keywords = _like(x, dtype, layout, device, memory_format, "full_like")
    return full(x.shape, fill_value, **keywords, requires_grad=requires_grad)


@recorded  # a compiled function makes it again at each replay
def eye(
    n: int,
    m: int | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The n x m identity matrix."""
    return _made(np.eye(n, m, dtype=_dtype(dtype)), device, layout, "eye", requires_grad)


@recorded  # a compiled function makes it again at each replay
def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... up to (not including) end; int64 when all three are ints, else float32."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    target = _dtype(dtype, dtypes.int64 if integral else dtypes.float32)
    if target.kind == "i":  # torch counts in int64 for signed integers: the bounds truncate first
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    array = np.arange(start, end, step).astype(target)
    return _made(array, device, layout, "arange", requires_grad)


def _steps(steps: int, name: str) -> int:
    if steps < 0:
        raise RuntimeError(f"{name}: number of steps must be non-negative, got {steps}")
    return steps


@recorded  # a compiled function makes it again at each replay
def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (float32 unless ``dtype``)."""
    start, end = float(start), float(end)  # a 0-d tensor's value, in float64 (numpy would keep float32)
    array = np.linspace(start, end, _steps(steps, "linspace")).astype(_dtype(dtype))
    return _made(array, device, layout, "linspace", requires_grad)


@recorded  # a compiled function makes it again at each replay
def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values from base**start to base**end, evenly spaced in the exponent (float32 unless
    ``dtype``); computed in float64, then converted, as torch."""
    start, end = float(start), float(end)  # a 0-d tensor's value, in float64 (numpy would keep float32)
    array = np.logspace(start, end, _steps(steps, "logspace"), base=base).astype(_dtype(dtype))
    return _made(array, device, layout, "logspace", requires_grad)


# ----- random draws -------------------------------------------------------------------------------
def _uniform_or_normal(
    kind: str, name: str, size: Any, generator: Any, dtype: Any, layout: Any, device: Any, requires_grad: bool
) -> Tensor:
    target = _dtype(dtype)
    need_floating(target, name)
    array = floats(numpy_generator(generator), kind, _shape(size), target)
    return _made(array, device, layout, name, requires_grad)


@recorded  # a compiled function makes it again at each replay
def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1) (float32 unless ``dtype``)."""
    return _uniform_or_normal("random", "rand", size, generator, dtype, layout, device, requires_grad)


@recorded  # a compiled function makes it again at each replay
def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples (float32 unless ``dtype``)."""
    return _uniform_or_normal(
        "standard_normal", "randn", size, generator, dtype, layout, device, requires_grad
    )


def _integers(
    low: int, high: int, shape: tuple[int, ...], generator: Any, dtype: np.dtype, name: str
) -> np.ndarray:
    """Integers drawn uniformly from [low, high) as ``dtype``, whose range must hold both ends."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.kind in "biu":
        info = (0, 1) if dtype.kind == "b" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if low < info[0] or high - 1 > info[1]:
            raise RuntimeError(f"{name}: [{low}, {high}) is out of bounds for {dtype}")
    return numpy_generator(generator).integers(low, high, shape).astype(dtype)


@recorded  # a compiled function makes it again at each replay
def randint(
    *args: Any,
    size: Sequence[int] | None = None,
    generator: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    low: int | None = None,
    high: int | None = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64 unless ``dtype``), as torch's two forms:
    ``randint(high, size)`` and ``randint(low, high, size)`` (``low`` defaults to 0)."""
    values = list(args)
    if size is None and values:
        size = values.pop()
    if len(values) == 2 and low is None and high is None:
        low, high = values
    elif len(values) == 1 and high is None:
        high = values[0]
    elif len(values) == 1 and low is None:
        low = values[0]
    elif values:
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {args!r}")
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: high and size")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    shape, target = _shape((size,)), _dtype(dtype, dtypes.int64)
    array = _integers(0 if low is None else low, high, shape, generator, target, "randint")
    return _made(array, device, layout, "randint", requires_grad)


@recorded  # a compiled function makes it again at each replay
def randperm(
    n: int,
    *,
    generator: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless ``dtype``)."""
    (n,) = _shape((n,))
    array = numpy_generator(generator).permutation(n).astype(_dtype(dtype, dtypes.int64))
    return _made(array, device, layout, "randperm", requires_grad)


@recorded  # a compiled function makes it again at each replay
def rand_like(
    x: Tensor,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
    generator: Any = None,
) -> Tensor:
    """``rand`` with ``x``'s shape and dtype."""
    keywords = _like(x, dtype, layout, device, memory_format, "rand_like")
    return rand(x.shape, generator=generator, **keywords, requires_grad=requires_grad)


@recorded  # a compiled function makes it again at each replay
def randn_like(
    x: Tensor,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
    generator: Any = None,
) -> Tensor:
    """``randn`` with ``x``'s shape and dtype."""
    keywords = _like(x, dtype, layout, device, memory_format, "randn_like")
    return randn(x.shape, generator=generator, **keywords, requires_grad=requires_grad)


@recorded  # a compiled function makes it again at each replay
def randint_like(
    x: Tensor,
    low: int,
    high: int | None = None,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
    generator: Any = None,
) -> Tensor:
    """``randint`` with ``x``'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    keywords = _like(x, dtype, layout, device, memory_format, "randint_like")
    low, high = (0, low) if high is None else (low, high)
    return randint(low, high, x.shape, generator=generator, **keywords, requires_grad=requires_grad)


@recorded  # a compiled function makes it again at each replay
def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Sequence[int] | None = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Draws from N(mean, std^2), in torch's four forms: ``normal(mean, std)`` with either or both tensors
    (the result takes their broadcast shape and mean's dtype, else std's; d/d mean = d/d std = 0, as
    torch), or
    ``normal(mean, std, size)`` with numbers (float32 unless ``dtype``)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    rng = numpy_generator(generator)
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a number mean and std, give size (normal(mean, std, size))")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        target = _dtype(dtype)
        need_floating(target, "normal")
        array = (mean + std * floats(rng, "standard_normal", _shape((size,)), target)).astype(target)
        return _made(array, device, layout, "normal", requires_grad)
    for key, value in (("size", size), ("layout", layout)):
        if value is not None:  # torch: TypeError, no overload with a tensor takes them
            raise TypeError(f"normal(): {key} is given only with a number mean and std")
    check(device, "normal")
    target = tensors[0].dtype  # mean's when it is a tensor, as torch
    need_floating(target, "normal")
    if isinstance(std, Tensor) and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")

    try:
        shape = np.broadcast_shapes(np.shape(_raw(mean)), np.shape(_raw(std)))
    except ValueError:
        raise RuntimeError(
            f"normal: mean of shape {tuple(np.shape(_raw(mean)))} and std of shape "
            f"{tuple(np.shape(_raw(std)))} do not broadcast"
        ) from None

    def draw(m: Any, s: Any) -> np.ndarray:
        return (m + s * floats(rng, "standard_normal", shape, target)).astype(target, copy=False)

    return Sample.apply(mean, std, draw)


__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
    "empty_like",
]
