"""``Linear``: the fully connected layer y = x W^T + b, and ``Bilinear``, y = x1 A x2 + b, initialised as
torch does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, devices, dtypes

from . import functional as F  # noqa: N812 - torch's alias
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weight.T + bias with weight (out_features, in_features), bias (out_features,).

    Both start uniform in +-1/sqrt(in_features): torch's kaiming_uniform_(a=sqrt(5)) for the weight and
    the same bound for the bias, drawn from ``generator`` (an ``autograd.Generator`` or a numpy Generator)
    or the default generator that ``autograd.manual_seed`` seeds. ``dtype`` defaults to float32, as
    torch's default dtype; ``device`` is the CPU.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        generator: Any = None,
        device: Any = None,
    ) -> None:
        super().__init__()
        devices.check(device, "Linear")
        for name, size in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {size!r}")
        self.in_features = in_features
        self.out_features = out_features
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        self.weight = Parameter(np.zeros((out_features, in_features), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if bias:
            self.bias = Parameter(np.zeros(out_features, dtype=dtype))
            bound = 1.0 / math.sqrt(in_features)
            init.uniform_(self.bias, -bound, bound, generator)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input of shape "
                f"{tuple(x.shape)} does not end in {self.in_features} features"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Bilinear(Module):
    """y_k = x1 weight[k] x2 + bias[k] with weight (out_features, in1_features, in2_features), bias
    (out_features,), both uniform in +-1/sqrt(in1_features) as torch."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        bound = 1.0 / math.sqrt(in1_features)
        self.weight = Parameter(np.zeros((out_features, in1_features, in2_features), dtype=dtype))
        init.uniform_(self.weight, -bound, bound, generator)
        if bias:
            self.bias = Parameter(np.zeros(out_features, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator)
        else:
            self.register_parameter("bias", None)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


__all__ = ["Bilinear", "Linear"]
