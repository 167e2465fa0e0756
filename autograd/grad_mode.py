"""Grad mode and anomaly mode: thread-local switches every op consults when it builds a node.

``no_grad`` stops ops from recording parents (the result is a constant), ``inference_mode`` too (and
``enable_grad`` inside it records nothing either, as torch's), ``detect_anomaly`` makes the first op that
produces nan or inf raise. They work as context managers and decorators, as in PyTorch, and each thread
has its own setting.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Modes:
    """One thread's switch settings, in a plain object: the switches read and write them at the cost of a
    slot, where each attribute of the thread-local ``STATE`` costs about 500 instructions (T1 runs two
    switches a step). ``saved`` holds what active switches will restore, so one switch object (a shared
    decorator, the engine's own) can be entered from several threads at once."""

    __slots__ = ("grad_mode", "inference", "saved")

    def __init__(self) -> None:
        self.grad_mode = True  # what the switches set (what ``is_grad_enabled`` says)
        self.inference = False  # inside ``inference_mode()``: nothing is recorded, whatever the grad mode
        self.saved: list[Any] = []


class _State(threading.local):
    """Per-thread flags; a new thread starts with grad enabled, inference mode and anomaly detection off.
    ``grad_enabled``, what ops read, is ``modes.grad_mode and not modes.inference``."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.tracer: Any = None  # autograd.compile's recorder while it traces a call in this thread
        self.modes = _Modes()


STATE = _State()

# One entry per active switch, in all threads together, and one per thread whose grad mode is off
# (list.append and list.pop are atomic: no lock). While it is empty every thread runs with the defaults,
# so hot paths test this plain list instead of reading the (slower) thread-local STATE.
SWITCHED: list[None] = []

# One entry per thread tracing a call for autograd.compile (whose tracer is that thread's STATE.tracer): the
# hook points test this plain list first, so they cost nothing measurable when nothing is traced.
TRACING: list[None] = []

# One entry per active detect_anomaly switch, in all threads together: the hot paths (an op inside no_grad,
# every backward pass) test this plain list before they read the thread-local STATE.anomaly.
ANOMALY: list[None] = []


def is_grad_enabled() -> bool:
    """True when grad mode is on (the default): ops record the graph, unless in inference mode."""
    return STATE.modes.grad_mode


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return STATE.anomaly


def _set_modes(state: _State, modes: _Modes, mode: bool, inference: bool) -> None:
    """Sets this thread's grad mode and inference mode; while grad mode is off the thread holds one entry
    in SWITCHED, whoever turned it off (a switch, or set_grad_enabled, which keeps no stack) and whoever
    turns it on again."""
    if (not mode) is not (not modes.grad_mode):  # a change: on -> off takes an entry, off -> on gives it
        if mode:
            SWITCHED.pop()
        else:
            SWITCHED.append(None)
    modes.grad_mode = mode
    modes.inference = inference
    state.grad_enabled = mode and not inference


class _Switch:
    """Sets this thread's setting on entry and restores the old one on exit (subclasses say which)."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __call__(self, function: F) -> F:
        """Use as a decorator: the whole call runs with the setting."""

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradSwitch(_Switch):
    """A switch of grad mode (the base of no_grad, enable_grad and set_grad_enabled)."""

    def __enter__(self) -> None:
        # _set_modes inlined (every no_grad block, every backward pass): one thread-local read, and one
        # write only when the mode changes
        state = STATE
        modes = state.modes
        old = modes.grad_mode
        modes.saved.append(old)
        SWITCHED.append(None)
        mode = self.value
        if (not mode) is not (not old):  # a change: on -> off takes an entry, off -> on gives it
            if mode:
                SWITCHED.pop()
            else:
                SWITCHED.append(None)
            state.grad_enabled = mode and not modes.inference
        modes.grad_mode = mode

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        state = STATE
        modes = state.modes
        mode = modes.saved.pop()
        if (not mode) is not (not modes.grad_mode):
            if mode:
                SWITCHED.pop()
            else:
                SWITCHED.append(None)
            state.grad_enabled = mode and not modes.inference
        SWITCHED.pop()
        modes.grad_mode = mode


class set_grad_enabled(_GradSwitch):  # noqa: N801 - PyTorch's name
    """Turns graph recording on or off, as torch's: at once when called (``set_grad_enabled(False)`` alone
    switches this thread until something switches it back), and back to the mode it found when a ``with``
    block ends; as a decorator, around each call. Unlike the other switches it keeps no stack: the mode it
    restores is the one it found when made, as torch's, so calls and blocks in any order stay consistent."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self.prev = STATE.modes.grad_mode
        _set_grad_mode(mode)

    def __enter__(self) -> None:
        _set_grad_mode(self.value)  # (again, as torch: the object may have been made elsewhere)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        _set_grad_mode(self.prev)

    def __call__(self, function: F) -> F:
        """As a decorator: the mode goes back now, and is set around each call instead."""
        _set_grad_mode(self.prev)
        return _GradSwitch(self.value)(function)


def _set_grad_mode(mode: bool) -> None:
    """Sets this thread's grad mode, inference mode as it is."""
    state = STATE
    modes = state.modes
    _set_modes(state, modes, mode, modes.inference)


class _FixedSwitch(_GradSwitch):
    """A grad switch whose mode its class fixes (``value``); as torch's, it decorates with or without
    parentheses (``@no_grad()``, ``@no_grad``)."""

    value = False

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        return object.__new__(cls) if function is None else cls()(function)

    __init__ = object.__init__  # nothing to set (the mode is the class's), and no Python frame per block


class no_grad(_FixedSwitch):  # noqa: N801 - PyTorch's name
    """Ops inside build no graph: use for inference and for updating parameters in place."""


class enable_grad(_FixedSwitch):  # noqa: N801 - PyTorch's name
    """Re-enables recording inside a ``no_grad`` block."""

    value = True


class detect_anomaly(_Switch):  # noqa: N801 - PyTorch's name
    """Inside it, the first op (forward or backward) whose result holds nan or inf raises a
    FloatingPointError naming the op and its inputs. Slower: use it to debug."""

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled)

    def __enter__(self) -> None:
        state = STATE
        state.modes.saved.append(state.anomaly)
        SWITCHED.append(None)
        ANOMALY.append(None)
        state.anomaly = self.value

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        state = STATE
        state.anomaly = state.modes.saved.pop()
        ANOMALY.pop()
        SWITCHED.pop()


class inference_mode(_Switch):  # noqa: N801 - PyTorch's name
    """No graph is recorded inside, even under ``enable_grad`` (as torch's, whose inference tensors this
    build does not distinguish: a result made inside is an ordinary constant tensor).
    ``inference_mode(False)`` turns inference mode off and grad mode on. A context manager and a decorator,
    with or without parentheses."""

    def __new__(cls, mode: bool | Callable[..., Any] = True) -> Any:
        return cls()(mode) if callable(mode) else object.__new__(cls)

    def __init__(self, mode: bool | Callable[..., Any] = True) -> None:
        super().__init__(bool(mode))

    def __enter__(self) -> None:
        state = STATE
        modes = state.modes
        modes.saved.append((modes.grad_mode, modes.inference))
        SWITCHED.append(None)
        _set_modes(state, modes, not self.value, self.value)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        state = STATE
        modes = state.modes
        _set_modes(state, modes, *modes.saved.pop())
        SWITCHED.pop()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.modes.inference
