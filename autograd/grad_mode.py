"""Grad mode and anomaly mode: thread-local switches every op consults when it builds a node.

``no_grad`` stops ops from recording parents (the result is a constant), ``detect_anomaly``
makes the first op that produces nan or inf raise. Both work as context managers and decorators,
as in PyTorch, and each thread has its own setting.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Per-thread flags; a new thread starts with grad enabled and anomaly detection off. ``saved``
    holds the values that active switches will restore, so one switch object (a shared decorator,
    the engine's own) can be entered from several threads at once."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.saved: list[tuple[str, bool]] = []
        self.off = False  # grad mode turned off by set_grad_enabled (which keeps no stack): see _set_grad
        self.tracer: Any = None  # autograd.compile's recorder while it traces a call in this thread


STATE = _State()

# One entry per active switch, in all threads together, and one per thread whose grad mode a call of
# set_grad_enabled turned off (list.append and list.pop are atomic: no lock). While it is empty every
# thread runs with the defaults, so hot paths test this plain list instead of reading the (slower)
# thread-local STATE.
SWITCHED: list[None] = []

# One entry per thread tracing a call for autograd.compile (whose tracer is that thread's STATE.tracer): the
# hook points test this plain list first, so they cost nothing measurable when nothing is traced.
TRACING: list[None] = []


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return STATE.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return STATE.anomaly


class _Switch:
    """Sets one flag of this thread's state on entry and restores the old value on exit."""

    attribute: str = ""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __enter__(self) -> None:
        STATE.saved.append((self.attribute, getattr(STATE, self.attribute)))
        SWITCHED.append(None)
        setattr(STATE, self.attribute, self.value)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        setattr(STATE, *STATE.saved.pop())
        SWITCHED.pop()

    def __call__(self, function: F) -> F:
        """Use as a decorator: the whole call runs with the flag set."""

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradSwitch(_Switch):
    """A switch of grad mode (the base of no_grad, enable_grad and set_grad_enabled)."""

    attribute = "grad_enabled"


class set_grad_enabled(_GradSwitch):  # noqa: N801 - PyTorch's name
    """Turns graph recording on or off, as torch's: at once when called (``set_grad_enabled(False)`` alone
    switches this thread until something switches it back), and back to the mode it found when a ``with``
    block ends; as a decorator, around each call. Unlike the other switches it keeps no stack: the mode it
    restores is the one it found when made, as torch's, so calls and blocks in any order stay consistent."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self.prev = STATE.grad_enabled
        _set_grad(mode)

    def __enter__(self) -> None:
        _set_grad(self.value)  # (again, as torch: the object may have been made elsewhere)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        _set_grad(self.prev)

    def __call__(self, function: F) -> F:
        """As a decorator: the mode goes back now, and is set around each call instead."""
        _set_grad(self.prev)
        return _GradSwitch(self.value)(function)


def _set_grad(mode: bool) -> None:
    """Sets this thread's grad mode with no end to wait for; while it is off by this means, the thread
    holds one entry in SWITCHED, so the hot paths read STATE."""
    STATE.grad_enabled = mode
    if not mode and not STATE.off:
        STATE.off = True
        SWITCHED.append(None)
    elif mode and STATE.off:
        STATE.off = False
        SWITCHED.pop()


class _FixedSwitch(_GradSwitch):
    """A grad switch whose mode its class fixes (``value``); as torch's, it decorates with or without
    parentheses (``@no_grad()``, ``@no_grad``)."""

    value = False

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        return object.__new__(cls) if function is None else cls()(function)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        """Nothing to set: the mode is the class's."""


class no_grad(_FixedSwitch):  # noqa: N801 - PyTorch's name
    """Ops inside build no graph: use for inference and for updating parameters in place."""


class enable_grad(_FixedSwitch):  # noqa: N801 - PyTorch's name
    """Re-enables recording inside a ``no_grad`` block."""

    value = True


class detect_anomaly(_Switch):  # noqa: N801 - PyTorch's name
    """Inside it, the first op (forward or backward) whose result holds nan or inf raises a
    FloatingPointError naming the op and its inputs. Slower: use it to debug."""

    attribute = "anomaly"

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled)
