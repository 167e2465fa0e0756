"""autograd.multiprocessing: tensors sent to a Process, a Queue, a SimpleQueue or a Pipe share memory with the
sender (fork and spawn), modules share their parameters (Hogwild), and segments never outlive their owners."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from leftovers import clean, segments, wait_for  # noqa: F401 - clean is a fixture

import autograd
import autograd.multiprocessing as mp
import nn
from nn.optim import SGD

pytestmark = pytest.mark.usefixtures("clean")
METHODS = ["fork", "spawn"]


def _add_one(t):
    t.add_(1)


def _scale_received(q, done):
    t = q.get()
    t.mul_(10)
    done.put(t.is_shared())


def _scale_from_pipe(conn):
    t = conn.recv()
    t.mul_(10)
    conn.send("done")


def _train(model, X, y, steps, results):
    opt = SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()
    results.put([p.detach().numpy().copy() for p in model.parameters()])


@pytest.mark.parametrize("method", METHODS)
def test_process_arguments_are_shared(method):
    ctx = mp.get_context(method)
    t = autograd.zeros(2, 3)
    p = ctx.Process(target=_add_one, args=(t,))
    p.start()
    p.join(30)
    assert p.exitcode == 0 and t.is_shared()
    np.testing.assert_array_equal(t.numpy(), np.ones((2, 3)))


@pytest.mark.parametrize("method", METHODS)
def test_queue_sends_shared_memory(method):
    ctx = mp.get_context(method)
    q, done = ctx.Queue(), ctx.Queue()
    t = autograd.arange(6, dtype=autograd.float64).reshape(2, 3).share_memory_()
    p = ctx.Process(target=_scale_received, args=(q, done))
    p.start()
    q.put(t[:, 1:])  # a view: offset and strides travel too
    assert done.get(timeout=30) is True
    p.join(30)
    np.testing.assert_array_equal(t.numpy(), [[0, 10, 20], [3, 40, 50]])


@pytest.mark.parametrize("method", METHODS)
def test_pipe_sends_shared_memory(method):
    ctx = mp.get_context(method)
    parent, child = ctx.Pipe()
    t = autograd.ones(3, dtype=autograd.int64)
    p = ctx.Process(target=_scale_from_pipe, args=(child,))
    p.start()
    parent.send(t)
    assert parent.recv() == "done"
    p.join(30)
    np.testing.assert_array_equal(t.numpy(), [10, 10, 10])


def test_simple_queue_round_trip_keeps_dtype_shape_and_requires_grad():
    q = mp.SimpleQueue()
    w = nn.Parameter(autograd.randn(2, 2, dtype=autograd.float64))
    q.put((w, autograd.tensor([True, False])))
    back, flags = q.get()
    assert type(back) is nn.Parameter and back.requires_grad and back.dtype == autograd.float64
    assert flags.dtype == autograd.bool_ and flags.tolist() == [True, False]
    back.data.mul_(2)  # the same memory as w
    np.testing.assert_array_equal(back.numpy(), w.numpy())


def test_share_memory_and_is_shared():
    t = autograd.tensor([1.0, 2.0])
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    assert t.tolist() == [1.0, 2.0] and t[1:].is_shared()
    assert not hasattr(autograd, "is_shared")  # a method only, as torch


def test_segment_is_unlinked_with_its_last_tensor():
    before = segments()
    t = autograd.zeros(4).share_memory_()
    view = t[2:]
    made = segments() - before
    assert len(made) == 1
    del t
    assert segments() - before == made  # the view keeps it
    del view
    assert segments() - before == set()


def test_non_leaf_requiring_grad_is_refused():
    x = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        mp.SimpleQueue().put(x * 2)


@pytest.mark.parametrize("method", METHODS)
def test_hogwild_updates_reach_the_parent(method):
    ctx = mp.get_context(method)
    model = nn.Linear(2, 1).double().share_memory()
    assert all(p.is_shared() for p in model.parameters())
    X = autograd.tensor(np.random.default_rng(0).normal(size=(16, 2)))
    y = X @ autograd.tensor([[1.0], [-2.0]], dtype=autograd.float64)
    results = ctx.Queue()
    p = ctx.Process(target=_train, args=(model, X, y, 5, results))
    p.start()
    trained = results.get(timeout=30)
    p.join(30)
    for param, value in zip(model.parameters(), trained, strict=True):
        np.testing.assert_array_equal(param.detach().numpy(), value)
    assert not np.allclose(trained[0], 0)


def _share_and_hang(q):
    t = autograd.ones(3).share_memory_()
    q.put(t)
    signal.pause()


def test_killed_child_leaves_no_segment():
    q = mp.Queue()
    p = mp.Process(target=_share_and_hang, args=(q,))
    p.start()
    t = q.get(timeout=30)
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    assert not [name for name in segments() if name.startswith(f"tg_{p.pid}_")]
    assert t.tolist() == [1.0, 1.0, 1.0]  # still mapped here


def test_no_warnings_or_leftovers_at_exit(tmp_path):
    """A fresh interpreter (its own resource tracker) passes tensors both ways and loses a child: nothing on
    stderr (the tracker warns of leaked segments and of records it never had) and nothing left in /dev/shm."""
    script = textwrap.dedent("""
        import os, signal, autograd, autograd.multiprocessing as mp
        from test_multiprocessing import _scale_received, _share_and_hang
        for method in ("fork", "spawn"):
            ctx = mp.get_context(method)
            q, done = ctx.Queue(), ctx.Queue()
            p = ctx.Process(target=_scale_received, args=(q, done))
            p.start(); t = autograd.ones(2); q.put(t); assert done.get(timeout=30); p.join()
            p = ctx.Process(target=_share_and_hang, args=(q,))
            p.start(); u = q.get(timeout=30); os.kill(p.pid, signal.SIGKILL); p.join()
            assert t.tolist() == [10.0, 10.0] and u.tolist() == [1.0, 1.0, 1.0]
        print(os.getpid())
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.path.dirname(__file__)])}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert wait_for(
        lambda: not segments() & {n for n in segments() if n.startswith(f"tg_{run.stdout.strip()}_")}
    )
