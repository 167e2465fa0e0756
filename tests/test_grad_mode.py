"""Grad mode is per thread, even when one switch object is entered from several threads at once."""

from __future__ import annotations

import threading

import autograd
from autograd import is_grad_enabled, no_grad


def test_a_shared_switch_restores_each_threads_own_mode():
    shared = autograd.set_grad_enabled(False)  # as the engine and a shared decorator use one object
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
