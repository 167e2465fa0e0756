"""Matrix norms of ``norm(p=...)`` as torch's ``linalg.matrix_norm``: 'nuc' (the nuclear norm, the sum of
the singular values) and 'fro' over two dims, with torch's checks and errors.

The nuclear norm's gradient is the polar factor ``U V^T`` of the thin SVD ``A = U S V^T`` (as torch's SVD
backward gives for a sum of singular values); under ``create_graph`` that factor is an op of its own
(``Polar``), whose derivative is the polar decomposition's, so second derivatives are torch's too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from .function import Op, swap_last, zeros
from .linalg import _TORCH_NAMES
from .methods import _axis


class Nuclear(Op):
    """The sum of the singular values of each matrix (the last two dims): d/dA = g U V^T (thin SVD)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        if not a.size:  # no singular values: the norm is 0, and so is its gradient
            ctx._saved = (a, None)
            return np.zeros(a.shape[:-2], a.dtype)
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx._saved = (a, u @ vh)
        return s.sum(-1)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, polar = ctx._saved
        if polar is None:
            return (zeros(a),)
        if isinstance(g, Tensor):  # create_graph: the polar factor as a differentiable function of A
            return (g.unsqueeze(-1).unsqueeze(-1) * Polar.apply(a),)
        return (g[..., None, None] * polar,)


class Polar(Op):
    """The polar factor ``Q = U V^T`` of ``A = U S V^T`` (thin SVD, each matrix of the last two dims). With
    ``H = U^T G V``: d/dA = U ((H - H^T) / (s_i + s_j)) V^T, plus ``(I - U U^T) G V S^-1 V^T`` for tall
    matrices (``U S^-1 U^T G (I - V V^T)`` for wide ones)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx._saved = (u, s, vh)
        return u @ vh

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if isinstance(g, Tensor):
            raise RuntimeError("norm(p='nuc'): derivatives beyond the second are not implemented")
        u, s, vh = ctx._saved
        v, ut = swap_last(vh), swap_last(u)
        h = ut @ g @ v
        grad = u @ ((h - swap_last(h)) / (s[..., :, None] + s[..., None, :])) @ vh
        rows, cols = g.shape[-2:]
        if rows > cols:  # the part of G outside U's columns
            grad = grad + (g - u @ (ut @ g)) @ (v / s[..., None, :]) @ vh
        elif rows < cols:  # ... outside V's columns
            grad = grad + (u / s[..., None, :]) @ (ut @ g - (ut @ g) @ v @ vh)
        return (grad,)


def matrix_norm(x: Tensor, p: str, dim: Any, keepdim: bool, dtype: Any) -> Tensor:
    """``norm(x, p, dim)`` for a string ``p`` where torch runs ``linalg.matrix_norm``: 'nuc', or 'fro' over
    more than two dims (an error); ``dim`` None means every dim, which must then be two."""
    name = "linalg.matrix_norm"
    if x.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if not dtypes.is_floating(x.dtype):
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {_torch(x.dtype)}"
        )
    if p not in ("fro", "nuc"):
        raise RuntimeError(f"{name}: Order {p} not supported.")
    dims = list(range(x.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2 or p == "fro":
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    a, b = (_axis(d, x.ndim) for d in dims)
    if a == b:
        raise RuntimeError(f"{name}: dims must be different. Got ({a}, {b})")
    if dtype is not None:
        wanted = dtypes.as_dtype(dtype)
        if wanted.itemsize < x.dtype.itemsize:
            raise RuntimeError(
                f"{name}: the dtype of the input ({_torch(x.dtype)}) should be convertible without "
                f"narrowing to the specified dtype ({_torch(wanted)})"
            )
        x = x.to(dtype)
    rest = [d for d in range(x.ndim) if d not in (a, b)]
    out = Nuclear.apply(x.permute(*rest, a, b))
    if keepdim:
        for d in sorted((a, b)):
            out = out.unsqueeze(d)
    return out


def _torch(dtype: np.dtype) -> str:
    """torch's name of a dtype in its messages (``Long``, ``Double``)."""
    return _TORCH_NAMES.get(str(dtype), str(dtype))
