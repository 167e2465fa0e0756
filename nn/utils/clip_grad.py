"""Gradient clipping as torch.nn.utils: ``clip_grad_norm_`` (scale all gradients together so their total
p-norm is at most ``max_norm``; returns that norm) and ``clip_grad_value_`` (clamp each entry)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd import Tensor, from_numpy

Params = Tensor | Iterable[Tensor]


def _grads(parameters: Params) -> list[Tensor]:
    """The gradients of ``parameters`` (one tensor or an iterable) that have one."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def get_total_norm(
    tensors: Tensor | Iterable[Tensor], norm_type: float | str = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """The p-norm of the norms of ``tensors`` (= the norm of all their entries together), a 0-d tensor in
    their promoted dtype; ``norm_type`` may be ``inf`` or ``'inf'``. 0.0 for no tensors."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    order = float(norm_type)
    if not tensors:
        return from_numpy(np.array(0.0, dtype=np.float32))
    norms = [np.linalg.norm(t.numpy().ravel(), order) for t in tensors]
    dtype = np.result_type(*[t.numpy().dtype for t in tensors])
    total = np.linalg.norm(np.array(norms, dtype=dtype), order)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {order} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return from_numpy(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters: Params, max_norm: float, total_norm: Tensor) -> None:
    """Multiplies every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place (torch's formula)."""
    grads = _grads(parameters)
    if not grads:
        return
    total = total_norm.numpy()
    coef = np.minimum(float(max_norm) / (total + total.dtype.type(1e-6)), total.dtype.type(1.0))
    for g in grads:
        g.mul_(coef)


def clip_grad_norm_(
    parameters: Params, max_norm: float, norm_type: float | str = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scales the gradients of ``parameters`` together so that their total ``norm_type``-norm is at most
    ``max_norm``; returns the total norm before clipping (a 0-d tensor), as torch."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)  # a generator is read once
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Params, clip_value: float) -> None:
    """Clamps every gradient entry of ``parameters`` into ``[-clip_value, clip_value]``, in place."""
    value = float(clip_value)
    for g in _grads(parameters):
        g.clamp_(-value, value)


__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]
