"""``inference_mode`` as torch's: a context manager and a decorator (with or without parentheses) inside
which nothing is recorded, even under ``enable_grad``; nested with the other switches, each program is run
on both libraries and what it observes compared."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch

import autograd as ag
from autograd.grad_mode import SWITCHED


def _seen(lib: Any, x: Any) -> tuple[bool, bool, bool]:
    """(grad mode, inference mode, whether an op on ``x`` records)."""
    return lib.is_grad_enabled(), lib.is_inference_mode_enabled(), (x * 2).requires_grad


def _plain(lib: Any, x: Any, log: list[Any]) -> None:
    with lib.inference_mode():
        log.append(_seen(lib, x))
    log.append(_seen(lib, x))


def _off(lib: Any, x: Any, log: list[Any]) -> None:
    with lib.inference_mode(False):
        log.append(_seen(lib, x))
    with lib.inference_mode(mode=True):
        log.append(_seen(lib, x))


def _enable_grad_inside(lib: Any, x: Any, log: list[Any]) -> None:
    with lib.inference_mode():
        with lib.enable_grad():
            log.append(_seen(lib, x))
        log.append(_seen(lib, x))
        with lib.set_grad_enabled(True):
            log.append(_seen(lib, x))
        with lib.inference_mode(False):
            log.append(_seen(lib, x))
            with lib.no_grad():
                log.append(_seen(lib, x))
        log.append(_seen(lib, x))
    log.append(_seen(lib, x))


def _inside_no_grad(lib: Any, x: Any, log: list[Any]) -> None:
    with lib.no_grad():
        with lib.inference_mode():
            log.append(_seen(lib, x))
        log.append(_seen(lib, x))
        with lib.inference_mode(False):
            log.append(_seen(lib, x))
        log.append(_seen(lib, x))
    with lib.enable_grad(), lib.inference_mode():
        log.append(_seen(lib, x))


def _decorators(lib: Any, x: Any, log: list[Any]) -> None:
    @lib.inference_mode
    def bare() -> None:
        log.append(_seen(lib, x))

    @lib.inference_mode()
    def called() -> None:
        log.append(_seen(lib, x))

    @lib.inference_mode(False)
    def off() -> None:
        log.append(_seen(lib, x))

    bare()
    called()
    with lib.no_grad():
        off()
        called()
    log.append(_seen(lib, x))


def _set_grad_enabled_call(lib: Any, x: Any, log: list[Any]) -> None:
    with lib.inference_mode():
        lib.set_grad_enabled(True)
        log.append(_seen(lib, x))
        lib.set_grad_enabled(False)
        log.append(_seen(lib, x))
    log.append(_seen(lib, x))
    lib.set_grad_enabled(True)


def _an_error_inside(lib: Any, x: Any, log: list[Any]) -> None:
    try:
        with lib.inference_mode():
            raise KeyError("inside")
    except KeyError:
        log.append(_seen(lib, x))


PROGRAMS = [
    _plain,
    _off,
    _enable_grad_inside,
    _inside_no_grad,
    _decorators,
    _set_grad_enabled_call,
    _an_error_inside,
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_inference_mode_behaves_as_torchs(program: Callable[..., None]):
    logs = []
    for lib in (ag, torch):
        log: list[Any] = []
        program(lib, lib.ones(2, requires_grad=True), log)
        logs.append(log)
    ours, theirs = logs
    assert ours == theirs
    assert not SWITCHED and ag.is_grad_enabled() and not ag.is_inference_mode_enabled()


def test_results_made_inside_are_constants_and_values_too():
    x = ag.ones(3, requires_grad=True)
    with ag.inference_mode():
        y = (x * 3).sum()
        v = ag.Value(2.0) * ag.Value(3.0)
    assert not y.requires_grad and y.grad_fn is None and y.item() == 9
    assert not v._prev
    z = (x * 3).sum()
    z.backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_inference_mode_is_per_thread():
    inside, release = threading.Event(), threading.Event()
    other: dict[str, Any] = {}

    def infer() -> None:
        with ag.inference_mode():
            other["inside"] = ag.is_inference_mode_enabled()
            inside.set()
            release.wait()

    thread = threading.Thread(target=infer)
    thread.start()
    inside.wait()
    try:
        assert other["inside"] and not ag.is_inference_mode_enabled()
        assert (ag.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        release.set()
        thread.join()
    assert not SWITCHED


def test_a_decorated_function_keeps_its_name_and_returns_its_value():
    @ag.inference_mode
    def predict(x: ag.Tensor) -> ag.Tensor:
        """Doubles."""
        return x * 2

    out = predict(ag.ones(2, requires_grad=True))
    assert predict.__name__ == "predict" and predict.__doc__ == "Doubles."
    assert not out.requires_grad and out.tolist() == [2.0, 2.0]


def test_switches_in_any_order_leave_no_entry_behind():
    """A set_grad_enabled block inside no_grad used to leave its thread's entry in SWITCHED (every op then
    read the thread-local state): grad mode's entry is now kept by whoever sets grad mode."""
    with ag.no_grad(), ag.set_grad_enabled(True):
        pass
    assert not SWITCHED and ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        with ag.enable_grad():
            assert (ag.ones(1, requires_grad=True) * 2).requires_grad
        assert SWITCHED and not (ag.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)
    assert not SWITCHED
