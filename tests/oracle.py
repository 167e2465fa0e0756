"""Helpers shared by the tests that use torch as the oracle (float64 everywhere)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch

import autograd
from autograd import Value
from autograd.testing import to_numpy


def torch_scalar(x: float) -> torch.Tensor:
    """A float64 torch scalar leaf that requires grad."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def data(x: Any) -> np.ndarray:
    """The numbers in a Value, a torch tensor, an autograd Tensor, a float or None (zero) as float64."""
    if x is None:
        return np.zeros(())
    if isinstance(x, Value):
        return np.asarray(x.data, dtype=np.float64)
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True).astype(np.float64)  # force: torch's ZeroTensor
    return to_numpy(x).astype(np.float64)


def assert_close(ours: Any, theirs: Any, what: str, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """Values agree to ``rtol`` (with ``atol`` scaled by the size of the numbers), nan where nan."""
    a, b = data(ours), data(theirs)
    scale = float(np.max(np.abs(b), initial=1.0, where=np.isfinite(b)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True, err_msg=what)


def second_derivatives(
    out: Any, inputs: Sequence[Any], grad: Callable[..., tuple[Any, ...]], weights: Sequence[float]
) -> list[Any]:
    """``d/dx_j sum_i w_i d out/dx_i``: a Hessian-vector product through ``create_graph=True``
    (``grad`` is ``autograd.grad`` or ``torch.autograd.grad``); zeros where nothing depends on x_j."""
    firsts = grad(out, list(inputs), create_graph=True, allow_unused=True)
    terms = [w * g for w, g in zip(weights, firsts, strict=True) if g is not None and _has_graph(g)]
    if not terms:
        return [None] * len(inputs)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return list(grad(total, list(inputs), allow_unused=True))


def _has_graph(x: Any) -> bool:
    return bool(x.requires_grad) if isinstance(x, torch.Tensor) else True


def assert_same_error(fn: Callable[[Any], Any], words: bool = False) -> None:
    """``fn(autograd)`` raises what ``fn(torch)`` raises: the same exception type and, with ``words``, torch's
    first line of the message within ours."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(autograd)
    if words:
        assert str(theirs.value).splitlines()[0] in str(ours.value)
