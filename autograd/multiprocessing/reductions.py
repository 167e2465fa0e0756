"""Tensors in shared memory: ``Tensor.share_memory_()``/``is_shared()``, the reducer that makes every pickle
of ``multiprocessing`` (a ``Queue``, a ``Pipe``, a spawned ``Process``'s arguments) send a tensor as the name
of its segment, as torch.multiprocessing does, and ``pack``/``unpack``, which hand a nested batch of arrays to
another process through one segment (what DataLoader workers send).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.reduction import DupFd, ForkingPickler
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..ops.registry import register
from ..tensor import Tensor
from . import segments

_ALIGN = 64  # each array of a packed batch starts on a cache line


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


@dataclass(frozen=True)
class _Leaf:
    """Where one array of a packed batch lies in its segment, and whether it was a tensor."""

    offset: int
    shape: tuple[int, ...]
    dtype: str
    tensor: bool


@dataclass(frozen=True)
class Packed:
    """A batch in a segment handed over to the receiver: the segment's name and the batch with ``_Leaf``s."""

    name: str
    structure: Any


def pack(batch: Any) -> Packed:
    """Copies every tensor and numeric array of ``batch`` (nested tuples, lists, dicts) into one new segment
    owned by nobody until ``unpack`` adopts it; other values travel as they are."""
    arrays: list[tuple[_Leaf, np.ndarray]] = []
    end = 0

    def leaf(x: Any) -> Any:
        nonlocal end
        array = x.detach()._data if isinstance(x, Tensor) else x
        if not isinstance(array, np.ndarray) or array.dtype.hasobject:
            return x
        spec = _Leaf(end, array.shape, array.dtype.str, isinstance(x, Tensor))
        arrays.append((spec, array))
        end = -(-(end + array.nbytes) // _ALIGN) * _ALIGN
        return spec

    structure = _map(leaf, batch)
    mapping = segments.create(end, owned=False)
    for spec, array in arrays:
        np.copyto(np.ndarray(spec.shape, spec.dtype, buffer=mapping, offset=spec.offset), array)
    name = segments.name_of(mapping)
    mapping.close()
    return Packed(name, structure)


def unpack(packed: Packed) -> Any:
    """The batch that ``pack`` sent, its arrays (and tensors) on the adopted segment: no copy."""
    mapping = segments.adopt(packed.name)

    def leaf(x: Any) -> Any:
        if not isinstance(x, _Leaf):
            return x
        array = np.ndarray(x.shape, x.dtype, buffer=mapping, offset=x.offset)
        return from_numpy(array) if x.tensor else array

    return _map(leaf, packed.structure)


def discard(packed: Packed) -> None:
    """Frees a handed-over batch that will not be unpacked."""
    segments.unlink(packed.name)


def _map(fn: Callable[[Any], Any], x: Any) -> Any:
    """``fn`` applied to every leaf of nested tuples (named ones too), lists and dicts, keeping their
    types."""
    if isinstance(x, tuple):
        items = [_map(fn, e) for e in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, list):
        return [_map(fn, e) for e in x]
    if isinstance(x, dict):
        return type(x)((k, _map(fn, v)) for k, v in x.items())
    return fn(x)
