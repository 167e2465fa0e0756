"""Named POSIX shared-memory segments whose lifetime is explicit: what ``multiprocessing.shared_memory`` does,
with the mapping (not a ``SharedMemory`` object) as the owner, so that a segment lives exactly as long as the
arrays on it.

A segment is named ``/tg_<pid>_<n>`` after the process that made it. The maker *owns* it: the name is unlinked
when the last array on it in that process goes away, or when that process exits. A process that attaches to a
name maps it and never unlinks it (the tracker is not told: Python 3.13's ``track=False``). A segment made to
be *handed over* (a DataLoader batch) is owned by nobody until the receiver adopts it: adopting maps, unlinks
and takes over the tracker's record. Every segment is registered with ``multiprocessing``'s resource tracker
once, when made, and unregistered once, when unlinked, so a crash is cleaned up by the tracker at exit, and
``unlink_leftovers(pid)`` removes at once what a dead child left (Linux lists them under ``/dev/shm``).
"""

from __future__ import annotations

import _posixshmem
import itertools
import mmap
import os
import weakref
from dataclasses import dataclass
from multiprocessing import resource_tracker, util
from pathlib import Path

import numpy as np

PREFIX = "tg_"
_KIND = "shared_memory"  # the resource tracker's name for these (it unlinks leftovers of a crash at exit)
_SHM_DIR = Path("/dev/shm")
_numbers = itertools.count()


@dataclass(frozen=True)
class Segment:
    """A mapped segment: its name, size in bytes, start address in this process and an open descriptor of it
    (what a sender passes: the memory stays reachable after its name is gone)."""

    name: str
    size: int
    address: int
    fd: int


_MAPPED: weakref.WeakKeyDictionary[mmap.mmap, Segment] = weakref.WeakKeyDictionary()
_BY_NAME: weakref.WeakValueDictionary[str, mmap.mmap] = weakref.WeakValueDictionary()


def create(size: int, owned: bool = True) -> mmap.mmap:
    """A new segment of ``size`` bytes (at least 1), mapped; ``owned``: unlinked when its last mapping here
    goes away (else it waits for a receiver's ``adopt``)."""
    size = max(int(size), 1)
    pid = os.getpid()
    while True:
        name = f"/{PREFIX}{pid}_{next(_numbers)}"
        try:
            fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
        except FileExistsError:  # a leftover of an earlier process with this pid
            continue
        break
    resource_tracker.register(name, _KIND)
    try:
        os.ftruncate(fd, size)
    except OSError:
        os.close(fd)
        unlink(name)
        raise
    try:
        mapping = _remember(fd, name)
    except OSError:
        unlink(name)
        raise
    if owned:  # exitpriority: also at the exit of this process (a child ends with os._exit)
        util.Finalize(mapping, _release, args=(name, pid), exitpriority=0)
    return mapping


def mapped(name: str) -> mmap.mmap | None:
    """The segment ``name`` if this process maps it now."""
    return _BY_NAME.get(name)


def attach(name: str, fd: int | None = None) -> mmap.mmap:
    """The segment ``name`` mapped (once per process while mapped), from the descriptor ``fd`` when given
    (this takes it over), else opened by name: FileNotFoundError once unlinked."""
    mapping = _BY_NAME.get(name)
    if mapping is not None:
        if fd is not None:
            os.close(fd)
        return mapping
    return _remember(_posixshmem.shm_open(name, os.O_RDWR, mode=0o600) if fd is None else fd, name)


def adopt(name: str) -> mmap.mmap:
    """A segment handed over by another process, mapped and unlinked: it now lives as long as the arrays
    on it."""
    try:
        return attach(name)
    finally:
        unlink(name)


def unlink(name: str) -> None:
    """Removes the name (the memory stays while mapped) and the tracker's record of it."""
    try:
        _posixshmem.shm_unlink(name)
    except FileNotFoundError:
        return
    resource_tracker.unregister(name, _KIND)


def unlink_leftovers(pid: int) -> None:
    """Unlinks every segment that the (dead or finished) process ``pid`` made and nobody adopted."""
    if _SHM_DIR.is_dir():
        for path in _SHM_DIR.glob(f"{PREFIX}{pid}_*"):
            unlink("/" + path.name)


def locate(array: np.ndarray) -> tuple[Segment, int] | None:
    """The segment under ``array`` and the byte offset of its first element, or None when not shared."""
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    segment = _MAPPED.get(base) if isinstance(base, mmap.mmap) else None
    if segment is None:
        return None
    return segment, array.__array_interface__["data"][0] - segment.address


def name_of(mapping: mmap.mmap) -> str:
    """The name of a segment mapped here."""
    return _MAPPED[mapping].name


def _remember(fd: int, name: str) -> mmap.mmap:
    """Maps the open segment ``fd`` (kept open while mapped, closed with the mapping)."""
    try:
        mapping = mmap.mmap(fd, os.fstat(fd).st_size)
    except OSError:
        os.close(fd)
        raise
    weakref.finalize(mapping, os.close, fd)
    address = np.frombuffer(mapping, np.uint8).__array_interface__["data"][0]
    _MAPPED[mapping] = Segment(name, len(mapping), address, fd)
    _BY_NAME[name] = mapping
    return mapping


def _release(name: str, pid: int) -> None:
    """The owner's last mapping is gone (or the owner exits): unlink, in the owner only (a fork copies
    this)."""
    if os.getpid() == pid:
        unlink(name)
