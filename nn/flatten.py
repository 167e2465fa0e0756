"""``Flatten`` and ``Unflatten``: reshape layers between convolutional and dense parts, as torch.nn's."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import Tensor

from .module import Module


class Flatten(Module):
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (by default all but the batch one)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Dimension ``dim`` split into ``unflattened_size`` (one entry may be -1, inferred)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(unflattened_size, int) or not all(isinstance(n, int) for n in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape, sizes = tuple(input.shape), self.unflattened_size
        if not -len(shape) <= self.dim < len(shape):
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-len(shape)}, {len(shape) - 1}], but "
                f"got {self.dim})"
            )
        dim = self.dim % len(shape)
        known = math.prod(n for n in sizes if n != -1)
        fits = shape[dim] == known if -1 not in sizes else known and shape[dim] % known == 0
        if not fits or sizes.count(-1) > 1:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {self.dim} "
                f"({shape[dim]}) in the input tensor"
            )
        return input.reshape(*shape[:dim], *sizes, *shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


__all__ = ["Flatten", "Unflatten"]
