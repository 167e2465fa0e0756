"""What a replayed program calls besides the ops' own ``forward``/``backward``: the array steps of the node
protocol (fitting and storing gradients, ``_finish``'s fix-ups of a forward's result), each the same numpy
work the eager path does, so a replay's numbers are eager's bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..broadcast import _sum_to
from ..tensor import Tensor, _storage, _wrap

try:  # numpy's error state is a context variable: setting it is 10x cheaper than entering np.errstate
    from numpy._core.umath import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - another numpy: np.errstate itself
    _extobj_contextvar = _make_extobj = None


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


_QUIET: dict[int, tuple[Any, Any]] = {}  # id(numpy's error state) -> (it, it with the edges quiet)


def quiet() -> Any:
    """Enters ``np.errstate(divide="ignore", invalid="ignore", over="ignore")``, as the eager backward pass
    does (IEEE results at a domain's edge, no warnings); ``settle(token)`` leaves it."""
    if _extobj_contextvar is None:  # pragma: no cover
        state = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        state.__enter__()
        return state
    current = _extobj_contextvar.get()
    known = _QUIET.get(id(current))
    if known is None or known[0] is not current:
        if len(_QUIET) > 64:
            _QUIET.clear()
        known = _QUIET[id(current)] = (
            current,
            _make_extobj(divide="ignore", invalid="ignore", over="ignore"),
        )
    return _extobj_contextvar.set(known[1])


def settle(token: Any) -> None:
    """Leaves the error state ``quiet`` entered."""
    if _extobj_contextvar is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _extobj_contextvar.reset(token)


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
