"""einsum and tensordot, as torch's: any valid equation (repeated subscripts take diagonals, ``...`` the
broadcast dimensions, no ``->`` the implicit output) on operands of one dtype.

``einsum`` first brings every operand to a plain form with differentiable ops: a subscript repeated within
an operand becomes one (its diagonal, by indexing), a size-1 dimension that broadcasts gets a subscript of
its own, and a subscript found in no other operand nor the output is summed out. Then each subscript of an
operand is in the output or another operand, and the gradient towards an operand is one more einsum: of
the output's gradient and the other operands, to that operand's subscripts (the same op, so it has
derivatives of any order).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Op
from .linalg import _TORCH_NAMES
from .methods import _axis
from .registry import register

Spec = tuple[tuple[str, ...], str]  # the operands' subscripts and the output's
Term = tuple[str, str, bool]  # a term of the equation: subscripts before "...", after it, has "..."


class Einsum(Op):
    """``np.einsum`` of operands in plain form (see the module): d/d operand i is the einsum of the
    output's gradient and the other operands, to operand i's subscripts."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, spec: Spec, *arrays: Any) -> Any:
        ctx._saved = (spec, *arrays)
        return _contract(spec, arrays)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        (inputs, output), *arrays = ctx._saved
        grads: list[Any] = [None]
        for i, subscripts in enumerate(inputs):
            if not ctx._needs[i + 1]:
                grads.append(None)
                continue
            others = [j for j in range(len(inputs)) if j != i]
            spec = ((output, *[inputs[j] for j in others]), subscripts)
            operands = (g, *[arrays[j] for j in others])
            grads.append(
                Einsum.apply(spec, *operands) if isinstance(g, Tensor) else _contract(spec, operands)
            )
        return tuple(grads)


def _contract(spec: Spec, arrays: Sequence[Any]) -> Any:
    """``np.einsum`` of ``spec`` (with BLAS where numpy's path finder finds it, for two or more operands)."""
    inputs, output = spec
    return np.einsum(f"{','.join(inputs)}->{output}", *arrays, optimize=len(arrays) > 1)


def _fail(message: str) -> RuntimeError:
    """torch's error for a bad equation or operands, to raise."""
    return RuntimeError(f"einsum(): {message}")


def _term(term: str, what: str) -> Term:
    """A side of the equation's term as (subscripts before ``...``, after it, has ``...``)."""
    before, ell, after = term.partition("...")
    if "." in before + after:
        raise _fail(f"found '.' for {what} that is not part of any ellipsis")
    return before, after, bool(ell)


def _parse(equation: str, count: int) -> tuple[list[Term], Term | None]:
    """The equation's input terms and its output term (None when implicit), with torch's checks."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    for i, c in enumerate(equation):
        if not (
            c in string.ascii_letters or c in ",." or c in "->" and arrow and i in (len(lhs), len(lhs) + 1)
        ):
            raise _fail(
                f"invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]"
            )
    terms = lhs.split(",")
    if len(terms) != count:
        raise _fail(
            f"{'more' if count > len(terms) else 'fewer'} operands were provided than specified in the "
            "equation"
        )
    parsed = [_term(term, f"operand {i}") for i, term in enumerate(terms)]
    return parsed, _term(rhs, "the output") if arrow else None


@register(method=False)
def einsum(*args: Any) -> Tensor:
    """The sum of products of the operands' elements that the equation describes: ``einsum("ij,jk->ik", a,
    b)``, the operands as one list, or torch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if len(args) < 2:
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least one operand "
            "and its subscripts list"
        )
    if isinstance(args[0], Tensor):
        equation, operands = _sublists(args)
    else:
        equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str) or not all(isinstance(x, Tensor) for x in operands):
        raise TypeError(
            "einsum(): expected an equation string and tensors, or tensors each followed by its subscripts"
        )
    terms, out_term = _parse(equation, len(operands))
    for x in operands[1:]:
        if x.dtype != operands[0].dtype:
            names = [_TORCH_NAMES.get(str(d), str(d)) for d in (operands[0].dtype, x.dtype)]
            raise _fail(f"expected scalar type {names[0]} but found {names[1]}")
    unused = iter(c for c in string.ascii_letters if c not in equation)
    extra = [_extra(x, term, i) for i, (x, term) in enumerate(zip(operands, terms, strict=True))]
    ellipsis = "".join(_fresh(unused) for _ in range(max(extra, default=0)))
    subs = [
        [*before, *ellipsis[len(ellipsis) - k :], *after]
        for (before, after, _), k in zip(terms, extra, strict=True)
    ]
    sizes = _sizes(subs, operands)
    for x, letters in zip(
        operands, subs, strict=True
    ):  # a size-1 dimension that broadcasts: its own subscript
        for p, c in enumerate(letters):
            if x.shape[p] == 1 and sizes[c] != 1:
                letters[p] = _fresh(unused)
    output = _output(terms, out_term, ellipsis, sizes)
    plain = [_diagonals(x, letters) for x, letters in zip(operands, subs, strict=True)]
    counts = Counter(c for _, letters in plain for c in set(letters))
    xs, inputs = [], []
    for x, letters in plain:  # a subscript of this operand only, not in the output: summed out first
        drop = tuple(p for p, c in enumerate(letters) if c not in output and counts[c] == 1)
        xs.append(x.sum(drop) if drop else x)
        inputs.append("".join(c for p, c in enumerate(letters) if p not in drop))
    return Einsum.apply((tuple(inputs), output), *xs)


def _sublists(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """torch's sublist form (operand, subscripts, operand, subscripts, ..., optional output subscripts) as
    the equation and the operands: subscript n is ``A-Z`` for 0-25, ``a-z`` for 26-51, Ellipsis ``...``."""
    lists = args[1::2] + ((args[-1],) if len(args) % 2 else ())
    for i, subscripts in enumerate(lists):
        if not isinstance(subscripts, (list, tuple)):
            what = "the output" if len(args) % 2 and i == len(lists) - 1 else f"operand {i}"
            raise TypeError(
                f"einsum(): expected a list of subscripts for {what}, got {type(subscripts).__name__}"
            )
    terms = ["".join(_letter(n) for n in subscripts) for subscripts in lists]
    if len(args) % 2:
        return ",".join(terms[:-1]) + "->" + terms[-1], args[:-1:2]
    return ",".join(terms), args[::2]


def _letter(n: Any) -> str:
    """A sublist subscript (an int in [0, 52), or Ellipsis) as the equation's letter."""
    if n is Ellipsis:
        return "..."
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"einsum(): a subscript in a subscript list must be an int or Ellipsis, got {n!r}")
    if not 0 <= n < 52:
        raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
    return chr(ord("A") + n) if n < 26 else chr(ord("a") + n - 26)


def _fresh(unused: Any) -> str:
    """A subscript the equation does not use."""
    letter = next(unused, None)
    if letter is None:
        raise _fail("too many dimensions: it ran out of the 52 subscripts [a-zA-Z]")
    return letter


def _extra(x: Tensor, term: Term, i: int) -> int:
    """How many dimensions of operand ``i`` its ``...`` covers; torch's errors when they do not fit."""
    before, after, has_ellipsis = term
    n = len(before) + len(after)
    if has_ellipsis and n > x.ndim:
        raise _fail(
            f"the number of subscripts in the equation ({n}) is more than the number of dimensions "
            f"({x.ndim}) for operand {i}"
        )
    if not has_ellipsis and n != x.ndim:
        raise _fail(
            f"the number of subscripts in the equation ({n}) does not match the number of dimensions "
            f"({x.ndim}) for operand {i} and no ellipsis was given"
        )
    return x.ndim - n


def _sizes(subs: list[list[str]], operands: Sequence[Tensor]) -> dict[str, int]:
    """Each subscript's size (a size 1 broadcasts), with torch's errors where sizes disagree."""
    sizes: dict[str, int] = {}
    for i, (letters, x) in enumerate(zip(subs, operands, strict=True)):
        own: dict[str, int] = {}
        for c, n in zip(letters, x.shape, strict=True):
            if own.setdefault(c, n) != n:
                raise _fail(
                    f"subscript {c} is repeated for operand {i} but the sizes don't match, {n} != {own[c]}"
                )
        for c, n in own.items():
            seen = sizes.setdefault(c, n)
            if n != seen and 1 not in (n, seen):
                raise _fail(
                    f"subscript {c} has size {n} for operand {i} which does not broadcast with previously "
                    f"seen size {seen}"
                )
            sizes[c] = seen if n == 1 else n  # 1 broadcasts to any size, 0 included
    return sizes


def _output(terms: list[Term], out_term: Term | None, ellipsis: str, sizes: dict[str, int]) -> str:
    """The output's subscripts: as written, or (implicit) the broadcast dimensions, then the subscripts
    written once in the inputs, in alphabetical order (upper case first), as torch."""
    written = Counter(c for before, after, _ in terms for c in before + after)
    if out_term is None:
        return ellipsis + "".join(sorted(c for c, n in written.items() if n == 1))
    before, after, has_ellipsis = out_term
    output = before + (ellipsis if has_ellipsis else "") + after
    for c in before + after:
        if c not in written:
            raise _fail(f"output subscript {c} does not appear in the equation for any input operand")
        if output.count(c) > 1:
            raise _fail(f"output subscript {c} appears more than once in the output")
    return output


def _diagonals(x: Tensor, letters: list[str]) -> tuple[Tensor, list[str]]:
    """``x`` with each repeated subscript made one (its diagonal, taken by indexing: differentiable)."""
    for c in [c for c, n in Counter(letters).items() if n > 1]:
        at = [p for p, d in enumerate(letters) if d == c]
        rest = [p for p in range(len(letters)) if p not in at]
        index = np.arange(x.shape[at[0]])
        x = x.permute(*at, *rest)[(index,) * len(at)]
        letters = [c, *(letters[p] for p in rest)]
    return x, letters


@register(method=False)
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """The sum of products over ``dims``: the last ``dims`` dimensions of ``a`` with the first of ``b``, or
    the dimensions of the pair of lists ``(dims_a, dims_b)``; the output has ``a``'s free dimensions, then
    ``b``'s. A contracted dimension of size 1 broadcasts against the other's, as torch's."""
    if isinstance(dims, Tensor) and not dims.ndim:
        dims = int(dims.item())
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        pairs = list(zip(range(-dims, 0), range(dims), strict=True))
    else:
        given = [
            [d] if isinstance(d, int) else list(d._data.reshape(-1) if isinstance(d, Tensor) else d)
            for d in dims
        ]
        if len(given) != 2 or len(given[0]) != len(given[1]):
            raise RuntimeError("both dimension lists should have same length")
        pairs = list(zip(given[0], given[1], strict=True))
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    letters = iter(string.ascii_letters)
    sa, sb = [_fresh(letters) for _ in range(a.ndim)], [_fresh(letters) for _ in range(b.ndim)]
    seen_a: set[int] = set()
    seen_b: set[int] = set()
    for da, db in pairs:
        i, j = _axis(da, a.ndim), _axis(db, b.ndim)
        if a.shape[i] != b.shape[j] and 1 not in (a.shape[i], b.shape[j]):
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {da} and "
                f"second has size {b.shape[j]} in dim {db}"
            )
        if i in seen_a or j in seen_b:
            raise RuntimeError(f"dim {da if i in seen_a else db} appears multiple times in the list of dims")
        seen_a.add(i)
        seen_b.add(j)
        sb[j] = sa[i]
    output = "".join(c for c in sa if c not in sb) + "".join(c for c in sb if c not in sa)
    return einsum(f"{''.join(sa)},{''.join(sb)}->{output}", a, b)
