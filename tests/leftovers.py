"""Checks that processes and shared memory are cleaned up: no child process and no new ``/dev/shm/tg_*``
segment may outlive a test (fixture ``clean``)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from multiprocessing import resource_tracker
from pathlib import Path

import pytest


def segments() -> set[str]:
    """tracegrad's shared-memory segments now in /dev/shm."""
    return {path.name for path in Path("/dev/shm").glob("tg_*")}


def children() -> set[int]:
    """The live child processes of this process (from /proc), the resource tracker aside."""
    me, tracker = os.getpid(), resource_tracker._resource_tracker._pid
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z" and int(stat.parent.name) != tracker:
            found.add(int(stat.parent.name))
    return found


def wait_for(condition: object, seconds: float = 5.0) -> bool:
    """Polls ``condition()`` until true or ``seconds`` have passed; its last value."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


@pytest.fixture
def clean():
    """Fails a test that leaves a child process or a segment behind."""
    before = segments()
    yield
    gc.collect()
    assert wait_for(lambda: not multiprocessing.active_children() and not children()), children()
    assert segments() - before == set()
