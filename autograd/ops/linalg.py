"""Matrix product with numpy's (and torch's) rules: 1-D operands are promoted to a row (left) or a column
(right) and the added dimension is dropped again; leading batch dimensions broadcast."""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Op, swap_last


class MatMul(Op):
    """a @ b; d/da = g @ b^T, d/db = a^T @ g (batch broadcasting is undone by the node)."""

    __slots__ = ()
    _operands = 2
    _same_dtype = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need_a, need_b = ctx._needs
        try:
            out = a @ b
        except ValueError:
            raise ValueError(_mismatch(np.shape(a), np.shape(b))) from None
        ctx._saved = (a if need_b else None, b if need_a else None, a.ndim, b.ndim)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b, a_ndim, b_ndim = ctx._saved
        if a_ndim == b_ndim == 2:  # two matrices, the commonest case
            return None if b is None else g @ b.T, None if a is None else a.T @ g
        if b_ndim == 1:  # g lacks the column dimension b's promotion added
            g = g.reshape((*g.shape, 1))
        if a_ndim == 1:  # ... and the row dimension a's promotion added
            g = g.reshape((*g.shape[:-1], 1, g.shape[-1]))
        ga = gb = None
        if b is not None:
            ga = g @ swap_last(b.reshape((-1, 1)) if b_ndim == 1 else b)
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a_ndim == 1 else ga
        if a is not None:
            gb = swap_last(a.reshape((1, -1)) if a_ndim == 1 else a) @ g
            gb = gb.reshape(gb.shape[:-1]) if b_ndim == 1 else gb
        return ga, gb


def _mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """Why ``a @ b`` has no result, for shapes ``a`` and ``b``."""
    if not a or not b:
        return f"both operands need at least 1 dimension, got shapes {a} and {b}"
    inner = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner:
        return (
            f"shapes {a} and {b} cannot be multiplied: the last dimension of the first ({a[-1]}) must "
            f"equal the {'only' if len(b) == 1 else 'second-to-last'} dimension of the second ({inner})"
        )
    return f"the batch dimensions of shapes {a} and {b} (all but the last two) do not broadcast"


class Linear(Op):
    """x @ w^T + b as one node (a dense layer; ``b`` may be None): d/dx = g @ w, d/dw = g^T @ x with the
    batch dimensions flattened, d/db = g (summed over the batch by the node, as any broadcast)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any) -> Any:
        need_x, need_w, _ = ctx._needs
        ctx._saved = (x if need_w else None, w if need_x else None)
        out = x @ w.T
        return out if b is None else out + b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        x, w = ctx._saved
        gx = None if w is None else g @ w
        gw = None if x is None else swap_last(g.reshape((-1, g.shape[-1]))) @ x.reshape((-1, x.shape[-1]))
        return gx, gw, g
