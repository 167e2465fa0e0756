"""Tensors in shared memory: ``Tensor.share_memory_()``/``is_shared()`` and the reducer that makes every
pickle of ``multiprocessing`` (a ``Queue``, a ``Pipe``, a spawned ``Process``'s arguments) send a tensor as
the name of its segment, as torch.multiprocessing does (DataLoader batches travel through ``batches``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from multiprocessing.reduction import DupFd, ForkingPickler
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..ops.registry import register
from ..tensor import Tensor
from . import segments


@register(function=False)
def share_memory_(self: Tensor) -> Tensor:
    """Moves this tensor's values into a shared-memory segment (no-op when already shared), so that processes
    sent this tensor write to the same memory. Refused while other tensors view the memory (they would keep
    the old copy): share the tensor that owns it first, then take views."""
    if segments.locate(self._data) is None:
        base = self._data.base
        if sys.getrefcount(self._data) > 2 or base is not None and sys.getrefcount(base) > 3:
            raise RuntimeError(
                "share_memory_: other tensors (views, detach()ed handles) use this tensor's memory and would "
                "keep the old copy; call share_memory_() on the tensor that owns it before taking views, or "
                "share a clone()"
            )
        self._data = _shared_copy(self._data)
    return self


@register(function=False)
def is_shared(self: Tensor) -> bool:
    """True when this tensor's values live in a shared-memory segment."""
    return segments.locate(self._data) is not None


def _shared_copy(array: np.ndarray) -> np.ndarray:
    if array.dtype.hasobject:
        raise TypeError(f"share_memory_: arrays of Python objects cannot be shared (dtype {array.dtype})")
    out = np.ndarray(array.shape, array.dtype, buffer=segments.create(array.nbytes))
    np.copyto(out, array)
    return out


def _reduce_tensor(t: Tensor) -> tuple[Callable[..., Tensor], tuple[Any, ...]]:
    """Pickles ``t`` as its segment (name and a duplicate of its descriptor, which keeps the memory reachable
    until received) and layout, moving it to shared memory first, as torch."""
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
            "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
            "the tensor before serializing (e.g., putting it on the queue)."
        )
    share_memory_(t)
    array = t._data
    segment, offset = segments.locate(array)  # type: ignore[misc]
    layout = (offset, array.shape, array.strides, array.dtype.str)
    return _rebuild_tensor, (type(t), segment.name, DupFd(segment.fd), layout, t.requires_grad)


def _rebuild_tensor(
    cls: type, name: str, handle: Any, layout: tuple[Any, ...], requires_grad: bool
) -> Tensor:
    """The receiving side of ``_reduce_tensor``: a tensor on the same memory."""
    try:
        fd = handle.detach()
    except OSError:  # the sender has exited: its name may still be there
        fd = None
    try:
        mapping = segments.attach(name, fd)
    except FileNotFoundError:
        raise RuntimeError(
            f"shared tensor {name} is gone: the process that made it exited before it was received"
        ) from None
    offset, shape, strides, dtype = layout
    t = from_numpy(np.ndarray(shape, np.dtype(dtype), buffer=mapping, offset=offset, strides=strides))
    return t.requires_grad_(requires_grad) if cls is Tensor else cls(t, requires_grad=requires_grad)


def register_tensor_class(cls: type) -> None:
    """Sends tensors of the subclass ``cls`` (``nn.Parameter``) through shared memory too; ``cls(tensor,
    requires_grad=...)`` must make one on the same storage."""
    ForkingPickler.register(cls, _reduce_tensor)


register_tensor_class(Tensor)
