"""Padding as ``F.pad``: a constant around any number of trailing dimensions (negative widths crop), or
reflect / replicate / circular around the last one to three, as torch.

The constant pad is an op whose gradient is the opposite pad (crop what was added, zeros where it cropped);
the other modes gather along index arrays (``Index``), whose gradient scatters back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op
from .indexing import Index

Widths = tuple[tuple[int, int], ...]  # (before, after) for every dimension, first to last


def _constant(x: np.ndarray, widths: Widths, value: Any) -> np.ndarray:
    """``x`` with ``value`` added (or cut, for negative widths) before and after each dimension."""
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths, strict=True))
    out = np.empty(shape, x.dtype)
    out.fill(value)
    kept = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, widths, strict=True))
    into = tuple(slice(max(lo, 0), m - max(hi, 0)) for m, (lo, hi) in zip(shape, widths, strict=True))
    out[into] = x[kept]
    return out


class ConstantPad(Op):
    """``x`` padded with ``value`` by ``widths``; the gradient is ``g`` padded by the negated widths with 0
    (the added border dropped, zeros where ``x`` was cut)."""

    __slots__ = ()
    _operands = 1

    @staticmethod
    def forward(ctx: Any, x: Any, widths: Widths, value: Any) -> Any:
        ctx._saved = (tuple((-lo, -hi) for lo, hi in widths),)
        return _constant(x, widths, value)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (back,) = ctx._saved
        return (ConstantPad.apply(g, back, 0) if isinstance(g, Tensor) else _constant(g, back, 0)), None, None


def _source(mode: str, n: int, lo: int, hi: int, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    """For each output position along a dimension of size ``n`` padded by (lo, hi), the input position it
    copies."""
    if mode == "circular":  # torch crops first, then wraps around what is left
        start, kept = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        if max(lo, hi) > kept:
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        return start + np.arange(-max(lo, 0), kept + max(hi, 0)) % max(kept, 1)
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if max(lo, hi) >= n:
        raise RuntimeError(
            f"pad: Padding size should be less than the corresponding input dimension, but got: padding "
            f"({lo}, {hi}) at dimension {dim} of input {list(shape)}"
        )
    i = np.abs(i)
    return np.where(i >= n, 2 * (n - 1) - i, i)


_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """``F.pad``: ``pad`` lists (before, after) widths from the last dimension backwards. "constant" pads
    any number of dimensions with ``value`` (negative widths crop); "reflect", "replicate" and "circular"
    pad the last 1, 2 or 3 dimensions of an input with 1 or 2 more."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    pad = tuple(pad)
    if any(isinstance(p, bool) or not isinstance(p, int | np.integer) for p in pad):
        raise TypeError(f"pad: widths must be ints, got {pad}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    m, shape = len(pad) // 2, tuple(input.shape)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if m > len(shape):
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {len(shape)}"
        )
    trailing = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in reversed(range(m))]
    widths = ((0, 0),) * (len(shape) - m) + tuple(trailing)
    if mode == "constant":
        sizes = [n + lo + hi for n, (lo, hi) in zip(shape, widths, strict=True)]
        if min(sizes, default=0) < 0:
            raise RuntimeError(f"pad: widths {pad} cut more than input of size {list(shape)} has")
        return ConstantPad.apply(input, widths, 0 if value is None else value)
    if value is not None:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= m <= 3 or len(shape) not in (m + 1, m + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {len(shape)}D input tensor: {mode} pads the last "
            "dimension of a 2D or 3D input (2 widths), the last 2 of a 3D or 4D (4), the last 3 of a 4D or "
            "5D (6)"
        )
    lead = len(shape) - m
    if 0 in shape[1:]:
        raise RuntimeError(
            f"pad: {mode} padding needs non-empty dimensions (but the first), got {list(shape)}"
        )
    sources = [_source(mode, shape[lead + i], lo, hi, lead + i, shape) for i, (lo, hi) in enumerate(trailing)]
    return Index.apply(input, (Ellipsis, *np.ix_(*sources)))
