"""Forms of torch's signatures the OpInfo sweep found missing: each against torch on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd


def test_flip_takes_dims_as_keyword():
    x = np.arange(6.0).reshape(2, 3)
    ours, theirs = autograd.tensor(x).flip(dims=(0, 1)), torch.tensor(x).flip(dims=(0, 1))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(autograd.flip(autograd.tensor(x), dims=[1]).numpy(), np.flip(x, 1))
    with pytest.raises(TypeError, match="multiple values"):
        autograd.tensor(x).flip(0, dims=(1,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dtype_casts_the_input(name):
    x = np.array([[1, 2, 3], [4, 0, -1]])
    ours = getattr(autograd, name)(autograd.tensor(x), 1, dtype=autograd.float64)
    theirs = getattr(torch, name)(torch.tensor(x), 1, dtype=torch.float64)
    assert str(ours.dtype) == "float64"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    a = autograd.tensor(x.astype(np.float32), requires_grad=True)
    getattr(a, name)(-1, dtype=autograd.float64).sum().backward()  # differentiable through the cast
    assert a.grad is not None and str(a.grad.dtype) == "float32"


@pytest.mark.parametrize("x", [np.array(3.0), np.array(0.0), np.array([[0, 1], [2, 0]]), np.zeros((2, 0))])
def test_nonzero_as_tuple(x):
    ours, theirs = (
        autograd.nonzero(autograd.tensor(x), as_tuple=True),
        torch.nonzero(torch.tensor(x), as_tuple=True),
    )
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert str(o.dtype) == "int64"
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_space_endpoints_from_float32_tensors_are_read_in_float64(name):
    ours = getattr(autograd, name)(autograd.tensor(np.float32(4.3)), 0.5, 7, dtype=autograd.float64)
    theirs = getattr(torch, name)(torch.tensor(4.3), 0.5, 7, dtype=torch.float64)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13)


@pytest.mark.parametrize("index", [[0], 0])
def test_index_select_and_index_add_on_a_scalar(index):
    x, src = np.array(2.0), np.array(3.0)
    a, s = autograd.tensor(x, requires_grad=True), autograd.tensor(src, requires_grad=True)
    ta, ts = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    ours = autograd.index_add(a, 0, autograd.tensor(index), s, alpha=2) * autograd.index_select(
        a, 0, autograd.tensor(index)
    )
    theirs = torch.index_add(ta, 0, torch.tensor(index), ts, alpha=2) * torch.index_select(
        ta, 0, torch.tensor(index)
    )
    assert ours.shape == theirs.shape == ()
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(
        [ours.item(), a.grad.item(), s.grad.item()], [theirs.item(), ta.grad.item(), ts.grad.item()]
    )
    with pytest.raises(IndexError, match="Index to scalar can have only 1 value, got 2"):
        autograd.index_select(a, 0, autograd.tensor([0, 0]))


@pytest.mark.parametrize(
    "bounds",
    [(0.0, -8.000001, -4.0), (0.1, -7.9, -4.0), (-0.9, 2.1, 2.0), (3.1,), (0.5, 3, 1.5), (-2.5, 2.7, 1)],
)
def test_arange_of_a_signed_integer_dtype_truncates_its_float_bounds(bounds):
    ours, theirs = autograd.arange(*bounds, dtype=autograd.int64), torch.arange(*bounds, dtype=torch.int64)
    assert str(ours.dtype) == "int64"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        autograd.arange(0, 3, 0.5, dtype=autograd.int64)
