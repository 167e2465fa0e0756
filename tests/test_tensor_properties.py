"""The property test factory (``op_factory``) over the core ops: arithmetic, activations, casts,
reductions, matmul, shapes and indexing; plus kinks, ties and IEEE edges against torch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import (
    CAST,
    F32_TOL,
    TensorOp,
    _axis,
    _basic_index,
    _const,
    _expand_target,
    _flatten_dims,
    _index,
    _integer_index,
    _mask,
    _new_axis,
    _permutation,
    _reshape_target,
    _sections,
    _values,
    apart,
    check_op,
    concatenable,
    elementwise,
    matmul_operands,
    one,
    reduction,
    same_shapes,
    with_params,
)
from oracle import assert_close
from torch.nn import functional

import autograd

CLAMP_LO, CLAMP_HI = -0.7071067811865476, 0.5772156649015329  # not hit exactly by drawn inputs
F32, F64 = np.float32, np.float64

OPS = [
    TensorOp("add", lambda lib, x, y: x + y, elementwise("real", "real")),
    TensorOp("sub", lambda lib, x, y: x - y, elementwise("real", "real")),
    TensorOp("mul", lambda lib, x, y: x * y, elementwise("real", "real")),
    TensorOp("div", lambda lib, x, y: x / y, elementwise("real", "nonzero")),
    TensorOp("pow", lambda lib, x, y: x**y, elementwise("positive", "real")),
    TensorOp("maximum", lambda lib, x, y: lib.maximum(x, y), apart(2)),
    TensorOp("minimum", lambda lib, x, y: lib.minimum(x, y), apart(2)),
    TensorOp(
        "where",
        lambda lib, x, y, mask: lib.where(_const(lib, mask), x, y),
        with_params(elementwise("real", "real"), mask=lambda s: _mask(s)),
    ),
    TensorOp("add_scalar", lambda lib, x: x + 2.5, one()),
    TensorOp("rsub_scalar", lambda lib, x: 3 - x, one()),
    TensorOp("rmul_scalar", lambda lib, x: 2 * x, one()),
    TensorOp("div_scalar", lambda lib, x: x / 4, one()),
    TensorOp("rdiv_scalar", lambda lib, x: 10 / x, one("nonzero")),
    TensorOp("pow_2", lambda lib, x: x**2, one()),
    TensorOp("pow_3", lambda lib, x: x**3, one()),
    TensorOp("pow_half", lambda lib, x: x**0.5, one("positive")),
    TensorOp("pow_neg", lambda lib, x: x**-1.5, one("positive")),
    TensorOp("rpow", lambda lib, x: 2**x, one()),
    TensorOp("neg", lambda lib, x: -x, one()),
    TensorOp("exp", lambda lib, x: x.exp(), one()),
    TensorOp("log", lambda lib, x: x.log(), one("positive")),
    TensorOp("sqrt", lambda lib, x: x.sqrt(), one("positive")),
    TensorOp("abs", lambda lib, x: abs(x), one("nonzero")),
    TensorOp("tanh", lambda lib, x: x.tanh(), one()),
    TensorOp("sigmoid", lambda lib, x: x.sigmoid(), one()),
    TensorOp("relu", lambda lib, x: x.relu(), one("nonzero")),
    TensorOp(
        "leaky_relu",
        lambda lib, x: lib.leaky_relu(x, 0.2),
        one("nonzero"),
        torch_fn=lambda lib, x: functional.leaky_relu(x, 0.2),
    ),
    TensorOp(
        "leaky_relu_default",
        lambda lib, x: x.leaky_relu(),
        one("nonzero"),
        torch_fn=lambda lib, x: functional.leaky_relu(x),
    ),
    TensorOp(
        "elu", lambda lib, x: lib.elu(x, 0.5), one("nonzero"), torch_fn=lambda lib, x: functional.elu(x, 0.5)
    ),
    TensorOp("clamp", lambda lib, x: x.clamp(CLAMP_LO, CLAMP_HI), one()),
    TensorOp("clamp_min", lambda lib, x: x.clamp(min=CLAMP_LO), one()),
    TensorOp("clamp_max", lambda lib, x: lib.clamp(x, max=CLAMP_HI), one()),
    TensorOp("float_double", lambda lib, x: x.float().double(), one(), check=CAST, **F32_TOL),
    TensorOp("to_float32", lambda lib, x: x.to(lib.float32), one(), check=CAST, **F32_TOL),
    TensorOp("double", lambda lib, x: x.double() * 1.0, one()),
    TensorOp(
        "mul_float32",
        lambda lib, x, y: x * y,
        elementwise("real", "real", dtypes=(F32, F32)),
        check=CAST,
        **F32_TOL,
    ),
    TensorOp(
        "mul_promotes",
        lambda lib, x, y: x * y,
        elementwise("real", "real", dtypes=(F32, F64)),
        check=CAST,
        **F32_TOL,
    ),
    TensorOp(
        "double_of_float32",
        lambda lib, x: x.double().exp(),
        elementwise("real", dtypes=(F32,)),
        check=CAST,
        **F32_TOL,
    ),
    TensorOp("sum", lambda lib, x, **p: x.sum(**p), reduction()),
    TensorOp("sum_all", lambda lib, x: x.sum(), one()),
    TensorOp("min_all", lambda lib, x: x.min(), one(unique=True)),
    TensorOp("mean", lambda lib, x, **p: x.mean(**p), reduction()),
    TensorOp(
        "max_all",
        lambda lib, x: x.max(),
        one(unique=True),
    ),
    TensorOp(
        "max_dim",
        lambda lib, x, **p: _values(x.max(**p)),
        reduction(unique=True, tuple_dims=False, none_dim=False),
    ),
    TensorOp(
        "min_dim",
        lambda lib, x, **p: _values(x.min(**p)),
        reduction(unique=True, tuple_dims=False, none_dim=False),
    ),
    TensorOp("amax", lambda lib, x, **p: lib.amax(x, **p), reduction(unique=True)),
    TensorOp("amin", lambda lib, x, **p: x.amin(**p), reduction(unique=True)),
    TensorOp("var", lambda lib, x, **p: x.var(**p), reduction(unique=True, min_side=2)),
    TensorOp("std", lambda lib, x, **p: x.std(**p), reduction(unique=True, min_side=2)),
    TensorOp("logsumexp", lambda lib, x, **p: x.logsumexp(**p), reduction(none_dim=False)),
    TensorOp(
        "softmax",
        lambda lib, x, dim: x.softmax(dim),
        reduction(tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp(
        "log_softmax",
        lambda lib, x, dim: x.log_softmax(dim),
        reduction(tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp(
        "softmax_large",
        lambda lib, x, dim: x.softmax(dim),
        reduction(tuple_dims=False, none_dim=False, keepdim=False, bound=1e4),
    ),
    TensorOp(
        "log_softmax_large",
        lambda lib, x, dim: lib.log_softmax(x, dim),
        reduction(tuple_dims=False, none_dim=False, keepdim=False, bound=1e4),
        torch_fn=lambda lib, x, dim: lib.log_softmax(x, dim),
    ),
    TensorOp("logsumexp_large", lambda lib, x, **p: x.logsumexp(**p), reduction(none_dim=False, bound=1e4)),
    TensorOp("matmul", lambda lib, x, y: x @ y, matmul_operands),
    TensorOp("matmul_fn", lambda lib, x, y: lib.matmul(x, y), matmul_operands),
    TensorOp("reshape", lambda lib, x, shape: x.reshape(shape), with_params(one(), shape=_reshape_target)),
    TensorOp(
        "view",
        lambda lib, x, shape: x.view(*shape),
        with_params(one(layout="contiguous"), shape=_reshape_target),
    ),
    TensorOp(
        "flatten",
        lambda lib, x, dims: x.flatten(*dims),
        with_params(one(min_dims=1), dims=_flatten_dims),
    ),
    TensorOp("squeeze", lambda lib, x: x.squeeze(), one()),
    TensorOp("squeeze_dim", lambda lib, x, dim: x.squeeze(dim), with_params(one(min_dims=1), dim=_axis)),
    TensorOp("unsqueeze", lambda lib, x, dim: x.unsqueeze(dim), with_params(one(), dim=_new_axis)),
    TensorOp(
        "transpose",
        lambda lib, x, dims: x.transpose(*dims),
        with_params(one(min_dims=1), dims=lambda s: st.tuples(_axis(s), _axis(s))),
    ),
    TensorOp("T", lambda lib, x: x.T, one(min_dims=2, max_dims=2)),
    TensorOp(
        "permute", lambda lib, x, perm: x.permute(*perm), with_params(one(min_dims=1), perm=_permutation)
    ),
    TensorOp(
        "expand", lambda lib, x, sizes: x.expand(*sizes), with_params(one(min_dims=1), sizes=_expand_target)
    ),
    TensorOp("split", lambda lib, x, how: x.split(*how), with_params(one(min_dims=1), how=_sections)),
    TensorOp(
        "chunk",
        lambda lib, x, how: x.chunk(*how),
        with_params(one(min_dims=1), how=lambda s: st.tuples(st.integers(1, 5), _axis(s))),
    ),
    TensorOp("cat", lambda lib, x, y, z, dim: lib.cat([x, y, z], dim), concatenable(3)),
    TensorOp("stack", lambda lib, x, y, dim: lib.stack([x, y], dim), same_shapes(2, min_dims=0)),
    TensorOp("index_basic", lambda lib, x, index: x[index], with_params(one(), index=_basic_index)),
    TensorOp(
        "index_int_arrays",
        lambda lib, x, index: x[_index(lib, index)],
        with_params(one(min_dims=1), index=_integer_index),
    ),
    TensorOp(
        "index_mask", lambda lib, x, mask: x[_const(lib, mask)], with_params(one(min_dims=1), mask=_mask)
    ),
    TensorOp(
        "index_int",
        lambda lib, x, i: x[i],
        with_params(one(min_dims=1), i=lambda s: st.integers(-s[0], s[0] - 1)),
    ),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject):
    check_op(op, data)


def test_every_op_of_the_factory_has_a_unique_name():
    names = [op.name for op in OPS]
    assert len(names) == len(set(names))


KINKS = np.array([-1.0, -0.0, 0.0, 1.0, np.nan, np.inf, -np.inf])
TIES = np.array([[1.0, -1.0, 1.0, 0.5], [0.0, 0.0, 2.0, 2.0]])

EDGES: list[tuple[str, np.ndarray, Callable[..., Any]]] = [
    ("relu", KINKS, lambda lib, x: x.relu()),
    ("abs", KINKS, lambda lib, x: abs(x)),
    ("sqrt", KINKS, lambda lib, x: abs(x).sqrt()),
    ("log", KINKS, lambda lib, x: abs(x).log()),
    ("clamp", KINKS, lambda lib, x: x.clamp(0.0, 1.0)),
    ("maximum", KINKS, lambda lib, x: lib.maximum(x, lib.zeros_like(x))),
    ("minimum", KINKS, lambda lib, x: lib.minimum(x, lib.zeros_like(x))),
    ("sigmoid", KINKS, lambda lib, x: x.sigmoid()),
    ("tanh", KINKS, lambda lib, x: x.tanh()),
    ("softmax", KINKS, lambda lib, x: x.softmax(0)),
    ("x/0", KINKS, lambda lib, x: x / lib.zeros_like(x)),
    ("max ties share", TIES, lambda lib, x: x.max()),
    ("amax ties share", TIES, lambda lib, x: lib.amax(x, 1)),
    ("max(dim) ties pick one", TIES, lambda lib, x: x.max(1)[0]),
    ("min(dim) ties pick one", TIES, lambda lib, x: x.min(0)[0]),
    ("maximum ties split", TIES, lambda lib, x: lib.maximum(x, x[:, [2, 1, 0, 3]])),
    ("std of constant rows", np.full((2, 3), 2.0), lambda lib, x: x.std(1)),
    ("var of one element", np.ones((2, 1)), lambda lib, x: x.var(1)),
    ("softmax of +-1e4", np.array([1e4, -1e4, 1e4 - 1.0, 0.0]), lambda lib, x: x.log_softmax(0)),
    ("logsumexp of -inf", np.array([-np.inf, -np.inf]), lambda lib, x: x.logsumexp(0)),
]


@pytest.mark.filterwarnings("ignore:var.*degrees of freedom")  # torch's own warning, for var of 1
@pytest.mark.parametrize(("name", "array", "fn"), EDGES, ids=[e[0] for e in EDGES])
def test_kinks_ties_and_ieee_edges_follow_torch(name: str, array: np.ndarray, fn: Callable[..., Any]):
    ours = autograd.tensor(array, requires_grad=True)
    theirs = torch.tensor(array, requires_grad=True)
    out, expected = fn(autograd, ours), fn(torch, theirs)
    assert_close(out, expected, f"{name}: forward")
    g = np.linspace(-1.0, 2.0, out.numel()).reshape(out.shape)
    out.backward(autograd.tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(ours.grad, theirs.grad, f"{name}: gradient")
