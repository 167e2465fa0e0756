"""``nn.init``: in-place weight initialisers with torch.nn.init's formulas.

For a weight of shape (out, in): fan_in = in, fan_out = out.
xavier_uniform_: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))  (variance kept through tanh/sigmoid).
xavier_normal_: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
kaiming_uniform_: U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)  (for ReLU).
kaiming_normal_: N(0, std^2), std = gain / sqrt(fan).
orthogonal_: the Q of a QR decomposition of a normal matrix (signs fixed by R's diagonal), times gain.
Random draws come from ``generator`` (an ``autograd.Generator`` or a numpy ``Generator``) or, without one,
autograd's default generator, which ``autograd.manual_seed`` seeds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, no_grad
from autograd.random import numpy_generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance stable through ``nonlinearity`` (torch's table)."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight with >= 2 dimensions: (in * receptive field, out * receptive field)."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with >= 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Overwrites ``tensor``'s values in place (no graph) and returns it."""
    with no_grad():
        tensor.copy_(Tensor(np.asarray(values, dtype=tensor.dtype).reshape(tuple(tensor.shape))))
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills with ``val``."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fills with 0 (biases; the perceptron's starting weights)."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fills with 1."""
    return constant_(tensor, 1.0)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fills with draws from U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fills with draws from N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, name: str) -> float:
    """calculate_gain(nonlinearity, a) / sqrt(fan), the fan chosen by ``mode``."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{name}: cannot initialise a tensor of shape {tuple(tensor.shape)} (fan is 0)")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He: U(-b, b) with b = calculate_gain(nonlinearity, a) * sqrt(3 / fan), fan by ``mode``."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He: N(0, std^2) with std = calculate_gain(nonlinearity, a) / sqrt(fan), fan by ``mode``."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix (of the tensor's first dimension by the rest flattened), times ``gain``:
    the Q of a normal matrix's QR decomposition, with the signs of R's diagonal, as torch."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_generator(generator).standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q = q * np.sign(np.diag(r))
    return _fill(tensor, gain * (q.T if rows < cols else q))


__all__ = [
    "calculate_gain",
    "constant_",
    "fan_in_and_fan_out",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
