"""Convolution layers as torch.nn has them: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``,
``ConvTranspose2d``, with torch's arguments, defaults, attribute and parameter names and shapes (weight
(out, in / groups, *kernel), transposed (in, out / groups, *kernel); bias (out,)), so a torch
``state_dict`` loads unchanged, and torch's initialisation (kaiming_uniform_(a=sqrt(5)), bias uniform in
+-1/sqrt(fan_in)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor, dtypes
from autograd.ops.conv import ints, same_pads

from . import functional as F  # noqa: N812 - torch's alias
from . import init
from .module import Module, Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation and repr."""

    _dims = 0  # spatial dimensions
    _transposed = False

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
        groups: int, bias: bool, padding_mode: str, output_padding: Any, device: Any, dtype: Any,
        generator: Any,
    ) -> None:  # fmt: skip
        super().__init__()
        name, d = type(self).__name__, self._dims
        for arg, size in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {size!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {PADDING_MODES}, but got padding_mode={padding_mode!r}"
            )
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"{name}: tracegrad's tensors live on the cpu, got device={device!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ints(kernel_size, d, "kernel_size")
        self.stride = ints(stride, d, "stride")
        self.dilation = ints(dilation, d, "dilation")
        self.output_padding = ints(output_padding, d, "output_padding")
        self.transposed, self.groups, self.padding_mode = self._transposed, groups, padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ('same', 'valid')"
                                 + (f" (and {name} takes none)" if self._transposed else ""))  # fmt: skip
            if padding == "same" and max(self.stride) > 1:
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = same_pads(self.kernel_size, self.dilation) if padding == "same" else ((0, 0),) * d
            self.padding: str | tuple[int, ...] = padding
        else:
            self.padding = ints(padding, d, "padding")
            pads = tuple((p, p) for p in self.padding)
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self._reversed_padding_repeated_twice = tuple(p for pair in reversed(pads) for p in pair)
        shape = (
            (in_channels, out_channels // groups)
            if self._transposed
            else (out_channels, in_channels // groups)
        )
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        self.weight = Parameter(np.zeros((*shape, *self.kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Any = None) -> None:
        """torch's initialisation: weight kaiming_uniform_(a=sqrt(5)), bias U(-1/sqrt(fan_in), +)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = init.fan_in_and_fan_out(self.weight)[0]
            bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound, generator)

    def extra_repr(self) -> str:
        d = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """A convolution layer: ``padding_mode`` other than "zeros" pads with ``F.pad`` first, as torch."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
        device: Any = None, dtype: Any = None, generator: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype, generator)  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:
        conv = F.conv1d if self._dims == 1 else F.conv2d
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L): weight (C_out, C_in / groups, k), bias (C_out,)."""

    _dims = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W): weight (C_out, C_in / groups, kh, kw), bias
    (C_out,); ``padding`` an int, a pair, "same" or "valid"."""

    _dims = 2


class _ConvTranspose(_ConvNd):
    """A transposed convolution layer (the gradient of a convolution with respect to its input: a learned
    upsampling); ``forward(input, output_size)`` picks the output_padding that gives that size, as torch."""

    _transposed = True

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
        generator: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype, generator)  # fmt: skip

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """torch's: the output_padding that makes the output ``output_size`` (its spatial part, or all)."""
        if output_size is None:
            return self.output_padding
        d, name = self._dims, type(self).__name__
        wanted = tuple(output_size)
        lead = 2 if input.ndim == d + 2 else 1
        if len(wanted) == lead + d:
            wanted = wanted[lead:]
        if len(wanted) != d:
            raise ValueError(
                f"{name}: for {input.ndim}D input, output_size must have {d} or {lead + d} elements (got "
                f"{len(output_size)})"
            )
        smallest = [
            (n - 1) * s - 2 * p + dd * (k - 1) + 1
            for n, s, p, dd, k in zip(
                input.shape[-d:], self.stride, self.padding, self.dilation, self.kernel_size, strict=True
            )  # fmt: skip
        ]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride, strict=True)]
        if any(not lo <= n <= hi for n, lo, hi in zip(wanted, smallest, largest, strict=True)):
            raise ValueError(
                f"requested an output size of {list(wanted)}, but valid sizes range from {smallest} to "
                f"{largest} (for an input of {list(input.shape[-d:])})"
            )
        return tuple(n - m for n, m in zip(wanted, smallest, strict=True))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        conv = F.conv_transpose1d if self._dims == 1 else F.conv_transpose2d
        extra = self._output_padding(input, output_size)
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, extra, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution: weight (C_in, C_out / groups, k), bias (C_out,)."""

    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution: weight (C_in, C_out / groups, kh, kw), bias (C_out,)."""

    _dims = 2


__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
