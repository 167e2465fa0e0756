"""DataLoader worker processes (torch's ``_MultiProcessingDataLoaderIter``): the main process draws the batch
indices, as with ``num_workers=0``, and deals them round robin to the workers, ``prefetch_factor`` each ahead;
each worker reads its batches with a ``Fetcher`` and hands each over in one of its shared-memory segments
(``autograd.multiprocessing.batches``: reused once the main process has dropped the batch on it, which the
next task to that worker reports); the main process puts them back in order. A worker runs one BLAS thread
(``autograd.set_num_threads(1)``, as torch's workers), so that the workers do not oversubscribe the cores, and
keeps the memory it frees for its next batch (``_keep_freed_memory``).

Stopping: the workers are told to stop and joined (terminated if they do not stop within a second) when an
epoch ends (unless ``persistent_workers``), when the iterator is garbage collected (a ``break``, an exception
or Ctrl-C in the training loop) and when a worker fails; then the segments of every worker are unlinked,
delivered or not. A worker ignores Ctrl-C (the main process stops it) and leaves when its parent is gone.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import queue
import random
import signal
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd
import autograd.multiprocessing as amp
from autograd.multiprocessing import batches

from . import data

_POLL = 0.1  # seconds between checks for dead workers (or a dead parent) while waiting
_JOIN = 1.0  # seconds a stopping worker gets before it is terminated
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@dataclass(frozen=True)
class _Failure:
    """An exception raised in a worker, as text (its traceback) and type."""

    kind: type[BaseException]
    worker: int
    index: Any
    text: str

    def exception(self) -> BaseException:
        """The exception to raise in the main process: the worker's type when it can be made from a message
        (as torch), with the worker's traceback and the dataset index it was reading."""
        message = (
            f"Caught {self.kind.__name__} in DataLoader worker process {self.worker} while reading "
            f"dataset[{self.index}].\nOriginal {self.text}"
        )
        try:
            return self.kind(message)
        except Exception:
            return RuntimeError(message)


def _worker_loop(
    dataset: Any,
    collate_fn: Callable[[list[Any]], Any] | None,
    tasks: Any,
    results: Any,
    info: tuple[int, int, int],
    worker_init_fn: Callable[[int], None] | None,
    parent: int,
) -> None:
    """A worker: seeds its generators, runs ``worker_init_fn`` and answers each ``(epoch, batch, index)`` task
    with ``(epoch, batch, worker, Packed or None, _Failure or None)`` until told to stop (None) or orphaned.
    A task comes with the names of the segments the main process has freed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    results.cancel_join_thread()  # exit even with results unsent (the main process stopped listening)
    autograd.set_num_threads(1)
    _keep_freed_memory()
    worker, num_workers, seed = info
    random.seed(seed)
    np.random.seed(seed % 2**32)
    data._worker_info = data.WorkerInfo(worker, num_workers, seed, dataset)
    fetch = data.Fetcher(dataset, collate_fn)
    sender = batches.Sender()
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker)
    except Exception as error:
        failure = _Failure(type(error), worker, "(worker_init_fn)", _text(error))
        results.put((None, None, worker, None, failure))
        return
    while True:
        try:
            task = tasks.get(timeout=_POLL)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:
            return
        (epoch, batch, index), freed = task
        sender.freed(freed)
        try:
            results.put((epoch, batch, worker, sender.pack(fetch(index)), None))
        except Exception as error:
            failure = _Failure(type(error), worker, fetch.index, _text(error))
            results.put((epoch, batch, worker, None, failure))


def _keep_freed_memory() -> None:
    """glibc gives a freed block of over 128 KiB (an image, a batch) back to the kernel and faults it in again
    page by page at the next item: 350 page faults and half of 2.5 ms of work per item measured here. A worker
    keeps up to 256 MiB of freed memory for its next items instead (where the C library is glibc)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform.startswith("linux") else None
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, 1 << 26)
        mallopt(_M_TRIM_THRESHOLD, 1 << 28)


def _text(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


class _Pool:
    """A DataLoader's worker processes and their queues; ``shutdown`` stops them and frees what they made."""

    def __init__(self, loader: data.DataLoader) -> None:
        context = loader.multiprocessing_context
        if context is None or isinstance(context, str):
            default = "fork" if context is None and sys.platform.startswith("linux") else context
            context = multiprocessing.get_context(default)  # not amp's: a fork needs no shared dataset
        amp.resource_tracker.ensure_running()  # one tracker for every worker's segments
        self.timeout = loader.timeout
        self.results = context.Queue()
        self.tasks: list[Any] = []
        self.workers: list[Any] = []
        self.receiver = batches.Receiver()
        self.freed: list[list[str]] = [[] for _ in range(loader.num_workers)]  # segments to report free
        self.closed = False
        self.epochs = itertools.count()
        base = _base_seed(loader._rng)
        n = loader.num_workers
        try:
            for worker in range(n):
                tasks = context.Queue()
                tasks.cancel_join_thread()
                process = context.Process(
                    target=_worker_loop,
                    args=(
                        loader.dataset,
                        loader.collate_fn,
                        tasks,
                        self.results,
                        (worker, n, base + worker),
                        loader.worker_init_fn,
                        os.getpid(),
                    ),
                    daemon=True,
                )
                process.start()
                self.tasks.append(tasks)
                self.workers.append(process)
        except BaseException:
            self.shutdown()
            raise

    def send(self, worker: int, task: tuple[int, int, Any]) -> None:
        """Gives ``worker`` a task, with the segments of its that were freed since its last one (finalizers
        append to that list at any time: only what was taken is removed)."""
        freed = self.freed[worker]
        names = freed[:]
        del freed[: len(names)]
        self.tasks[worker].put((task, names))

    def unpack(self, worker: int, packed: batches.Packed) -> Any:
        """A batch from ``worker`` on its segment, reported free to it once the batch is dropped."""
        return self.receiver.unpack(packed, self.freed[worker].append)

    def discard(self, worker: int, packed: batches.Packed) -> None:
        """A batch from ``worker`` that will not be used."""
        self.receiver.discard(packed, self.freed[worker].append)

    def receive(self) -> tuple[Any, Any, Any, Any, Any]:
        """The next result of any worker; a dead worker or ``timeout`` seconds without one is an error."""
        deadline = time.monotonic() + self.timeout if self.timeout else None
        while True:
            wait = _POLL if deadline is None else max(0.0, min(_POLL, deadline - time.monotonic()))
            try:
                return self.results.get(timeout=wait)
            except queue.Empty:
                pass
            dead = [w for w in self.workers if not w.is_alive()]
            if dead:
                self.shutdown()
                described = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {described}) exited unexpectedly")
            if deadline is not None and time.monotonic() >= deadline:
                self.shutdown()
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def shutdown(self) -> None:
        """Stops the workers (joined, or terminated after ``_JOIN`` seconds), closes the queues and unlinks
        the segments the workers made that were not received. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        for tasks in self.tasks:
            try:
                tasks.put(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + _JOIN
        for worker in self.workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
                worker.join()
        for q in (*self.tasks, self.results):
            q.close()
        self.receiver.close()
        for worker in self.workers:
            amp.unlink_leftovers(worker.pid)


def _base_seed(rng: np.random.Generator) -> int:
    """The workers' base seed (worker ``i`` gets base + i): drawn from a child of the loader's generator, so
    that the shuffling goes on as with ``num_workers=0``."""
    return int(rng.spawn(1)[0].integers(2**62))


class _Iterator:
    """One epoch of batches from the workers, in order (see the module)."""

    def __init__(self, loader: data.DataLoader, pool: _Pool, owns_pool: bool) -> None:
        self._pool = pool
        self._epoch = next(pool.epochs)
        self._indices = enumerate(loader.batch_indices())
        self._deal = itertools.cycle(range(len(pool.workers)))
        self._length = len(loader)
        self._next = 0
        self._ready: dict[int, tuple[Any, _Failure | None]] = {}
        self._stop = weakref.finalize(self, pool.shutdown) if owns_pool else None
        for _ in range(loader.prefetch_factor * len(pool.workers)):  # type: ignore[operator]
            self._send()

    def _send(self) -> None:
        for batch, index in itertools.islice(self._indices, 1):
            self._pool.send(next(self._deal), (self._epoch, batch, index))

    def __iter__(self) -> _Iterator:
        return self

    def __next__(self) -> Any:
        if self._next >= self._length or self._pool.closed:
            if self._stop is not None:
                self._stop()
            raise StopIteration
        while self._next not in self._ready:
            epoch, batch, worker, packed, failure = self._pool.receive()
            if failure is not None and epoch is None:  # worker_init_fn failed
                self._pool.shutdown()
                raise failure.exception()
            if epoch != self._epoch:  # left by an epoch of persistent workers that stopped early
                if packed is not None:
                    self._pool.discard(worker, packed)
                continue
            self._ready[batch] = (None if packed is None else self._pool.unpack(worker, packed), failure)
        batch, failure = self._ready.pop(self._next)
        self._next += 1
        self._send()
        if failure is not None:
            raise failure.exception()
        return batch


def iterate(loader: data.DataLoader) -> Iterator[Any]:
    """An epoch of ``loader`` read by its workers: a new pool, or its persistent one."""
    if not loader.persistent_workers:
        return _Iterator(loader, _Pool(loader), owns_pool=True)
    if loader._pool is None or loader._pool.closed:
        loader._pool = _Pool(loader)
        weakref.finalize(loader, loader._pool.shutdown)
    return _Iterator(loader, loader._pool, owns_pool=False)
