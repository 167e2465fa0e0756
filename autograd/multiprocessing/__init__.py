"""torch.multiprocessing's role: Python's ``multiprocessing`` whose pickles send tensors as shared memory.

Importing it adds ``Tensor.share_memory_()`` and ``Tensor.is_shared()``. A tensor put on a ``Queue``,
``SimpleQueue`` or ``Pipe`` (of this module or of ``multiprocessing``: they share one pickler) is moved into a
shared-memory segment and arrives as a tensor on the same memory, so a write on one side is seen on the other.
This module's ``Process`` (and ``get_context(method).Process``) also moves the tensors among its arguments
into shared memory before it starts, so that a forked child writes to the parent's values rather than to a
copy; a model's parameters go with ``module.share_memory()``.

Lifetime: the process that made a segment owns it and unlinks it when its last tensor on it goes away (or the
process exits), so the sender keeps a tensor alive until it has been received (as torch asks of CUDA tensors).
Tensors travel as shared memory on Linux and macOS (POSIX shared memory).
"""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import (
    Barrier,
    Condition,
    Event,
    Lock,
    Manager,
    Pipe,
    Pool,
    Queue,
    RLock,
    Semaphore,
    SimpleQueue,
    Value,
    active_children,
    cpu_count,
    current_process,
    get_all_start_methods,
    get_start_method,
    parent_process,
    resource_tracker,
    set_start_method,
)
from multiprocessing import context as _context
from typing import Any

from ..tensor import Tensor
from .reductions import register_tensor_class
from .segments import unlink_leftovers


class _SharesTensors:
    """Moves the tensors among a process's arguments into shared memory when it starts (see the module)."""

    _args: tuple[Any, ...]
    _kwargs: dict[str, Any]

    def start(self) -> None:
        """Shares the tensor arguments, makes sure the resource tracker runs (a child started before it would
        make one of its own), then starts the process."""
        share_tensors((self._args, self._kwargs))
        resource_tracker.ensure_running()
        super().start()  # type: ignore[misc]

    def join(self, timeout: float | None = None) -> None:
        """Waits for the process; once it has ended, unlinks the segments it made that nobody adopted."""
        super().join(timeout)  # type: ignore[misc]
        pid, exitcode = self.pid, self.exitcode  # type: ignore[attr-defined]
        if pid is not None and exitcode is not None and exitcode != 0:
            unlink_leftovers(pid)


class Process(_SharesTensors, _mp.Process):
    """``multiprocessing.Process`` of the default start method, sharing its tensor arguments."""


class ForkProcess(_SharesTensors, _context.ForkProcess):
    """A forked process sharing its tensor arguments."""


class SpawnProcess(_SharesTensors, _context.SpawnProcess):
    """A spawned process sharing its tensor arguments."""


class ForkServerProcess(_SharesTensors, _context.ForkServerProcess):
    """A process started by the fork server, sharing its tensor arguments."""


_PROCESSES = {"fork": ForkProcess, "spawn": SpawnProcess, "forkserver": ForkServerProcess}


class Context:
    """``multiprocessing.get_context(method)`` whose ``Process`` shares its tensor arguments."""

    def __init__(self, method: str | None = None) -> None:
        self._context = _mp.get_context(method)
        self.Process = _PROCESSES[self._context.get_start_method()]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def get_context(method: str | None = None) -> Context:
    """The context of the start method ``method`` ("fork", "spawn", "forkserver"; None: the default)."""
    return Context(method)


def share_tensors(obj: Any) -> None:
    """Calls ``share_memory_()`` on every tensor in ``obj``'s nested tuples, lists and dicts."""
    if isinstance(obj, Tensor):
        obj.share_memory_()
    elif isinstance(obj, tuple | list):
        for item in obj:
            share_tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            share_tensors(item)


__all__ = [
    "Barrier",
    "Condition",
    "Context",
    "Event",
    "ForkProcess",
    "ForkServerProcess",
    "Lock",
    "Manager",
    "Pipe",
    "Pool",
    "Process",
    "Queue",
    "RLock",
    "Semaphore",
    "SimpleQueue",
    "SpawnProcess",
    "Value",
    "active_children",
    "cpu_count",
    "current_process",
    "get_all_start_methods",
    "get_context",
    "get_start_method",
    "parent_process",
    "register_tensor_class",
    "set_start_method",
    "share_tensors",
    "unlink_leftovers",
]
