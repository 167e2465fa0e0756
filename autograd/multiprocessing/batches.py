"""Batches handed from one process to another in shared-memory segments that are reused (what DataLoader
workers send): the ``Sender`` writes the arrays and tensors of each batch into one of its segments and sends
the layout; the ``Receiver`` maps each segment once and builds the batch on it without a copy. When the last
array of a batch goes away the receiver reports the segment free, and the sender writes a later batch there.

A segment is made, mapped and unlinked once per sender rather than once per batch: each of those costs about
40 us of shm_open/mmap/unlink and resource-tracker messages on either side. The sender owns its segments
(unlinked when it exits; ``segments.unlink_leftovers`` after a crash); the receiver's mappings outlive the
names for as long as a batch on them lives.
"""

from __future__ import annotations

import mmap
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..tensor import Tensor
from . import segments

_ALIGN = 64  # each array of a batch starts on a cache line
_SMALLEST = 1 << 12  # segment sizes are powers of two from a page, so a later batch of about the size fits
_KEEP = 8  # free segments a sender keeps; past that it unlinks its smallest


@dataclass(frozen=True)
class _Leaf:
    """Where one array of a batch lies in its segment, and whether it was a tensor."""

    offset: int
    shape: tuple[int, ...]
    dtype: str
    tensor: bool


@dataclass(frozen=True)
class Packed:
    """A batch as sent: its segment's name (None when it has no arrays), the batch with ``_Leaf``s for its
    arrays, and the segments the sender has unlinked since its last batch (the receiver forgets them)."""

    name: str | None
    structure: Any
    dropped: tuple[str, ...]


class Sender:
    """The sending side: writes batches into its segments, reusing those the receiver reported free."""

    def __init__(self) -> None:
        self._free: list[mmap.mmap] = []
        self._lent: dict[str, mmap.mmap] = {}
        self._dropped: list[str] = []

    def freed(self, names: tuple[str, ...] | list[str]) -> None:
        """The receiver holds no batch on these segments any more: they take later batches."""
        for name in names:
            mapping = self._lent.pop(name, None)
            if mapping is not None:
                self._free.append(mapping)

    def pack(self, batch: Any) -> Packed:
        """Copies every tensor and numeric array of ``batch`` (nested tuples, lists, dicts) into a segment;
        other values travel as they are."""
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
        name = None
        if arrays:
            mapping = self._segment(end)
            for spec, array in arrays:
                np.copyto(np.ndarray(spec.shape, spec.dtype, buffer=mapping, offset=spec.offset), array)
            name = segments.name_of(mapping)
            self._lent[name] = mapping
        dropped, self._dropped = tuple(self._dropped), []
        return Packed(name, structure, dropped)

    def _segment(self, size: int) -> mmap.mmap:
        """The smallest free segment of at least ``size`` bytes, else a new one."""
        fits = [mapping for mapping in self._free if len(mapping) >= size]
        if fits:
            mapping = min(fits, key=len)
            self._free.remove(mapping)
            return mapping
        if len(self._free) >= _KEEP:
            smallest = min(self._free, key=len)
            self._free.remove(smallest)
            self._dropped.append(segments.name_of(smallest))  # unlinked as it goes (an owned segment)
        return segments.create(max(_SMALLEST, 1 << (size - 1).bit_length()))


class Receiver:
    """The receiving side: maps each sender's segment once and builds batches on it; ``on_free(name)`` is
    called once the last array of a batch on segment ``name`` has gone away."""

    def __init__(self) -> None:
        self._mapped: dict[str, mmap.mmap] = {}

    def unpack(self, packed: Packed, on_free: Callable[[str], None]) -> Any:
        """The batch that ``Sender.pack`` sent, its arrays (and tensors) on the sender's segment: no copy."""
        self._forget(packed)
        if packed.name is None:
            return packed.structure
        mapping = self._mapped.get(packed.name)
        if mapping is None:
            mapping = self._mapped[packed.name] = segments.attach(packed.name)
        root = np.frombuffer(mapping, np.uint8)  # the arrays' base: it lives exactly as long as they do
        weakref.finalize(root, on_free, packed.name).atexit = False

        def leaf(x: Any) -> Any:
            if not isinstance(x, _Leaf):
                return x
            array = np.ndarray(x.shape, x.dtype, buffer=root, offset=x.offset)
            return from_numpy(array) if x.tensor else array

        return _map(leaf, packed.structure)

    def discard(self, packed: Packed, on_free: Callable[[str], None]) -> None:
        """A batch that will not be unpacked: its segment is free at once."""
        self._forget(packed)
        if packed.name is not None:
            on_free(packed.name)

    def close(self) -> None:
        """Forgets every segment (each stays mapped while a batch on it lives)."""
        self._mapped.clear()

    def _forget(self, packed: Packed) -> None:
        for name in packed.dropped:
            self._mapped.pop(name, None)


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
