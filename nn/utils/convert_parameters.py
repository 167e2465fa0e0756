"""``parameters_to_vector`` and ``vector_to_parameters`` as torch.nn.utils: all parameters as one flat
vector (for second-order methods, evolution strategies, line searches) and back."""

from __future__ import annotations

from collections.abc import Iterable

from autograd import Tensor, cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated in order: a new tensor, differentiable as torch's."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Sets each parameter's data to its consecutive slice of ``vec`` (shared memory, not recorded)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != needed:
        raise RuntimeError(
            f"vector_to_parameters: the parameters hold {needed} values, "
            f"got a vector of shape {tuple(vec.shape)}"
        )
    start = 0
    for p in params:
        p.data = vec.detach()[start : start + p.numel()].view_as(p)
        start += p.numel()


__all__ = ["parameters_to_vector", "vector_to_parameters"]
