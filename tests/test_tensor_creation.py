"""Creating tensors, dtypes and casting, compared with torch (the seed's tensor examples included)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd as ag

pytestmark = pytest.mark.usefixtures("torch_float32")


DTYPES = {
    torch.float32: ag.float32,
    torch.float64: ag.float64,
    torch.int64: ag.int64,
    torch.int32: ag.int32,
    torch.bool: ag.bool_,
}


def same(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == DTYPES[theirs.dtype], (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        2.5,
        3,
        True,
        [1.0, 2.0],
        [1, 2],
        [[1, 2], [3, 4]],
        [True, False],
        [1, 2.5],
        np.array([1.0, 2.0]),
        np.array([1.0, 2.0], np.float32),
        np.array([1, 2]),
    ],
)
def test_tensor_infers_dtypes_like_torch(data):
    same(ag.tensor(data), torch.tensor(data))


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.zeros(3, np.float32)
    copied, shared = ag.tensor(array), ag.from_numpy(array)
    array[0] = 5
    assert copied.numpy()[0] == 0 and shared.numpy()[0] == 5
    assert shared.dtype == ag.float32 and ag.from_numpy(np.zeros(2)).dtype == ag.float64


def test_constructors_match_torch():
    same(ag.zeros(2, 3), torch.zeros(2, 3))
    same(ag.ones((2, 3), dtype=ag.float64), torch.ones((2, 3), dtype=torch.float64))
    same(ag.full((2, 2), 7), torch.full((2, 2), 7))
    same(ag.full((2, 2), 1.5), torch.full((2, 2), 1.5))
    same(ag.eye(3), torch.eye(3))
    same(ag.eye(2, 3), torch.eye(2, 3))
    x = ag.tensor([[1, 2]], dtype=ag.float64)
    same(ag.zeros_like(x), torch.zeros_like(torch.tensor([[1, 2]], dtype=torch.float64)))
    same(ag.ones_like(x), torch.ones_like(torch.tensor([[1, 2]], dtype=torch.float64)))
    ours, theirs = (
        ag.empty_like(x, dtype=ag.int32),
        torch.empty_like(torch.tensor([[1.0, 2.0]]), dtype=torch.int32),
    )
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ag.empty_like(x, requires_grad=True).requires_grad and not ag.empty_like(x).requires_grad


@pytest.mark.parametrize("args", [(5,), (1, 4), (0, 1, 0.25), (1.0, 2.0, 0.5), (10, 0, -3)])
def test_arange_matches_torch(args):
    same(ag.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("args", [(0, 1, 5), (-1, 1, 1), (2, 3, 0), (0, 10, 7)])
def test_linspace_matches_torch(args):
    same(ag.linspace(*args), torch.linspace(*args))


def test_random_constructors_are_seeded_and_shaped():
    a = ag.randn(3, 4, generator=ag.Generator().manual_seed(1))
    b = ag.randn(3, 4, generator=ag.Generator().manual_seed(1))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == ag.float32 and a.shape == (3, 4)
    r = ag.rand(100, generator=np.random.default_rng(2), dtype=ag.float64)
    assert r.dtype == ag.float64 and 0 <= r.numpy().min() and r.numpy().max() < 1
    assert ag.randn(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("method", ["float", "double", "long", "int", "bool"])
def test_casting_methods_match_torch(method):
    data = [[-1.7, 0.0, 2.5]]
    same(getattr(ag.tensor(data), method)(), getattr(torch.tensor(data), method)())


def test_to_is_differentiable_between_floats_and_not_to_integers():
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(ag.float64)
    assert y.dtype == ag.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == ag.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    assert not x.long().requires_grad and x.long().dtype == ag.int64
    assert x.to(ag.float32) is x


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("float32", (2,)), 2.5),
        (("int64", (2,)), 2.5),
        (("int64", (2,)), 2),
        (("int32", (2,)), 3),
        (("bool", (2,)), 1),
        (("float32", (2,)), ("float64", (2,))),
        (("float32", (2,)), ("float64", ())),
        (("int64", (2,)), ("float32", (2,))),
        (("int64", (2,)), ("int64", (2,))),
    ],
)
@pytest.mark.parametrize("op", ["add", "mul", "truediv"])
def test_type_promotion_matches_torch(left, right, op):
    def make(lib, spec):
        if not isinstance(spec, tuple):
            return spec
        dtype = getattr(torch, spec[0]) if lib is torch else np.dtype(spec[0])
        return lib.ones(spec[1], dtype=dtype)

    ours = getattr(make(ag, left), f"__{op}__")(make(ag, right))
    theirs = getattr(make(torch, left), f"__{op}__")(make(torch, right))
    assert ours.dtype == DTYPES[theirs.dtype]


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.arange(3).requires_grad_()


def test_conversions():
    x = ag.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert ag.tensor(3.5).item() == 3.5 and isinstance(ag.tensor(3).item(), int)
    assert float(ag.tensor([2.0])) == 2.0
    with pytest.raises(RuntimeError, match="2 elements"):
        x.item()
    assert x.size() == (1, 2) and x.size(1) == 2 and x.dim() == 2 and x.ndim == 2 and x.numel() == 2
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<MulBackward>" in repr(ag.tensor([1.0], requires_grad=True) * 2)
