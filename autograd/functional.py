"""Whole derivatives of a function, as ``torch.autograd.functional``: ``jacobian`` and ``hessian``.

Both work for ``Tensor`` functions (results are tensors shaped ``output.shape + input.shape``) and for
``Value`` functions (results are nested lists of floats: ``[i][j]`` is d output_i / d input_j). They are built
on the core's ``grad`` only, one output element at a time, so the same code serves both node types; the
hessian is the jacobian of a jacobian taken with ``create_graph=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import grad
from .ops.methods import stack
from .tensor import Tensor
from .value import Value


def _prepare(x: Any, create_graph: bool) -> Any:
    """Leaves to differentiate at: fresh copies, or the inputs themselves under ``create_graph`` so that an
    outer derivative (the hessian's) still reaches them."""
    if isinstance(x, Tensor):
        return x if create_graph and x.requires_grad else x.detach().requires_grad_(True)
    if isinstance(x, Value):
        return x if create_graph else Value(x.data)
    return type(x)(_prepare(v, create_graph) for v in x)


def _elements(y: Any) -> list[Any]:
    """The scalar nodes of an output: the elements of a tensor, or the Values of a (nested) sequence."""
    if isinstance(y, Tensor):
        flat = y.reshape(-1)
        return [flat[i] for i in range(y.numel())]
    if isinstance(y, Value):
        return [y]
    return [v for item in y for v in _elements(item)]


def _tensor_block(column: list[Any], y: Tensor, x: Tensor, create_graph: bool) -> Tensor:
    """d y / d x as a tensor of shape ``y.shape + x.shape`` from one gradient per element of y."""
    if not column:
        return Tensor(np.zeros(y.shape + x.shape, x.dtype))
    filled = [Tensor(np.zeros(x.shape, x.dtype)) if d is None else d for d in column]
    block = stack(filled).reshape(*y.shape, *x.shape)
    return block if create_graph else block.detach()


def _value_entry(d: Any, create_graph: bool) -> Any:
    if d is None:
        return Value(0.0) if create_graph else 0.0
    return d if create_graph else d.data


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False) -> Any:
    """d func(inputs) / d inputs.

    Tensors: ``inputs`` is a tensor (or a tuple of tensors, passed as separate arguments); the result is a
    tensor of shape ``out.shape + in.shape`` (a tuple of them for a tuple of inputs, as torch).
    Values: ``inputs`` is a Value or a list of Values and ``func`` returns a Value or a list of them; the
    result is a float, a list, or a list of lists ``[i][j] = d out_i / d in_j``.
    ``create_graph`` keeps the result differentiable.
    """
    tensors = isinstance(inputs, Tensor) or (
        isinstance(inputs, tuple) and all(isinstance(v, Tensor) for v in inputs)
    )
    prepared = _prepare(inputs, create_graph)
    spread = tensors and isinstance(inputs, tuple)
    output = func(*prepared) if spread else func(prepared)
    leaves = [prepared] if isinstance(prepared, (Tensor, Value)) else list(prepared)
    rows = [
        grad(e, leaves, retain_graph=True, create_graph=create_graph)
        if not isinstance(e, Tensor) or e.requires_grad
        else (None,) * len(leaves)
        for e in _elements(output)
    ]
    if tensors:
        blocks = tuple(
            _tensor_block([r[j] for r in rows], output, x, create_graph) for j, x in enumerate(leaves)
        )
        return blocks if spread else blocks[0]
    table = [[_value_entry(d, create_graph) for d in row] for row in rows]
    if isinstance(inputs, Value):
        table = [row[0] for row in table]
    return table[0] if isinstance(output, Value) else table


def hessian(func: Callable[[Any], Any], inputs: Any) -> Any:
    """The second derivatives of a scalar function of one tensor (shape ``in.shape + in.shape``), or of a
    Value or list of Values (a float, or a list of lists): the jacobian of its gradient."""
    return jacobian(lambda x: jacobian(func, x, create_graph=True), inputs)


__all__ = ["hessian", "jacobian"]
