"""BatchNorm1d/2d, LayerNorm, GroupNorm and Dropout against torch.nn (float64): torch's state_dict loaded
into ours (and ours into torch), then several training steps comparing outputs, input and parameter
gradients and the running statistics, then evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_close

import autograd
import nn
from nn import functional as F  # noqa: N812

pytestmark = pytest.mark.usefixtures("torch_float64")
F32 = torch.float32


def load_torch_state(ours: nn.Module, theirs: torch.nn.Module, rng: np.random.Generator) -> None:
    """Random parameters in torch's module, its state_dict loaded into ours: same keys, same values."""
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state), "state_dict keys differ from torch's"
    ours.load_state_dict({k: v.numpy() for k, v in state.items()})


def compare_state(ours: nn.Module, theirs: torch.nn.Module, what: str, rtol: float = 1e-10) -> None:
    mine = ours.state_dict()
    for key, value in theirs.state_dict().items():
        assert str(mine[key].dtype) == str(value.dtype).removeprefix("torch."), f"{what}: {key} dtype"
        assert_close(mine[key], value, f"{what}: {key}", rtol=rtol, atol=rtol / 100)


def run_steps(
    ours: nn.Module, theirs: torch.nn.Module, shape: tuple[int, ...], rng: Any, steps: int = 3
) -> None:
    """``steps`` forward/backward passes on fresh inputs in train mode, then one in eval mode, each
    compared: output, input gradient, parameter gradients, and buffers."""
    for step in range(steps + 1):
        if step == steps:
            ours.eval()
            theirs.eval()
        x = rng.standard_normal(shape) * (step + 1) + step
        xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = ours(xo), theirs(xt)
        assert_close(out, ref, f"step {step}: output", rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(tuple(ref.shape))
        out.backward(autograd.tensor(g))
        ref.backward(torch.from_numpy(g))
        assert_close(xo.grad, xt.grad, f"step {step}: input gradient", rtol=1e-8, atol=1e-10)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
            assert_close(p.grad, q.grad, f"step {step}: gradient of {name}", rtol=1e-9, atol=1e-11)
        ours.zero_grad()
        theirs.zero_grad()
        compare_state(ours, theirs, f"step {step}")
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    compare_state(ours, theirs, "ours loaded into torch")


@given(
    dims=st.sampled_from([2, 3]),
    n=st.integers(2, 4),
    c=st.integers(1, 3),
    length=st.integers(1, 3),
    momentum=st.sampled_from([0.1, 0.5, None]),
    affine=st.booleans(),
    track=st.booleans(),
    eps=st.sampled_from([1e-5, 0.1]),
    seed=st.integers(0, 2**32 - 1),
)
def test_batchnorm1d_matches_torch(dims, n, c, length, momentum, affine, track, eps, seed):
    kw = {"eps": eps, "momentum": momentum, "affine": affine, "track_running_stats": track}
    ours, theirs = nn.BatchNorm1d(c, **kw).double(), torch.nn.BatchNorm1d(c, **kw)
    rng = np.random.default_rng(seed)
    load_torch_state(ours, theirs, rng)
    run_steps(ours, theirs, (n, c) if dims == 2 else (n, c, length), rng)


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).filter(
        lambda s: s[0] * s[2] * s[3] > 1
    ),
    momentum=st.sampled_from([0.1, None]),
    affine=st.booleans(),
    track=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_batchnorm2d_matches_torch(shape, momentum, affine, track, seed):
    kw = {"momentum": momentum, "affine": affine, "track_running_stats": track}
    ours, theirs = nn.BatchNorm2d(shape[1], **kw).double(), torch.nn.BatchNorm2d(shape[1], **kw)
    rng = np.random.default_rng(seed)
    load_torch_state(ours, theirs, rng)
    run_steps(ours, theirs, shape, rng)


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple),
    k=st.integers(1, 3),
    affine=st.booleans(),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_layernorm_matches_torch(shape, k, affine, bias, seed):
    normalized = shape[len(shape) - min(k, len(shape)) :]
    ours = nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    theirs = torch.nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias)
    rng = np.random.default_rng(seed)
    load_torch_state(ours, theirs, rng)
    run_steps(ours, theirs, shape, rng, steps=1)


@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 2),
    spatial=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    affine=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_groupnorm_matches_torch(n, groups, per_group, spatial, affine, seed):
    c = groups * per_group
    if n * per_group * int(np.prod(spatial)) == 1:
        spatial = (2,)
    ours, theirs = (
        nn.GroupNorm(groups, c, affine=affine).double(),
        torch.nn.GroupNorm(groups, c, affine=affine),
    )
    rng = np.random.default_rng(seed)
    load_torch_state(ours, theirs, rng)
    run_steps(ours, theirs, (n, c, *spatial), rng, steps=1)


def test_norm_defaults_names_and_dtypes_are_torchs():
    for ours, theirs in [
        (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float32)),
        (nn.BatchNorm2d(2, affine=False), torch.nn.BatchNorm2d(2, affine=False, dtype=torch.float32)),
        (
            nn.BatchNorm1d(2, track_running_stats=False),
            torch.nn.BatchNorm1d(2, track_running_stats=False, dtype=F32),
        ),
        (nn.LayerNorm([2, 3], bias=False), torch.nn.LayerNorm([2, 3], bias=False, dtype=torch.float32)),
        (nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4, dtype=torch.float32)),
    ]:
        mine, ref = ours.state_dict(), theirs.state_dict()
        assert list(mine) == list(ref)
        assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
        for key in ref:
            assert str(mine[key].dtype) == str(ref[key].dtype).removeprefix("torch."), key
            np.testing.assert_array_equal(mine[key].numpy(), ref[key].numpy())
    bn = nn.BatchNorm1d(3).double()
    assert bn.running_mean.dtype == autograd.float64 and bn.num_batches_tracked.dtype == autograd.int64


def test_batchnorm_in_a_model_switches_with_train_and_eval():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU()).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    rng = np.random.default_rng(0)
    load_torch_state(model, theirs, rng)
    run_steps(model, theirs, (5, 3), rng, steps=4)
    assert not model[1].training
    model.train()
    assert all(m.training for m in model.modules())


def test_norm_errors_are_torchs():
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(autograd.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(autograd.zeros(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(autograd.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(autograd.zeros(1, 3))  # evaluation needs no batch
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(autograd.zeros(2, 4), [3])
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(autograd.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(2, 3)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements"):
        F.batch_norm(autograd.zeros(2, 3), autograd.zeros(4), autograd.ones(4))


def test_float32_norms_stay_float32_and_close_to_torch():
    x = np.random.default_rng(1).standard_normal((4, 3, 5)).astype(np.float32)
    for ours, theirs in [(nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float32)),
                         (nn.LayerNorm(5), torch.nn.LayerNorm(5, dtype=torch.float32))]:  # fmt: skip
        out, ref = ours(autograd.tensor(x)), theirs(torch.from_numpy(x))
        assert out.dtype == autograd.float32
        assert_close(out, ref, "float32", rtol=1e-5, atol=1e-5)
        compare_state(ours, theirs, "float32 state", rtol=1e-6)


# ----- dropout ----------------------------------------------------------------------------------------
@given(p=st.sampled_from([0.1, 0.5, 0.8]), shape=st.sampled_from([(2000,), (40, 50)]))
def test_dropout_statistics_and_scaling(p, shape):
    x = autograd.ones(*shape, dtype=autograd.float64, requires_grad=True)
    out = F.dropout(x, p)
    values = out.numpy()
    kept = values != 0
    np.testing.assert_allclose(values[kept], 1 / (1 - p))  # survivors scaled by 1 / (1 - p)
    n = values.size
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)  # five standard deviations
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the same mask, scaled


def test_dropout_edges_and_eval_identity():
    x = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    layer = nn.Dropout(0.5)
    assert layer.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), x.numpy())
    np.testing.assert_array_equal(
        F.dropout(x, 1.0).numpy(), torch.nn.functional.dropout(torch.ones(2, 3), 1.0)
    )
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(bad)
    y = autograd.tensor(np.ones(1000))
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and set(np.unique(y.numpy())) <= {0.0, 2.0}
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
