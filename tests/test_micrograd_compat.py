"""micrograd users' code runs unchanged: micrograd's own two tests (test/test_engine.py of
karpathy/micrograd) on ``autograd.Value``, and ``nn.MLP`` draws, orders and trains its parameters
exactly as ``micrograd.nn.MLP`` does."""

from __future__ import annotations

import random
from typing import Any

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest
import torch

import nn
from autograd import Value

ENGINES = {
    "tracegrad": Value,
    "micrograd": micrograd.engine.Value,
}  # micrograd runs too: the tests are faithful


@pytest.mark.parametrize("engine", ENGINES)
def test_sanity_check(engine: str):
    x = ENGINES[engine](-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


@pytest.mark.parametrize("engine", ENGINES)
def test_more_ops(engine: str):
    a = ENGINES[engine](-4.0)
    b = ENGINES[engine](2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


def _twin_models(seed: int) -> tuple[nn.MLP, micrograd.nn.MLP]:
    """Both MLPs built after ``random.seed(seed)``; both must leave the generator in the same state."""
    random.seed(seed)
    ours = nn.MLP(2, [16, 16, 1])
    after_ours = random.getstate()
    random.seed(seed)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    assert random.getstate() == after_ours, "the two MLPs drew a different number of random numbers"
    return ours, theirs


@pytest.mark.parametrize("seed", [0, 1, 1337])
def test_same_seed_gives_the_same_parameters_in_the_same_order(seed: int):
    ours, theirs = _twin_models(seed)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1
    assert repr(ours) == repr(theirs)
    assert [repr(n) for n in ours.layers[0].neurons] == [repr(n) for n in theirs.layers[0].neurons]


def _hinge_loss(model: Any, xs: list[list[float]], ys: list[float], engine: type) -> Any:
    """micrograd's demo loss: mean(relu(1 - y * score)) + 1e-4 * sum(p * p), with Python's sum."""
    inputs = [list(map(engine, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


@pytest.mark.parametrize("seed", [0, 7])
def test_same_loss_gradients_and_sgd_trajectory_as_micrograd(seed: int):
    ours, theirs = _twin_models(seed)
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(20, 2)).tolist()
    ys = rng.choice([-1.0, 1.0], size=20).tolist()
    first_loss = None
    for step in range(3):
        loss_ours = _hinge_loss(ours, xs, ys, Value)
        loss_theirs = _hinge_loss(theirs, xs, ys, micrograd.engine.Value)
        ours.zero_grad()
        theirs.zero_grad()
        loss_ours.backward()
        loss_theirs.backward()
        assert loss_ours.data == pytest.approx(loss_theirs.data, rel=1e-12, abs=1e-15), f"loss at step {step}"
        first_loss = loss_ours.data if first_loss is None else first_loss
        np.testing.assert_allclose(
            [p.grad for p in ours.parameters()],
            [p.grad for p in theirs.parameters()],
            rtol=1e-9,
            atol=1e-14,
            err_msg=f"gradients at step {step}",
        )
        learning_rate = 1.0 - 0.9 * step / 100
        for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
            p.data -= learning_rate * p.grad
            q.data -= learning_rate * q.grad
    assert loss_ours.data != first_loss  # the parameters moved: later steps compared new points


@pytest.mark.parametrize(
    "mix",
    [
        lambda: Value(1.0) * micrograd.engine.Value(2.0),
        lambda: Value(1.0) + micrograd.engine.Value(2.0),
        lambda: Value.sum([Value(1.0), micrograd.engine.Value(2.0)]),
    ],
)
def test_mixing_micrograds_value_with_ours_is_an_error_saying_what_to_import(mix):
    with pytest.raises(TypeError, match="from nn import Neuron, Layer, MLP"):
        mix()


@pytest.mark.parametrize(
    "numbers",
    [[float("inf"), float("-inf")], [1e308, 1e308], [1e308, 1e308, -1e308], [float("nan"), 1.0]],
)
def test_value_sum_of_infinities_and_overflows_is_what_plus_gives(numbers):
    leaves = [Value(x) for x in numbers]
    fused = Value.sum(leaves)
    chained = Value(0.0)
    for x in numbers:
        chained = chained + Value(x)
    np.testing.assert_array_equal(fused.data, chained.data)
    fused.backward()
    assert [leaf.grad for leaf in leaves] == [1.0] * len(numbers)  # 1 for each term, whatever the sum
