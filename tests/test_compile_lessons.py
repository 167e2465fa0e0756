"""``autograd.compile`` on the next lessons' models (examples/09 CNN, 10 makemore MLP, 11 GPT) and on dropout:
a whole training step (zero_grad, forward, loss, backward, optimizer step) compiled with ``fullgraph=True``
(a graph break would raise) gives eager's losses, parameters, gradients and buffers bit for bit over
several steps from the same weights and seed, and dropout draws a fresh mask at every replay."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_examples import load

import autograd as ag
import nn
from nn import functional as F  # noqa: N812

STEPS = 4


def assert_same_state(m1: nn.Module, m2: nn.Module) -> None:
    """Parameters, their gradients and buffers equal bit for bit."""
    for (name, p1), (_, p2) in zip(m1.named_parameters(), m2.named_parameters(), strict=True):
        assert p1.numpy().tobytes() == p2.numpy().tobytes(), name
        assert (p1.grad is None) == (p2.grad is None), name
        if p1.grad is not None:
            assert p1.grad.numpy().tobytes() == p2.grad.numpy().tobytes(), name
    s1, s2 = m1.state_dict(), m2.state_dict()
    assert all(s1[k].numpy().tobytes() == s2[k].numpy().tobytes() for k in s1)


def run_both(
    model: nn.Module,
    make_opt: Callable[[Any], Any],
    loss_of: Callable[[nn.Module, Any, Any], ag.Tensor],
    batches: list[tuple[ag.Tensor, ag.Tensor]],
    seed: int = 0,
) -> Any:
    """Trains ``model`` and a copy on ``batches``, eagerly and compiled, each from ``manual_seed(seed)``;
    asserts equal losses and states after every step; returns the compiled function."""
    twin = copy.deepcopy(model)
    o1, o2 = make_opt(model.parameters()), make_opt(twin.parameters())

    def stepper(m: nn.Module, opt: Any) -> Callable[[Any, Any], float]:
        def step(x: Any, y: Any) -> float:
            opt.zero_grad()
            loss = loss_of(m, x, y)
            loss.backward()
            opt.step()
            return loss.item()

        return step

    ag.manual_seed(seed)
    eager = [stepper(model, o1)(x, y) for x, y in batches]
    ag.manual_seed(seed)
    compiled = ag.compile(stepper(twin, o2), fullgraph=True)
    for i, (x, y) in enumerate(batches):
        assert compiled(x, y) == eager[i], f"step {i}"
    assert_same_state(model, twin)
    assert compiled.traces == 1 and "0 graph break(s)" in compiled.explain()
    return compiled


# ----- dropout -------------------------------------------------------------------------------------------
def dropout_mlp(p: float, inplace: bool = False) -> nn.Module:
    ag.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 8), nn.Dropout(p, inplace), nn.ReLU(), nn.Linear(8, 3))


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_training_compiled_equals_eager_from_the_same_seed(p: float, inplace: bool) -> None:
    rng = np.random.default_rng(0)
    batches = [
        (ag.tensor(rng.normal(size=(6, 5)).astype(np.float32)), ag.tensor(rng.integers(0, 3, 6)))
        for _ in range(STEPS + 2)
    ]
    run_both(
        dropout_mlp(p, inplace),
        lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda m, x, y: F.cross_entropy(m(x), y),
        batches,
    )


def test_dropout_masks_are_fresh_at_every_replay_and_follow_the_seed() -> None:
    x = ag.ones(8, 6, requires_grad=True)

    def noisy(x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        out = F.dropout(x * 1.0, 0.5)
        out.sum().backward()
        return out, x.grad

    def calls(fn: Callable[[ag.Tensor], Any]) -> list[Any]:
        ag.manual_seed(11)
        results = []
        for _ in range(4):
            results.append(fn(x))
            x.grad = None
        return results

    eager = calls(noisy)
    replays = calls(ag.compile(noisy, fullgraph=True))
    for (e, ge), (c, gc) in zip(eager, replays, strict=True):
        assert e.numpy().tobytes() == c.numpy().tobytes()
        assert ge.numpy().tobytes() == gc.numpy().tobytes()  # the gradient goes through the same mask
        assert np.array_equal(c.numpy(), gc.numpy())
    masks = {r.numpy().tobytes() for r, _ in replays}
    assert len(masks) == 4  # every replay drew its own mask
    assert set(np.unique(replays[2][0].numpy())) == {0.0, 2.0}


def test_a_dropout_nobody_reads_still_draws_so_later_draws_stay_eager() -> None:
    x = ag.ones(4, 3)

    def draws(x: ag.Tensor) -> ag.Tensor:
        F.dropout(x, 0.5)  # its result is dead, its draw is not: the next draw depends on it
        return ag.rand(2, 3)

    ag.manual_seed(4)
    eager = [draws(x).numpy().tobytes() for _ in range(3)]
    ag.manual_seed(4)
    compiled = ag.compile(draws, fullgraph=True)
    assert [compiled(x).numpy().tobytes() for _ in range(3)] == eager


def test_dropout_in_evaluation_and_at_p0_is_not_recorded_as_random() -> None:
    model = dropout_mlp(0.5).eval()
    x = ag.ones(2, 5)
    compiled = ag.compile(lambda x: model(x), fullgraph=True)
    with ag.no_grad():
        first, second = compiled(x), compiled(x)
        assert first.numpy().tobytes() == second.numpy().tobytes() == model(x).numpy().tobytes()
    assert "Dropout" not in compiled.explain()


@pytest.mark.parametrize("dtype", [ag.float16, ag.float32, ag.float64])
def test_dropout_op_semantics_as_torch(dtype: Any) -> None:
    x = ag.ones(50, 40, dtype=dtype, requires_grad=True)
    out = ag.dropout(x, 0.25, True)
    assert out.dtype == dtype
    kept = out.numpy() != 0
    np.testing.assert_array_equal(out.numpy()[kept], np.asarray(1 / 0.75, out.numpy().dtype))
    out.backward(ag.ones(50, 40, dtype=dtype))
    assert x.grad.numpy().tobytes() == out.numpy().tobytes()  # d/dx: the same scaled mask
    t = torch.ones(3, 4, dtype=getattr(torch, str(dtype)))
    mine = ag.ones(3, 4, dtype=dtype)
    for p, train in [(0.0, True), (0.7, False), (1.0, True)]:
        np.testing.assert_array_equal(ag.dropout(mine, p, train).numpy(), torch.dropout(t, p, train).numpy())
    assert ag.dropout(mine, 0.5, False) is mine
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        ag.dropout(ag.ones(3, dtype=ag.int64), 0.5, True)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        ag.dropout(mine, 1.5, True)


def test_attention_and_transformer_dropout_compile_and_replay_eager_draws() -> None:
    ag.manual_seed(5)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.2, batch_first=True)
    rng = np.random.default_rng(1)
    batches = [
        tuple(ag.tensor(rng.normal(size=(2, 5, 8)).astype(np.float32)) for _ in range(2))
        for _ in range(STEPS)
    ]
    run_both(layer, lambda ps: nn.optim.Adam(ps, lr=1e-2), lambda m, x, y: F.mse_loss(m(x), y), batches)


def test_lstm_dropout_between_layers_and_embedding_compile_and_replay_eager_draws() -> None:
    ag.manual_seed(6)
    model = nn.ModuleDict({"emb": nn.Embedding(7, 3, padding_idx=0), "lstm": nn.LSTM(3, 4, 2, dropout=0.3)})
    rng = np.random.default_rng(2)
    batches = [
        (ag.tensor(rng.integers(0, 7, (5, 2))), ag.tensor(rng.normal(size=(5, 2, 4)))) for _ in range(3)
    ]
    run_both(
        model,
        lambda ps: nn.optim.SGD(ps, lr=0.1),
        lambda m, x, y: F.mse_loss(m["lstm"](m["emb"](x))[0], y.float()),
        batches,
    )


# ----- the lessons' models ----------------------------------------------------------------------------
def test_cnn_digits_step_compiles_to_eager_numbers() -> None:
    cnn = load("09_cnn_digits")
    X, y, _, _ = cnn.data()
    ag.manual_seed(0)
    model = cnn.build()
    batches = [(ag.tensor(X[i : i + 8]), ag.tensor(y[i : i + 8])) for i in range(0, 8 * STEPS, 8)]
    run_both(model, lambda ps: nn.optim.Adam(ps, lr=1e-2), lambda m, x, t: F.cross_entropy(m(x), t), batches)


def test_makemore_step_compiles_to_eager_numbers_with_batchnorm_buffers() -> None:
    mm = load("10_makemore")
    X, Y, chars = mm.dataset(mm.NAMES.read_text().split()[:40])
    ag.manual_seed(1)
    model = mm.MLP(len(chars), n_embd=4, hidden=16)
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(STEPS):
        ix = rng.integers(0, len(X), 16)
        batches.append((ag.tensor(X[ix]), ag.tensor(Y[ix])))
    compiled = run_both(
        model, lambda ps: nn.optim.SGD(ps, lr=0.1), lambda m, x, t: F.cross_entropy(m(x), t), batches
    )
    assert "write" in compiled.explain()  # the running statistics are updated at every replay


def test_gpt_step_compiles_to_eager_numbers() -> None:
    gpt = load("11_gpt")
    text = gpt.corpus(3000)
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text], dtype=np.int64)
    ag.manual_seed(2)
    model = gpt.GPT(len(chars), block=8, n_embd=16, n_head=2, n_layer=2)
    windows = gpt.batches(data, 8, 4, seed=0)
    batches = [tuple(ag.tensor(a) for a in next(windows)) for _ in range(STEPS)]

    def loss_of(m: nn.Module, x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        logits = m(x)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))

    run_both(model, lambda ps: nn.optim.AdamW(ps, lr=3e-3), loss_of, batches)


# ----- random programs of the lessons' ops --------------------------------------------------------------
LESSON_UNARY = {
    "gelu": lambda a: F.gelu(a),
    "tanh": lambda a: a.tanh(),
    "log_softmax": lambda a: F.log_softmax(a, -1),
    "softmax": lambda a: a.softmax(0),
    "layer_norm": lambda a: F.layer_norm(a, a.shape[-1:]),
    "row_sum": lambda a: a.sum(-1, keepdim=True),
    "col_mean": lambda a: a.mean(0, keepdim=True),
    "dropout": lambda a: F.dropout(a, 0.4),
    "flip": lambda a: a.flip(-1),
    "square": lambda a: a.pow(2),
}
LESSON_BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b.abs() + 1),
    "maximum": lambda a, b: ag.maximum(a, b),
    "where": lambda a, b: ag.where(a > b, a, b * 2),
    "matmul": lambda a, b: (lambda x: x @ x.transpose(0, 1) @ x)(a * b),
}


@settings(max_examples=25, deadline=None)
@given(
    program=st.lists(
        st.tuples(
            st.sampled_from(sorted(LESSON_UNARY) + sorted(LESSON_BINARY)),
            st.integers(0, 9),
            st.integers(0, 9),
        ),
        min_size=1,
        max_size=8,
    ),
    rows=st.integers(1, 4),
    cols=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_random_programs_of_lesson_ops_compiled_equal_eager(
    program: list[Any], rows: int, cols: int, seed: int
) -> None:
    """Random programs (broadcasting reductions, softmaxes, norms, dropout) traced, then replayed twice:
    forward values and gradients bit for bit as eager's from the same seed."""
    start = np.random.default_rng(seed).normal(size=(2, rows, cols))

    def run(leaves: list[ag.Tensor]) -> ag.Tensor:
        values = list(leaves)
        for name, i, j in program:
            a, b = values[i % len(values)], values[j % len(values)]
            values.append(LESSON_UNARY[name](a) if name in LESSON_UNARY else LESSON_BINARY[name](a, b))
        out = values[-1].sum() + values[0].sum() * 0
        out.backward()
        return out

    compiled = ag.compile(run, fullgraph=True)
    for call in range(3):  # the trace, then two replays
        ag.manual_seed(seed + call)
        eager_leaves = [ag.tensor(a, requires_grad=True) for a in start]
        expected = run(eager_leaves)
        ag.manual_seed(seed + call)
        leaves = [ag.tensor(a, requires_grad=True) for a in start]
        assert compiled(leaves).numpy().tobytes() == expected.numpy().tobytes()
        for e, c in zip(eager_leaves, leaves, strict=True):
            assert (e.grad is None) == (c.grad is None)
            if e.grad is not None:
                assert e.grad.numpy().tobytes() == c.grad.numpy().tobytes()
    assert compiled.traces == 1
