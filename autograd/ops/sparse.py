"""Embedding lookup: rows of a weight table gathered by integer indices, as one node whose backward adds
each row's gradients (repeated indices accumulate) and leaves the padding row without any."""

from __future__ import annotations

from typing import Any

from .function import Op
from .indexing import scatter


class Embedding(Op):
    """weight[indices]; d/dweight = the output gradients added into their rows (np.add.at), except rows
    looked up at ``padding_idx`` (None: every row learns)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, weight: Any, indices: Any, padding_idx: int | None) -> Any:
        ctx._saved = (indices, padding_idx, weight.shape)
        return weight[indices]

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        indices, padding_idx, shape = ctx._saved
        if padding_idx is not None:
            g = g * (indices != padding_idx)[..., None].astype(g.dtype)
        return scatter(g, indices, shape), None, None
