"""Broadcasting undone, in the one place that does it: a gradient summed down to its input's shape.

Ops never reduce their gradients to their inputs' shapes; the node does, through ``_sum_to``, for arrays
on a plain backward and for tensors under ``create_graph``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

_sum = np.add.reduce  # ndarray.sum without its Python wrapper (the ops import it from here)


def _sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """Undoes broadcasting, the one place that does: sums ``grad`` down to ``shape``. A bias's gradient (a
    batch of rows summed to one row) is ``ones @ grad``: BLAS does it 2-4x faster than numpy's reduction
    across rows, within float rounding (see ``_ONES_MAX``)."""
    axes, keep = _reduction(grad.shape, shape)
    if not axes:
        return grad.reshape(shape)
    if type(grad) is not np.ndarray:  # a Tensor, under create_graph
        return grad.sum(axes, keepdim=keep).reshape(shape)
    if len(shape) == 1 < shape[0] and grad.ndim == 2 and 0 < len(grad) <= _ONES_MAX and grad.dtype in _BLAS:
        return _ones(len(grad), grad.dtype) @ grad  # (rows, n) -> (n,); one column sums fast as it is
    summed = _sum(grad, axis=axes, keepdims=keep)  # grad.sum, without its Python wrapper
    return summed.reshape(shape) if keep else summed


_BLAS = frozenset({np.dtype(np.float32), np.dtype(np.float64)})
_ONES_MAX = 4096  # rows summed by BLAS: a running sum's rounding can grow with the rows (numpy's pairwise
# sum's with their log); up to 4096 float32 rows it stays within 1e-6 of the sum of magnitudes (tested)


@lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones, kept for the next gradient summed over as many rows."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


@lru_cache(maxsize=1024)
def _reduction(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
    """How a gradient of ``grad_shape`` sums down to ``shape`` (once per pair of shapes): the axes that
    broadcasting added in front or stretched from 1, and whether the stretched ones must be kept as 1."""
    lead = len(grad_shape) - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)
    return tuple(range(lead)) + stretched, bool(stretched)
