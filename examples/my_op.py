"""Your own differentiable op: softplus(x) = log(1 + e^x), a smooth ReLU whose derivative is sigmoid(x).

A template to copy: subclass ``autograd.Function``, write ``forward`` (the value, saving what backward
needs) and ``backward`` (upstream gradient times the local derivative), call it with ``.apply``.
Test it the way ``test_my_op.py`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Function, Tensor


class Softplus(Function):
    """softplus(x) = log(1 + e^x), computed by numpy's ``logaddexp(0, x)``: e^x never overflows, and
    log1p keeps full precision where softplus is tiny (x << 0)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        # forward runs without recording a graph, so any numpy code will do
        ctx.save_for_backward(x)
        return autograd.tensor(np.logaddexp(0.0, x.numpy()), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        # d softplus / dx = e^x / (1 + e^x) = sigmoid(x). Written with tensor ops, so that under
        # create_graph=True this backward is itself recorded and can be differentiated again.
        return grad * x.sigmoid()


def softplus(x: Tensor) -> Tensor:
    """The op as a function, as users call it."""
    return Softplus.apply(x)
