"""``nn.init``: in-place weight initialisers with torch.nn.init's formulas.

For a weight of shape (out, in): fan_in = in, fan_out = out.
xavier_uniform_: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))  (variance kept through tanh/sigmoid).
kaiming_uniform_: U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)  (for ReLU).
Random draws come from ``generator`` (a numpy ``Generator``) or autograd's default one.
"""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor, no_grad

Generator = np.random.Generator | None
_DEFAULT_GENERATOR = np.random.default_rng()


def resolve_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """``generator``, or nn's default one (seeded from the OS, like torch's unseeded global generator)."""
    if generator is None:
        return _DEFAULT_GENERATOR
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy Generator, got {type(generator).__name__}")
    return generator


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


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Tensor:
    """Fills with draws from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(tensor, resolve_generator(generator).uniform(a, b, size=tuple(tensor.shape)))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator = None
) -> Tensor:
    """Fills with draws from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, resolve_generator(generator).normal(mean, std, size=tuple(tensor.shape)))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He: U(-b, b) with b = calculate_gain(nonlinearity, a) * sqrt(3 / fan), fan by ``mode``."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"kaiming_uniform_: cannot initialise a tensor of shape {tuple(tensor.shape)} "
                         "(fan is 0)")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


__all__ = [
    "calculate_gain",
    "constant_",
    "fan_in_and_fan_out",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "resolve_generator",
    "uniform_",
    "xavier_uniform_",
    "zeros_",
]
