"""One property test factory for every differentiable ``Tensor`` op (MyGrad's idea, our code).

Each op is one ``TensorOp`` entry: how to draw its inputs (float64 arrays in the op's domain,
mutually broadcastable shapes, contiguous or not) and its parameters, and ONE function
``fn(lib, *tensors, **params)`` written against torch's API, run with ``lib=autograd`` and with
``lib=torch``. On every example ``check_op`` checks: the forward against torch; the gradients
for a random upstream gradient against torch.autograd and against float64 central differences
(``autograd.testing.gradcheck``); grad shape and dtype == input's; inputs not mutated; the graph
freed once the output is dropped (weak references, cycle collector off); and, via
``create_graph=True``, second derivatives (Hessian-vector products) against torch.

A family of ops lists its ``TensorOp`` entries in its own test file and runs them with::

    @pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
    @given(data=st.data())
    def test_op(op, data):
        check_op(op, data)
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import torch
from hypothesis import strategies as st
from oracle import assert_close

import autograd
from autograd.testing import gradcheck
from autograd.testing.strategies import (
    LAYOUTS,
    arrays_in,
    broadcastable_shapes,
    matmul_shapes,
    relayout,
    shapes,
)

Case = tuple[list[np.ndarray], dict[str, Any]]
Draw = Callable[[st.DataObject], Case]
MAX_SIDE = 4


@dataclass(frozen=True)
class TensorOp:
    """One op under test: ``draw`` gives the float64 inputs and the parameters; ``fn(lib, *xs, **params)``
    computes it with ``lib`` = ``autograd`` or ``torch`` (``torch_fn`` where torch spells it differently);
    ``check`` holds gradcheck's settings (looser for ops that round through float32)."""

    name: str
    fn: Callable[..., Any]
    draw: Draw
    torch_fn: Callable[..., Any] | None = None
    check: dict[str, float] = field(default_factory=dict)
    rtol: float = 1e-9
    atol: float | None = None  # times the size of the numbers compared (oracle.assert_close); None: tight


# ----- drawing inputs ------------------------------------------------------------------------------
def _arrays(data: st.DataObject, shape_list: Any, domains: tuple[str, ...], **kw: Any) -> list[np.ndarray]:
    return [
        data.draw(arrays_in(s, d, **kw), label=f"x{i}")
        for i, (s, d) in enumerate(zip(shape_list, domains, strict=True))
    ]


def elementwise(*domains: str, dtypes: tuple[type, ...] | None = None) -> Draw:
    """Inputs of mutually broadcastable shapes, each in its domain (float64 unless ``dtypes``)."""

    def draw(data: st.DataObject) -> Case:
        shape_list = data.draw(broadcastable_shapes(len(domains), max_side=MAX_SIDE), label="shapes")
        arrays = _arrays(data, shape_list, domains)
        return [a.astype(d) for a, d in zip(arrays, dtypes, strict=True)] if dtypes else arrays, {}

    return draw


def _dims(data: st.DataObject, ndim: int, allow_tuple: bool, allow_none: bool) -> Any:
    choices = [st.integers(-ndim, ndim - 1)]
    if allow_tuple:
        choices.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple))
    if allow_none:
        choices.append(st.none())
    return data.draw(st.one_of(*choices), label="dim")


def apart(count: int, *, bound: float = 5.0, grid: int = 2**10) -> Draw:
    """``count`` broadcastable inputs that never tie, even across inputs: input i takes the values
    ``bound * (count * k + i) / (count * grid + count)``, so central differences never cross a tie
    (for maximum and minimum, not differentiable there)."""

    def draw(data: st.DataObject) -> Case:
        shape_list = data.draw(broadcastable_shapes(count, max_side=MAX_SIDE), label="shapes")
        scale = bound / (count * grid + count)
        arrays = []
        for i, shape in enumerate(shape_list):
            k = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-grid, grid)), label=f"k{i}")
            layout = data.draw(st.sampled_from(LAYOUTS), label=f"layout{i}")
            arrays.append(relayout(np.asarray((count * k + i) * scale, dtype=np.float64), layout))
        return arrays, {}

    return draw


def reduction(
    domain: str = "real",
    *,
    unique: bool = False,
    tuple_dims: bool = True,
    none_dim: bool = True,
    keepdim: bool = True,
    min_side: int = 1,
    bound: float = 5.0,
) -> Draw:
    """One input of at least one dimension, a ``dim`` (int, tuple or None) and ``keepdim``."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(min_dims=1, min_side=min_side, max_side=MAX_SIDE), label="shape")
        params = {"dim": _dims(data, len(shape), tuple_dims, none_dim)}
        if keepdim:
            params["keepdim"] = data.draw(st.booleans(), label="keepdim")
        return _arrays(data, [shape], (domain,), unique=unique, bound=bound), params

    return draw


def with_params(base: Draw, **strategies: Callable[[tuple[int, ...]], st.SearchStrategy[Any]]) -> Draw:
    """``base``'s inputs plus parameters drawn from the first input's shape."""

    def draw(data: st.DataObject) -> Case:
        arrays, params = base(data)
        for name, make in strategies.items():
            params[name] = data.draw(make(arrays[0].shape), label=name)
        return arrays, params

    return draw


def one(
    domain: str = "real", *, min_dims: int = 0, max_dims: int = 3, unique: bool = False, layout: Any = None
) -> Draw:
    """A single input of any shape in ``domain``."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=MAX_SIDE), label="shape")
        return _arrays(data, [shape], (domain,), unique=unique, layout=layout), {}

    return draw


def same_shapes(count: int, *, min_dims: int = 1) -> Draw:
    """``count`` inputs of one shape (for stack), with a ``dim``."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(min_dims=min_dims, max_side=MAX_SIDE), label="shape")
        arrays = _arrays(data, [shape] * count, ("real",) * count)
        return arrays, {"dim": data.draw(st.integers(-len(shape) - 1, len(shape)), label="dim")}

    return draw


def concatenable(count: int) -> Draw:
    """``count`` inputs equal in every dimension but ``dim`` (for cat)."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(min_dims=1, max_side=MAX_SIDE), label="shape")
        dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
        sizes = data.draw(st.lists(st.integers(1, MAX_SIDE), min_size=count, max_size=count), label="sizes")
        shape_list = [tuple(s if a != dim % len(shape) else n for a, s in enumerate(shape)) for n in sizes]
        return _arrays(data, shape_list, ("real",) * count), {"dim": dim}

    return draw


def matmul_operands(data: st.DataObject) -> Case:
    """1-D, 2-D and batched operands whose batch dimensions broadcast."""
    shape_list = data.draw(matmul_shapes(max_dims=3, max_side=MAX_SIDE), label="shapes")
    return _arrays(data, shape_list, ("real", "real")), {}


# ----- parameters drawn from a shape ---------------------------------------------------------------
def _axis(shape: tuple[int, ...]) -> st.SearchStrategy[int]:
    return st.integers(-len(shape), len(shape) - 1)


def _new_axis(shape: tuple[int, ...]) -> st.SearchStrategy[int]:
    return st.integers(-len(shape) - 1, len(shape))


def _reshape_target(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    size = int(np.prod(shape))
    options = [(-1,), (size,), (1, size, 1), tuple(reversed(shape)) or (1,), (*shape, 1)]
    if shape:
        options.append((shape[0], -1))
        options.append((-1, *shape[1:]))
    return st.sampled_from(options)


def _flatten_dims(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, int]]:
    """(start_dim, end_dim) with start <= end, each written as a positive or a negative axis."""
    n = len(shape)
    ordered = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).map(sorted)
    signs = st.tuples(st.booleans(), st.booleans())
    return st.tuples(ordered, signs).map(
        lambda p: tuple(a - n if neg else a for a, neg in zip(*p, strict=True))
    )


def _permutation(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    return st.permutations(range(len(shape))).map(tuple)


def _expand_target(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    """Sizes for expand: new leading dims, size-1 dims grown, -1 keeping a size."""
    lead = st.lists(st.integers(1, 3), max_size=2)
    each = [st.sampled_from([-1, s]) if s != 1 else st.sampled_from([-1, 1, 2, 3]) for s in shape]
    return st.tuples(lead, st.tuples(*each)).map(lambda t: (*t[0], *t[1]))


def _sections(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[Any, int]]:
    """(split_size_or_sections, dim) for split: an int size, or sizes adding up to the dim."""

    def for_dim(dim: int) -> st.SearchStrategy[tuple[Any, int]]:
        n = shape[dim]
        sizes = st.integers(1, n)
        cuts = st.lists(st.integers(1, max(n - 1, 1)), unique=True, max_size=n - 1).map(
            lambda c: [b - a for a, b in zip([0, *sorted(c)], [*sorted(c), n], strict=True)]
        )
        return st.tuples(st.one_of(sizes, cuts), st.just(dim))

    return st.integers(0, len(shape) - 1).flatmap(for_dim)


def _slice(n: int) -> st.SearchStrategy[slice]:
    """Slices with a positive step (torch has no negative steps)."""
    bound = st.none() | st.integers(-n - 1, n + 1)
    return st.builds(slice, bound, bound, st.none() | st.integers(1, 3))


def _basic_index(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[Any, ...]]:
    """ints, slices, None and Ellipsis, as numpy and torch read them."""
    per_dim = [st.one_of(st.integers(-n, n - 1), _slice(n)) for n in shape]
    parts = st.tuples(*per_dim).flatmap(
        lambda t: st.integers(0, len(t)).flatmap(lambda k: st.sampled_from([t[:k], (*t[:k], Ellipsis)]))
    )
    return st.tuples(parts, st.booleans()).map(lambda p: (None, *p[0]) if p[1] else p[0])


def _integer_index(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Integer arrays (repeats included: their gradients must add up)."""
    return hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=5))


def _mask(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.bool_, shape)


def _const(lib: Any, array: Any) -> Any:
    """A constant (index, mask) as a tensor of ``lib``."""
    return lib.from_numpy(np.ascontiguousarray(array))


def _index(lib: Any, index: Any) -> Any:
    if isinstance(index, np.ndarray):
        return _const(lib, index)
    if isinstance(index, tuple):
        return tuple(_index(lib, i) for i in index)
    return index


def _values(result: Any) -> Any:
    """max/min along a dim return (values, indices) in torch and here: the values."""
    return result[0] if isinstance(result, tuple) else result


# ----- tolerances ------------------------------------------------------------------------------------
CAST = {"eps": 1e-3, "atol": 1e-3, "rtol": 1e-2}  # through float32: central differences need larger steps
# float32 results against torch's float32: a gradient summed over broadcast dimensions rounds in another
# order than torch's (numpy sums pairwise), relative to the terms, which may cancel: torch.testing's float32
# tolerances, atol 1e-5, with rtol 1e-5 (about 80 epsilons); soak runs found 1.1e-6 and 1.2e-7 absolute.
F32_TOL = {"rtol": 1e-5, "atol": 1e-5}


# ----- the factory -------------------------------------------------------------------------------
def _outputs(result: Any) -> list[Any]:
    return list(result) if isinstance(result, list | tuple) else [result]


def _torch_dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def _hessian_vector(
    lib: Any, outs: list[Any], inputs: list[Any], upstream: list[np.ndarray], weights: list[np.ndarray]
) -> list[Any]:
    """``d/dx sum_i (w_i * d(v . outs)/dx_i).sum()`` through create_graph, in ``lib``."""
    grad = autograd.grad if lib is autograd else torch.autograd.grad
    live = [(o, g) for o, g in zip(outs, upstream, strict=True) if lib is autograd or o.requires_grad]
    firsts = grad([o for o, _ in live], inputs, grad_outputs=[lib.from_numpy(g.copy()) for _, g in live],
                  create_graph=True, allow_unused=True)  # fmt: skip
    terms = [
        (lib.from_numpy(w.copy()) * g).sum()
        for w, g in zip(weights, firsts, strict=True)
        if g is not None and g.requires_grad
    ]
    if not terms:
        return [None] * len(inputs)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return list(grad(total, inputs, allow_unused=True))


def _check_forward(op: TensorOp, outs: list[Any], expected: list[torch.Tensor]) -> None:
    assert len(outs) == len(expected), f"{op.name}: {len(outs)} outputs, torch gives {len(expected)}"
    for i, (o, e) in enumerate(zip(outs, expected, strict=True)):
        assert tuple(o.shape) == tuple(e.shape), f"{op.name}: output {i} shape {o.shape} vs torch {e.shape}"
        assert str(o.dtype) == _torch_dtype_name(e), (
            f"{op.name}: output {i} dtype {o.dtype} vs torch {e.dtype}"
        )
        assert_close(o, e, f"{op.name}: forward output {i}", rtol=op.rtol, atol=op.atol or 1e-12)


def _backward(outs: list[Any], inputs: list[Any], upstream: list[np.ndarray]) -> None:
    """``.backward(gradient)`` for one output; ``autograd.grad`` with ``grad_outputs`` for several."""
    if len(outs) == 1:
        outs[0].backward(autograd.from_numpy(upstream[0].copy()))
        return
    grads = autograd.grad(
        outs, inputs, grad_outputs=[autograd.from_numpy(g) for g in upstream], allow_unused=True
    )
    for x, g in zip(inputs, grads, strict=True):
        x.grad = g


def _torch_backward(expected: list[torch.Tensor], upstream: list[np.ndarray]) -> None:
    live = [
        (e, torch.from_numpy(g.copy())) for e, g in zip(expected, upstream, strict=True) if e.requires_grad
    ]
    if live:
        torch.autograd.backward([e for e, _ in live], [g for _, g in live])


def _forward_backward_frees_graph(
    op: TensorOp,
    ours: list[Any],
    theirs: list[torch.Tensor],
    params: dict[str, Any],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Forward and backward in both libraries; then our outputs are dropped and must be freed at once,
    with the cycle collector off. Returns the upstream gradients used."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        outs = _outputs(op.fn(autograd, *ours, **params))
        expected = _outputs((op.torch_fn or op.fn)(torch, *theirs, **params))
        _check_forward(op, outs, expected)
        upstream = [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]
        _backward(outs, ours, upstream)
        _torch_backward(expected, upstream)
        refs = [weakref.ref(o) for o in outs]
        del outs
        assert all(r() is None for r in refs), (
            f"{op.name}: the graph outlived its output (a reference cycle?)"
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    return upstream


def check_op(op: TensorOp, data: st.DataObject) -> None:
    """Every check of the factory on one drawn example of ``op``."""
    arrays, params = op.draw(data)
    snapshots = [a.copy() for a in arrays]
    ours = [autograd.from_numpy(a).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="upstream seed"))
    upstream = _forward_backward_frees_graph(op, ours, theirs, params, rng)

    for i, (x, t, array, snapshot) in enumerate(zip(ours, theirs, arrays, snapshots, strict=True)):
        np.testing.assert_array_equal(array, snapshot, err_msg=f"{op.name}: input {i} was mutated")
        if x.grad is not None:
            assert tuple(x.grad.shape) == x.shape, (
                f"{op.name}: grad {i} has shape {x.grad.shape}, not {x.shape}"
            )
            assert x.grad.dtype == x.dtype, f"{op.name}: grad of input {i} has dtype {x.grad.dtype}"
        assert_close(x.grad, t.grad, f"{op.name}: gradient of input {i}", rtol=op.rtol, atol=op.atol or 1e-10)

    fresh = [autograd.from_numpy(a).requires_grad_() for a in arrays]
    assert gradcheck(lambda *xs: op.fn(autograd, *xs, **params), fresh, **op.check)

    if op.check:  # through float32: second derivatives are zero and rounding dominates
        return
    weights = [rng.standard_normal(a.shape) for a in arrays]
    fresh_torch = [torch.tensor(a, requires_grad=True) for a in arrays]
    found = _hessian_vector(autograd, _outputs(op.fn(autograd, *fresh, **params)), fresh, upstream, weights)
    call = op.torch_fn or op.fn
    hv = _hessian_vector(torch, _outputs(call(torch, *fresh_torch, **params)), fresh_torch, upstream, weights)
    for i, (a, b) in enumerate(zip(found, hv, strict=True)):
        assert_close(
            a, b, f"{op.name}: second derivative (Hessian-vector product) towards input {i}", atol=1e-9
        )
