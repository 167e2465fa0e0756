"""Embedding, one_hot, Bilinear and the new activation modules against torch (float64): state_dict both
ways, outputs, weight gradients (repeated indices add up, the padding row gets none), errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracle import assert_close

import autograd
import nn
from nn import functional as F  # noqa: N812

pytestmark = pytest.mark.usefixtures("torch_float64")


@given(
    rows=st.integers(1, 5),
    dim=st.integers(1, 3),
    index_shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
    padding=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_matches_torch(rows, dim, index_shape, padding, seed):
    rng = np.random.default_rng(seed)
    padding_idx = int(rng.integers(-rows, rows)) if padding else None
    theirs = torch.nn.Embedding(rows, dim, padding_idx=padding_idx)
    ours = nn.Embedding(rows, dim, padding_idx=padding_idx).double()
    assert ours.padding_idx == theirs.padding_idx
    if padding_idx is not None:  # torch zeroes the padding row at init, as ours
        assert not ours.weight.numpy()[padding_idx].any()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    indices = rng.integers(0, rows, index_shape)
    out, ref = ours(autograd.tensor(indices)), theirs(torch.from_numpy(indices))
    assert_close(out, ref, "output")
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(autograd.tensor(g))
    ref.backward(torch.from_numpy(g))
    assert_close(ours.weight.grad, theirs.weight.grad, "weight gradient")
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def test_embedding_from_pretrained_and_errors():
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(autograd.tensor(table))
    assert not frozen.weight.requires_grad
    assert nn.Embedding.from_pretrained(autograd.tensor(table), freeze=False).weight.requires_grad
    np.testing.assert_array_equal(frozen(autograd.tensor([2, 0])).numpy(), table[[2, 0]])
    layer = nn.Embedding(3, 2)
    assert layer.weight.dtype == autograd.float32 and repr(layer) == repr(torch.nn.Embedding(3, 2))
    with pytest.raises(IndexError):
        layer(autograd.tensor([3]))
    with pytest.raises(IndexError):
        layer(autograd.tensor([-1]))
    with pytest.raises(RuntimeError, match="integer"):
        layer(autograd.tensor([0.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)


@given(
    values=hnp.arrays(
        np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=st.integers(0, 4)
    ),
    extra=st.sampled_from([-1, 0, 2]),
)
def test_one_hot_matches_torch(values, extra):
    num_classes = -1 if extra == -1 else int(values.max()) + 1 + extra
    out = F.one_hot(autograd.tensor(values), num_classes)
    ref = torch.nn.functional.one_hot(torch.from_numpy(values), num_classes)
    assert out.dtype == autograd.int64 and tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_one_hot_errors_are_torchs():
    for values, classes in [([1, 3], 2), ([-1], 3), ([], -1)]:
        with pytest.raises(RuntimeError):
            torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.int64), classes)
        with pytest.raises(RuntimeError):
            F.one_hot(autograd.tensor(np.array(values, np.int64)), classes)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(autograd.tensor([0.0]))
    assert tuple(F.one_hot(autograd.tensor(np.zeros(0, np.int64)), 3).shape) == (0, 3)


@given(
    lead=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_bilinear_matches_torch(lead, sizes, bias, seed):
    in1, in2, out_features = sizes
    theirs = torch.nn.Bilinear(in1, in2, out_features, bias=bias)
    ours = nn.Bilinear(in1, in2, out_features, bias=bias).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((*lead, in1)), rng.standard_normal((*lead, in2))
    a1, a2 = autograd.tensor(x1, requires_grad=True), autograd.tensor(x2, requires_grad=True)
    t1, t2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    out, ref = ours(a1, a2), theirs(t1, t2)
    assert_close(out, ref, "output")
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(autograd.tensor(g))
    ref.backward(torch.from_numpy(g))
    for ours_grad, their_grad, what in [(a1.grad, t1.grad, "x1"), (a2.grad, t2.grad, "x2")] + [
        (p.grad, q.grad, n) for (n, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True)
    ]:
        assert_close(ours_grad, their_grad, f"gradient of {what}")


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.GELU(),
        lambda m: m.GELU(approximate="tanh"),
        lambda m: m.SiLU(),
        lambda m: m.Softplus(beta=2.0, threshold=3.0),
        lambda m: m.Hardtanh(-0.5, 0.75),
    ],
)
def test_activation_modules_match_torch(make):
    x = np.linspace(-4, 4, 41)
    ours, theirs = make(nn), make(torch.nn)
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(t)
    assert_close(out, ref, "output")
    out.sum().backward()
    ref.sum().backward()
    assert_close(a.grad, t.grad, "gradient")
    assert repr(ours) == repr(theirs)
    x32 = np.linspace(-6, 6, 2001, dtype=np.float32)  # float32, against the float64 truth
    out32 = ours(autograd.tensor(x32))
    assert out32.dtype == autograd.float32
    truth = theirs(torch.from_numpy(x32.astype(np.float64))).numpy()
    np.testing.assert_allclose(out32.numpy(), truth, rtol=1e-6, atol=3e-7)


def test_float32_gelu_keeps_its_relative_precision_in_the_left_tail():
    # the cdf is a fit of erfc with relative error < 1.1e-7; torch's float32 (1 + erf(x) / sqrt 2) / 2
    # cancels there (100% off at x = -6)
    x32 = np.linspace(-6, 0, 1001, dtype=np.float32)
    truth = torch.nn.functional.gelu(torch.from_numpy(x32.astype(np.float64))).numpy()
    np.testing.assert_allclose(F.gelu(autograd.tensor(x32)).numpy(), truth, rtol=1e-6, atol=0)


def test_activation_errors_are_torchs():
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(autograd.zeros(2), approximate="fast")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(1.0, -1.0)


@pytest.mark.parametrize("name", ["silu", "hardtanh", "dropout"])
def test_inplace_forms_write_into_the_input_and_keep_the_gradient(name):
    x = np.array([-1.5, 0.3, 2.0, -0.2])
    mine, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    kw = {"p": 0.0} if name == "dropout" else {}  # p = 0: the same values in both libraries
    y, z = mine * 2, theirs * 2
    out, ref = (
        getattr(F, name)(y, inplace=True, **kw),
        getattr(torch.nn.functional, name)(z, inplace=True, **kw),
    )
    assert out is y and ref is z
    assert_close(y, z, "values written in place")
    out.sum().backward()
    ref.sum().backward()
    assert_close(mine.grad, theirs.grad, "gradient through the in-place op")
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.silu(autograd.tensor(x, requires_grad=True), inplace=True)
