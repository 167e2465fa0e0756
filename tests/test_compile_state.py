"""``autograd.compile`` and the state a recording reads at replay: what a compiled step keys on (the
``requires_grad``, shapes, dtypes and hooks of the parameters it reads), what it reads fresh each time
(learning rates, optimizer groups), and the inline gradient code (a leaf's gradient never shares memory)."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn

F32 = np.float32


def setup(seed: int = 0) -> tuple[nn.Module, ag.Tensor, ag.Tensor]:
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    for p in model.parameters():
        p.numpy()[...] = rng.uniform(-1, 1, p.shape)
    X = ag.tensor(rng.normal(size=(10, 3)).astype(F32))
    y = ag.tensor(np.sign(rng.normal(size=(10, 1))).astype(F32))
    return model, X, y


def twins(make_opt: Callable[[Any], Any]) -> tuple[Any, Any, Any, Any, ag.Tensor, ag.Tensor]:
    model, X, y = setup()
    twin = copy.deepcopy(model)
    return model, make_opt(model.parameters()), twin, make_opt(twin.parameters()), X, y


def step_of(model: nn.Module, opt: Any, X: ag.Tensor, y: ag.Tensor) -> Callable[[], float]:
    loss_fn = nn.HingeLoss()

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def same(m1: nn.Module, m2: nn.Module) -> None:
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert p1.numpy().tobytes() == p2.numpy().tobytes()
        assert (p1.grad is None) == (p2.grad is None)
        if p1.grad is not None:
            assert p1.grad.numpy().tobytes() == p2.grad.numpy().tobytes()


def test_many_steps_bit_for_bit() -> None:
    m1, o1, m2, o2, X, y = twins(lambda p: nn.optim.SGD(p, lr=0.05))
    eager, compiled = step_of(m1, o1, X, y), ag.compile(step_of(m2, o2, X, y))
    for _ in range(40):
        assert eager() == compiled()
    same(m1, m2)
    assert compiled.traces == 1


def test_requires_grad_toggled_between_calls_retraces() -> None:
    m1, o1, m2, o2, X, y = twins(lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.5))
    eager, compiled = step_of(m1, o1, X, y), ag.compile(step_of(m2, o2, X, y))
    for i in range(9):
        if i in (3, 6):  # freeze the first layer, then thaw it
            frozen = i == 3
            for m in (m1, m2):
                m[0].weight.requires_grad_(not frozen)
        assert eager() == compiled()
        same(m1, m2)
    assert compiled.traces == 2  # thawed again: the first recording is used again


def test_storage_replaced_with_another_shape_or_dtype_retraces() -> None:
    rng = np.random.default_rng(3)
    w1 = ag.tensor(rng.normal(size=(3, 2)).astype(F32), requires_grad=True)
    w2 = ag.tensor(w1.numpy().copy(), requires_grad=True)
    x = ag.tensor(rng.normal(size=(4, 3)).astype(F32))

    def make(w: ag.Tensor) -> Callable[[], Any]:
        def step() -> Any:
            w.grad = None
            (x @ w).relu().sum().backward()
            return w.grad

        return step

    eager, compiled = make(w1), ag.compile(make(w2))
    for i in range(6):
        if i == 2:
            new = rng.normal(size=(3, 5)).astype(F32)
            w1.data, w2.data = ag.tensor(new), ag.tensor(new.copy())
        if i == 4:
            x.data = x.double()
            w1.data, w2.data = w1.double(), w2.double()
        g1, g2 = eager(), compiled()
        assert g1.shape == g2.shape and g1.dtype == g2.dtype
        assert g1.numpy().tobytes() == g2.numpy().tobytes()
    assert compiled.traces == 3


def test_hook_registered_on_a_parameter_between_calls_runs() -> None:
    m1, o1, m2, o2, X, y = twins(lambda p: nn.optim.SGD(p, lr=0.1))
    eager, compiled = step_of(m1, o1, X, y), ag.compile(step_of(m2, o2, X, y))
    calls: list[int] = []
    for i in range(5):
        if i == 2:
            for m, tag in ((m1, 1), (m2, 2)):
                m[2].bias.register_hook(lambda g, tag=tag: calls.append(tag) or g * 2)
        with pytest.warns(RuntimeWarning, match="hook") if i == 2 else contextlib.nullcontext():
            assert eager() == compiled()
        same(m1, m2)
    assert calls.count(1) == calls.count(2) == 3


def test_parameter_added_to_the_optimizer_between_calls() -> None:
    m1, o1, m2, o2, X, y = twins(lambda p: nn.optim.SGD(p, lr=0.1))
    extra1 = ag.tensor(np.full((1,), 0.5, F32), requires_grad=True)
    extra2 = ag.tensor(np.full((1,), 0.5, F32), requires_grad=True)

    def make(m: nn.Module, o: Any, extra: ag.Tensor) -> Callable[[], float]:
        def step() -> float:
            o.zero_grad()
            loss = nn.HingeLoss()(m(X) * extra, y)
            loss.backward()
            o.step()
            return loss.item()

        return step

    eager, compiled = make(m1, o1, extra1), ag.compile(make(m2, o2, extra2))
    for i in range(7):
        if i == 3:
            o1.add_param_group({"params": [extra1], "lr": 0.3})
            o2.add_param_group({"params": [extra2], "lr": 0.3})
        assert eager() == compiled()
        same(m1, m2)
        assert extra1.numpy().tobytes() == extra2.numpy().tobytes()
    assert extra1.numpy()[0] != 0.5  # it moved once added


def test_scheduler_between_replays_and_groups_replaced_by_a_checkpoint() -> None:
    m1, o1, m2, o2, X, y = twins(lambda p: nn.optim.SGD(p, lr=0.2, momentum=0.9))
    s1 = nn.optim.lr_scheduler.ExponentialLR(o1, gamma=0.7)
    s2 = nn.optim.lr_scheduler.ExponentialLR(o2, gamma=0.7)
    eager, compiled = step_of(m1, o1, X, y), ag.compile(step_of(m2, o2, X, y))
    for epoch in range(4):
        for _ in range(3):
            assert eager() == compiled()
            same(m1, m2)
        s1.step()
        s2.step()
        if epoch == 1:  # new group dicts with another learning rate: read at replay
            state = o1.state_dict()
            state["param_groups"][0]["lr"] = 0.05
            o1.load_state_dict(state)
            o2.load_state_dict(copy.deepcopy(state))
    assert compiled.traces == 1


def test_leaf_gradients_never_share_memory() -> None:
    a1, b1 = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0], requires_grad=True)
    a2, b2 = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0], requires_grad=True)

    def make(a: ag.Tensor, b: ag.Tensor) -> Callable[[], None]:
        def step() -> None:
            a.grad = b.grad = None
            (a + b + a.reshape(2, 1)).sum().backward()  # Add passes its gradient to both inputs

        return step

    eager, compiled = make(a1, b1), ag.compile(make(a2, b2))
    for _ in range(3):
        eager()
        compiled()
        assert a1.grad.numpy().tobytes() == a2.grad.numpy().tobytes()
        assert b1.grad.numpy().tobytes() == b2.grad.numpy().tobytes()
        assert not np.shares_memory(a2.grad.numpy(), b2.grad.numpy())
        a2.grad.numpy()[...] = 7  # a user's write into one gradient touches no other array
        assert b2.grad.numpy()[0] != 7


def _straight(ctx: Any, a: Any, b: Any) -> Any:
    doubled = a * 2
    ctx.seen = (b, b)
    return len(doubled) + len(a) if b is not None else None


def _branching(ctx: Any, a: Any) -> Any:
    if a is None:
        return a
    return a


def test_inlined_code_computes_what_the_call_does() -> None:
    from autograd.compiler.inline import inline, template

    assert template(_branching) is None  # a branch statement: called, not inlined
    assert template(functools.wraps(_straight)(lambda ctx, a, b: None)) is None  # source not its own
    plan = template(_straight)
    assert plan is not None
    ctx, expected = type("Ctx", (), {})(), type("Ctx", (), {})()
    namespace: dict[str, Any] = {"ctx": ctx}

    def bind(obj: Any) -> str:  # a global the function reads (len), by a new name
        name = f"G{len(namespace)}"
        namespace[name] = obj
        return name

    lines = inline(plan, ["ctx", "[1.0, 2.0]", "3.5"], "out", "_i1_", bind)
    assert lines is not None
    source = "\n".join(lines)
    assert "_i1_doubled" in source and lines[-1].startswith("del ") and "_i1_doubled" in lines[-1]
    assert source.count("[1.0, 2.0]") == 1  # an argument used twice is evaluated once, as the call would
    assert source.count("3.5") == 1  # a literal compared with "is" gets a name (no SyntaxWarning)
    assert "len(" not in source and namespace["G1"] is len
    exec(compile(source, "<test>", "exec"), namespace)  # noqa: S102 - the test's own source
    assert namespace["out"] == _straight(expected, [1.0, 2.0], 3.5) == 6
    assert ctx.seen == expected.seen == (3.5, 3.5)
    assert "_i1_doubled" not in namespace  # the locals are deleted


def test_ops_inlined_into_a_program_give_eager_bits() -> None:
    x1 = ag.tensor(np.linspace(-2, 2, 6, dtype=F32), requires_grad=True)
    x2 = ag.tensor(x1.numpy().copy(), requires_grad=True)

    def make(x: ag.Tensor) -> Callable[[], Any]:
        def step() -> Any:
            x.grad = None
            y = ((x * 1.5 - 0.25).relu() + x / 3).exp() - x
            y.mean().backward()
            return y

        return step

    eager, compiled = make(x1), ag.compile(make(x2))
    for _ in range(3):
        y1, y2 = eager(), compiled()
        assert y1.numpy().tobytes() == y2.numpy().tobytes()
        assert x1.grad.numpy().tobytes() == x2.grad.numpy().tobytes()
    source = compiled.explain()
    assert " - 0.25" in source and "del _i" in source  # Sub's forward inlined, its locals deleted
