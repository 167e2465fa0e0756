"""Grad mode is per thread, even when one switch object is entered from several threads at once."""

from __future__ import annotations

import threading
from typing import Any

import autograd
from autograd import is_grad_enabled, no_grad


def test_a_shared_switch_restores_each_threads_own_mode():
    shared = autograd.no_grad()  # as the engine and a shared decorator use one object
    entered, leave = threading.Barrier(2), threading.Barrier(2)
    after: dict[str, bool] = {}

    def grad_on_thread() -> None:
        with shared:
            entered.wait()
            leave.wait()
        after["on"] = is_grad_enabled()

    def no_grad_thread() -> None:
        with no_grad():
            entered.wait()
            with shared:
                leave.wait()
            after["inside no_grad"] = is_grad_enabled()
        after["off"] = is_grad_enabled()

    threads = [threading.Thread(target=grad_on_thread), threading.Thread(target=no_grad_thread)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert after == {"on": True, "inside no_grad": False, "off": True}
    assert is_grad_enabled()


def test_switches_leave_no_count_behind_even_when_the_block_raises():
    """Hot paths skip the thread-local read while no switch is active: the count must return to zero."""
    from autograd.grad_mode import SWITCHED

    assert not SWITCHED
    try:
        with no_grad(), autograd.detect_anomaly(), autograd.enable_grad():
            assert len(SWITCHED) == 3 and is_grad_enabled()
            raise KeyError("inside")
    except KeyError:
        pass
    assert not SWITCHED and is_grad_enabled() and not autograd.is_anomaly_enabled()

    def worker() -> None:
        for _ in range(2000):
            with no_grad():
                pass

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not SWITCHED


def test_set_grad_enabled_acts_when_called_as_torch_and_for_a_block_or_a_call_otherwise():
    import torch

    for lib in (autograd, torch):
        x = lib.tensor([1.0], requires_grad=True)
        off = lib.set_grad_enabled(False)  # called: off at once, no with needed
        seen = [(x * 2).requires_grad]
        on = lib.set_grad_enabled(True)
        seen.append((x * 2).requires_grad)
        on.__exit__(None, None, None)  # (leave no switch behind for the other tests)
        off.__exit__(None, None, None)
        with lib.set_grad_enabled(False):
            seen.append((x * 2).requires_grad)

        @lib.set_grad_enabled(False)
        def doubled(x: Any = x) -> bool:
            return (x * 2).requires_grad

        @lib.no_grad  # without parentheses, as torch
        def tripled(x: Any = x) -> bool:
            return (x * 3).requires_grad

        seen += [(x * 2).requires_grad, doubled(), (x * 2).requires_grad, tripled()]
        assert seen == [False, True, False, True, False, True, False], lib.__name__
    assert is_grad_enabled()


def test_set_grad_enabled_called_inside_blocks_hooks_and_threads_keeps_the_mode_as_torch():
    """It keeps no stack, as torch's: a call inside no_grad, inside a decorated function or in a hook during
    backward leaves the enclosing switch to restore its own mode; an object made in one thread and entered
    in another restores the mode it found when made."""
    import torch

    from autograd.grad_mode import SWITCHED

    def scenario(lib: Any) -> list[Any]:
        seen = []
        with lib.no_grad():
            lib.set_grad_enabled(True)
        seen.append(lib.is_grad_enabled())

        @lib.no_grad()
        def inside() -> None:
            lib.set_grad_enabled(True)

        inside()
        seen.append(lib.is_grad_enabled())
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: lib.set_grad_enabled(True) and None)
        y.sum().backward()
        seen.append(lib.is_grad_enabled())
        made = lib.set_grad_enabled(False)
        lib.set_grad_enabled(True)
        other: list[bool] = []

        def elsewhere() -> None:
            with made:
                other.append(lib.is_grad_enabled())
            other.append(lib.is_grad_enabled())

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        return [*seen, other, lib.is_grad_enabled()]

    assert scenario(autograd) == scenario(torch) == [True, True, True, [False, True], True]
    assert not SWITCHED
