"""The shape family against torch: the property factory (values, gradients, second derivatives) over
unflatten, t, repeat, repeat_interleave, tile, flip, roll, narrow, movedim and the aliases, with zero-size
and 0-d tensors; then forms, edges and errors (the exception type torch raises)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, Case, Draw, TensorOp, check_op
from oracle import assert_close, assert_same_error

import autograd
from autograd.testing.strategies import arrays_in, shapes


def drawn(
    params: Callable[[st.DataObject, tuple[int, ...]], dict[str, Any]],
    *,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
) -> Draw:
    """One input of a drawn shape (sides from ``min_side``, 0 for zero-size) and parameters drawn from it."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(
            shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=MAX_SIDE), label="shape"
        )
        return [data.draw(arrays_in(shape), label="x")], params(data, shape)

    return draw


def _axis(data: st.DataObject, shape: tuple[int, ...], label: str = "dim") -> int:
    n = max(len(shape), 1)
    return data.draw(st.integers(-n, n - 1), label=label)


def _axes(data: st.DataObject, shape: tuple[int, ...], label: str = "dims") -> list[int]:
    """Distinct axes, each written as a positive or a negative number."""
    n = len(shape)
    chosen = data.draw(st.lists(st.integers(0, max(n - 1, 0)), unique=True, max_size=n), label=label)
    return [a - n if data.draw(st.booleans(), label="negative") else a for a in chosen]


def _unflatten(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = _axis(data, shape)
    n = shape[dim]
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [0]
    first = data.draw(st.sampled_from(divisors), label="first")
    sizes = [first, n // first if first else 0, 1][: data.draw(st.integers(1, 3), label="count")]
    if len(sizes) == 1:
        sizes = [n]
    if n and data.draw(st.booleans(), label="infer"):
        sizes[data.draw(st.integers(0, len(sizes) - 1), label="inferred")] = -1
    return {"dim": dim, "sizes": tuple(sizes)}


def _repeats(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    extra = data.draw(st.integers(0 if shape else 1, 1), label="extra")
    return {"sizes": tuple(data.draw(st.integers(0, 2), label="rep") for _ in range(len(shape) + extra))}


def _tile(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    count = data.draw(st.integers(0, len(shape) + 1), label="count")
    return {"dims": tuple(data.draw(st.integers(0, 2), label="rep") for _ in range(count))}


def _interleave(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="dim") if shape else None
    n = int(np.prod(shape)) if dim is None else shape[dim]
    counts = data.draw(
        st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n)), label="repeats"
    )
    return {"repeats": counts, "dim": dim}


def _interleave_fn(lib: Any, x: Any, repeats: Any, dim: Any) -> Any:
    counts = repeats if isinstance(repeats, int) else lib.tensor(repeats, dtype=lib.int64)
    return x.repeat_interleave(counts, dim=dim) if dim is not None else lib.repeat_interleave(x, counts)


def _roll(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    if not shape or data.draw(st.booleans(), label="flat"):
        return {"shifts": data.draw(st.integers(-6, 6), label="shift"), "dims": None}
    dims = _axes(data, shape) or [0]
    return {"shifts": tuple(data.draw(st.integers(-6, 6), label="shift") for _ in dims), "dims": tuple(dims)}


def _narrow(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = _axis(data, shape)
    n = shape[dim]
    start = data.draw(st.integers(-n, n), label="start")
    length = data.draw(st.integers(0, n - start % max(n, 1) if start != n else 0), label="length")
    return {
        "dim": dim,
        "start": start,
        "length": length,
        "tensor_start": data.draw(st.booleans(), label="0-d"),
    }


def _narrow_fn(lib: Any, x: Any, dim: int, start: int, length: int, tensor_start: bool) -> Any:
    return x.narrow(dim, lib.tensor(start) if tensor_start else start, length)


def _movedim(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    source = _axes(data, shape, "source")
    n = len(shape)
    destination = data.draw(st.permutations(range(n)), label="destination")[: len(source)]
    if len(source) == 1 and data.draw(st.booleans(), label="ints"):
        return {"source": source[0], "destination": destination[0]}
    return {"source": tuple(source), "destination": tuple(destination)}


def _flatten(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    start = _axis(data, shape, "start")
    end = data.draw(st.integers(start % max(len(shape), 1), max(len(shape), 1) - 1), label="end")
    return {"start_dim": start, "end_dim": end}


OPS = [
    TensorOp("unflatten", lambda lib, x, **p: x.unflatten(**p), drawn(_unflatten, min_dims=1, min_side=0)),
    TensorOp("unflatten_fn", lambda lib, x, **p: lib.unflatten(x, **p), drawn(_unflatten, min_dims=1)),
    TensorOp("t", lambda lib, x: x.t(), drawn(lambda d, s: {}, max_dims=2)),
    TensorOp("t_fn", lambda lib, x: lib.t(x), drawn(lambda d, s: {}, max_dims=2)),
    TensorOp("repeat", lambda lib, x, sizes: x.repeat(*sizes), drawn(_repeats, min_side=0)),
    TensorOp("repeat_tuple", lambda lib, x, sizes: x.repeat(sizes), drawn(_repeats)),
    TensorOp("tile", lambda lib, x, dims: x.tile(dims), drawn(_tile, min_side=0)),
    TensorOp("tile_fn", lambda lib, x, dims: lib.tile(x, dims), drawn(_tile)),
    TensorOp("repeat_interleave", _interleave_fn, drawn(_interleave)),
    TensorOp(
        "flip", lambda lib, x, dims: x.flip(dims), drawn(lambda d, s: {"dims": _axes(d, s)}, min_side=0)
    ),
    TensorOp("flip_args", lambda lib, x, dims: lib.flip(x, dims), drawn(lambda d, s: {"dims": _axes(d, s)})),
    TensorOp("roll", lambda lib, x, **p: x.roll(**p), drawn(_roll, min_side=0)),
    TensorOp("roll_fn", lambda lib, x, **p: lib.roll(x, **p), drawn(_roll)),
    TensorOp("narrow", _narrow_fn, drawn(_narrow, min_dims=1, min_side=0)),
    TensorOp("movedim", lambda lib, x, **p: x.movedim(**p), drawn(_movedim)),
    TensorOp("moveaxis", lambda lib, x, **p: lib.moveaxis(x, **p), drawn(_movedim)),
    TensorOp(
        "swapdims",
        lambda lib, x, dims: x.swapdims(*dims),
        drawn(lambda d, s: {"dims": (_axis(d, s, "a"), _axis(d, s, "b"))}),
    ),
    TensorOp(
        "flatten_zero_size", lambda lib, x, **p: x.flatten(**p), drawn(_flatten, min_dims=1, min_side=0)
    ),
    TensorOp(
        "concat",
        lambda lib, x, y: lib.concat([x, y], dim=-1),
        lambda data: ([data.draw(arrays_in((2, n))) for n in (data.draw(st.integers(0, 3)), 2)], {}),
    ),
    TensorOp(
        "concatenate_legacy_empty",
        lambda lib, x, y: lib.concatenate([x, y, x], 1),
        lambda data: ([data.draw(arrays_in((0,))), data.draw(arrays_in((2, 3)))], {}),
    ),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject):
    check_op(op, data)


def test_every_op_of_the_factory_has_a_unique_name():
    assert len({op.name for op in OPS}) == len(OPS)


# ----- forms and edges: values, shapes and dtypes against torch ------------------------------------------
FORMS: list[tuple[str, tuple[int, ...], Callable[..., Any]]] = [
    ("flatten of (2, 0, 3)", (2, 0, 3), lambda lib, x: x.flatten()),
    ("flatten(1) of (0, 2, 3)", (0, 2, 3), lambda lib, x: x.flatten(1)),
    ("flatten of 0-d", (), lambda lib, x: lib.flatten(x)),
    ("transpose(0, 0) of 0-d", (), lambda lib, x: x.transpose(0, 0)),
    ("transpose(0, -1) of 0-d", (), lambda lib, x: lib.transpose(x, 0, -1)),
    ("swapaxes", (2, 3), lambda lib, x: lib.swapaxes(x, 0, 1)),
    ("squeeze tuple", (2, 1, 1), lambda lib, x: x.squeeze((0, 1))),
    ("squeeze negative tuple", (1, 2, 1), lambda lib, x: x.squeeze((-1, -3))),
    ("squeeze 0-d", (), lambda lib, x: x.squeeze(0)),
    ("squeeze -1 of size 3", (2, 3), lambda lib, x: lib.squeeze(x, -1)),
    ("unsqueeze -4", (2, 1, 1), lambda lib, x: x.unsqueeze(-4)),
    ("unsqueeze -1", (2, 3), lambda lib, x: x.unsqueeze(-1)),
    ("unsqueeze 0-d", (), lambda lib, x: x.unsqueeze(-1)),
    ("cat skips legacy (0,)", (2, 3), lambda lib, x: lib.cat([lib.zeros(0), x, lib.zeros(0)], -1)),
    (
        "cat of legacy float64 (0,)",
        (2, 3),
        lambda lib, x: lib.cat([lib.zeros(0, dtype=lib.float64), x.float()], 1),
    ),
    (
        "cat of legacy int64 (0,)",
        (2, 3),
        lambda lib, x: lib.cat([lib.zeros(0, dtype=lib.int64), x.float()], 1),
    ),
    ("cat of legacy only", (0,), lambda lib, x: lib.cat([x, x])),
    (
        "cat of (1, 0) is not legacy",
        (1, 3),
        lambda lib, x: lib.cat([lib.zeros(1, 0, dtype=lib.float64), x], 1),
    ),
    ("t of 1-D", (3,), lambda lib, x: x.t()),
    ("t of 0-d", (), lambda lib, x: x.t()),
    ("repeat of 0-d", (), lambda lib, x: x.repeat(2, 3)),
    ("repeat of 0-d by ()", (), lambda lib, x: x.repeat(())),
    ("tile by ()", (2, 3), lambda lib, x: x.tile(())),
    ("flip of 0-d", (), lambda lib, x: x.flip(0)),
    ("flip of ()", (2, 3), lambda lib, x: x.flip(())),
    ("roll of 0-d", (), lambda lib, x: x.roll(1)),
    ("roll of zero-size", (2, 0), lambda lib, x: x.roll(1, 1)),
    ("narrow to nothing", (2, 3), lambda lib, x: x.narrow(1, 3, 0)),
    ("narrow from -1", (2, 3), lambda lib, x: x.narrow(-1, -1, 1)),
    ("movedim of 0-d", (), lambda lib, x: x.movedim(0, 0)),
    ("movedim negative", (2, 3, 4), lambda lib, x: x.movedim(-1, -3)),
    ("repeat_interleave of 0-d", (), lambda lib, x: x.repeat_interleave(2)),
    ("repeat_interleave by a 0-d tensor", (2, 3), lambda lib, x: x.repeat_interleave(lib.tensor(2), dim=0)),
    (
        "repeat_interleave by a (1,) tensor",
        (2, 3),
        lambda lib, x: x.repeat_interleave(lib.tensor([2]), dim=1),
    ),
    ("repeat_interleave output_size", (2, 3), lambda lib, x: x.repeat_interleave(2, dim=1, output_size=6)),
    ("repeat_interleave of counts", (3,), lambda lib, x: lib.repeat_interleave(lib.tensor([1, 0, 2]))),
    ("unflatten of zero-size", (2, 0), lambda lib, x: x.unflatten(1, (0, 5))),
    ("flip keeps int dtype", (2, 3), lambda lib, x: x.long().flip(0)),
    ("repeat keeps bool dtype", (2,), lambda lib, x: (x > 0).repeat(2)),
]


@pytest.mark.parametrize(("name", "shape", "fn"), FORMS, ids=[f[0] for f in FORMS])
def test_forms_and_edges_follow_torch(name: str, shape: tuple[int, ...], fn: Callable[..., Any]):
    array = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = fn(autograd, autograd.tensor(array)), fn(torch, torch.tensor(array))
    assert ours.shape == tuple(theirs.shape), name
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    assert_close(ours, theirs, name)


def test_nelement_is_numel():
    assert autograd.zeros(2, 0, 3).nelement() == 0 == torch.zeros(2, 0, 3).nelement()
    assert autograd.zeros(2, 3).nelement() == 6


def test_flip_copies_and_narrow_views_as_torch():
    x = autograd.arange(6.0).reshape(2, 3)
    flipped, narrowed = x.flip(1), x.narrow(1, 1, 2)
    flipped[0, 0] = 100.0
    narrowed[0, 0] = -1.0
    assert x.tolist() == [[0.0, -1.0, 2.0], [3.0, 4.0, 5.0]]


def test_cat_gradient_skips_legacy_empty_tensors():
    x = autograd.ones(2, 3, requires_grad=True)
    autograd.cat([autograd.zeros(0), x], 1).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


# ----- errors: the exception type torch raises -----------------------------------------------------------
ERRORS: list[tuple[str, Callable[..., Any]]] = [
    ("t of 3-D", lambda lib: lib.ones(2, 3, 4).t()),
    ("repeat with fewer sizes", lambda lib: lib.ones(2, 3).repeat(2)),
    ("repeat negative", lambda lib: lib.ones(2, 3).repeat(-1, 1)),
    (
        "repeat_interleave wrong count",
        lambda lib: lib.ones(2, 3).repeat_interleave(lib.tensor([1, 2]), dim=1),
    ),
    (
        "repeat_interleave negative",
        lambda lib: lib.ones(2, 3).repeat_interleave(lib.tensor([1, -2, 1]), dim=1),
    ),
    (
        "repeat_interleave 2-D repeats",
        lambda lib: lib.ones(3).repeat_interleave(lib.tensor([[1, 2, 3]]), dim=0),
    ),
    (
        "repeat_interleave bad output_size",
        lambda lib: lib.ones(2, 3).repeat_interleave(2, dim=1, output_size=5),
    ),
    ("repeat_interleave dim out of range", lambda lib: lib.ones(2, 3).repeat_interleave(2, dim=2)),
    ("repeat_interleave of 0-d along dim 0", lambda lib: lib.tensor(1.0).repeat_interleave(2, dim=0)),
    ("flip without dims", lambda lib: lib.ones(2, 3).flip()),
    ("flip repeated dim", lambda lib: lib.ones(2, 3).flip(0, 0)),
    ("flip dim out of range", lambda lib: lib.ones(2, 3).flip(3)),
    ("roll shifts and dims differ", lambda lib: lib.ones(2, 3).roll((1, 2), (0,))),
    ("roll several shifts without dims", lambda lib: lib.roll(lib.ones(2, 3), (1, 2))),
    ("roll dim out of range", lambda lib: lib.ones(2, 3).roll(1, 5)),
    ("narrow past the end", lambda lib: lib.ones(2, 3).narrow(1, 2, 2)),
    ("narrow start out of range", lambda lib: lib.ones(2, 3).narrow(1, 4, 0)),
    ("narrow negative length", lambda lib: lib.ones(2, 3).narrow(1, 0, -1)),
    ("narrow of 0-d", lambda lib: lib.tensor(1.0).narrow(0, 0, 1)),
    ("narrow float start", lambda lib: lib.ones(2, 3).narrow(1, lib.tensor(1.0), 1)),
    ("unflatten wrong sizes", lambda lib: lib.ones(2, 3).unflatten(1, (2, -1))),
    ("unflatten empty sizes", lambda lib: lib.ones(2, 3).unflatten(1, ())),
    ("unflatten two -1", lambda lib: lib.ones(2, 3).unflatten(1, (-1, -1))),
    ("unflatten of 0-d", lambda lib: lib.tensor(1.0).unflatten(0, (1,))),
    ("movedim count differs", lambda lib: lib.ones(2, 3, 4).movedim((0, 1), (1,))),
    ("movedim repeated source", lambda lib: lib.ones(2, 3, 4).movedim((0, 0), (1, 2))),
    ("movedim repeated destination", lambda lib: lib.ones(2, 3, 4).movedim((0, 1), (2, 2))),
    ("movedim out of range", lambda lib: lib.ones(2, 3).movedim(3, 0)),
    ("cat of 0-d", lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)])),
    ("cat sizes differ", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)], 0)),
    ("cat ranks differ", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2)], 0)),
    ("cat dim out of range", lambda lib: lib.concat([lib.zeros(0), lib.ones(2, 3)], 2)),
    ("transpose of 0-d out of range", lambda lib: lib.tensor(1.0).transpose(0, 1)),
    ("swapdims out of range", lambda lib: lib.ones(2, 3).swapdims(0, 2)),
]


@pytest.mark.parametrize(("name", "fn"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(name: str, fn: Callable[..., Any]):
    assert_same_error(fn)
