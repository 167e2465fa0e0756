"""``autograd.compile`` through what used to be graph breaks: max pooling's ``return_indices``, BatchNorm's
cumulative average (``momentum=None``) and ``bernoulli`` draws. Each compiled training step is compared with
the same eager step from the same state and seed: losses, returned indices, parameters, gradients and buffers
bit for bit, the default generator's stream left where eager leaves it, and no graph break (``fullgraph``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_compile_lessons import assert_same_state

import autograd as ag
import nn
from nn import functional as F  # noqa: N812

STEPS = 4
F32 = np.float32

Loss = Callable[[nn.Module, ag.Tensor, ag.Tensor], Any]


def stepper(model: nn.Module, opt: Any, loss_of: Loss) -> Callable[[ag.Tensor, ag.Tensor], Any]:
    """One SGD step; returns the loss as a number and whatever else ``loss_of`` gave (indices, masks)."""

    def step(x: ag.Tensor, y: ag.Tensor) -> Any:
        opt.zero_grad()
        loss, *extra = loss_of(model, x, y)
        loss.backward()
        opt.step()
        return (loss.item(), *extra)

    return step


def same_results(eager: Any, compiled: Any) -> None:
    """A step's results equal bit for bit: numbers, and tensors by value, shape and dtype."""
    assert len(eager) == len(compiled)
    assert eager[0] == compiled[0]
    for e, c in zip(eager[1:], compiled[1:], strict=True):
        assert e.dtype == c.dtype and e.shape == c.shape
        assert e.numpy().tobytes() == c.numpy().tobytes()


def run_both(
    model: nn.Module, loss_of: Loss, batches: list[tuple[ag.Tensor, ag.Tensor]], seed: int = 0
) -> tuple[list[Any], Any]:
    """Trains ``model`` eagerly and a copy compiled (``fullgraph``), each from ``manual_seed(seed)``, and
    asserts equal results and states after every step and the default generator where eager left it;
    returns the compiled results and the compiled function."""
    twin = copy.deepcopy(model)
    eager_step = stepper(model, nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), loss_of)
    compiled = ag.compile(
        stepper(twin, nn.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9), loss_of), fullgraph=True
    )
    ag.manual_seed(seed)
    eager = [eager_step(x, y) for x, y in batches]
    after_eager = ag.rand(5).numpy().tobytes()
    ag.manual_seed(seed)
    results = []
    for i, (x, y) in enumerate(batches):
        results.append(compiled(x, y))
        same_results(eager[i], results[-1])
    assert ag.rand(5).numpy().tobytes() == after_eager  # the same draws, no more, no fewer
    assert_same_state(model, twin)
    assert compiled.traces == 1 and "0 graph break(s)" in compiled.explain()
    return results, compiled


def batches(shape: tuple[int, ...], classes: int, steps: int = STEPS, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    return [
        (ag.tensor(rng.normal(size=shape).astype(F32)), ag.tensor(rng.integers(0, classes, shape[0])))
        for _ in range(steps)
    ]


# ----- max pooling with return_indices -----------------------------------------------------------------
class Pooled(nn.Module):
    """A convolution, max pooling that returns indices (the module or the function), a linear layer."""

    def __init__(self, d: int) -> None:
        super().__init__()
        ag.manual_seed(1)
        self.d = d
        self.conv = nn.Conv2d(2, 3, 3) if d == 2 else nn.Conv1d(2, 3, 3)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)
        self.head = nn.Linear(27 if d == 2 else 9, 3)

    def forward(self, x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        h = self.conv(x).relu()
        if self.d == 2:
            values, indices = self.pool(h)
        else:
            values, indices = F.max_pool1d(h, 2, return_indices=True)
        return self.head(values.flatten(1)), indices


@pytest.mark.parametrize("d", [1, 2])
def test_max_pool_with_indices_compiles_to_eager_numbers(d: int) -> None:
    def loss_of(m: nn.Module, x: ag.Tensor, y: ag.Tensor) -> Any:
        out, indices = m(x)
        return F.cross_entropy(out, y), indices

    shape = (4, 2, 8, 8) if d == 2 else (4, 2, 8)
    results, _ = run_both(Pooled(d), loss_of, batches(shape, 3))
    indices = results[-1][1]
    assert indices.dtype == ag.int64 and indices.shape == ((4, 3, 3, 3) if d == 2 else (4, 3, 3))
    assert len({r[1].numpy().tobytes() for r in results}) > 1  # found again at each replay, not frozen


def test_max_pool_indices_of_an_unbatched_input_and_a_new_shape_retrace() -> None:
    x = ag.randn(2, 6, 6, requires_grad=True)

    def pool(x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        values, indices = F.max_pool2d(x * 2.0, 2, return_indices=True)
        values.sum().backward()
        return values, indices

    compiled = ag.compile(pool, fullgraph=True)
    for shape in [(2, 6, 6), (2, 6, 6), (1, 2, 4, 4), (1, 2, 4, 4)]:
        x = ag.randn(*shape, requires_grad=True)
        values, indices = compiled(x)
        grad = x.grad
        x.grad = None
        want_values, want_indices = pool(x)
        assert values.numpy().tobytes() == want_values.numpy().tobytes()
        assert indices.numpy().tobytes() == want_indices.numpy().tobytes()
        assert grad.numpy().tobytes() == x.grad.numpy().tobytes()
    assert compiled.traces == 2


# ----- BatchNorm's cumulative moving average ------------------------------------------------------------
def bn_model(d: int, momentum: float | None) -> nn.Module:
    ag.manual_seed(2)
    if d == 1:
        return nn.Sequential(
            nn.Linear(5, 4), nn.BatchNorm1d(4, momentum=momentum), nn.ReLU(), nn.Linear(4, 3)
        )
    return nn.Sequential(
        nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=momentum), nn.ReLU(), nn.Flatten(), nn.Linear(12, 3)
    )


def cross_entropy(m: nn.Module, x: ag.Tensor, y: ag.Tensor) -> Any:
    return (F.cross_entropy(m(x), y),)


@pytest.mark.parametrize("d", [1, 2])
def test_batchnorm_cumulative_average_compiles_to_eager_numbers(d: int) -> None:
    model = bn_model(d, None)
    run_both(model, cross_entropy, batches((6, 5) if d == 1 else (3, 2, 4, 4), 3))
    assert int(model[1].num_batches_tracked.item()) == STEPS


def test_batchnorm_momentum_switched_between_none_and_a_number_retraces() -> None:
    model = bn_model(1, None)
    twin = copy.deepcopy(model)
    eager = stepper(model, nn.optim.SGD(model.parameters(), lr=0.1), cross_entropy)
    compiled = ag.compile(
        stepper(twin, nn.optim.SGD(twin.parameters(), lr=0.1), cross_entropy), fullgraph=True
    )
    for i, (x, y) in enumerate(batches((6, 5), 3, steps=8)):
        momentum = [None, None, 0.1, 0.1, None, 0.3, 0.1, None][i]
        model[1].momentum = twin[1].momentum = momentum
        same_results(eager(x, y), compiled(x, y))
        assert_same_state(model, twin)
    assert compiled.traces == 3  # None, 0.1 and 0.3: each recorded once, then replayed
    assert "train" in compiled.explain()


# ----- bernoulli ----------------------------------------------------------------------------------------
def masked(draw: Callable[[ag.Tensor], ag.Tensor]) -> Loss:
    """A loss through a Bernoulli mask drawn from the layer's own output (detached probabilities)."""

    def loss_of(m: nn.Module, x: ag.Tensor, y: ag.Tensor) -> Any:
        h = m(x)
        mask = draw(h.sigmoid().detach())
        return F.cross_entropy(h * mask, y), mask

    return loss_of


DRAWS: dict[str, Callable[[ag.Tensor], ag.Tensor]] = {
    "bernoulli": ag.bernoulli,
    "method": lambda p: p.bernoulli(),
    "number": lambda p: ag.bernoulli(p, 0.3),
    "bernoulli_": lambda p: ag.zeros(p.shape).bernoulli_(p),
    "bernoulli_ broadcast": lambda p: ag.empty(p.shape).bernoulli_(p[0]),
    "bernoulli_ number": lambda p: ag.ones(p.shape, dtype=ag.float64).bernoulli_(0.6),
}


@pytest.mark.parametrize("form", list(DRAWS))
def test_bernoulli_with_tensor_probabilities_compiles_to_eager_draws(form: str) -> None:
    ag.manual_seed(5)
    results, _ = run_both(nn.Linear(5, 3), masked(DRAWS[form]), batches((6, 5), 3), seed=7)
    masks = [r[1].numpy().tobytes() for r in results]
    assert len(set(masks)) == STEPS  # fresh draws at each replay
    assert set(np.unique(results[-1][1].numpy())) <= {0.0, 1.0}


def test_bernoulli_gives_probabilities_a_zero_gradient_and_its_draws_even_when_unused() -> None:
    p = ag.full((3, 4), 0.5, requires_grad=True)

    def draws(p: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
        ag.bernoulli(p)  # dead, but its draw moves the stream: the next draw depends on it
        sample = p.bernoulli()
        (sample * p).sum().backward()
        return sample, p.grad, ag.rand(2)

    def calls(fn: Callable[[ag.Tensor], Any]) -> list[bytes]:
        ag.manual_seed(9)
        out = []
        for _ in range(3):
            out += [t.numpy().tobytes() for t in fn(p)]
            p.grad = None
        return out

    eager = calls(draws)
    assert calls(ag.compile(draws, fullgraph=True)) == eager


def test_bernoulli_probabilities_of_a_new_shape_or_dtype_retrace() -> None:
    def sample(p: ag.Tensor) -> ag.Tensor:
        return ag.bernoulli(p * 1.0)

    compiled = ag.compile(sample, fullgraph=True)
    shapes = [((4,), F32), ((4,), F32), ((2, 3), F32), ((2, 3), np.float64), ((4,), F32)]
    rng = np.random.default_rng(3)
    probs = [ag.tensor(rng.uniform(size=s).astype(dt)) for s, dt in shapes]
    ag.manual_seed(1)
    eager = [sample(p) for p in probs]
    ag.manual_seed(1)
    for p, want in zip(probs, eager, strict=True):
        got = compiled(p)
        assert got.dtype == want.dtype and got.numpy().tobytes() == want.numpy().tobytes()
    assert compiled.traces == 3
