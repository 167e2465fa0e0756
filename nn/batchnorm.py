"""``BatchNorm1d`` and ``BatchNorm2d`` (and ``batch_norm``): each channel normalised over the batch (and
positions) while training, keeping running averages of the batch statistics for evaluation, as torch:
``running_mean``, ``running_var`` (updated with the unbiased variance) and ``num_batches_tracked``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, dtypes, no_grad
from autograd.ops.normalization import Normalize

from .module import Module
from .normalization import affine, affine_parameters


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | Tensor = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Input (N, C, *) normalised per channel C, then ``* weight + bias`` (each (C,)). ``training``: with
    the batch's statistics (biased variance), and the running ones (when given) moved towards them by
    ``momentum`` in place (the unbiased variance, as torch); else with the running statistics."""
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of at least 2 dimensions (N, C, *), got {list(input.shape)}"
        )
    channels = input.shape[1]
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and tuple(stat.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should contain {channels} elements not {stat.numel()}")
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"batch_norm: expected a floating point input, got {input.dtype}")
    shape = (channels,) + (1,) * (input.ndim - 2)
    axes = (0, *range(2, input.ndim))
    if training:
        count = math.prod(input.shape[a] for a in axes)
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        out = Normalize.apply(input, axes, eps)
        if running_mean is not None or running_var is not None:
            _update(input, axes, count, running_mean, running_var, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when not training")
        with no_grad():  # tensor ops, so a compiled step reads the running statistics at each replay
            mean = running_mean.detach().reshape(shape)
            inv_std = 1.0 / (running_var.detach().reshape(shape) + eps).sqrt()
        out = (input - mean) * inv_std.to(mean.dtype)
    return affine(out, weight, bias, shape)


def _update(
    x: Tensor,
    axes: tuple[int, ...],
    count: int,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    momentum: float | Tensor,
) -> None:
    """running = (1 - momentum) running + momentum batch, in place, for the mean and unbiased variance;
    tensor ops under no_grad (numpy's mean and var, step for step), so a compiled step replays them.
    ``momentum``: a number, or a float64 0-d tensor (``momentum=None``'s 1 / num_batches_tracked), whose
    factors are rounded to each side's dtype as numpy rounds a Python float: the same numbers either way."""
    with no_grad():
        keep, take = 1 - momentum, momentum
        if running_mean is not None:
            mean = x.mean(axes)
            running_mean.copy_(_cast(keep, running_mean) * running_mean + _cast(take, mean) * mean)
        if running_var is not None:
            var = x.var(axes, correction=0) * (count / (count - 1))
            running_var.copy_(_cast(keep, running_var) * running_var + _cast(take, var) * var)


def _cast(factor: float | Tensor, like: Tensor) -> float | Tensor:
    """A 0-d tensor factor in ``like``'s dtype (a number as it is: numpy rounds it so itself)."""
    return factor.to(like.dtype) if isinstance(factor, Tensor) else factor


class _BatchNorm(Module):
    """The shared body of BatchNorm1d/2d: ``weight`` (ones) and ``bias`` (zeros) when ``affine``; the
    running statistics as buffers when ``track_running_stats``; ``momentum=None`` averages every batch
    seen so far (a cumulative mean) instead of an exponential one."""

    _dims: tuple[int, ...] = ()
    _compile_modes = ("momentum",)  # autograd.compile keys on it: None records 1 / num_batches_tracked

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        affine_parameters(self, (num_features,), affine, affine, dtype)
        if track_running_stats:
            dtype = dtypes.as_dtype(dtype or dtypes.float32)
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.copy_(Tensor(np.zeros(self.num_features)))
                self.running_var.copy_(Tensor(np.ones(self.num_features)))
                self.num_batches_tracked.copy_(Tensor(np.array(0)))

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._dims:
            wanted = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {wanted} input (got {input.ndim}D input)")
        factor: float | Tensor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
                if self.momentum is None:  # a tensor op, so a compiled step reads the count at each replay
                    factor = 1.0 / self.num_batches_tracked.double()
        training = self.training or (self.running_mean is None and self.running_var is None)
        tracked = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if tracked else None,
            self.running_var if tracked else None,
            self.weight,
            self.bias,
            training,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L) per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over N, H and W per channel C."""

    _dims = (4,)


__all__ = ["BatchNorm1d", "BatchNorm2d", "batch_norm"]
