"""Randomness as torch: manual_seed makes every draw repeatable, Generator objects go where torch takes
``generator=``, the draws have the right distributions, and shapes, dtypes and errors are torch's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn

DTYPES = {
    torch.float16: ag.float16,
    torch.float32: ag.float32,
    torch.float64: ag.float64,
    torch.int64: ag.int64,
    torch.int32: ag.int32,
    torch.uint8: ag.uint8,
    torch.bool: ag.bool_,
}
TORCH = {ours: theirs for theirs, ours in DTYPES.items()}


pytestmark = pytest.mark.usefixtures("torch_float32")


def _values(result: Any) -> np.ndarray:
    """What a draw gave, as one array: a tensor, a module's parameters, batches, or arrays."""
    if isinstance(result, ag.Tensor):
        return result.numpy().copy()
    if isinstance(result, nn.Module):
        return np.concatenate([p.numpy().ravel() for p in result.parameters()])
    return np.concatenate([np.asarray(_values(r) if isinstance(r, ag.Tensor) else r).ravel() for r in result])


def _filled(method: str, *args: Any, shape: tuple[int, ...] = (8, 8), **kwargs: Any) -> Any:
    return lambda **gen: getattr(ag.zeros(shape), method)(*args, **kwargs, **gen)


def _init(name: str, *args: Any) -> Any:
    return lambda **gen: getattr(nn.init, name)(nn.Parameter(np.zeros((8, 6), np.float32)), *args, **gen)


def _batches(**gen: Any) -> list[Any]:
    data = nn.TensorDataset(ag.arange(40))
    return [batch for (batch,) in nn.DataLoader(data, batch_size=7, shuffle=True, **gen)]


PROBS = ag.tensor([[0.1, 0.2, 0.3, 0.4, 0.0, 1.0, 2.0, 0.5], [1.0] * 8])
# Every random draw: called with no generator (the default one) or with ``generator=`` (keyword ``gen``).
DRAWS: dict[str, Callable[..., Any]] = {
    "rand": lambda **gen: ag.rand(6, 7, **gen),
    "randn": lambda **gen: ag.randn((6, 7), **gen),
    "randint(high, size)": lambda **gen: ag.randint(1000, (40,), **gen),
    "randint(low, high, size)": lambda **gen: ag.randint(-50, 1000, (40,), **gen),
    "randint keywords": lambda **gen: ag.randint(low=3, high=1000, size=(40,), **gen),
    "randperm": lambda **gen: ag.randperm(40, **gen),
    "multinomial": lambda **gen: ag.multinomial(PROBS, 6, **gen),
    "multinomial replacement": lambda **gen: PROBS.multinomial(30, replacement=True, **gen),
    "bernoulli(p tensor)": lambda **gen: ag.bernoulli(ag.full((64,), 0.5), **gen),
    "bernoulli(p=)": lambda **gen: ag.zeros(64).bernoulli(p=0.5, **gen),
    "normal(tensor, tensor)": lambda **gen: ag.normal(ag.zeros(8, 1), ag.ones(8), **gen),
    "normal(tensor, float)": lambda **gen: ag.normal(ag.zeros(40), 2.0, **gen),
    "normal(float, tensor)": lambda **gen: ag.normal(1.0, ag.ones(40), **gen),
    "normal(float, float, size)": lambda **gen: ag.normal(1.0, 3.0, (40,), **gen),
    "rand_like": lambda **gen: ag.rand_like(ag.zeros(40), **gen),
    "randn_like": lambda **gen: ag.randn_like(ag.zeros(40, dtype=ag.float64), **gen),
    "randint_like(high)": lambda **gen: ag.randint_like(ag.zeros(40), 1000, **gen),
    "randint_like(low, high)": lambda **gen: ag.randint_like(ag.zeros(40), 5, 1000, **gen),
    "Tensor.normal_": _filled("normal_", 1.0, 2.0),
    "Tensor.uniform_": _filled("uniform_", -1.0, 1.0),
    "Tensor.bernoulli_": _filled("bernoulli_", 0.5),
    "Tensor.random_()": _filled("random_"),
    "Tensor.random_(high)": _filled("random_", 1000),
    "Tensor.random_(low, high)": _filled("random_", 10, 1000),
    "nn.init.uniform_": _init("uniform_"),
    "nn.init.normal_": _init("normal_"),
    "nn.init.xavier_uniform_": _init("xavier_uniform_"),
    "nn.init.xavier_normal_": _init("xavier_normal_"),
    "nn.init.kaiming_uniform_": _init("kaiming_uniform_"),
    "nn.init.kaiming_normal_": _init("kaiming_normal_"),
    "nn.init.orthogonal_": _init("orthogonal_"),
    "nn.Linear": lambda **gen: nn.Linear(6, 5, **gen),
    "nn.build_mlp": lambda **gen: nn.build_mlp(2, [4], 1, **gen),
    "DataLoader(shuffle=True)": _batches,
}
MAKERS = [
    nn.data.make_moons,
    nn.data.make_circles,
    nn.data.make_xor,
    nn.data.make_spirals,
    nn.data.make_blobs,
]


@pytest.mark.parametrize("name", DRAWS)
def test_manual_seed_makes_every_draw_repeatable(name):
    draw = DRAWS[name]
    ag.manual_seed(7)
    first = _values(draw())
    ag.manual_seed(7)
    np.testing.assert_array_equal(_values(draw()), first)
    ag.manual_seed(8)
    assert not np.array_equal(_values(draw()), first)


@pytest.mark.parametrize("name", DRAWS)
def test_a_generator_object_gives_its_own_stream_and_leaves_the_default_alone(name):
    draw = DRAWS[name]
    mine = ag.Generator().manual_seed(3)
    ag.manual_seed(0)
    first = _values(draw(generator=mine))
    after = ag.rand(4)
    np.testing.assert_array_equal(_values(draw(generator=ag.Generator().manual_seed(3))), first)
    ag.manual_seed(0)
    np.testing.assert_array_equal(ag.rand(4).numpy(), after.numpy())  # the default did not move
    assert not np.array_equal(_values(draw(generator=mine)), first)  # the generator moved on
    np.testing.assert_array_equal(  # a numpy Generator is accepted as a convenience
        _values(draw(generator=np.random.default_rng(5))), _values(draw(generator=np.random.default_rng(5)))
    )


@pytest.mark.parametrize("name", ["rand", "randn", "randperm", "nn.Linear", "nn.init.normal_", "multinomial"])
def test_an_int_generator_is_refused_as_torch(name):
    with pytest.raises(TypeError, match="Generator"):
        DRAWS[name](generator=0)
    with pytest.raises(TypeError):
        torch.rand(3, generator=0)


@pytest.mark.parametrize("maker", MAKERS)
def test_data_makers_take_seed_random_state_and_generator_alike(maker):
    X, y = maker(60, seed=4)
    for same in (
        maker(60, random_state=4),
        maker(60, generator=ag.Generator().manual_seed(4)),
        maker(60, random_state=ag.Generator().manual_seed(4)),
    ):
        np.testing.assert_array_equal(same[0], X)
        np.testing.assert_array_equal(same[1], y)
    maker(60, random_state=np.random.RandomState(0))  # scikit-learn's legacy generator
    ag.manual_seed(1)
    unseeded = maker(60)
    ag.manual_seed(1)
    np.testing.assert_array_equal(maker(60)[0], unseeded[0])
    with pytest.raises(TypeError, match="one of"):
        maker(60, seed=1, random_state=1)
    with pytest.raises(TypeError, match="int seed"):
        maker(60, random_state="1")


def test_data_loader_seed_is_a_generator_shorthand():
    data = nn.TensorDataset(ag.arange(30))
    seeded = [b.numpy() for (b,) in nn.DataLoader(data, batch_size=30, shuffle=True, seed=2)]
    generated = nn.DataLoader(data, batch_size=30, shuffle=True, generator=ag.Generator().manual_seed(2))
    np.testing.assert_array_equal([b.numpy() for (b,) in generated], seeded)
    loader = nn.DataLoader(data, batch_size=30, shuffle=True, seed=2)  # each epoch a new order
    assert not np.array_equal(next(iter(loader))[0].numpy(), next(iter(loader))[0].numpy())
    with pytest.raises(TypeError, match="one of"):
        nn.DataLoader(data, shuffle=True, seed=1, generator=ag.Generator())


# ----- the Generator API, as torch's ---------------------------------------------------------------
def test_generator_api_as_torch():
    assert ag.Generator().initial_seed() == torch.Generator().initial_seed()
    g = ag.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert ag.manual_seed(11) is ag.default_generator and ag.initial_seed() == 11
    for seed in (-1, -(2**63), 2**64 - 1, 3.7):
        ag.manual_seed(seed)
        torch.manual_seed(seed)
        assert ag.initial_seed() == torch.initial_seed()
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError):
            ag.manual_seed(bad)
        with pytest.raises((ValueError, RuntimeError)):
            torch.manual_seed(bad)
    with pytest.raises(TypeError):
        ag.manual_seed("1")
    new = g.seed()
    assert isinstance(new, int) and 0 <= new < 2**64 and g.initial_seed() == new
    assert ag.seed() == ag.initial_seed()
    assert ag.Generator(device="cpu").device == ag.device("cpu")
    assert repr(ag.Generator("cpu").device) == repr(torch.Generator("cpu").device)
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.Generator("cuda")


def test_get_state_and_set_state_come_back_to_the_same_point():
    g = ag.Generator().manual_seed(9)
    state = g.get_state()
    assert state.dtype == ag.uint8 and state.ndim == 1
    first = ag.randn(5, generator=g)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(ag.randn(5, generator=g).numpy(), first.numpy())
    assert g.initial_seed() == 9
    saved = ag.get_rng_state()
    a = ag.rand(3, dtype=ag.float64)  # float64 draws use the 64-bit buffer of the state too
    b = ag.randint(10, (3,), dtype=ag.int32)
    ag.set_rng_state(saved)
    np.testing.assert_array_equal(ag.rand(3, dtype=ag.float64).numpy(), a.numpy())
    np.testing.assert_array_equal(ag.randint(10, (3,), dtype=ag.int32).numpy(), b.numpy())
    with pytest.raises(RuntimeError, match="uint8"):
        g.set_state(ag.zeros(3))


def test_threads_share_the_default_generator_safely():
    ag.manual_seed(0)
    errors: list[BaseException] = []
    drawn: list[np.ndarray] = []

    def work() -> None:
        try:
            for _ in range(200):
                drawn.append(ag.rand(16).numpy())
                ag.manual_seed(1)
        except BaseException as error:  # noqa: BLE001 - any failure in a thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(drawn) == 800
    assert all(((d >= 0) & (d < 1)).all() for d in drawn)


# ----- distributions ----------------------------------------------------------------------------------
N = 40_000
SIGMAS = 6  # bounds at 6 standard errors: a false failure is rarer than 1e-8 per check


def _mean_close(sample: np.ndarray, mean: float, var: float) -> None:
    sample = np.asarray(sample, np.float64).ravel()
    assert abs(sample.mean() - mean) < SIGMAS * np.sqrt(var / sample.size), (sample.mean(), mean)


def _moments(sample: np.ndarray, mean: float, var: float, fourth: float) -> None:
    """Mean and variance within bounds (``fourth``: the central fourth moment, for the variance's error)."""
    sample = np.asarray(sample, np.float64).ravel()
    _mean_close(sample, mean, var)
    bound = SIGMAS * np.sqrt((fourth - var**2) / sample.size)
    assert abs(sample.var() - var) < bound, (sample.var(), var)


@pytest.fixture
def seeded():
    ag.manual_seed(1234)


@pytest.mark.usefixtures("seeded")
def test_uniform_and_normal_draws_have_their_moments():
    for dtype in (ag.float32, ag.float64):
        _moments(ag.rand(N, dtype=dtype).numpy(), 0.5, 1 / 12, 1 / 80)
        _moments(ag.randn(N, dtype=dtype).numpy(), 0.0, 1.0, 3.0)
    _moments(ag.normal(2.0, 3.0, (N,)).numpy(), 2.0, 9.0, 3 * 81)
    _moments(ag.normal(ag.full((N,), -1.0), 0.5).numpy(), -1.0, 0.25, 3 * 0.0625)
    _moments(ag.normal(4.0, ag.full((N,), 2.0)).numpy(), 4.0, 4.0, 48.0)
    _moments(ag.zeros(N).normal_(1.0, 2.0).numpy(), 1.0, 4.0, 48.0)
    u = ag.zeros(N, dtype=ag.float64).uniform_(-2.0, 4.0).numpy()
    assert u.min() >= -2 and u.max() < 4
    _moments(u, 1.0, 36 / 12, 6**4 / 80)
    r = ag.rand(N).numpy()
    assert r.min() >= 0 and r.max() < 1 and ag.rand(N).dtype == ag.float32
    assert ag.randn(4, dtype=ag.float16).dtype == ag.float16


@pytest.mark.usefixtures("seeded")
def test_normal_with_tensor_parameters_uses_each_elements_own():
    mean = ag.tensor([[-5.0], [5.0]], dtype=ag.float64)
    std = ag.tensor([0.1, 1.0, 10.0], dtype=ag.float64)
    draws = np.stack([ag.normal(mean, std).numpy() for _ in range(4000)])
    assert draws.shape == (4000, 2, 3)
    for i in range(2):
        for j in range(3):
            _moments(draws[:, i, j], mean.numpy()[i, 0], std.numpy()[j] ** 2, 3 * std.numpy()[j] ** 4)


@pytest.mark.usefixtures("seeded")
def test_integer_draws_cover_their_range_uniformly():
    for draw, low, high in (
        (ag.randint(7, (N,)), 0, 7),
        (ag.randint(-3, 4, (N,)), -3, 4),
        (ag.randint_like(ag.zeros(N), 2, 9), 2, 9),
        (ag.zeros(N, dtype=ag.int64).random_(5), 0, 5),
        (ag.zeros(N).random_(-2, 3), -2, 3),
    ):
        values = draw.numpy()
        assert set(np.unique(values)) == set(range(low, high))
        counts = np.bincount((values - low).astype(np.int64), minlength=high - low)
        p = 1 / (high - low)
        assert (np.abs(counts - N * p) < SIGMAS * np.sqrt(N * p * (1 - p))).all()
    wide = ag.zeros(N, dtype=ag.uint8).random_().numpy()
    assert wide.min() == 0 and wide.max() == 255
    whole = ag.zeros(N).random_().numpy()
    assert whole.min() >= 0 and whole.max() <= 2**24 and whole.max() > 2**23
    assert set(np.unique(ag.zeros(N, dtype=ag.bool_).random_().numpy())) == {False, True}


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("n", [0, 1, 2, 10, 257])
def test_randperm_is_a_permutation(n):
    for dtype in (None, ag.float64, ag.int32):
        perm = ag.randperm(n, dtype=dtype)
        np.testing.assert_array_equal(np.sort(perm.numpy()), np.arange(n))
    assert n < 10 or not np.array_equal(ag.randperm(n).numpy(), np.arange(n))


@pytest.mark.usefixtures("seeded")
def test_bernoulli_draws_ones_with_the_given_probability():
    p = ag.tensor([0.0, 0.2, 0.5, 0.9, 1.0]).expand(N, 5)
    draws = ag.bernoulli(p).numpy()
    assert set(np.unique(draws)) == {0.0, 1.0} and draws.dtype == np.float32
    for j, q in enumerate([0.0, 0.2, 0.5, 0.9, 1.0]):
        _mean_close(draws[:, j], q, max(q * (1 - q), 1e-12))
    _mean_close(ag.bernoulli(ag.zeros(N), 0.3).numpy(), 0.3, 0.21)
    _mean_close(ag.zeros(N, dtype=ag.int64).bernoulli_(0.7).numpy(), 0.7, 0.21)
    _mean_close(ag.zeros(N).bernoulli_(ag.full((N,), 0.25)).numpy(), 0.25, 0.1875)


@pytest.mark.usefixtures("seeded")
def test_multinomial_with_replacement_follows_the_weights():
    weights = np.array([0.0, 1.0, 3.0, 0.0, 4.0])
    draws = ag.multinomial(ag.tensor(weights), N, replacement=True).numpy()
    assert draws.dtype == np.int64 and draws.shape == (N,)
    counts = np.bincount(draws, minlength=5)
    p = weights / weights.sum()
    assert counts[0] == counts[3] == 0
    assert (np.abs(counts - N * p) <= SIGMAS * np.sqrt(N * p * (1 - p))).all()


@pytest.mark.usefixtures("seeded")
def test_multinomial_without_replacement_draws_distinct_indices_in_sequence():
    p = np.array([0.5, 0.3, 0.2])
    rows = ag.tensor(np.tile(p, (N // 4, 1)))
    draws = ag.multinomial(rows, 2).numpy()
    assert (draws[:, 0] != draws[:, 1]).all()
    n = len(draws)
    first = np.bincount(draws[:, 0], minlength=3)
    second = np.bincount(draws[:, 1], minlength=3)
    expect_second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j) for j in range(3)])
    for counts, q in ((first, p), (second, expect_second)):
        assert (np.abs(counts - n * q) <= SIGMAS * np.sqrt(n * q * (1 - q))).all()
    full = ag.multinomial(ag.rand(50, 9) + 0.01, 9).numpy()
    assert (np.sort(full, axis=1) == np.arange(9)).all()
    zeros_last = ag.multinomial(ag.tensor([0.0, 2.0, 0.0, 1.0]), 4).numpy()
    assert set(zeros_last[:2]) == {1, 3} and set(zeros_last[2:]) == {0, 2}


@pytest.mark.usefixtures("seeded")
def test_init_draws_have_torchs_bounds_and_spreads():
    big = (400, 300)
    fan_in, fan_out = 300, 400
    w = nn.init.xavier_uniform_(nn.Parameter(np.zeros(big)), gain=2.0).numpy()
    a = 2.0 * np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a
    _moments(w, 0.0, a * a / 3, a**4 / 5)
    std = np.sqrt(2 / (fan_in + fan_out))
    _moments(nn.init.xavier_normal_(nn.Parameter(np.zeros(big))).numpy(), 0.0, std**2, 3 * std**4)
    gain = nn.init.calculate_gain("relu")
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        std = gain / np.sqrt(fan)
        w = nn.init.kaiming_normal_(nn.Parameter(np.zeros(big)), mode=mode, nonlinearity="relu").numpy()
        _moments(w, 0.0, std**2, 3 * std**4)
        w = nn.init.kaiming_uniform_(nn.Parameter(np.zeros(big)), mode=mode, nonlinearity="relu").numpy()
        assert np.abs(w).max() <= np.sqrt(3) * std
        _moments(w, 0.0, std**2, 9 * std**4 / 5)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3), (6, 6)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = nn.init.orthogonal_(nn.Parameter(np.zeros(shape)), gain=1.5).numpy().reshape(shape[0], -1) / 1.5
    small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-6)
    with pytest.raises(ValueError, match="2 or more"):
        nn.init.orthogonal_(nn.Parameter(np.zeros(3)))


# ----- shapes and dtypes against torch ----------------------------------------------------------------
def _torch_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: TORCH[v] if k == "dtype" else v for k, v in kwargs.items()}


def _same_kind(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == DTYPES[theirs.dtype], (ours.dtype, theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
floating = st.sampled_from([None, ag.float32, ag.float64, ag.float16])


@given(shape=shapes, dtype=floating, requires_grad=st.booleans(), as_list=st.booleans())
def test_float_draws_have_torchs_shapes_and_dtypes(shape, dtype, requires_grad, as_list):
    kwargs = {"requires_grad": requires_grad, **({"dtype": dtype} if dtype else {})}
    size = (list(shape),) if as_list or not shape else shape
    for name in ("rand", "randn"):
        _same_kind(getattr(ag, name)(*size, **kwargs), getattr(torch, name)(*size, **_torch_kwargs(kwargs)))
    _same_kind(ag.normal(0.5, 2.0, shape, **kwargs), torch.normal(0.5, 2.0, shape, **_torch_kwargs(kwargs)))
    ours, theirs = ag.zeros(shape, dtype=ag.float64), torch.zeros(shape, dtype=torch.float64)
    like = {k: v for k, v in kwargs.items()}
    for name in ("rand_like", "randn_like"):
        _same_kind(getattr(ag, name)(ours, **like), getattr(torch, name)(theirs, **_torch_kwargs(like)))


@given(
    shape=shapes,
    dtype=st.sampled_from([None, ag.int32, ag.uint8, ag.float32, ag.float64]),
    low=st.integers(0, 3),
    span=st.integers(1, 5),
)
def test_integer_draws_have_torchs_shapes_and_dtypes(shape, dtype, low, span):
    kwargs = {"dtype": dtype} if dtype else {}
    tk = _torch_kwargs(kwargs)
    _same_kind(ag.randint(low + span, shape, **kwargs), torch.randint(low + span, shape, **tk))
    _same_kind(ag.randint(low, low + span, shape, **kwargs), torch.randint(low, low + span, shape, **tk))
    ours, theirs = ag.zeros(shape), torch.zeros(shape)
    _same_kind(ag.randint_like(ours, low + span, **kwargs), torch.randint_like(theirs, low + span, **tk))
    _same_kind(ag.randint_like(ours, low, low + span), torch.randint_like(theirs, low, low + span))
    _same_kind(ag.randperm(span, **kwargs), torch.randperm(span, **tk))


@given(
    mean_shape=shapes,
    std_shape=shapes,
    mean_dtype=st.sampled_from([ag.float32, ag.float64]),
    std_dtype=st.sampled_from([ag.float32, ag.float64]),
)
def test_normal_with_tensors_has_torchs_shape_and_dtype(mean_shape, std_shape, mean_dtype, std_dtype):
    mean, tmean = ag.zeros(mean_shape, dtype=mean_dtype), torch.zeros(mean_shape, dtype=TORCH[mean_dtype])
    std, tstd = ag.ones(std_shape, dtype=std_dtype), torch.ones(std_shape, dtype=TORCH[std_dtype])
    try:
        expected = torch.normal(tmean, tstd)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="broadcast"):
            ag.normal(mean, std)
        return
    _same_kind(ag.normal(mean, std), expected)
    _same_kind(ag.normal(mean, 1.0), torch.normal(tmean, 1.0))
    _same_kind(ag.normal(0.0, std), torch.normal(0.0, tstd))


@given(rows=st.integers(0, 3), k=st.integers(1, 5), data=st.data())
def test_multinomial_and_bernoulli_have_torchs_shapes_and_dtypes(rows, k, data):
    shape = (rows, k) if rows else (k,)
    replacement = data.draw(st.booleans())
    n = data.draw(st.integers(1, 6 if replacement else k))
    p = np.random.default_rng(0).random(shape) + 0.1
    _same_kind(
        ag.multinomial(ag.tensor(p), n, replacement), torch.multinomial(torch.tensor(p), n, replacement)
    )
    q = ag.tensor(p / 2, dtype=ag.float64)
    _same_kind(ag.bernoulli(q), torch.bernoulli(torch.tensor(p / 2)))
    _same_kind(q.bernoulli(0.5), torch.tensor(p / 2).bernoulli(0.5))
    _same_kind(
        ag.bernoulli(ag.zeros(shape, dtype=ag.int64), 0.5), torch.bernoulli(torch.zeros(shape).long(), 0.5)
    )


@pytest.mark.parametrize(
    "method, args",
    [("normal_", (0.0, 1.0)), ("uniform_", (0.0, 1.0)), ("bernoulli_", (0.5,)), ("random_", (0, 5))],
)
@pytest.mark.parametrize("dtype", [ag.float32, ag.float64, ag.float16])
def test_in_place_fills_keep_the_tensor_and_its_dtype(method, args, dtype):
    x = ag.zeros(3, 4, dtype=dtype)
    version = x._version
    assert getattr(x, method)(*args) is x and x.dtype == dtype and x.shape == (3, 4)
    assert x._version == version + 1


def test_draws_from_tensors_that_require_grad_have_torchs_zero_gradients():
    for make in (
        lambda lib, m, s: lib.normal(m, s),
        lambda lib, m, s: lib.normal(m, 2.0),
        lambda lib, m, s: lib.normal(1.0, s),
        lambda lib, m, s: lib.bernoulli(m.sigmoid()),
    ):
        grads = []
        for lib, tensor in ((ag, ag.tensor), (torch, torch.tensor)):
            m = tensor([0.1, 0.2, 0.3], requires_grad=True)
            s = tensor([1.0, 2.0, 3.0], requires_grad=True)
            out = make(lib, m, s)
            assert out.requires_grad
            out.sum().backward()
            grads.append([None if t.grad is None else np.asarray(t.grad.numpy()) for t in (m, s)])
        for ours, theirs in zip(*grads, strict=True):
            assert (ours is None) == (theirs is None)
            if theirs is not None:
                np.testing.assert_array_equal(ours, theirs)


def test_in_place_fills_follow_torchs_autograd_rules():
    for lib in (ag, torch):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            leaf.normal_()
        with lib.no_grad():
            leaf.uniform_(-1, 1)  # as nn.init does
        y = leaf * 2
        y.normal_()
        y.sum().backward()
        np.testing.assert_array_equal(np.asarray(leaf.grad.numpy()), np.zeros(3))


# ----- errors as torch ----------------------------------------------------------------------------------
def _same_error(ours: Callable[[], Any], theirs: Callable[[], Any], match: str | None = None) -> None:
    with pytest.raises(Exception) as expected:  # noqa: PT011 - any type: torch's decides
        theirs()
    with pytest.raises(expected.type, match=match):
        ours()


def _bool(lib: Any) -> Any:
    return torch.bool if lib is torch else ag.bool_


def _both(call: Callable[[Any], Any], match: str | None = None) -> None:
    _same_error(lambda: call(ag), lambda: call(torch), match)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda lib: lib.multinomial(lib.ones(3, dtype=lib.int64), 1), "floating"),
        (lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1), "1 or 2 dim"),
        (lambda lib: lib.multinomial(lib.ones(3), 4), "without replacement"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 1), "element < 0"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, float("nan")]), 1), "nan"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, float("inf")]), 1), "inf"),
        (lambda lib: lib.multinomial(lib.zeros(3), 1), "sum of probabilities"),
        (lambda lib: lib.multinomial(lib.ones(3), 0), "n_sample <= 0"),
        (lambda lib: lib.bernoulli(lib.tensor([0.5, 1.5])), None),
        (lambda lib: lib.bernoulli(lib.ones(3), 1.5), "p to be in"),
        (lambda lib: lib.bernoulli(lib.ones(3, dtype=lib.int64)), None),
        (lambda lib: lib.ones(3).bernoulli_(-0.1), "p to be in"),
        (lambda lib: lib.normal(lib.zeros(2), -1.0), "std >= 0.0"),
        (lambda lib: lib.normal(0.0, -1.0, (2,)), "std >= 0.0"),
        (lambda lib: lib.normal(lib.zeros(2), -lib.ones(2)), "std >= 0.0"),
        (lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0), None),
        (lambda lib: lib.normal(lib.zeros(2), lib.ones(3)), None),
        (lambda lib: lib.randint(5, 3, (2,)), "from=5 >= to=3"),
        (lambda lib: lib.randint(5, 2), "size"),
        (lambda lib: lib.randint(0, 3, (2,), dtype=_bool(lib)), "out of bounds"),
        (lambda lib: lib.randint(0, 300, (2,), dtype=lib.uint8), "out of bounds"),
        (lambda lib: lib.randint(3, 5, (2,), requires_grad=True), "floating point"),
        (lambda lib: lib.randperm(-1), "negative dimension"),
        (lambda lib: lib.rand(-1), "negative dimension"),
        (lambda lib: lib.randn(2, -3), "negative dimension"),
        (lambda lib: lib.rand(2, dtype=lib.int64), None),
        (lambda lib: lib.randn(2, dtype=lib.int64), None),
        (lambda lib: lib.rand_like(lib.ones(2, dtype=lib.int64)), None),
        (lambda lib: lib.ones(2, dtype=lib.int64).normal_(), None),
        (lambda lib: lib.ones(2, dtype=lib.int64).uniform_(), None),
        (lambda lib: lib.ones(2).uniform_(3, 1), "from=3 > to=1"),
        (lambda lib: lib.ones(2).normal_(0, -1), "std >= 0.0"),
        (lambda lib: lib.ones(2).random_(5, 3), "from=5 >= to=3"),
    ],
)
def test_bad_arguments_raise_torchs_exception_types(call, match):
    _both(call, match)
