"""``autograd.compile``: replayed steps give eager's numbers bit for bit, state lives outside the recording,
and what a recording cannot replay is a graph break (eager, with a warning naming the line) or an error."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn

F32 = np.float32


def mlp(sizes: list[int], seed: int = 0, last: Any = None) -> nn.Module:
    """A ReLU MLP with weights drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = nn.Linear(a, b)
        layer.weight.numpy()[...] = rng.uniform(-1, 1, (b, a)) / np.sqrt(a)
        layer.bias.numpy()[...] = rng.uniform(-1, 1, b) / np.sqrt(a)
        layers.append(layer)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


def data(n: int = 12, features: int = 3, seed: int = 1) -> tuple[ag.Tensor, np.random.Generator]:
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.normal(size=(n, features)).astype(F32)), rng


def pair(model: nn.Module, make_opt: Callable[[Any], Any]) -> tuple[Any, Any, Any, Any]:
    """Two copies of ``model``, each with its own optimizer."""
    twin = copy.deepcopy(model)
    return model, make_opt(model.parameters()), twin, make_opt(twin.parameters())


def assert_same(m1: nn.Module, m2: nn.Module) -> None:
    for (name, p1), (_, p2) in zip(m1.named_parameters(), m2.named_parameters(), strict=True):
        assert p1.numpy().tobytes() == p2.numpy().tobytes(), name
        g1, g2 = p1.grad, p2.grad
        assert (g1 is None) == (g2 is None), name
        if g1 is not None:
            assert g1.numpy().tobytes() == g2.numpy().tobytes(), name


def step_fn(model: nn.Module, opt: Any, loss_fn: Any, X: Any, y: Any, sched: Any = None) -> Callable[[], Any]:
    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss.item()

    return step


LOSSES = {
    "mse": (lambda: nn.MSELoss(), lambda rng, n: ag.tensor(rng.normal(size=(n, 2)).astype(F32)), 2, None),
    "ce": (lambda: nn.CrossEntropyLoss(), lambda rng, n: ag.tensor(rng.integers(0, 4, n)), 4, None),
    "bce_logits": (
        lambda: nn.BCEWithLogitsLoss(),
        lambda rng, n: ag.tensor((rng.random((n, 1)) > 0.5).astype(F32)),
        1,
        None,
    ),
    "bce": (
        lambda: nn.BCELoss(),
        lambda rng, n: ag.tensor((rng.random((n, 1)) > 0.5).astype(F32)),
        1,
        nn.Sigmoid(),
    ),
    "nll": (lambda: nn.NLLLoss(), lambda rng, n: ag.tensor(rng.integers(0, 3, n)), 3, nn.LogSoftmax(1)),
    "hinge": (
        lambda: nn.HingeLoss(),
        lambda rng, n: ag.tensor(np.sign(rng.normal(size=(n, 1))).astype(F32)),
        1,
        None,
    ),
}

OPTIMIZERS = {
    "sgd": lambda p: nn.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd_nesterov": lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: nn.optim.Adam(p, lr=0.01),
    "adam_amsgrad": lambda p: nn.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-2),
    "adamw": lambda p: nn.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: nn.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: nn.optim.Adagrad(p, lr=0.1),
}


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_steps_are_eager_bit_for_bit(loss: str, optimizer: str) -> None:
    make_loss, make_target, out, last = LOSSES[loss]
    X, rng = data()
    y = make_target(rng, len(X))
    m1, o1, m2, o2 = pair(mlp([3, 5, out], last=last), OPTIMIZERS[optimizer])
    eager = step_fn(m1, o1, make_loss(), X, y)
    compiled = ag.compile(step_fn(m2, o2, make_loss(), X, y))
    for _ in range(6):
        assert eager() == compiled()
        assert_same(m1, m2)
    assert compiled.traces == 1 and list(compiled.entries.values())[0].reason is None
    assert str(o1.state_dict()) == str(o2.state_dict())


def test_scheduler_and_learning_rates_are_read_at_replay() -> None:
    X, rng = data()
    y = ag.tensor(rng.normal(size=(len(X), 1)).astype(F32))
    m1, o1, m2, o2 = pair(mlp([3, 4, 1]), lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9))
    s1 = nn.optim.lr_scheduler.StepLR(o1, step_size=2, gamma=0.5)
    s2 = nn.optim.lr_scheduler.StepLR(o2, step_size=2, gamma=0.5)
    eager = step_fn(m1, o1, nn.MSELoss(), X, y, s1)
    compiled = ag.compile(step_fn(m2, o2, nn.MSELoss(), X, y, s2))
    for i in range(7):
        if i == 4:  # a learning rate changed by hand between steps is read by the next replay
            o1.param_groups[0]["lr"] = o2.param_groups[0]["lr"] = 0.3
        assert eager() == compiled()
        assert_same(m1, m2)
        assert o1.param_groups[0]["lr"] == o2.param_groups[0]["lr"]


def test_alternating_eager_and_compiled_steps_on_one_model() -> None:
    X, rng = data()
    y = ag.tensor(rng.integers(0, 3, len(X)))
    m1, o1, m2, o2 = pair(mlp([3, 6, 3]), lambda p: nn.optim.Adam(p, lr=0.01))
    reference = step_fn(m1, o1, nn.CrossEntropyLoss(), X, y)
    mixed = step_fn(m2, o2, nn.CrossEntropyLoss(), X, y)
    compiled = ag.compile(mixed)
    for i in range(8):
        assert reference() == (compiled() if i % 3 else mixed())
        assert_same(m1, m2)
    state1, state2 = m1.state_dict(), m2.state_dict()
    assert all(state1[k].numpy().tobytes() == state2[k].numpy().tobytes() for k in state1)
    o2.load_state_dict(o1.state_dict())  # checkpointing between compiled steps works as eager's
    assert reference() == compiled()


def test_manual_sgd_grad_none_and_inputs_change_between_calls() -> None:
    X, rng = data()
    W = ag.tensor(rng.normal(size=(3, 2)).astype(F32), requires_grad=True)
    W2 = ag.tensor(W.numpy().copy(), requires_grad=True)

    def step(w: ag.Tensor, x: ag.Tensor) -> ag.Tensor:
        loss = (x @ w).tanh().pow(2).mean()
        loss.backward()
        with ag.no_grad():
            w -= 0.1 * w.grad
            w.grad = None
        return loss

    compiled = ag.compile(step)
    for _ in range(5):
        x = ag.tensor(rng.normal(size=(4, 3)).astype(F32))  # new data each call: read at replay
        a, b = step(W, x), compiled(W2, x)
        assert a.numpy().tobytes() == b.numpy().tobytes()
        assert W.numpy().tobytes() == W2.numpy().tobytes() and W2.grad is None
    assert compiled.traces == 1


def test_gradients_accumulate_across_calls_without_zero_grad() -> None:
    X, _ = data()
    m1, m2 = mlp([3, 4, 1]), mlp([3, 4, 1])

    def step(model: nn.Module) -> None:
        model(X).sum().backward()

    compiled = ag.compile(step)
    for _ in range(3):
        step(m1)
        compiled(m2)
        assert_same(m1, m2)


def test_retraces_on_new_shapes_dtypes_modes_and_grad_mode() -> None:
    model = mlp([3, 4, 2])
    calls = []

    def forward(x: ag.Tensor) -> ag.Tensor:
        calls.append(1)
        return model(x)

    compiled = ag.compile(forward)
    x4, x5 = ag.randn(4, 3), ag.randn(5, 3)
    with ag.no_grad():
        compiled(x4)
        compiled(x4)
        assert len(calls) == 1  # replayed: the Python function did not run
        compiled(x5)
        model.eval()
        compiled(x4)
        model.train()
        compiled(x4)
    assert len(compiled.entries) == 3 and len(calls) == 3
    with ag.no_grad():
        y = compiled(x4)
    assert y.numpy().tobytes() == model(x4).detach().numpy().tobytes()
    double = ag.compile(lambda x: x * 2 + 1)
    assert double(ag.ones(2)).dtype == ag.float32 and double(ag.ones(2, dtype=ag.float64)).dtype == ag.float64
    with ag.no_grad():
        double(ag.ones(2))
    double(ag.ones(2, requires_grad=True).detach())
    assert len(double.entries) == 3  # float32, float64, and float32 under no_grad


def test_retracing_warns_and_the_cache_is_bounded() -> None:
    compiled = ag.compile(lambda x: x * 2, cache_size=2)
    with pytest.warns(RuntimeWarning, match="traced 3 times"):
        for n in range(1, 5):
            compiled(ag.ones(n))
    assert len(compiled.entries) == 2


def test_dropout_style_random_draws_are_fresh_and_eager_equal() -> None:
    x = ag.ones(6, 5)
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)

    def noisy(x: ag.Tensor, gen: np.random.Generator) -> ag.Tensor:
        return x * ag.rand(6, 5, generator=gen)

    compiled = ag.compile(noisy)
    outs = [compiled(x, g2) for _ in range(4)]
    eager = [noisy(x, g1) for _ in range(4)]
    assert all(a.numpy().tobytes() == b.numpy().tobytes() for a, b in zip(eager, outs, strict=True))
    assert outs[1].numpy().tobytes() != outs[2].numpy().tobytes()  # a fresh mask at every replay


def test_value_read_and_returned_is_read_again_at_replay() -> None:
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def read() -> tuple[float, float, list[float]]:
        a, b, c = (w * w).sum(), (w * 3).sum(), w + 1
        return a.item(), float(b), c.tolist()  # read after the last op: each is read again at replay

    compiled = ag.compile(read)
    assert compiled() == (5.0, 9.0, [2.0, 3.0])
    with ag.no_grad():
        w.mul_(2)
    assert compiled() == (20.0, 18.0, [3.0, 5.0])
    assert compiled.traces == 1 and "0 graph break" in compiled.explain()


@pytest.mark.parametrize(
    "body, kind",
    [
        (lambda x: x * 2 if bool((x > 0).all()) else x, "bool"),
        (lambda x: x * (x.sum().item()), "item"),
        (lambda x: x * len((x + 1).tolist()), "tolist"),
        (lambda x: print(x) or x * 2, "repr"),
    ],
)
def test_values_read_and_used_are_graph_breaks_naming_the_line(body: Any, kind: str) -> None:
    x = ag.tensor([1.0, -2.0])
    compiled = ag.compile(body)
    with pytest.warns(RuntimeWarning, match=rf"runs eagerly.*{kind}.*test_compile.py:\d+"):
        first = compiled(x)
    second = compiled(ag.tensor([3.0, 4.0]))
    assert second.numpy().tobytes() == body(ag.tensor([3.0, 4.0])).numpy().tobytes()  # eager again
    assert first.numpy().tobytes() == body(x).numpy().tobytes()
    assert "graph break" in compiled.explain()
    with pytest.raises(RuntimeError, match=r"fullgraph=True"):
        ag.compile(body, fullgraph=True)(x)


def test_unsupported_features_run_eagerly_with_a_reason() -> None:
    class Double(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 2

    w = ag.tensor([1.0, 2.0], requires_grad=True)
    cases = {
        "custom autograd.Function": lambda: Double.apply(w).sum(),
        "create_graph": lambda: ag.grad((w**3).sum(), w, create_graph=True)[0].sum().backward(),
        "numpy": lambda: (w * ag.Tensor(np.ones(2, F32))).sum().backward(),
        "hook": lambda: (w.register_hook(lambda g: g), (w * 2).sum().backward()) and None,
    }
    for name, body in cases.items():
        compiled = ag.compile(body)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled()
        assert any("runs eagerly" in str(c.message) for c in caught), name
        w.grad = None


def test_explain_counts_and_source() -> None:
    X, rng = data()
    model = mlp([3, 4, 1])
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    compiled = ag.compile(step_fn(model, opt, nn.MSELoss(), X, ag.randn(len(X), 1)))
    compiled()
    text = compiled.explain()
    assert "1 recording(s)" in text and "forward" in text and "backward" in text and "call" in text
    assert "def _replay" in text


def test_replay_returns_fresh_arrays() -> None:
    w = ag.tensor([1.0, 2.0])
    compiled = ag.compile(lambda: w * 2)
    a, b, c = compiled(), compiled(), compiled()
    assert a.numpy() is not b.numpy() and b.numpy() is not c.numpy()
    assert a.numpy().tolist() == [2.0, 4.0]


UNARY = ["exp", "tanh", "sigmoid", "relu", "neg", "abs", "square"]
BINARY = ["add", "sub", "mul", "matmul_t", "max_pair"]


def _apply(op: str, a: Any, b: Any) -> Any:
    if op == "square":
        return a * a
    if op in UNARY:
        return getattr(a, op)()
    if op == "add":
        return a + b
    if op == "sub":
        return a - b * 0.5
    if op == "mul":
        return a * b
    if op == "matmul_t":
        return (a @ b.transpose(0, 1)).sum(1, keepdim=True) * a
    return ag.maximum(a, b) if hasattr(ag, "maximum") else a + b


@settings(max_examples=25, deadline=None)
@given(
    program=st.lists(
        st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 9), st.integers(0, 9)),
        min_size=1,
        max_size=8,
    ),
    rows=st.integers(1, 3),
    cols=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_random_programs_compiled_equal_eager(program: list[Any], rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=(rows, cols)).astype(F32) for _ in range(2)]

    def run(leaves: list[ag.Tensor]) -> ag.Tensor:
        values = list(leaves)
        for op, i, j in program:
            values.append(_apply(op, values[i % len(values)], values[j % len(values)]))
        out = values[-1].sum() + values[0].sum() * 0
        out.backward()
        return out

    eager_leaves = [ag.tensor(a, requires_grad=True) for a in start]
    expected = run(eager_leaves)
    compiled = ag.compile(run)
    for _ in range(2):  # a trace, then a replay
        leaves = [ag.tensor(a, requires_grad=True) for a in start]
        got = compiled(leaves)
        assert got.numpy().tobytes() == expected.numpy().tobytes()
        for e, c in zip(eager_leaves, leaves, strict=True):
            assert (e.grad is None) == (c.grad is None)
            if e.grad is not None:
                assert e.grad.numpy().tobytes() == c.grad.numpy().tobytes()
    assert list(compiled.entries.values())[0].reason is None


@pytest.mark.parametrize("clip", [None, 0.5])
@pytest.mark.filterwarnings("error::RuntimeWarning")  # a graph break would warn
def test_fit_compile_gives_eager_history(clip: float | None) -> None:
    X, rng = data(n=20)
    y = ag.tensor(rng.integers(0, 2, len(X)))
    histories, models = [], []
    for compiled in (False, True):
        model = mlp([3, 6, 2])
        opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
        loader = nn.DataLoader(nn.TensorDataset(X, y), batch_size=8)  # a last batch of 4: a second recording
        histories.append(
            nn.fit(
                model,
                nn.CrossEntropyLoss(),
                opt,
                loader,
                3,
                metrics={"accuracy": nn.accuracy},
                progress=False,
                scheduler=sched,
                clip_grad_norm=clip,
                compile=compiled,
            )
        )
        models.append(model)
    eager, compiled_history = histories
    assert eager == compiled_history
    assert_same(*models)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_cli_compile_flag(tmp_path: Any) -> None:
    from nn.cli import main

    args = ["train", "--epochs", "3", "--samples", "40", "--no-progress", "--out", str(tmp_path)]
    assert main([*args, "--compile"]) == 0
