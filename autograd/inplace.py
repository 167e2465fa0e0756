"""In-place updates of tensors (``x.add_(y)``, ``x[i] = v``, an optimiser's ``p -= lr * g``): the one
mechanism every ``_`` method goes through, so the version counter catches a tensor a backward still needs.

Outside recording the write goes straight into the storage; a recorded in-place op runs out of place and
its result is written back, the tensor taking the result's place in the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import STATE, TRACING
from .tensor import Tensor, _copy_state, _new, _raw, _storage


def _owned(versions: list[tuple[Tensor | None, int]] | None, owner: Tensor) -> Any:
    """A node's saved versions as another tensor takes its place (``_inplace``): its own storage is
    ``owner``'s."""
    return None if versions is None else [(owner if o is None else o, v) for o, v in versions]


def _inplace(t: Tensor, op: Any, write: Callable[..., Any], *args: Any) -> Tensor:
    """Runs ``op`` in place on ``t``: ``write(storage, *args)`` when nothing needs recording, otherwise ``op``
    recorded, its result written into the storage while ``t`` takes the result's place in the graph.

    A recorded in-place op is refused on a leaf that requires grad (as torch) and on a storage that a recorded
    op already read (torch rebases those readers; here they would silently see the new values).
    """
    recording = (  # an integer tensor takes the values, not a gradient (it cannot require one)
        STATE.grad_enabled
        and t._data.dtype.kind == "f"
        and (t.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
    )
    if not recording:  # an optimiser's update: keep it short
        if TRACING and STATE.tracer is not None:  # autograd.compile records the write
            STATE.tracer.write(t, write, args)
        if len(args) == 1:  # p -= lr * p.grad (_raw inlined: one Python call less per parameter)
            other = args[0]
            write(t._data, other._data if isinstance(other, Tensor) else other)
        else:
            write(t._data, *[_raw(a) for a in args])
        counter = t._counter
        (_storage(t) if counter is None else counter)[0] += 1
        return t
    return _recorded(t, op, args)


def _recorded(t: Tensor, op: Any, args: tuple[Any, ...]) -> Tensor:
    """``_inplace``'s recorded path, a function of its own: its comprehensions' closures make cells that
    the optimiser's path above (six calls a T1 step) would otherwise make on every call."""
    if t.requires_grad and t._ctx is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if t._read or _storage(t)[1]:
        raise RuntimeError(
            f"in-place {op.__name__} on a tensor whose storage a recorded op already read: use the "
            "out-of-place form (or clone() first)"
        )
    old = _copy_state(_new(Tensor), t)  # t's node before the op, with its own copy of the old values (what
    old._data, old._counter, old._read = t._data.copy(), None, False  # the op may save) as t's is rewritten
    old._versions = _owned(t._versions, t.detach())  # what t's op saved of t is t's storage, rewritten here
    if TRACING and STATE.tracer is not None:  # autograd.compile records the copy and the write back
        STATE.tracer.copied(old, t)
    result = op.apply(old, *[old if a is t else a for a in args])  # x.add_(x) reads x before the op
    np.copyto(t._data, result._data, casting="same_kind")
    if TRACING and STATE.tracer is not None:
        STATE.tracer.copied_back(t, result)
    for slot in ("_prev", "_ctx", "_saved", "_needs", "_seq"):  # t takes the result's place in the graph
        setattr(t, slot, getattr(result, slot))
    t._versions = _owned(result._versions, result)
    t.requires_grad, t._hooks = True, None
    counter = _storage(t)
    counter[0] += 1
    counter[1] = t._read = False
    if any(s is result._data for s in t._saved or ()):
        # the op saved its result (exp_, sqrt_): that is t's storage now, so create_graph finds t by it and
        # a later in-place change of t makes backward refuse
        t._saved = tuple(t._data if s is result._data else s for s in t._saved)
        t._versions = [(None, counter[0]) if o is result else (o, v) for o, v in t._versions or ()]
    return t
