"""What a replayed program calls besides the ops' own ``forward``/``backward``: the array steps of the node
protocol (fitting and storing gradients, ``_finish``'s fix-ups of a forward's result), each the same numpy
work the eager path does, so a replay's numbers are eager's bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..broadcast import _sum_to
from ..tensor import Tensor, _fit, _shared, _storage, _wrap


def scalar(ctx: Tensor, raw: Any) -> np.ndarray:
    """A forward's numpy scalar as a 0-d array, and the same in what the op saved (``_finish``)."""
    value, array = raw, np.asarray(raw)
    if any(saved is value for saved in ctx._saved):
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


def leaf_fit(g: np.ndarray, leaf: Tensor, upstream: np.ndarray) -> np.ndarray:
    """A gradient as a leaf takes it (``tensor._gather``'s test, then ``_fit``): its shape and dtype, in
    memory no other gradient shares."""
    data = leaf._data
    if g.shape != data.shape or g.dtype is not data.dtype or _shared(g, upstream):
        return _fit(g, leaf, upstream)
    return g


def store(leaf: Tensor, g: np.ndarray) -> None:
    """Adds a gradient into a leaf's ``.grad`` (``Tensor._store_grad``), read from the leaf at replay."""
    if leaf._grad is None and not leaf._retain:
        leaf._grad = _wrap(g)
    else:
        leaf._store_grad(g)


def ones(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The seed of ``backward()`` on a one-element tensor (``Tensor._seed``)."""
    seed = np.empty(shape, dtype)
    seed[...] = 1
    return seed


def bump(t: Tensor) -> None:
    """One more version of ``t``'s storage: an in-place write, as ``_inplace`` counts it."""
    _storage(t)[0] += 1


NAMES: dict[str, Any] = {
    "_scalar": scalar,
    "_demote": demote,
    "_fit_to": fit_to,
    "_leaf_fit": leaf_fit,
    "_store": store,
    "_ones": ones,
    "_bump": bump,
    "_W": _wrap,
    "_copyto": np.copyto,
    "_errstate": np.errstate,
}
