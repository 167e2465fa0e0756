"""The remaining forms of issue 14 against torch: einsum's sublist form, norm(p='nuc') and 'fro' over two
dims (the property factory: values, gradients against torch and central differences, second derivatives),
diagonal as a view (writes through it reach the base, one version counter), gather of a 0-d input and of an
empty index, tensordot's broadcast of a size-1 contracted dim; values, dtypes and errors against torch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, Case, TensorOp, check_op
from oracle import assert_close, assert_same_error
from test_ops_linalg import _einsum

import autograd
from autograd.testing import gradgradcheck
from autograd.testing.strategies import arrays_in, shapes


# ----- drawing -------------------------------------------------------------------------------------
def _sublist_form(equation: str, xs: tuple[Any, ...]) -> list[Any]:
    """``einsum(equation, *xs)``'s arguments in torch's sublist form: A-Z are 0-25, a-z 26-51."""

    def subscripts(term: str) -> list[Any]:
        before, ell, after = term.partition("...")
        number = [ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + 26 for c in before + after]
        return [*number[: len(before)], *([Ellipsis] if ell else []), *number[len(before) :]]

    lhs, arrow, rhs = equation.partition("->")
    args: list[Any] = []
    for x, term in zip(xs, lhs.split(","), strict=True):
        args += [x, subscripts(term)]
    return args + [subscripts(rhs)] if arrow else args


def _two_dims(data: st.DataObject, ndim: int) -> tuple[int, int]:
    """Two different dims of a tensor of ``ndim`` dims, each positive or negative."""
    a, b = data.draw(st.permutations(range(ndim)), label="dims")[:2]
    return tuple(d - ndim if data.draw(st.booleans(), label="negative") else d for d in (a, b))


def _matrices(data: st.DataObject) -> Case:
    """Matrices along two drawn dims whose singular values are at least 3 and 1 apart (``diag(5, 10, ...)``
    plus elements in [-0.5, 0.5]), so central differences never cross a kink and torch's SVD backward, which
    divides by s_i^2 - s_j^2, is accurate. ``dim`` None for a 2-D input."""
    shape = data.draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=MAX_SIDE), label="shape")
    dim = None if len(shape) == 2 and data.draw(st.booleans(), label="none") else _two_dims(data, len(shape))
    a, b = (0, 1) if dim is None else (d % len(shape) for d in dim)
    spread = np.eye(shape[a], shape[b]) * 5 * np.arange(1, shape[b] + 1)
    spread = np.moveaxis(spread.reshape(shape[a], shape[b], *[1] * (len(shape) - 2)), (0, 1), (a, b))
    return [data.draw(arrays_in(shape, bound=0.5), label="x") + spread], {
        "dim": dim,
        "keepdim": data.draw(st.booleans(), label="keepdim"),
    }


def _fro_dims(data: st.DataObject) -> Case:
    """One input and 'fro''s dim: None, an int, or a tuple (list) of one or two dims."""
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE), label="shape")
    n = len(shape)
    dim = data.draw(
        st.one_of(
            st.none(),
            st.integers(-n, n - 1),
            st.lists(st.integers(-n, n - 1), min_size=1, max_size=min(2, n), unique_by=lambda d: d % n),
        ),
        label="dim",
    )
    x = data.draw(arrays_in(shape, "nonzero"), label="x")
    return [x], {"dim": dim, "keepdim": data.draw(st.booleans(), label="keepdim")}


def _diagonal(data: st.DataObject) -> Case:
    """An input of two or more dims, an offset (past the edges too) and two different dims."""
    shape = data.draw(shapes(min_dims=2, max_dims=3, max_side=MAX_SIDE), label="shape")
    dim1, dim2 = _two_dims(data, len(shape))
    offset = data.draw(st.integers(-MAX_SIDE - 1, MAX_SIDE + 1), label="offset")
    return [data.draw(arrays_in(shape), label="x")], {"offset": offset, "dim1": dim1, "dim2": dim2}


def _tensordot_ones(data: st.DataObject) -> Case:
    """tensordot where some contracted dims have size 1 on one side (broadcast against the other's)."""
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2), label="sizes")
    one_side = [data.draw(st.sampled_from(["a", "b", ""]), label="one") for _ in sizes]
    a = [1 if side == "a" else n for n, side in zip(sizes, one_side, strict=True)]
    b = [1 if side == "b" else n for n, side in zip(sizes, one_side, strict=True)]
    free = data.draw(st.integers(1, 3), label="free")
    arrays = [
        data.draw(arrays_in((free, *a)), label="a"),
        data.draw(arrays_in((*reversed(b), free)), label="b"),
    ]
    dims = (list(range(1, len(a) + 1)), list(reversed(range(len(b)))))
    return arrays, {"dims": dims}


OPS = [
    TensorOp("einsum_sublist", lambda lib, *xs, equation: lib.einsum(*_sublist_form(equation, xs)), _einsum),
    TensorOp("norm_nuc", lambda lib, x, dim, keepdim: lib.norm(x, "nuc", dim, keepdim), _matrices),
    TensorOp(
        "norm_nuc_method", lambda lib, x, dim, keepdim: x.norm(p="nuc", dim=dim, keepdim=keepdim), _matrices
    ),
    TensorOp("norm_fro_dims", lambda lib, x, dim, keepdim: x.norm("fro", dim, keepdim), _fro_dims),
    TensorOp("diagonal", lambda lib, x, **p: lib.diagonal(x, **p), _diagonal),
    TensorOp("diagonal_method_squared", lambda lib, x, **p: x.diagonal(**p) ** 2, _diagonal),
    TensorOp("tensordot_size_one", lambda lib, x, y, dims: lib.tensordot(x, y, dims), _tensordot_ones),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject):
    check_op(op, data)


# ----- forms against torch -----------------------------------------------------------------------------
FORMS: list[tuple[str, list[tuple[int, ...]], Callable[..., Any]]] = [
    ("einsum sublist matmul", [(2, 3), (3, 4)], lambda lib, x, y: lib.einsum(x, [0, 1], y, [1, 2], [0, 2])),
    ("einsum sublist implicit", [(2, 3), (3, 4)], lambda lib, x, y: lib.einsum(x, [30, 1], y, [1, 0])),
    ("einsum sublist ellipsis", [(5, 2, 3), (3, 4)], lambda lib, x, y: lib.einsum(x, [..., 0, 1], y, [1, 2])),
    (
        "einsum sublist ellipsis out",
        [(5, 2, 3), (5, 3, 4)],
        lambda lib, x, y: lib.einsum(x, [..., 0, 1], y, [..., 1, 2], [2, ..., 0]),
    ),
    ("einsum sublist tuples", [(3, 3)], lambda lib, x: lib.einsum(x, (51, 51), ())),
    ("einsum sublist numpy ints", [(2, 3)], lambda lib, x: lib.einsum(x, [np.int64(1), np.int64(0)])),
    ("einsum sublist trace", [(3, 3)], lambda lib, x: lib.einsum(x, [7, 7])),
    ("norm nuc float32", [(3, 2)], lambda lib, x: x.float().norm(p="nuc")),
    ("norm nuc dtype", [(3, 2)], lambda lib, x: lib.norm(x.float(), "nuc", dtype=lib.float64)),
    ("norm nuc empty", [(0, 3)], lambda lib, x: lib.norm(x, "nuc")),
    ("norm nuc empty batch", [(2, 0, 3)], lambda lib, x: lib.norm(x, "nuc", dim=(1, 2), keepdim=True)),
    ("norm nuc rank one", [(1, 4)], lambda lib, x: lib.norm(x, "nuc")),
    ("norm fro empty tuple", [(2, 3, 4)], lambda lib, x: lib.norm(x, "fro", dim=())),
    ("norm fro list", [(2, 3, 4)], lambda lib, x: lib.norm(x, "fro", dim=[2, 0])),
    ("diagonal keywords", [(3, 4)], lambda lib, x: lib.diagonal(x, offset=-1, dim1=1, dim2=0)),
    ("diagonal past the edge", [(3, 4)], lambda lib, x: x.diagonal(5)),
    ("diagonal of empty", [(0, 3)], lambda lib, x: x.diagonal()),
    ("gather 0-d by a vector", [()], lambda lib, x: lib.gather(x, 0, lib.tensor([0, 0]))),
    ("gather 0-d by 0-d", [()], lambda lib, x: lib.gather(x, -1, lib.tensor(0))),
    ("gather empty index", [(5,)], lambda lib, x: lib.gather(x, 0, lib.zeros(2, 0, dtype=lib.uint8))),
    ("gather empty vector", [(2, 3)], lambda lib, x: x.gather(1, lib.zeros(0, dtype=lib.long))),
    ("tensordot size one", [(1, 1, 1), (2, 1, 2)], lambda lib, x, y: lib.tensordot(x, y, ([0, 1], [2, 0]))),
]


@pytest.mark.parametrize(("name", "shapes_", "fn"), FORMS, ids=[f[0] for f in FORMS])
def test_forms_follow_torch(name: str, shapes_: list[tuple[int, ...]], fn: Callable[..., Any]):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes_]
    ours_in = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = fn(autograd, *ours_in), fn(torch, *theirs_in)
    assert ours.shape == tuple(theirs.shape), name
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    assert_close(ours, theirs, name, rtol=1e-6)
    upstream = rng.standard_normal(ours.shape)
    ours.backward(autograd.tensor(upstream).to(ours.dtype))
    theirs.backward(torch.tensor(upstream).to(theirs.dtype))
    for i, (x, t) in enumerate(zip(ours_in, theirs_in, strict=True)):
        assert_close(x.grad, t.grad, f"{name}: gradient {i}", rtol=1e-6)


# ----- errors ----------------------------------------------------------------------------------------
WORDED: list[tuple[str, Callable[..., Any]]] = [
    ("einsum no operands", lambda lib: lib.einsum("ij")),
    ("einsum one operand alone", lambda lib: lib.einsum(lib.ones(2))),
    ("einsum sublist range", lambda lib: lib.einsum(lib.ones(2), [52])),
    ("einsum sublist negative", lambda lib: lib.einsum(lib.ones(2), [-1])),
    ("einsum sublist sizes", lambda lib: lib.einsum(lib.ones(2, 3), [1, 1])),
    ("nuc of a vector", lambda lib: lib.norm(lib.ones(3), "nuc")),
    ("nuc of a 0-d tensor", lambda lib: lib.ones(()).norm("nuc")),
    ("nuc of 3-d, all dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc")),
    ("nuc over one dim", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc", dim=1)),
    ("nuc over three dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc", dim=(0, 1, 2))),
    ("nuc over no dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc", dim=())),
    ("nuc same dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc", dim=(1, -2))),
    ("nuc of integers", lambda lib: lib.norm(lib.ones(2, 3, dtype=lib.long), "nuc")),
    (
        "nuc narrowing dtype",
        lambda lib: lib.norm(lib.ones(2, 3, dtype=lib.float64), "nuc", dtype=lib.float32),
    ),
    ("fro over three dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "fro", dim=(0, 1, 2))),
    ("fro same dims", lambda lib: lib.norm(lib.ones(2, 3, 4), "fro", dim=(1, 1))),
    ("unknown order", lambda lib: lib.norm(lib.ones(2, 3), "abc")),
    ("unknown order with dims", lambda lib: lib.norm(lib.ones(2, 3), "abc", dim=(0, 1))),
    ("diagonal same dims", lambda lib: lib.ones(2, 3).diagonal(0, 1, -1)),
    ("gather 0-d by a matrix", lambda lib: lib.gather(lib.tensor(3.0), 0, lib.tensor([[0]]))),
    ("gather 0-d out of range", lambda lib: lib.gather(lib.tensor(3.0), 0, lib.tensor([1]))),
    (
        "tensordot repeated dim of b",
        lambda lib: lib.tensordot(lib.ones(1, 2, 2), lib.ones(2, 3, 1), ([0, 1], [0, 0])),
    ),
]
TYPED: list[tuple[str, Callable[..., Any]]] = [
    ("einsum sublist strings", lambda lib: lib.einsum(lib.ones(2, 3), ["a", "b"])),
    ("einsum sublist floats", lambda lib: lib.einsum(lib.ones(2, 3), [0.0, 1])),
    ("nuc out of range", lambda lib: lib.norm(lib.ones(2, 3, 4), "nuc", dim=(1, 3))),
    ("diagonal of a vector", lambda lib: lib.ones(3).diagonal()),
]


@pytest.mark.parametrize(("name", "fn"), WORDED, ids=[e[0] for e in WORDED])
def test_errors_have_torchs_type_and_words(name: str, fn: Callable[..., Any]):
    assert_same_error(fn, words=True)


@pytest.mark.parametrize(("name", "fn"), TYPED, ids=[e[0] for e in TYPED])
def test_errors_have_torchs_type(name: str, fn: Callable[..., Any]):
    assert_same_error(fn)


def test_an_odd_sublist_form_is_refused_clearly():
    """``einsum(a, [0, 1], b)``: torch fails on reading ``b`` as the output's subscripts; here, a TypeError
    that says so."""
    with pytest.raises(TypeError, match="list of subscripts for the output"):
        autograd.einsum(autograd.ones(2, 3), [0, 1], autograd.ones(3))


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_second_derivatives_of_the_nuclear_norm_hold_at_repeated_singular_values(shape: tuple[int, ...]):
    """Where singular values repeat (``6 I`` plus ones: 6 twice) torch's SVD backward divides by 0; the
    polar factor's derivative has no such division: central differences agree."""
    x = autograd.tensor(6 * np.eye(*shape) + 1.0, requires_grad=True)
    assert gradgradcheck(lambda x: x.norm("nuc"), [x])


def test_third_derivatives_of_the_nuclear_norm_are_refused():
    """Second derivatives are torch's (the factory); differentiating them again is refused, not wrong."""
    x = autograd.tensor(np.eye(3) * 2 + 0.1, requires_grad=True)
    (g,) = autograd.grad(x.norm("nuc"), [x], create_graph=True)
    with pytest.raises(RuntimeError, match="beyond the second"):
        autograd.grad((g * g).sum(), [x], create_graph=True)


# ----- diagonal is a view ------------------------------------------------------------------------------
def _writes(lib: Any) -> tuple[Any, Any, list[int]]:
    """Writes through diagonals of a tensor, and into the tensor read through its diagonal."""
    x = lib.zeros(3, 4)
    versions = []
    d = x.diagonal(1)
    d.fill_(1.0)
    d[0] = 5.0
    d += 2.0
    x.diagonal(-1).copy_(lib.tensor([7.0, 8.0]))
    x[2, 3] = 9.0  # seen through d
    x.t().diagonal().mul_(3.0)
    versions += [x._version, d._version]
    return x, d, versions


def test_writes_through_a_diagonal_reach_the_base_as_in_torch():
    (x, d, versions), (tx, td, tversions) = _writes(autograd), _writes(torch)
    assert_close(x, tx, "base after writes")
    assert_close(d, td, "the diagonal view after writes")
    assert versions == tversions


def test_a_diagonal_under_no_grad_writes_into_a_tensor_that_requires_grad():
    results = []
    for lib in (autograd, torch):
        w = lib.ones(3, 3, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            w.diagonal().zero_()
        (w * w).sum().backward()
        results.append((w, w.grad))
    assert_close(results[0][0], results[1][0], "weights")
    assert_close(results[0][1], results[1][1], "gradient")


def test_backward_refuses_a_diagonal_changed_after_it_was_saved():
    for lib in (autograd, torch):
        x = lib.ones(3, 3, dtype=lib.float64, requires_grad=True)
        y = x * 2
        d = y.diagonal()
        z = (d * d).sum()  # saves d
        with lib.no_grad():
            y.add_(1.0)  # the same storage
        assert d._version == y._version == 1
        with pytest.raises(RuntimeError):
            z.backward()


def test_a_recorded_in_place_op_on_a_diagonal_is_refused_like_on_any_view():
    """tracegrad's documented difference (README): torch rebases the base's history; here the write is
    refused with a clear error, as for ``y[0]`` and ``y.t()``."""
    y = autograd.ones(3, 3, requires_grad=True) * 1.0
    for view in (y.diagonal(), y[0], y.t()):
        with pytest.raises(RuntimeError, match="in-place"):
            view.mul_(2.0)


def test_a_diagonal_of_a_broadcast_is_read_only():
    x = autograd.ones(3).expand(3, 3)
    with pytest.raises(ValueError):
        x.diagonal().fill_(0.0)
