"""Matrix products. ``@``/matmul with numpy's (and torch's) rules: 1-D operands are promoted to a row (left)
or a column (right) and the added dimension is dropped again; leading batch dimensions broadcast. The
strict forms torch also has (mm, bmm, mv, dot: exact ranks, one dtype) check their operands and use the same
op; addmm and its kin are one fused node, ``beta * input + alpha * (a @ b)``; outer is a broadcast product."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op, swap_last
from .registry import register


class MatMul(Op):
    """a @ b; d/da = g @ b^T, d/db = a^T @ g (batch broadcasting is undone by the node)."""

    __slots__ = ()
    _operands = 2
    _same_dtype = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need_a, need_b = ctx._needs
        try:
            out = a @ b
        except ValueError:
            raise ValueError(_mismatch(np.shape(a), np.shape(b))) from None
        ctx._saved = (a if need_b else None, b if need_a else None, a.ndim, b.ndim)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b, a_ndim, b_ndim = ctx._saved
        if a_ndim == b_ndim == 2:  # two matrices, the commonest case
            return None if b is None else g @ b.T, None if a is None else a.T @ g
        if b_ndim == 1:  # g lacks the column dimension b's promotion added
            g = g.reshape((*g.shape, 1))
        if a_ndim == 1:  # ... and the row dimension a's promotion added
            g = g.reshape((*g.shape[:-1], 1, g.shape[-1]))
        ga = gb = None
        if b is not None:
            ga = g @ swap_last(b.reshape((-1, 1)) if b_ndim == 1 else b)
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a_ndim == 1 else ga
        if a is not None:
            gb = swap_last(a.reshape((1, -1)) if a_ndim == 1 else a) @ g
            gb = gb.reshape(gb.shape[:-1]) if b_ndim == 1 else gb
        return ga, gb


def _mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """Why ``a @ b`` has no result, for shapes ``a`` and ``b``."""
    if not a or not b:
        return f"both operands need at least 1 dimension, got shapes {a} and {b}"
    inner = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner:
        return (
            f"shapes {a} and {b} cannot be multiplied: the last dimension of the first ({a[-1]}) must "
            f"equal the {'only' if len(b) == 1 else 'second-to-last'} dimension of the second ({inner})"
        )
    return f"the batch dimensions of shapes {a} and {b} (all but the last two) do not broadcast"


class Linear(Op):
    """x @ w^T + b as one node (a dense layer; ``b`` may be None): d/dx = g @ w, d/dw = g^T @ x with the
    batch dimensions flattened, d/db = g (summed over the batch by the node, as any broadcast)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any) -> Any:
        need_x, need_w, _ = ctx._needs
        ctx._saved = (x if need_w else None, w if need_x else None)
        out = x @ w.T
        return out if b is None else out + b

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        x, w = ctx._saved
        gx = None if w is None else g @ w
        if x is None:
            gw = None
        elif x.ndim == 2:  # a batch of rows (the common case): g^T @ x as it is, no reshapes (0.6 us less)
            gw = g.T @ x
        else:
            gw = swap_last(g.reshape((-1, g.shape[-1]))) @ x.reshape((-1, x.shape[-1]))
        return gx, gw, g


class AddMM(Op):
    """beta * c + alpha * (a @ b) for matrices (or batches of them) ``a`` and ``b``, one node (addmm,
    baddbmm): d/dc = beta * g (summed over broadcast dimensions by the node), d/da = alpha * g @ b^T,
    d/db = alpha * a^T @ g. With beta 0, ``c`` is not read (its nan and inf are ignored), as torch."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, c: Any, a: Any, b: Any, beta: float, alpha: float) -> Any:
        need_a, need_b = ctx._needs[1:3]
        ctx._saved = (a if need_b else None, b if need_a else None, beta, alpha)
        out = a @ b
        if alpha != 1:
            out = out * alpha
        if beta:
            out = out + (c if beta == 1 else beta * c)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        a, b, beta, alpha = ctx._saved
        gc = g * beta if ctx._needs[0] else None
        ga = None if b is None else g @ swap_last(b)
        gb = None if a is None else swap_last(a) @ g
        if alpha != 1:
            ga = None if ga is None else ga * alpha
            gb = None if gb is None else gb * alpha
        return gc, ga, gb, None, None


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int"}


def _one_dtype(op: str, *named: tuple[str, Tensor]) -> None:
    """torch's strict products take one dtype (no promotion): a RuntimeError naming the dtypes otherwise."""
    found = [str(t.dtype) for _, t in named]
    if len(set(found)) > 1:
        names = " and ".join(n for n, _ in named)
        got = ", ".join(_TORCH_NAMES.get(d, d) for d in found)
        raise RuntimeError(f"{op}: expected {names} to have the same dtype, but got {got}")


def _rank(op: str, name: str, t: Tensor, ndim: int) -> None:
    """A RuntimeError unless ``t`` has ``ndim`` dimensions."""
    if t.ndim != ndim:
        kind = "a matrix" if ndim == 2 else f"a {ndim}D tensor"
        raise RuntimeError(f"{op}: {name} must be {kind}, got a {t.ndim}-D tensor of shape {tuple(t.shape)}")


def _multipliable(a: Tensor, b: Tensor) -> None:
    """Matrices ``a`` and ``b`` fit for ``a @ b``: torch's message naming both shapes otherwise."""
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            "mat1 and mat2 shapes cannot be multiplied "
            f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})"
        )


def _batches(a: Tensor, b: Tensor) -> None:
    """Batches of matrices ``a`` and ``b`` fit for ``a @ b``, as torch's bmm says."""
    if (b.shape[0], b.shape[1]) != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )


def _expandable(c: Tensor, target: tuple[int, ...]) -> None:
    """``c`` broadcasts to ``target`` (the product's shape), in torch's words otherwise."""
    lead = len(target) - c.ndim
    for i, n in enumerate(c.shape):
        if lead < 0 or n not in (1, target[lead + i]):
            at = max(i + lead, 0)
            raise RuntimeError(
                f"The expanded size of the tensor ({target[at]}) must match the existing size ({n}) at "
                f"non-singleton dimension {at}.  Target sizes: {list(target)}.  Tensor sizes: {list(c.shape)}"
            )


@register
def mm(x: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (exactly 2-D, one dtype; ``matmul`` is the broadcasting one)."""
    _rank("mm", "self", x, 2)
    _rank("mm", "mat2", mat2, 2)
    _one_dtype("mm", ("self", x), ("mat2", mat2))
    _multipliable(x, mat2)
    return MatMul.apply(x, mat2)


@register
def bmm(x: Tensor, mat2: Tensor) -> Tensor:
    """The products of two batches of matrices (exactly 3-D, same batch size, one dtype)."""
    _rank("bmm", "batch1", x, 3)
    _rank("bmm", "batch2", mat2, 3)
    _one_dtype("bmm", ("batch1", x), ("batch2", mat2))
    _batches(x, mat2)
    return MatMul.apply(x, mat2)


@register
def mv(x: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix and a vector."""
    if x.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {x.ndim}, {vec.ndim}")
    _one_dtype("mv", ("self", x), ("vec", vec))
    if x.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({x.shape[0]}), mat ({x.shape[0]}x{x.shape[1]}), vec ({vec.shape[0]})"
        )
    return MatMul.apply(x, vec)


@register
def dot(x: Tensor, other: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size and dtype (a 0-d tensor)."""
    if x.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {other.ndim}D tensors")
    _one_dtype("dot", ("self", x), ("tensor", other))
    if x.shape != other.shape:
        n, m = x.shape[0], other.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of "
            f"elements, but got {n} and {m} elements respectively"
        )
    return MatMul.apply(x, other)


@register(aliases=("ger",))
def outer(x: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors, ``x[i] * vec2[j]``, in their common dtype."""
    for name, t in (("self", x), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return x.reshape(-1, 1) * vec2


@register
def addmm(x: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * x + alpha * (mat1 @ mat2), ``x`` broadcast to the product's shape (ignored when beta is 0)."""
    _rank("addmm", "mat1", mat1, 2)
    _rank("addmm", "mat2", mat2, 2)
    _one_dtype("addmm", ("self", x), ("mat1", mat1), ("mat2", mat2))
    _multipliable(mat1, mat2)
    _expandable(x, (mat1.shape[0], mat2.shape[1]))
    return AddMM.apply(x, mat1, mat2, beta, alpha)


@register
def baddbmm(x: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * x + alpha * (batch1 @ batch2) per batch (``x`` broadcast, ignored if beta is 0)."""
    _rank("baddbmm", "batch1", batch1, 3)
    _rank("baddbmm", "batch2", batch2, 3)
    _one_dtype("baddbmm", ("self", x), ("batch1", batch1), ("batch2", batch2))
    _batches(batch1, batch2)
    _expandable(x, (*batch1.shape[:2], batch2.shape[2]))
    return AddMM.apply(x, batch1, batch2, beta, alpha)


@register
def addmv(x: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * x + alpha * (mat @ vec): addmm with ``vec`` as a column."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {x.ndim}, {mat.ndim}, {vec.ndim}")
    _one_dtype("addmv", ("self", x), ("mat", mat), ("vec", vec))
    _multipliable(mat, vec.reshape(-1, 1))
    _expandable(x, mat.shape[:1])
    column = x.reshape(*x.shape, 1) if x.ndim else x
    return AddMM.apply(column, mat, vec.reshape(-1, 1), beta, alpha).reshape(-1)


@register
def addbmm(x: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * x + alpha * (the sum of batch1[i] @ batch2[i]): one addmm of the batches laid side by side."""
    _rank("addbmm", "batch1", batch1, 3)
    _rank("addbmm", "batch2", batch2, 3)
    _one_dtype("addbmm", ("self", x), ("batch1", batch1), ("batch2", batch2))
    _batches(batch1, batch2)
    _expandable(x, (batch1.shape[1], batch2.shape[2]))
    size, n, k = batch1.shape
    wide = batch1.permute(1, 0, 2).reshape(n, size * k)
    return AddMM.apply(x, wide, batch2.reshape(size * k, batch2.shape[2]), beta, alpha)
