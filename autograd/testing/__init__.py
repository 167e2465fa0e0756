"""Gradient checking for tracegrad ops (yours and ours): compare backward with central differences.

``gradcheck`` checks first derivatives and ``gradgradcheck`` second ones (through
``create_graph=True``), for ``Value`` and ``Tensor`` inputs alike. Both project every output on a
random upstream gradient ``v`` and compare ``d(v . f(x))/dx`` from backward with the float64
central difference ``(v . f(x + eps e_k) - v . f(x - eps e_k)) / 2 eps``, one entry ``k`` at a time.
Hypothesis strategies to drive them live in ``autograd.testing.strategies``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import Node
from ..engine import grad as _grad
from ..value import Value

Fn = Callable[..., Any]


def to_numpy(x: Any) -> np.ndarray:
    """The data of a ``Value``, a ``Tensor`` or a plain number as a numpy array (a copy for tensors)."""
    if isinstance(x, Value):
        return np.asarray(x.data, dtype=np.float64)
    if isinstance(x, Node):
        return np.array(x.detach().numpy())  # type: ignore[attr-defined]
    return np.asarray(x)


def _outputs(result: Any) -> tuple[Node, ...]:
    """``fn``'s result as a tuple of nodes; anything else is a TypeError that names it."""
    outs = tuple(result) if isinstance(result, list | tuple) else (result,)
    for position, out in enumerate(outs):
        if not isinstance(out, Node):
            raise TypeError(
                f"gradcheck: output {position} of fn is a {type(out).__name__}, not a Value or Tensor"
            )
    return outs


def _differentiable(x: Any) -> bool:
    """Values always are; Tensors when they require grad (as in ``torch.autograd.gradcheck``)."""
    return isinstance(x, Value) or (isinstance(x, Node) and bool(x.requires_grad))  # type: ignore[attr-defined]


def _tensor(array: np.ndarray, requires_grad: bool = False) -> Any:
    """``autograd.tensor(array)``, looked up late: Value users need no Tensor."""
    import autograd

    return autograd.tensor(array, requires_grad=requires_grad)


def _leaf(array: np.ndarray, like: Any, requires_grad: bool) -> Any:
    """A fresh float64 node of the same kind as ``like`` holding ``array``."""
    if isinstance(like, Value):
        return Value(float(array))
    return _tensor(array, requires_grad)


def _float64_inputs(args: Sequence[Any]) -> tuple[Any, ...]:
    """Floating Tensors that are not float64 become float64 leaves; everything else stays as given."""
    out = []
    for x in args:
        if isinstance(x, Node) and not isinstance(x, Value):
            array = to_numpy(x)
            if np.issubdtype(array.dtype, np.floating) and array.dtype != np.float64:
                x = _leaf(array.astype(np.float64), x, bool(x.requires_grad))  # type: ignore[attr-defined]
        out.append(x)
    return tuple(out)


def _upstream(outs: Sequence[Node], rng: np.random.Generator) -> list[np.ndarray]:
    """One random upstream gradient per output, of its shape and dtype (random for scalars too,
    so a backward that ignores its incoming gradient is caught)."""
    arrays = [to_numpy(out) for out in outs]
    return [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]


def _as_grad_output(out: Node, g: np.ndarray) -> Any:
    return float(g) if isinstance(out, Value) else _tensor(g)


def _values(fn: Fn, args: Sequence[Any]) -> list[np.ndarray]:
    """``fn(args)``'s outputs as float64 arrays."""
    return [to_numpy(o).astype(np.float64) for o in _outputs(fn(*args))]


def _vjp(
    outs: Sequence[Node], upstream: Sequence[np.ndarray], inputs: Sequence[Any], create_graph: bool
) -> Sequence[Any]:
    """``d(v . outs)/d inputs`` by backward (``None`` where unused); outputs without grad add nothing."""
    live = [(o, g) for o, g in zip(outs, upstream, strict=True) if _differentiable(o)]
    if not live:
        return [None] * len(inputs)
    return _grad(
        [o for o, _ in live],
        list(inputs),
        grad_outputs=[_as_grad_output(o, g) for o, g in live],
        create_graph=create_graph,
        allow_unused=True,
    )


def _analytic(
    fn: Fn, args: Sequence[Any], checked: Sequence[int], rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Backward's ``d(v . fn)/dx`` for each checked input (zeros where unused), and the ``v`` it used."""
    outs = _outputs(fn(*args))
    upstream = _upstream(outs, rng)
    grads = _vjp(outs, upstream, [args[i] for i in checked], create_graph=False)
    arrays = [
        np.zeros(to_numpy(args[i]).shape) if g is None else to_numpy(g).astype(np.float64)
        for i, g in zip(checked, grads, strict=True)
    ]
    return arrays, upstream


def _numeric(
    fn: Fn, args: Sequence[Any], index: int, upstream: Sequence[np.ndarray], eps: float
) -> np.ndarray:
    """Central differences of ``v . fn`` in every entry of input ``index``, in float64. The outputs are
    differenced before they are projected on ``v``: what a step leaves unchanged cancels exactly, where two
    sums would round it (an output of 1e5 beside one of 1e-3 would swamp the small one's change)."""
    base = to_numpy(args[index]).astype(np.float64)
    weights = [g.astype(np.float64) for g in upstream]
    numeric = np.zeros(base.shape)
    for position in np.ndindex(base.shape):
        values = []
        for step in (eps, -eps):
            moved = base.copy()
            moved[position] += step
            shifted = list(args)
            shifted[index] = _leaf(moved, args[index], requires_grad=True)
            values.append(_values(fn, shifted))
        change = zip(weights, *values, strict=True)
        numeric[position] = sum(float(np.sum(g * (up - down))) for g, up, down in change) / (2 * eps)
    return numeric


def _describe(x: Any) -> str:
    return "Value" if isinstance(x, Value) else f"Tensor of shape {tuple(to_numpy(x).shape)}"


def _compare(
    index: int, x: Any, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float, what: str
) -> None:
    """Raises an AssertionError naming the input, the worst entry and both gradients."""
    if analytic.shape != numeric.shape:
        raise AssertionError(
            f"{what}: gradient of input {index} ({_describe(x)}) has shape {analytic.shape}, "
            f"expected {numeric.shape}"
        )
    close = np.isclose(analytic, numeric, atol=atol, rtol=rtol)
    if close.all():
        return
    excess = np.where(close, -np.inf, np.nan_to_num(np.abs(analytic - numeric), nan=np.inf))
    worst = np.unravel_index(int(np.argmax(excess)), analytic.shape)
    position = tuple(int(i) for i in worst) if analytic.ndim else ()
    raise AssertionError(
        f"{what}: gradient of input {index} ({_describe(x)}) is wrong at position {position}: "
        f"analytic {float(analytic[worst])!r} vs numeric {float(numeric[worst])!r} "
        f"({int((~close).sum())} of {close.size} entries differ; atol={atol}, rtol={rtol})\n"
        f"analytic:\n{np.array2string(analytic, precision=8)}\n"
        f"numeric:\n{np.array2string(numeric, precision=8)}"
    )


def gradcheck(
    fn: Fn,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    seed: int = 0,
    what: str = "gradcheck",
) -> bool:
    """Checks ``fn``'s backward against float64 central differences; True, or an AssertionError.

    ``inputs``: one node or a sequence; Values are always checked, Tensors when they require
    grad (floating ones that are not float64 are checked on a float64 copy). ``fn`` returns a node
    or a tuple of nodes; each output is projected on a random upstream gradient (``seed``).
    """
    args = _float64_inputs(tuple(inputs) if isinstance(inputs, list | tuple) else (inputs,))
    checked = [i for i, x in enumerate(args) if _differentiable(x)]
    if not checked:
        raise ValueError(f"{what}: no input is differentiable (a Value, or a Tensor with requires_grad=True)")
    analytic, upstream = _analytic(fn, args, checked, np.random.default_rng(seed))
    for index, grad in zip(checked, analytic, strict=True):
        _compare(index, args[index], grad, _numeric(fn, args, index, upstream, eps), atol, rtol, what)
    return True


def gradgradcheck(
    fn: Fn, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, *, seed: int = 0
) -> bool:
    """Checks second derivatives: ``gradcheck`` of the first derivatives ``d(v . fn)/dx`` built with
    ``create_graph=True`` (a fixed random ``v``), i.e. Hessian-vector products against central differences."""
    args = _float64_inputs(tuple(inputs) if isinstance(inputs, list | tuple) else (inputs,))
    checked = [i for i, x in enumerate(args) if _differentiable(x)]
    upstream = _upstream(_outputs(fn(*args)), np.random.default_rng(seed))

    def first_derivatives(*xs: Any) -> tuple[Any, ...]:
        grads = _vjp(_outputs(fn(*xs)), upstream, [xs[i] for i in checked], create_graph=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, args, eps, atol, rtol, seed=seed + 1, what="gradgradcheck")


__all__ = ["gradcheck", "gradgradcheck", "to_numpy"]
