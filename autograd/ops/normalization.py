"""Normalisation over some axes, (x - mean) / sqrt(var + eps), as one node: the layer, batch and group norms
of ``nn`` are this op on the right axes followed by their affine scale and shift.

One fused op, not a chain of mean, sub, var, add, rsqrt and mul nodes: the backward is torch's closed
form, dx = rstd * (g - mean(g) - y * mean(g * y)) with y the output, one pass over the data and no
intermediate gradients.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op, _sum


class Normalize(Op):
    """y = (x - mean(x)) / sqrt(var(x) + eps) over ``axes`` (biased variance, kept dimensions);
    dx = rstd * (g - mean(g) - y * mean(g * y)) over the same axes."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, x: Any, axes: tuple[int, ...], eps: float) -> Any:
        count = math.prod(x.shape[a] for a in axes)
        centred = x - _sum(x, axis=axes, keepdims=True) / count
        var = _sum(centred * centred, axis=axes, keepdims=True) / count
        rstd = 1.0 / np.sqrt(var + eps)
        out = centred * rstd
        ctx._saved = (x, out, rstd, axes, eps)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        x, out, rstd, axes, eps = ctx._saved
        count = math.prod(x.shape[a] for a in axes)
        if isinstance(g, Tensor):  # create_graph: rstd again from the input tensor, so it is differentiable
            centred = x - x.mean(axes, keepdim=True)
            std = ((centred * centred).mean(axes, keepdim=True) + eps).sqrt()
            return (
                (g - g.mean(axes, keepdim=True) - out * (g * out).mean(axes, keepdim=True)) / std,
                None,
                None,
            )
        mean_g = _sum(g, axis=axes, keepdims=True) / count
        mean_gy = _sum(g * out, axis=axes, keepdims=True) / count
        return rstd * (g - mean_g - out * mean_gy), None, None
