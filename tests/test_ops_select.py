"""Indexing & scatter and sorting & selection against torch: the property factory for every
differentiable op (repeated indices accumulate; values of sort/topk/kthvalue/median/mode get the gradient
at the chosen indices), then values, indices, dtypes, ties, edge shapes, errors and in-place forms."""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, Case, TensorOp, _const, _values, check_op, one, reduction, with_params
from oracle import assert_close

import autograd
from autograd.testing.strategies import arrays_in, shapes


# ----- drawing indices ------------------------------------------------------------------------------
def _input(data: st.DataObject, min_dims: int = 1, unique: bool = False) -> tuple[np.ndarray, int, int]:
    """An input of at least ``min_dims`` dimensions, a ``dim`` (maybe negative) and its axis."""
    shape = data.draw(shapes(min_dims=min_dims, max_side=MAX_SIDE), label="shape")
    x = data.draw(arrays_in(shape, unique=unique), label="x")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    return x, dim, dim % len(shape)


def _index_shape(data: st.DataObject, shape: tuple[int, ...], axis: int, most: int) -> tuple[int, ...]:
    """An index shape no larger than ``shape`` off ``axis``, up to ``most`` along it."""
    return tuple(
        data.draw(st.integers(1, most if d == axis else n), label=f"index side {d}")
        for d, n in enumerate(shape)
    )


def _repeating(data: st.DataObject, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """gather/scatter_add indices along ``axis``, repeats likely."""
    index_shape = _index_shape(data, shape, axis, MAX_SIDE + 2)
    return data.draw(
        hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[axis] - 1)), label="index"
    )


def _distinct(data: st.DataObject, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """scatter indices along ``axis`` without repeats in a slice (torch leaves which write wins open)."""
    index_shape = _index_shape(data, shape, axis, shape[axis])
    keys = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0, 1)), label="keys")
    order = np.argsort(keys, axis=axis, kind="stable")
    return order[tuple(slice(0, n) for n in index_shape)]


def gathering(data: st.DataObject) -> Case:
    x, dim, axis = _input(data)
    return [x], {"dim": dim, "index": _repeating(data, x.shape, axis)}


def scattering(distinct: bool) -> Any:
    """An input, ``dim``, an index and a ``src`` of the index's size."""

    def draw(data: st.DataObject) -> Case:
        x, dim, axis = _input(data)
        index = (_distinct if distinct else _repeating)(data, x.shape, axis)
        src = data.draw(arrays_in(index.shape), label="src")  # (torch's backward refuses a larger src)
        return [x, src], {"dim": dim, "index": index}

    return draw


def selecting(data: st.DataObject) -> Case:
    """index_select/index_add: a vector index along ``dim`` (repeats likely) and a source of its size."""
    x, dim, axis = _input(data)
    index = data.draw(
        hnp.arrays(np.int64, st.integers(0, MAX_SIDE + 2), elements=st.integers(0, x.shape[axis] - 1))
    )
    source = data.draw(arrays_in(x.shape[:axis] + (len(index),) + x.shape[axis + 1 :]), label="source")
    alpha = data.draw(st.sampled_from([1, 2.5, -1]), label="alpha")
    return [x, source], {"dim": dim, "index": index, "alpha": alpha}


def putting(accumulate: bool) -> Any:
    """index_put: one or two integer index arrays (repeats only when accumulating) and values."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(min_dims=1, max_side=MAX_SIDE), label="shape")
        x = data.draw(arrays_in(shape), label="x")
        count = data.draw(st.integers(1, min(2, len(shape))), label="index count")
        if accumulate:
            n = data.draw(st.integers(1, MAX_SIDE + 2), label="n")
            idx = [data.draw(hnp.arrays(np.int64, n, elements=st.integers(-s, s - 1))) for s in shape[:count]]
        else:
            flat = data.draw(st.permutations(range(int(np.prod(shape[:count])))), label="positions")
            chosen = np.asarray(flat[: data.draw(st.integers(1, len(flat)), label="n")], np.int64)
            idx = list(np.unravel_index(chosen, shape[:count]))
        values = data.draw(arrays_in((len(idx[0]), *shape[count:])), label="values")
        return [x, values], {"indices": tuple(np.asarray(i, np.int64) for i in idx)}

    return draw


def masking(data: st.DataObject) -> Case:
    """An input and a bool mask that broadcasts with it."""
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=MAX_SIDE), label="shapes")
    x_shape, mask_shape = shapes_.input_shapes
    x = data.draw(arrays_in(x_shape), label="x")
    return [x], {"mask": data.draw(hnp.arrays(np.bool_, mask_shape), label="mask")}


def _ks(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, int]]:
    """(dim, k) with 1 <= k <= the size of dim."""
    return st.integers(-len(shape), len(shape) - 1).flatmap(
        lambda d: st.tuples(st.just(d), st.integers(1, shape[d]))
    )


def _idx(lib: Any, index: np.ndarray) -> Any:
    return _const(lib, index)


OPS = [
    TensorOp("gather", lambda lib, x, dim, index: x.gather(dim, _idx(lib, index)), gathering),
    TensorOp("gather_fn", lambda lib, x, dim, index: lib.gather(x, dim, index=_idx(lib, index)), gathering),
    TensorOp(
        "scatter",
        lambda lib, x, src, dim, index: x.scatter(dim, _idx(lib, index), src),
        scattering(distinct=True),
    ),
    TensorOp(
        "scatter_value",
        lambda lib, x, dim, index: lib.scatter(x, dim, _idx(lib, index), 2.5),
        gathering,
    ),
    TensorOp(
        "scatter_add",
        lambda lib, x, src, dim, index: lib.scatter_add(x, dim, _idx(lib, index), src),
        scattering(distinct=False),
    ),
    TensorOp(
        "scatter_reduce_add",
        lambda lib, x, src, dim, index: x.scatter(dim, _idx(lib, index), src, reduce="add"),
        scattering(distinct=False),
        torch_fn=lambda lib, x, src, dim, index: x.scatter_add(dim, _idx(lib, index), src),  # (no gradient)
    ),
    TensorOp(
        "index_select",
        lambda lib, x, source, dim, index, alpha: x.index_select(dim, _idx(lib, index)),
        selecting,
    ),
    TensorOp(
        "index_add",
        lambda lib, x, source, dim, index, alpha: x.index_add(dim, _idx(lib, index), source, alpha=alpha),
        selecting,
    ),
    TensorOp(
        "index_put_accumulate",
        lambda lib, x, v, indices: x.index_put(tuple(_idx(lib, i) for i in indices), v, accumulate=True),
        putting(accumulate=True),
    ),
    TensorOp(
        "index_put",
        lambda lib, x, v, indices: lib.index_put(x, tuple(_idx(lib, i) for i in indices), v),
        putting(accumulate=False),
    ),
    TensorOp(
        "masked_fill",
        lambda lib, x, mask: x.masked_fill(_const(lib, mask), -1.5),
        masking,
    ),
    TensorOp(
        "masked_fill_tensor_value",
        lambda lib, x, v, mask: lib.masked_fill(x, _const(lib, mask), v.sum()),
        lambda data: (lambda c: ([*c[0], data.draw(arrays_in((2,)))], c[1]))(masking(data)),
    ),
    TensorOp(
        "masked_fill_softmax",
        lambda lib, x, mask: x.masked_fill(_const(lib, mask), float("-inf")).softmax(-1),
        lambda data: (lambda c: (c[0], {"mask": _some_false(c[1]["mask"], c[0][0].shape)}))(masking(data)),
    ),
    TensorOp("masked_select", lambda lib, x, mask: x.masked_select(_const(lib, mask)), masking),
    TensorOp(
        "take",
        lambda lib, x, index: lib.take(x, _idx(lib, index)),
        with_params(
            one(),
            index=lambda s: hnp.arrays(
                np.int64,
                hnp.array_shapes(min_dims=0, max_side=3),
                elements=st.integers(-int(np.prod(s)), int(np.prod(s)) - 1),
            ),
        ),
    ),
    TensorOp(
        "tril", lambda lib, x, k: x.tril(k), with_params(one(min_dims=2), k=lambda s: st.integers(-4, 4))
    ),
    TensorOp(
        "triu",
        lambda lib, x, k: lib.triu(x, diagonal=k),
        with_params(one(min_dims=2), k=lambda s: st.integers(-4, 4)),
    ),
    TensorOp(
        "diag_matrix",
        lambda lib, x, k: lib.diag(x, k),
        with_params(one(min_dims=2, max_dims=2), k=lambda s: st.integers(-3, 3)),
    ),
    TensorOp(
        "diag_vector",
        lambda lib, x, k: x.diag(k),
        with_params(one(min_dims=1, max_dims=1), k=lambda s: st.integers(-3, 3)),
    ),
    TensorOp(
        "diagonal",
        lambda lib, x, args: x.diagonal(*args),
        with_params(
            one(min_dims=2),
            args=lambda s: st.tuples(st.integers(-3, 3), *[st.integers(-len(s), len(s) - 1)] * 2).filter(
                lambda a: a[1] % len(s) != a[2] % len(s)
            ),
        ),
    ),
    TensorOp(
        "sort",
        lambda lib, x, dim, descending: _values(x.sort(dim, descending)),
        with_params(
            reduction(unique=True, tuple_dims=False, none_dim=False, keepdim=False),
            descending=lambda s: st.booleans(),
        ),
    ),
    TensorOp(
        "sort_stable",
        lambda lib, x, dim: lib.sort(x, stable=True, dim=dim).values,
        reduction(unique=True, tuple_dims=False, none_dim=False, keepdim=False),
    ),
    TensorOp(
        "topk",
        lambda lib, x, how, largest: lib.topk(x, how[1], how[0], largest).values,
        with_params(one(min_dims=1, unique=True), how=_ks, largest=lambda s: st.booleans()),
    ),
    TensorOp(
        "kthvalue",
        lambda lib, x, how, keepdim: x.kthvalue(how[1], how[0], keepdim)[0],
        with_params(one(min_dims=1, unique=True), how=_ks, keepdim=lambda s: st.booleans()),
    ),
    TensorOp("median_all", lambda lib, x: x.median(), one(unique=True)),
    TensorOp(
        "median_dim",
        lambda lib, x, dim, keepdim: lib.median(x, dim, keepdim).values,
        reduction(unique=True, tuple_dims=False, none_dim=False),
    ),
    TensorOp(
        "mode",
        lambda lib, x, dim, keepdim: x.mode(dim, keepdim=keepdim).values,
        reduction(unique=True, tuple_dims=False, none_dim=False),
    ),
]


def _some_false(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A mask (broadcast to ``shape``) that leaves each softmax row one unmasked element."""
    full = np.broadcast_to(mask, np.broadcast_shapes(mask.shape, shape)).copy()
    if not full.ndim:
        return np.asarray(False)
    full[..., 0] = False
    return full


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject) -> None:
    check_op(op, data)


# ----- values, indices and dtypes against torch (ties, nan, negative dims, empty dims) ----------------
def _both(array: np.ndarray) -> tuple[Any, torch.Tensor]:
    return autograd.from_numpy(array.copy()), torch.from_numpy(array.copy())


def _same(ours: Any, theirs: torch.Tensor, what: str) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), f"{what}: dtype {ours.dtype}"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=what)


def tied(data: st.DataObject, min_dims: int = 1, min_side: int = 1) -> tuple[np.ndarray, int]:
    """Few distinct values (ties everywhere), sometimes nan, integers or floats, and a dim."""
    shape = data.draw(shapes(min_dims=min_dims, min_side=min_side, max_side=MAX_SIDE), label="shape")
    values = st.sampled_from([0.0, 1.0, 2.0, np.nan]) if data.draw(st.booleans()) else st.integers(-1, 1)
    array = data.draw(hnp.arrays(np.float64, shape, elements=values), label="array")
    if data.draw(st.booleans(), label="as int") and not np.isnan(array).any():
        array = array.astype(np.int64)
    return array, data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1), label="dim")


@given(data=st.data())
def test_sort_and_argsort_keep_ties_in_order(data: st.DataObject) -> None:
    array, dim = tied(data, min_dims=0, min_side=0)
    descending = data.draw(st.booleans(), label="descending")
    ours, theirs = _both(array)
    found, expected = (
        ours.sort(dim, descending, stable=True),
        torch.sort(theirs, dim=dim, descending=descending, stable=True),
    )
    _same(found.values, expected.values, "sort values")
    _same(found.indices, expected.indices, "sort indices")
    assert found.values is found[0] and type(found).__name__ == "sort_result"
    _same(
        autograd.argsort(ours, dim, descending, stable=True),
        torch.argsort(theirs, dim=dim, descending=descending, stable=True),
        "argsort",
    )


@given(data=st.data())
def test_topk_kthvalue_median_with_ties(data: st.DataObject) -> None:
    """torch leaves which of tied elements topk, kthvalue and median pick open: the values agree and our
    indices point at elements with those values (distinct ones for topk)."""
    array, dim = tied(data)
    ours, theirs = _both(array)
    n = array.shape[dim]
    k = data.draw(st.integers(0, n), label="k")
    largest, keepdim = data.draw(st.booleans(), label="largest"), data.draw(st.booleans(), label="keepdim")
    found, expected = ours.topk(k, dim, largest), theirs.topk(k, dim, largest)
    _same(found.values, expected.values, "topk values")
    _same(ours.gather(dim, found.indices), expected.values, "topk indices")
    assert (np.diff(np.sort(found.indices.numpy(), axis=dim), axis=dim) > 0).all()
    if k:
        found, expected = autograd.kthvalue(ours, k, dim, keepdim), torch.kthvalue(theirs, k, dim, keepdim)
        _same(found.values, expected.values, "kthvalue values")
        picked = ours.gather(dim, found.indices if keepdim else found.indices.unsqueeze(dim))
        _same(picked if keepdim else picked.squeeze(dim), expected.values, "kthvalue indices")
    found, expected = ours.median(dim, keepdim), theirs.median(dim, keepdim)
    _same(found.values, expected.values, "median values")
    if array.dtype.kind == "f" and np.isnan(array).any():
        _same(found.indices, expected.indices, "median indices with nan (the first nan)")
    _same(ours.median(), theirs.median(), "median of all (the lower one)")


@given(data=st.data())
def test_mode_matches_torch(data: st.DataObject) -> None:
    """The most frequent value, the smallest of equally frequent ones, at its last index."""
    array, dim = tied(data)
    array = np.asarray(np.nan_to_num(array, nan=3.0))
    keepdim = data.draw(st.booleans(), label="keepdim")
    ours, theirs = _both(array)
    found, expected = autograd.mode(ours, dim, keepdim), torch.mode(theirs, dim, keepdim)
    _same(found.values, expected.values, "mode values")
    _same(found.indices, expected.indices, "mode indices")


@given(data=st.data())
def test_unique_matches_torch(data: st.DataObject) -> None:
    array, dim = tied(data, min_dims=0)
    array = np.asarray(np.nan_to_num(array, nan=3.0))
    inverse, counts = data.draw(st.booleans(), label="inverse"), data.draw(st.booleans(), label="counts")
    dim = data.draw(st.sampled_from([None, dim]), label="unique dim") if array.ndim else None
    ours, theirs = _both(array)
    found = autograd.unique(ours, return_inverse=inverse, return_counts=counts, dim=dim)
    expected = torch.unique(theirs, return_inverse=inverse, return_counts=counts, dim=dim)
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (found, expected)), strict=True):
        _same(a, b, "unique")
    _same(ours.unique(), theirs.unique(), "Tensor.unique")


@pytest.mark.parametrize("shape", [(2, 0), (0, 3), (0,)])
def test_empty_dims_as_torch(shape: tuple[int, ...]) -> None:
    ours, theirs = _both(np.zeros(shape))
    _same(ours.sort(-1).values, theirs.sort(-1).values, "sort of empty")
    _same(ours.argsort(0), theirs.argsort(0), "argsort of empty")
    _same(ours.topk(0, 0).indices, theirs.topk(0, 0).indices, "topk(0)")
    _same(autograd.cumsum(ours, 0), torch.cumsum(theirs, 0), "cumsum of empty")
    if len(shape) == 2:
        _same(autograd.tril(ours), torch.tril(theirs), "tril of empty")
        _same(ours.diagonal(), theirs.diagonal(), "diagonal of empty")
    _same(ours.masked_select(ours > 0), theirs.masked_select(theirs > 0), "masked_select of empty")
    assert np.isnan(ours.median().item()) and np.isnan(theirs.median().item())


ZERO_D = {
    "sort": lambda lib, x: x.sort(0),
    "argsort": lambda lib, x: x.argsort(-1),
    "topk": lambda lib, x: x.topk(1),
    "topk 0": lambda lib, x: x.topk(0),
    "kthvalue": lambda lib, x: x.kthvalue(1, 0, True),
    "median": lambda lib, x: x.median(0),
    "mode": lambda lib, x: x.mode(),
    "gather": lambda lib, x: x.gather(0, lib.tensor(0)),
    "take": lambda lib, x: x.take(lib.tensor([0, 0])),
    "masked_fill": lambda lib, x: x.masked_fill(lib.tensor(True), 2.0),
}


@pytest.mark.parametrize("name", list(ZERO_D))
def test_zero_dim_as_torch(name: str) -> None:
    """A 0-d tensor: dim 0 and -1 name its one element, as torch."""
    ours, theirs = _both(np.asarray(5.0))
    found, expected = ZERO_D[name](autograd, ours), ZERO_D[name](torch, theirs)
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (found, expected)), strict=True):
        _same(a, b, name)


ERRORS = {
    "gather out of range": lambda lib, x: x.gather(1, lib.tensor([[3]])),
    "gather negative": lambda lib, x: x.gather(1, lib.tensor([[-1]])),
    "gather float index": lambda lib, x: x.gather(1, lib.tensor([[0.0]])),
    "gather ndim": lambda lib, x: x.gather(1, lib.tensor([0])),
    "scatter out of range": lambda lib, x: x.scatter(0, lib.tensor([[2]]), 1.0),
    "scatter dtype": lambda lib, x: x.scatter(0, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)),
    "scatter_add out of range": lambda lib, x: x.scatter_add(1, lib.tensor([[5]]), lib.ones(1, 1)),
    "index_select out of range": lambda lib, x: x.index_select(1, lib.tensor([3])),
    "index_select matrix": lambda lib, x: x.index_select(1, lib.tensor([[0]])),
    "index_add out of range": lambda lib, x: x.index_add(0, lib.tensor([2]), lib.ones(1, 3)),
    "index_put out of range": lambda lib, x: x.index_put((lib.tensor([2]),), lib.ones(3)),
    "take out of range": lambda lib, x: x.take(lib.tensor([6])),
    "take below range": lambda lib, x: x.take(lib.tensor([-7])),
    "masked_fill float mask": lambda lib, x: x.masked_fill(lib.ones(2, 3), 1.0),
    "masked_fill vector value": lambda lib, x: x.masked_fill(x > 0, lib.ones(2)),
    "topk k too large": lambda lib, x: x.topk(4),
    "kthvalue k 0": lambda lib, x: x.kthvalue(0),
    "kthvalue k too large": lambda lib, x: x.kthvalue(4, 1),
    "median empty dim": lambda lib, x: x[:, :0].median(1),
    "mode empty dim": lambda lib, x: x[:, :0].mode(1),
    "sort dim out of range": lambda lib, x: x.sort(2),
    "topk dim out of range": lambda lib, x: x.topk(1, -3),
    "diagonal same dims": lambda lib, x: x.diagonal(0, 1, -1),
    "diag of 3-d": lambda lib, x: lib.diag(x.reshape(1, 2, 3)),
    "tril of a vector": lambda lib, x: x[0].tril(),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_as_torch(name: str) -> None:
    """Bad arguments raise torch's exception type, with a message naming the problem."""
    ours, theirs = _both(np.arange(6.0).reshape(2, 3).astype(np.float32))
    with pytest.raises(Exception) as expected:
        ERRORS[name](torch, theirs)
    with pytest.raises(expected.type) as found:
        ERRORS[name](autograd, ours)
    assert str(found.value), name


def test_index_select_dtypes_and_int_inputs() -> None:
    array = np.arange(12).reshape(3, 4)
    ours, theirs = _both(array)
    index = np.array([2, 0, 2])
    _same(
        ours.index_select(-1, autograd.from_numpy(index)),
        theirs.index_select(-1, torch.from_numpy(index)),
        "ints",
    )
    _same(ours.gather(0, autograd.tensor([[2, 1]])), theirs.gather(0, torch.tensor([[2, 1]])), "int gather")
    _same(ours.masked_fill(ours > 5, 2.7), theirs.masked_fill(theirs > 5, 2.7), "a float into ints truncates")
    _same(ours.take(autograd.tensor(-1)), theirs.take(torch.tensor(-1)), "take of a 0-d index")
    _same(autograd.diag(ours, 1), torch.diag(theirs, 1), "diag of ints")
    wide = np.arange(6.0).reshape(2, 3)
    src = np.arange(12.0).reshape(3, 4)  # larger than the index: its leading part is used
    index = np.array([[0, 1], [1, 0]])
    found = autograd.from_numpy(wide).scatter(1, autograd.from_numpy(index), autograd.from_numpy(src))
    _same(found, torch.from_numpy(wide).scatter(1, torch.from_numpy(index), torch.from_numpy(src)), "big src")


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")  # torch deprecates the form
def test_scatter_reduce_multiply_as_torch() -> None:
    """reduce="multiply": repeated indices multiply up; torch has no derivative for it, nor have we."""
    array, index = np.arange(1.0, 7.0).reshape(2, 3), np.array([[0, 0], [2, 0]])
    found = autograd.from_numpy(array).scatter(1, autograd.from_numpy(index), 3.0, reduce="multiply")
    expected = torch.from_numpy(array).scatter(1, torch.from_numpy(index), 3.0, reduce="multiply")
    _same(found, expected, "scatter multiply")
    inplace = autograd.from_numpy(array.copy())
    inplace.scatter_(
        1, autograd.from_numpy(index), autograd.full((2, 2), 2.0, dtype=autograd.float64), reduce="multiply"
    )
    expected = torch.from_numpy(array.copy()).scatter_(
        1, torch.from_numpy(index), torch.full((2, 2), 2.0, dtype=torch.float64), reduce="multiply"
    )
    _same(inplace, expected, "scatter_ multiply")
    x = autograd.from_numpy(array.copy()).requires_grad_()
    with pytest.raises(RuntimeError, match="not implemented"):
        x.scatter(1, autograd.from_numpy(index), 3.0, reduce="multiply").sum().backward()
    with pytest.raises(RuntimeError, match="reduce"):
        x.scatter(1, autograd.from_numpy(index), 3.0, reduce="max")


# ----- in-place forms: values, gradients and version counters as torch ------------------------------
INPLACE = {
    "masked_fill_": lambda lib, x, w: x.masked_fill_(w > 0, w.sum()),
    "masked_fill_ number": lambda lib, x, w: x.masked_fill_((w > 0)[0], -2.0),
    "scatter_": lambda lib, x, w: x.scatter_(1, lib.tensor([[2, 0], [1, 1]]), w[:, :2]),
    "scatter_ value": lambda lib, x, w: x.scatter_(0, lib.tensor([[1, 0, 1]]), 5.0),
    "scatter_add_": lambda lib, x, w: x.scatter_add_(1, lib.tensor([[2, 2], [0, 2]]), w[:, :2]),
    "index_put_": lambda lib, x, w: x.index_put_((lib.tensor([0, 1]), lib.tensor([2, 2])), w[0, :2]),
    "index_put_ accumulate": lambda lib, x, w: x.index_put_((lib.tensor([1, 1]),), w, accumulate=True),
    "index_add_": lambda lib, x, w: x.index_add_(1, lib.tensor([0, 0]), w[:, :2], alpha=3),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms(name: str) -> None:
    """Written into a non-leaf: the values, gradients to both tensors, the same storage returned."""
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (autograd, torch):
        leaf, w = lib.tensor(x0, requires_grad=True), lib.tensor(w0, requires_grad=True)
        x = leaf * 1.5
        out = INPLACE[name](lib, x, w)
        assert out is x
        (x * lib.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        results.append([x, leaf.grad, w.grad])
    for a, b, what in zip(*results, ("values", "grad of x", "grad of src"), strict=True):
        assert_close(a, b, f"{name}: {what}")


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_guard_saved_tensors(name: str) -> None:
    """A tensor an op saved, then modified in place, makes backward refuse; a leaf refuses at once; with
    nothing recorded the storage is written and its version counted."""
    w = autograd.tensor(np.ones((2, 3)), requires_grad=True)
    x = autograd.tensor(np.ones((2, 3)), requires_grad=True)
    y = x.exp()  # saves its output
    INPLACE[name](autograd, y, w)
    with pytest.raises(RuntimeError, match="modified by an inplace"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        INPLACE[name](autograd, x, w)
    plain = autograd.zeros(2, 3, dtype=autograd.float64)
    with autograd.no_grad():
        INPLACE[name](autograd, plain, w)
    expected = INPLACE[name](
        torch, torch.zeros(2, 3, dtype=torch.float64), torch.ones(2, 3, dtype=torch.float64)
    )
    assert_close(plain, expected, f"{name} without recording")
    assert plain._version == 1
