"""The linear algebra family against torch: the property factory (values, gradients, second derivatives)
over mm, bmm, mv, dot, outer, addmm, baddbmm, addmv, addbmm, tensordot and einsum (random equations:
repeated subscripts, ellipses, broadcasting, implicit outputs, zero sizes); then forms, beta=0 and errors
(the exception type torch raises, and its wording for the commonest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import Case, TensorOp, check_op
from oracle import assert_close, assert_same_error

import autograd
from autograd.testing.strategies import arrays_in

SIDE = st.integers(0, 3)
SCALES = st.sampled_from([1, 0, 0.5, -2.0])


def _inputs(data: st.DataObject, *shape_list: tuple[int, ...]) -> list[np.ndarray]:
    return [data.draw(arrays_in(s), label=f"x{i}") for i, s in enumerate(shape_list)]


def _mm(data: st.DataObject) -> Case:
    n, k, m = (data.draw(SIDE, label=c) for c in "nkm")
    return _inputs(data, (n, k), (k, m)), {}


def _bmm(data: st.DataObject) -> Case:
    b, n, k, m = (data.draw(SIDE, label=c) for c in "bnkm")
    return _inputs(data, (b, n, k), (b, k, m)), {}


def _mv(data: st.DataObject) -> Case:
    n, k = (data.draw(SIDE, label=c) for c in "nk")
    return _inputs(data, (n, k), (k,)), {}


def _vectors(same: bool) -> Callable[[st.DataObject], Case]:
    def draw(data: st.DataObject) -> Case:
        n = data.draw(SIDE, label="n")
        return _inputs(data, (n,), (n if same else data.draw(SIDE, label="m"),)), {}

    return draw


def _added(target: tuple[int, ...], data: st.DataObject) -> tuple[int, ...]:
    """A shape that broadcasts to ``target``: itself, a suffix, or with some sides 1."""
    kept = target[data.draw(st.integers(0, len(target)), label="lead") :]
    return tuple(1 if data.draw(st.booleans(), label="one") else n for n in kept)


def _addmm(data: st.DataObject) -> Case:
    n, k, m = (data.draw(SIDE, label=c) for c in "nkm")
    params = {"beta": data.draw(SCALES, label="beta"), "alpha": data.draw(SCALES, label="alpha")}
    return _inputs(data, _added((n, m), data), (n, k), (k, m)), params


def _baddbmm(data: st.DataObject) -> Case:
    b, n, k, m = (data.draw(SIDE, label=c) for c in "bnkm")
    params = {"beta": data.draw(SCALES, label="beta"), "alpha": data.draw(SCALES, label="alpha")}
    return _inputs(data, _added((b, n, m), data), (b, n, k), (b, k, m)), params


def _addmv(data: st.DataObject) -> Case:
    """No empty matrix: torch's addmv of one gives the input as it is, not broadcast (torch 2.13)."""
    n, k = (data.draw(st.integers(1, 3), label=c) for c in "nk")
    params = {"beta": data.draw(SCALES, label="beta"), "alpha": data.draw(SCALES, label="alpha")}
    return _inputs(data, _added((n,), data), (n, k), (k,)), params


def _addbmm(data: st.DataObject) -> Case:
    b, n, k, m = (data.draw(SIDE, label=c) for c in "bnkm")
    params = {"beta": data.draw(SCALES, label="beta"), "alpha": data.draw(SCALES, label="alpha")}
    return _inputs(data, _added((n, m), data), (b, n, k), (b, k, m)), params


def _tensordot(data: st.DataObject) -> Case:
    a = data.draw(st.lists(SIDE, max_size=3), label="a")
    b = data.draw(st.lists(SIDE, max_size=3), label="b")
    count = data.draw(st.integers(0, min(len(a), len(b))), label="count")
    if data.draw(st.booleans(), label="int dims"):
        b[:count] = a[len(a) - count :]
        return _inputs(data, tuple(a), tuple(b)), {"dims": count}
    dims_a = data.draw(st.permutations(range(len(a))), label="dims_a")[:count]
    dims_b = data.draw(st.permutations(range(len(b))), label="dims_b")[:count]
    for i, j in zip(dims_a, dims_b, strict=True):
        b[j] = a[i]
    negative = data.draw(st.booleans(), label="negative")
    dims_a = [i - len(a) if negative else i for i in dims_a]
    return _inputs(data, tuple(a), tuple(b)), {"dims": (dims_a, dims_b)}


LETTERS = "abcdAB"


def _einsum(data: st.DataObject) -> Case:
    """A random valid equation (repeated subscripts, ``...``, size-1 broadcasting, implicit or explicit
    output) and operands that fit it."""
    sizes = {c: data.draw(st.integers(0, 3) if c == "d" else st.integers(1, 3), label=c) for c in LETTERS}
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2), label="batch")
    terms, shape_list, used, ellipsis = [], [], [], False
    for i in range(data.draw(st.integers(1, 3), label="operands")):
        subs = data.draw(st.lists(st.sampled_from(LETTERS), max_size=3), label=f"subs{i}")
        ones = {c for c in subs if data.draw(st.integers(0, 4), label="broadcast") == 0}
        shape = [1 if c in ones else sizes[c] for c in subs]
        term = "".join(subs)
        if data.draw(st.booleans(), label="ellipsis"):
            at = data.draw(st.integers(0, len(subs)), label="at")
            dims = [1 if data.draw(st.integers(0, 3), label="one") == 0 else n for n in batch]
            dims = dims[data.draw(st.integers(0, len(dims)), label="drop") :]
            term, shape = term[:at] + "..." + term[at:], shape[:at] + dims + shape[at:]
            ellipsis = True
        terms.append(term)
        shape_list.append(tuple(shape))
        used += subs
    equation = ",".join(terms)
    if data.draw(st.booleans(), label="explicit"):
        out = data.draw(st.permutations(sorted(set(used))), label="output")
        out = "".join(out[: data.draw(st.integers(0, len(out)), label="kept")])
        if ellipsis and data.draw(st.booleans(), label="output ellipsis"):
            at = data.draw(st.integers(0, len(out)), label="out at")
            out = out[:at] + "..." + out[at:]
        equation += "->" + out
    return _inputs(data, *shape_list), {"equation": equation}


def _einsum_fn(lib: Any, *xs: Any, equation: str) -> Any:
    return lib.einsum(equation, *xs)


OPS = [
    TensorOp("mm", lambda lib, x, y: x.mm(y), _mm),
    TensorOp("mm_fn", lambda lib, x, y: lib.mm(x, y), _mm),
    TensorOp("bmm", lambda lib, x, y: lib.bmm(x, y), _bmm),
    TensorOp("mv", lambda lib, x, y: x.mv(y), _mv),
    TensorOp("dot", lambda lib, x, y: lib.dot(x, y), _vectors(True)),
    TensorOp("outer", lambda lib, x, y: x.outer(y), _vectors(False)),
    TensorOp("ger", lambda lib, x, y: lib.ger(x, y), _vectors(False)),
    TensorOp("addmm", lambda lib, c, a, b, **p: lib.addmm(c, a, b, **p), _addmm),
    TensorOp("addmm_method", lambda lib, c, a, b, **p: c.addmm(a, b, **p), _addmm),
    TensorOp("baddbmm", lambda lib, c, a, b, **p: lib.baddbmm(c, a, b, **p), _baddbmm),
    TensorOp("addmv", lambda lib, c, a, b, **p: lib.addmv(c, a, b, **p), _addmv),
    TensorOp("addbmm", lambda lib, c, a, b, **p: c.addbmm(a, b, **p), _addbmm),
    TensorOp("tensordot", lambda lib, x, y, dims: lib.tensordot(x, y, dims=dims), _tensordot),
    TensorOp("einsum", _einsum_fn, _einsum),
    TensorOp("einsum_list", lambda lib, *xs, equation: lib.einsum(equation, list(xs)), _einsum),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject):
    check_op(op, data)


def test_every_op_of_the_factory_has_a_unique_name():
    assert len({op.name for op in OPS}) == len(OPS)


# ----- forms and edges -------------------------------------------------------------------------------
FORMS: list[tuple[str, list[tuple[int, ...]], Callable[..., Any]]] = [
    ("einsum trace", [(3, 3)], lambda lib, x: lib.einsum("ii", x)),
    ("einsum diagonal", [(3, 3)], lambda lib, x: lib.einsum("ii->i", x)),
    ("einsum spaces", [(2, 3)], lambda lib, x: lib.einsum("i j -> j i", x)),
    ("einsum upper case first", [(2, 3)], lambda lib, x: lib.einsum("ba", x)),
    ("einsum ellipsis alone", [(2, 3)], lambda lib, x: lib.einsum("...", x)),
    ("einsum ellipsis summed", [(2, 3, 4)], lambda lib, x: lib.einsum("...ij->ij", x)),
    ("einsum batch broadcast", [(2, 1, 2, 3), (4, 3, 2)], lambda lib, x, y: lib.einsum("...ij,...jk", x, y)),
    ("einsum 0-d", [(), ()], lambda lib, x, y: lib.einsum(",->", x, y)),
    ("einsum of integers", [(2, 3), (3,)], lambda lib, x, y: lib.einsum("ij,j", x.long(), y.long())),
    ("einsum of float32", [(2, 3), (3,)], lambda lib, x, y: lib.einsum("ij,j", x.float(), y.float())),
    ("tensordot by a 0-d tensor", [(2, 3), (3, 4)], lambda lib, x, y: lib.tensordot(x, y, lib.tensor(1))),
    ("tensordot lists", [(2, 3, 4), (4, 3)], lambda lib, x, y: lib.tensordot(x, y, [[1, 2], [1, 0]])),
    ("tensordot none", [(2,), (3,)], lambda lib, x, y: lib.tensordot(x, y, 0)),
    ("mm of integers", [(2, 3), (3, 2)], lambda lib, x, y: lib.mm(x.long(), y.long())),
    ("outer promotes", [(2,), (3,)], lambda lib, x, y: lib.outer(x.float(), y)),
    ("dot of float32", [(3,), (3,)], lambda lib, x, y: x.float().dot(y.float())),
    (
        "addmm of integers",
        [(2, 2), (2, 3), (3, 2)],
        lambda lib, c, a, b: lib.addmm(c.long(), a.long(), b.long()),
    ),
    ("addmm 0-d input", [(), (2, 3), (3, 2)], lambda lib, c, a, b: lib.addmm(c, a, b, beta=2)),
    ("addmv 0-d input", [(), (2, 3), (3,)], lambda lib, c, a, b: lib.addmv(c, a, b, alpha=3)),
]


@pytest.mark.parametrize(("name", "shapes", "fn"), FORMS, ids=[f[0] for f in FORMS])
def test_forms_and_edges_follow_torch(name: str, shapes: list[tuple[int, ...]], fn: Callable[..., Any]):
    rng = np.random.default_rng(0)
    arrays = [np.round(rng.standard_normal(s) * 3) for s in shapes]
    ours = fn(autograd, *[autograd.tensor(a) for a in arrays])
    theirs = fn(torch, *[torch.tensor(a) for a in arrays])
    assert ours.shape == tuple(theirs.shape), name
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    assert_close(ours, theirs, name, rtol=1e-6)


@pytest.mark.parametrize("name", ["addmm", "baddbmm", "addbmm"])
def test_beta_zero_ignores_nan_in_input_and_gives_it_zero_gradient(name: str):
    shapes = {"addmm": [(2, 2), (2, 3), (3, 2)], "baddbmm": [(2, 2, 2), (2, 2, 3), (2, 3, 2)]}
    shapes["addbmm"] = [(2, 2), (2, 2, 3), (2, 3, 2)]
    results = []
    for lib in (autograd, torch):
        c = lib.full(shapes[name][0], float("nan"), dtype=lib.float64).requires_grad_()
        a, b = (lib.ones(*s, dtype=lib.float64) for s in shapes[name][1:])
        out = getattr(lib, name)(c, a, b, beta=0, alpha=0.5)
        out.sum().backward()
        results.append((out, c.grad))
    assert not np.isnan(results[0][0].numpy()).any()
    assert_close(results[0][0], results[1][0], f"{name}: forward")
    assert_close(results[0][1], results[1][1], f"{name}: gradient of the ignored input")


def test_einsum_leaves_matmul_alone_and_multiplies_big_operands_fast():
    x = np.random.default_rng(0).standard_normal((64, 64))
    out = autograd.einsum("ij,jk->ik", autograd.tensor(x), autograd.tensor(x))
    np.testing.assert_allclose(out.numpy(), x @ x, rtol=1e-12)


# ----- errors ------------------------------------------------------------------------------------------
WORDED: list[tuple[str, Callable[..., Any]]] = [
    ("mm shapes", lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5))),
    ("addmm shapes", lambda lib: lib.addmm(lib.ones(2, 2), lib.ones(2, 3), lib.ones(4, 2))),
    ("bmm sizes", lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(2, 5, 4))),
    ("mv sizes", lambda lib: lib.ones(2, 3).mv(lib.ones(4))),
    ("dot sizes", lambda lib: lib.ones(3).dot(lib.ones(4))),
    ("dot ranks", lambda lib: lib.ones(3).dot(lib.ones(3, 1))),
    ("outer rank", lambda lib: lib.ones(3, 1).outer(lib.ones(3))),
    ("addmm input", lambda lib: lib.addmm(lib.ones(3), lib.ones(2, 3), lib.ones(3, 2))),
    ("einsum sizes", lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(4, 2))),
    ("einsum repeated output", lambda lib: lib.einsum("ij,jk->ii", lib.ones(2, 3), lib.ones(3, 2))),
    ("einsum unknown output", lambda lib: lib.einsum("ij->l", lib.ones(2, 3))),
    ("einsum too many operands", lambda lib: lib.einsum("ij", lib.ones(2, 3), lib.ones(3, 2))),
    ("einsum too few operands", lambda lib: lib.einsum("ij,jk", lib.ones(2, 3))),
    ("einsum rank", lambda lib: lib.einsum("ijk", lib.ones(2, 3))),
    ("einsum bad subscript", lambda lib: lib.einsum("i1", lib.ones(2, 3))),
    ("einsum stray dot", lambda lib: lib.einsum("ij.->j", lib.ones(2, 3))),
    ("einsum repeated sizes", lambda lib: lib.einsum("ii", lib.ones(2, 3))),
    ("tensordot sizes", lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 2), 1)),
    ("tensordot negative", lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(3, 2), -1)),
    ("tensordot too many", lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(3, 2), 3)),
    ("tensordot list lengths", lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(3, 2), ([1, 0], [0]))),
    ("repeat_interleave count", lambda lib: lib.ones(2, 3).repeat_interleave(lib.tensor([1, 2]), dim=1)),
]
TYPED: list[tuple[str, Callable[..., Any]]] = [
    ("mm of a vector", lambda lib: lib.ones(2, 3).mm(lib.ones(3))),
    ("mm dtypes", lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3, 2, dtype=lib.float64))),
    ("bmm of a matrix", lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(4, 4))),
    ("bmm batches", lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(3, 4, 4))),
    ("mv of a matrix", lambda lib: lib.ones(2, 3).mv(lib.ones(3, 1))),
    ("mv dtypes", lambda lib: lib.ones(3, 4).mv(lib.ones(4, dtype=lib.float64))),
    ("dot dtypes", lambda lib: lib.ones(3).dot(lib.ones(3, dtype=lib.float64))),
    ("einsum dtypes", lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(3, 2, dtype=lib.float64))),
    ("tensordot dtypes", lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(3, 2, dtype=lib.float64), 1)),
    (
        "tensordot repeated dim",
        lambda lib: lib.tensordot(lib.ones(2, 3, 4), lib.ones(3, 4, 2), ([1, 1], [0, 1])),
    ),
    (
        "addmm dtypes",
        lambda lib: lib.addmm(lib.ones(2, 1, dtype=lib.float64), lib.ones(2, 3), lib.ones(3, 2)),
    ),
    ("baddbmm input", lambda lib: lib.baddbmm(lib.ones(2, 3, 2), lib.ones(2, 2, 3), lib.ones(2, 3, 2))),
    ("baddbmm batches", lambda lib: lib.baddbmm(lib.ones(2, 2, 2), lib.ones(2, 2, 3), lib.ones(3, 3, 2))),
    ("addmv sizes", lambda lib: lib.addmv(lib.ones(2), lib.ones(2, 3), lib.ones(4))),
    ("addbmm batches", lambda lib: lib.addbmm(lib.ones(2, 2), lib.ones(2, 2, 3), lib.ones(3, 3, 2))),
]


@pytest.mark.parametrize(("name", "fn"), WORDED, ids=[e[0] for e in WORDED])
def test_errors_have_torchs_type_and_words(name: str, fn: Callable[..., Any]):
    assert_same_error(fn, words=True)


@pytest.mark.parametrize(("name", "fn"), TYPED, ids=[e[0] for e in TYPED])
def test_errors_have_torchs_type(name: str, fn: Callable[..., Any]):
    assert_same_error(fn)
