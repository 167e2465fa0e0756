"""prod, cumsum, cumprod, norm, var/std's torch forms, var_mean/std_mean through the property factory
(zeros in prod and cumprod, the norm's subgradient at 0), then count_nonzero, all/any and argmax/argmin,
dtypes and errors against torch."""

from __future__ import annotations

import math
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, Case, Draw, TensorOp, check_op, one, reduction, with_params
from oracle import assert_close

import autograd
from autograd.testing.strategies import shapes


def with_zeros(base: Draw) -> Draw:
    """``base``'s first input with some elements exactly 0 (one, several, or none)."""

    def draw(data: st.DataObject) -> Case:
        arrays, params = base(data)
        zeros = data.draw(hnp.arrays(np.bool_, arrays[0].shape), label="zeros")
        arrays[0][zeros] = 0.0
        return arrays, params

    return draw


def signed(base: Draw) -> Draw:
    """``base``'s first input (distinct positive values) with random signs: no two magnitudes tie."""

    def draw(data: st.DataObject) -> Case:
        arrays, params = base(data)
        flips = data.draw(hnp.arrays(np.bool_, arrays[0].shape), label="signs")
        arrays[0][flips] *= -1
        return arrays, params

    return draw


def _prod(lib: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return x.prod() if dim is None else x.prod(dim, keepdim)


NORMS = st.sampled_from([1, 2, 3, 2.5, 0.5])
OPS = [
    TensorOp("prod", _prod, reduction("nonzero", tuple_dims=False)),  # (tiny x: ill-conditioned in both)
    TensorOp("prod_zeros", _prod, with_zeros(reduction("nonzero", tuple_dims=False))),
    TensorOp(
        "prod_fn_dtype",
        lambda lib, x, dim: lib.prod(x, dim, dtype=lib.float64),
        reduction("nonzero", tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp(
        "cumsum",
        lambda lib, x, dim: x.cumsum(dim),
        reduction(tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp("cumsum_0d", lambda lib, x: lib.cumsum(x, -1), one(max_dims=0)),
    TensorOp(
        "cumprod",
        lambda lib, x, dim: lib.cumprod(x, dim),
        reduction("nonzero", tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp(
        "cumprod_zeros",
        lambda lib, x, dim: x.cumprod(dim=dim),
        with_zeros(reduction("nonzero", tuple_dims=False, none_dim=False, keepdim=False)),
    ),
    TensorOp("norm", lambda lib, x: x.norm(), one("nonzero")),
    TensorOp("norm_fro", lambda lib, x: lib.norm(x, "fro"), one("nonzero")),
    TensorOp(
        "norm_p",
        lambda lib, x, p, **kw: x.norm(p, **kw),
        with_params(reduction("nonzero"), p=lambda s: NORMS),
    ),
    TensorOp(
        "norm_inf",
        lambda lib, x, p, **kw: lib.norm(x, p, **kw),
        with_params(
            signed(reduction("positive", unique=True)), p=lambda s: st.sampled_from([math.inf, -math.inf])
        ),
    ),
    TensorOp("var_unbiased", lambda lib, x: lib.var(x, False), one(min_dims=1, unique=True)),
    TensorOp(
        "std_positional",
        lambda lib, x, dim, keepdim: x.std(dim, True, keepdim),
        reduction(unique=True, min_side=2, none_dim=False),
    ),
    TensorOp(
        "var_correction_none",
        lambda lib, x, **p: x.var(**p, correction=None),
        reduction(unique=True, min_side=2),
    ),
    TensorOp("var_mean", lambda lib, x, **p: lib.var_mean(x, **p, correction=0), reduction(unique=True)),
    TensorOp("std_mean", lambda lib, x, **p: lib.std_mean(x, **p), reduction(unique=True, min_side=2)),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject) -> None:
    check_op(op, data)


@pytest.mark.parametrize("zeros", [[], [1], [0, 3], [1, 2, 3]])
def test_prod_and_cumprod_gradients_with_zeros(zeros: list[int]) -> None:
    """No zero, one (its gradient is the product of the others) and several (all 0), as torch."""
    values = np.array([1.5, -2.0, 0.5, 3.0])
    values[zeros] = 0.0
    weights = np.array([1.0, -1.0, 2.0, 0.5])
    found = []
    for lib in (autograd, torch):
        x = lib.tensor(values, requires_grad=True)
        (x.prod() + (x.cumprod(0) * lib.tensor(weights)).sum()).backward()
        found.append(x.grad)
    assert_close(*found, f"zeros at {zeros}")


@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, math.inf, -math.inf])
def test_norm_at_zero_has_zero_gradient(p: Any) -> None:
    """torch's subgradient: the norm of zeros sends 0 back, not nan."""
    for dim in (None, 1):
        x = autograd.zeros(2, 3, dtype=autograd.float64, requires_grad=True)
        x.norm(p, dim).sum().backward()
        t = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
        t.norm(p, dim).sum().backward()
        assert_close(x.grad, t.grad, f"norm {p} at 0, dim {dim}")


def _same(ours: Any, theirs: torch.Tensor, what: str) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (
        f"{what}: {ours.dtype} vs {theirs.dtype}"
    )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True, err_msg=what)


DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


@given(data=st.data())
def test_logical_and_index_reductions_match_torch(data: st.DataObject) -> None:
    """all, any, count_nonzero over int or tuple dims with keepdim, argmax/argmin with ties and nan, and
    the dtypes of cumsum, cumprod, prod and norm's p=0, in every dtype."""
    shape = data.draw(shapes(min_dims=0, max_side=MAX_SIDE), label="shape")
    dtype = data.draw(st.sampled_from(DTYPES), label="dtype")
    elements = st.sampled_from([0.0, 1.0, 2.0, np.nan] if np.dtype(dtype).kind == "f" else [0, 1, 2])
    array = data.draw(hnp.arrays(np.float64, shape, elements=elements), label="array").astype(dtype)
    ours, theirs = autograd.from_numpy(array.copy()), torch.from_numpy(array.copy())
    ndim = max(len(shape), 1)
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    dims = data.draw(
        st.one_of(
            st.none(), st.just(dim), st.lists(st.integers(0, ndim - 1), unique=True, min_size=1).map(tuple)
        )
    )
    if not shape and isinstance(dims, tuple):
        dims = dim
    keepdim = data.draw(st.booleans(), label="keepdim")
    if dims is None:
        _same(ours.all(), theirs.all(), "all()")
        _same(autograd.any(ours), torch.any(theirs), "any()")
    else:
        _same(ours.all(dims, keepdim), theirs.all(dims, keepdim), "all(dim)")
        _same(autograd.any(ours, dims, keepdim=keepdim), torch.any(theirs, dims, keepdim=keepdim), "any(dim)")
    _same(autograd.count_nonzero(ours, dims), torch.count_nonzero(theirs, dims), "count_nonzero")
    _same(ours.cumsum(dim), theirs.cumsum(dim), "cumsum")
    _same(autograd.cumprod(ours, dim), torch.cumprod(theirs, dim), "cumprod")
    _same(ours.prod(dim, keepdim), theirs.prod(dim, keepdim), "prod(dim)")
    _same(autograd.prod(ours), torch.prod(theirs), "prod()")
    if dtype != np.bool_ and array.size:
        _same(ours.argmax(dim, keepdim), theirs.argmax(dim, keepdim), "argmax(dim)")
        _same(
            autograd.argmin(ours, dim, keepdim=keepdim), torch.argmin(theirs, dim, keepdim=keepdim), "argmin"
        )
        _same(ours.argmax(), theirs.argmax(), "argmax()")
        _same(ours.argmin(keepdim=keepdim), theirs.argmin(keepdim=keepdim), "argmin(keepdim)")
    if np.dtype(dtype).kind == "f":
        _same(ours.norm(0, dims, keepdim), theirs.norm(0, dims, keepdim), "norm(0)")


def test_dtype_arguments() -> None:
    ints = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    ours, theirs = autograd.from_numpy(ints), torch.from_numpy(ints)
    _same(ours.cumsum(1, dtype=autograd.float32), theirs.cumsum(1, dtype=torch.float32), "cumsum dtype")
    _same(ours.prod(0, dtype=autograd.float64), theirs.prod(0, dtype=torch.float64), "prod dtype")
    ours, theirs = ours.float(), theirs.float()
    _same(ours.norm(dtype=autograd.float64), theirs.norm(dtype=torch.float64), "norm dtype")
    _same(ours.mean(1, dtype=autograd.float64), theirs.mean(1, dtype=torch.float64), "mean dtype")


def test_var_and_std_forms() -> None:
    """``var(x, True)`` reads True as unbiased (not as dim 1), as torch; correction=None is 1."""
    array = np.arange(12.0).reshape(3, 4) ** 1.5
    ours, theirs = autograd.from_numpy(array), torch.from_numpy(array)
    for args, kwargs in [((True,), {}), ((False,), {}), ((1, False), {}), ((0, True, True), {}),
                         ((), {"dim": 1, "unbiased": False}), ((), {"correction": None}),
                         ((1,), {"correction": 2, "keepdim": True})]:  # fmt: skip
        _same(ours.var(*args, **kwargs), theirs.var(*args, **kwargs), f"var{args}{kwargs}")
        _same(autograd.std(ours, *args, **kwargs), torch.std(theirs, *args, **kwargs), f"std{args}{kwargs}")
        for found, expected in zip(
            autograd.var_mean(ours, *args, **kwargs), torch.var_mean(theirs, *args, **kwargs), strict=True
        ):
            _same(found, expected, f"var_mean{args}{kwargs}")


ERRORS = {
    "prod over a tuple": lambda lib, x: lib.prod(x, (0, 1)),
    "prod dim out of range": lambda lib, x: x.prod(2),
    "cumsum dim out of range": lambda lib, x: x.cumsum(-3),
    "norm of integers": lambda lib, x: x.long().norm(),
    "argmax of nothing": lambda lib, x: x[:0].argmax(),
    "argmin over an empty dim": lambda lib, x: x[:, :0].argmin(1),
    "all dim out of range": lambda lib, x: x.all(2),
    "count_nonzero repeated dim": lambda lib, x: lib.count_nonzero(x, (0, 0)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_as_torch(name: str) -> None:
    array = np.arange(6.0).reshape(2, 3)
    with pytest.raises(Exception) as expected:
        ERRORS[name](torch, torch.from_numpy(array))
    with pytest.raises(expected.type):
        ERRORS[name](autograd, autograd.from_numpy(array))
