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
from operator import attrgetter
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Per-thread flags; a new thread starts with grad enabled, inference mode and anomaly detection off.
    ``saved`` holds the values that active switches will restore, so one switch object (a shared
    decorator, the engine's own) can be entered from several threads at once. ``grad_enabled``, what ops
    read, is ``grad_mode and not inference``: the two settings are properties that keep it so."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self._grad_mode = True
        self._inference = False
        self.anomaly = False
        self.saved: list[tuple[str, bool]] = []
        self.tracer: Any = None  # autograd.compile's recorder while it traces a call in this thread

    def _set_grad_mode(self, mode: bool) -> None:
        """Sets grad mode; while it is off the thread holds one entry in SWITCHED, whoever turned it off
        (a switch, or set_grad_enabled, which keeps no stack) and whoever turns it on again."""
        if (not mode) is not (not self._grad_mode):  # a change: on -> off takes an entry, off -> on gives it
            if mode:
                SWITCHED.pop()
            else:
                SWITCHED.append(None)
        self._grad_mode = mode
        self.grad_enabled = mode and not self._inference

    # read by every switch: a C getter (no Python frame) over the thread's flag
    grad_mode = property(
        attrgetter("_grad_mode"),
        _set_grad_mode,
        doc="The grad mode switches set (what ``is_grad_enabled`` says).",
    )

    @property
    def inference(self) -> bool:
        """Inside ``inference_mode()``: nothing is recorded, whatever the grad mode."""
        return self._inference

    @inference.setter
    def inference(self, mode: bool) -> None:
        self._inference = mode
        self.grad_enabled = self._grad_mode and not mode


STATE = _State()

# One entry per active switch, in all threads together, and one per thread whose grad mode is off
# (list.append and list.pop are atomic: no lock). While it is empty every thread runs with the defaults,
# so hot paths test this plain list instead of reading the (slower) thread-local STATE.
SWITCHED: list[None] = []

# One entry per thread tracing a call for autograd.compile (whose tracer is that thread's STATE.tracer): the
# hook points test this plain list first, so they cost nothing measurable when nothing is traced.
TRACING: list[None] = []


def is_grad_enabled() -> bool:
    """True when grad mode is on (the default): ops record the graph, unless in inference mode."""
    return STATE.grad_mode


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

    attribute = "grad_mode"

    def __enter__(self) -> None:
        # _State._set_grad_mode inlined (every no_grad block, every backward pass): each thread-local
        # attribute is read or written once, with no property or setter frame
        state = STATE
        old = state._grad_mode
        state.saved.append(("grad_mode", old))
        SWITCHED.append(None)
        mode = self.value
        if (not mode) is not (not old):  # a change: on -> off takes an entry, off -> on gives it
            if mode:
                SWITCHED.pop()
            else:
                SWITCHED.append(None)
        state._grad_mode = mode
        state.grad_enabled = mode and not state._inference

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        state = STATE
        mode = state.saved.pop()[1]
        if (not mode) is not (not state._grad_mode):
            if mode:
                SWITCHED.pop()
            else:
                SWITCHED.append(None)
        SWITCHED.pop()
        state._grad_mode = mode
        state.grad_enabled = mode and not state._inference


class set_grad_enabled(_GradSwitch):  # noqa: N801 - PyTorch's name
    """Turns graph recording on or off, as torch's: at once when called (``set_grad_enabled(False)`` alone
    switches this thread until something switches it back), and back to the mode it found when a ``with``
    block ends; as a decorator, around each call. Unlike the other switches it keeps no stack: the mode it
    restores is the one it found when made, as torch's, so calls and blocks in any order stay consistent."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self.prev = STATE.grad_mode
        STATE.grad_mode = mode

    def __enter__(self) -> None:
        STATE.grad_mode = self.value  # (again, as torch: the object may have been made elsewhere)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        STATE.grad_mode = self.prev

    def __call__(self, function: F) -> F:
        """As a decorator: the mode goes back now, and is set around each call instead."""
        STATE.grad_mode = self.prev
        return _GradSwitch(self.value)(function)


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


class inference_mode(_Switch):  # noqa: N801 - PyTorch's name
    """No graph is recorded inside, even under ``enable_grad`` (as torch's, whose inference tensors this
    build does not distinguish: a result made inside is an ordinary constant tensor).
    ``inference_mode(False)`` turns inference mode off and grad mode on. A context manager and a decorator,
    with or without parentheses."""

    attribute = "inference"

    def __new__(cls, mode: bool | Callable[..., Any] = True) -> Any:
        return cls()(mode) if callable(mode) else object.__new__(cls)

    def __init__(self, mode: bool | Callable[..., Any] = True) -> None:
        super().__init__(bool(mode))

    def __enter__(self) -> None:
        STATE.saved.append(("grad_mode", STATE.grad_mode))  # restored by __exit__, after inference
        super().__enter__()
        STATE.grad_mode = not self.value

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        super().__exit__(kind, error, trace)
        setattr(STATE, *STATE.saved.pop())


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.inference
