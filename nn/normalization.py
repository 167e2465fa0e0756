"""``LayerNorm`` and ``GroupNorm`` (and their functions): normalise each sample over its last dimensions,
or over groups of its channels, then scale and shift per element or per channel. Both are the fused
``Normalize`` op of ``autograd.ops.normalization`` on the right axes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor, dtypes
from autograd.ops.normalization import Normalize

from .module import Module, Parameter


def affine(out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]) -> Tensor:
    """``out * weight + bias``, each reshaped to ``shape`` (to broadcast along the right axes) when given."""
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _floating(name: str, input: Tensor) -> None:
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype}")


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) over the last ``len(normalized_shape)`` dimensions (biased variance),
    then ``* weight + bias`` (each of ``normalized_shape``)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise RuntimeError(
            f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}"
        )
    _floating("layer_norm", input)
    out = Normalize.apply(input, tuple(range(input.ndim - k, input.ndim)), eps)
    return affine(out, weight, bias, shape)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Input (N, C, *) normalised per sample over each of ``num_groups`` groups of C / num_groups
    channels (and all their positions), then ``* weight + bias`` per channel (C,)."""
    if input.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected an input of at least 2 dimensions (N, C, *), got {list(input.shape)}"
        )
    n, c = input.shape[0], input.shape[1]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    _floating("group_norm", input)
    if n * (c // num_groups) * math.prod(input.shape[2:]) == 1:  # torch's test, on (N * C / G, G, *)
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{[n * c // num_groups, num_groups, *input.shape[2:]]}"
        )
    grouped = input.reshape(n, num_groups, -1)
    out = Normalize.apply(grouped, (2,), eps).reshape(input.shape)
    return affine(out, weight, bias, (c,) + (1,) * (input.ndim - 2))


def affine_parameters(module: Module, shape: tuple[int, ...], weight: bool, bias: bool, dtype: Any) -> None:
    """Gives ``module`` a ``weight`` of ones and a ``bias`` of zeros of ``shape`` (float32 unless
    ``dtype``), or registers None for either that it has not, as torch's norms."""
    dtype = dtypes.as_dtype(dtype or dtypes.float32)
    for name, wanted, value in (("weight", weight, 1.0), ("bias", bias, 0.0)):
        module.register_parameter(name, Parameter(np.full(shape, value, dtype=dtype)) if wanted else None)


class LayerNorm(Module):
    """Layer normalisation over the last dimensions ``normalized_shape``, with an element-wise ``weight``
    (ones) and ``bias`` (zeros) when ``elementwise_affine`` (``bias=False`` drops the bias)."""

    def __init__(
        self,
        normalized_shape: Sequence[int] | int,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, shape, elementwise_affine, elementwise_affine and bias, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalisation of (N, C, *) inputs in ``num_groups`` groups of channels, with a per-channel
    ``weight`` (ones) and ``bias`` (zeros) when ``affine``."""

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        affine_parameters(self, (num_channels,), affine, affine, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


__all__ = ["GroupNorm", "LayerNorm", "group_norm", "layer_norm"]
