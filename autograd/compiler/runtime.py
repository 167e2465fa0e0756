"""What a replayed program calls besides the ops' own ``forward``/``backward``: the array steps of the node
protocol (fitting and storing gradients, ``_finish``'s fix-ups of a forward's result), each the same numpy
work the eager path does, so a replay's numbers are eager's bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..broadcast import _sum_to
from ..errstate import quiet, settle
from ..tensor import Tensor, _storage, _wrap


def scalar(ctx: Tensor, raw: Any) -> np.ndarray:
    """A forward's numpy scalar as a 0-d array, and the same in what the op saved (``_finish``)."""
    value, array = raw, np.asarray(raw)
    if any(saved is value for saved in ctx._saved or ()):
        ctx._saved = tuple([array if saved is value else saved for saved in ctx._saved])
    return array


def demote(raw: np.ndarray, inputs: tuple[Any, ...]) -> np.ndarray:
    """A float64 result of numpy's promotion in torch's dtype (``_finish``)."""
    return dtypes.demote(raw, inputs)


def fit_to(g: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A gradient summed down to a non-leaf parent's shape and cast to its dtype (``tensor._fit``)."""
    if g.shape != shape:
        g = _sum_to(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def ones(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The seed of ``backward()`` on a one-element tensor (``Tensor._seed``)."""
    seed = np.empty(shape, dtype)
    seed[...] = 1
    return seed


def bump(t: Tensor) -> None:
    """One more version of ``t``'s storage: an in-place write, as ``_inplace`` counts it."""
    _storage(t)[0] += 1


NAMES: dict[str, Any] = {
    "_quiet": quiet,
    "_settle": settle,
    "_scalar": scalar,
    "_demote": demote,
    "_fit_to": fit_to,
    "_nd": np.ndarray,
    "_ones": ones,
    "_bump": bump,
    "_W": _wrap,
    "_copyto": np.copyto,
}
