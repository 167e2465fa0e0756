"""``nn.functional`` (import as ``F``): activations and losses as plain functions of Tensors.

Losses follow torch's definitions and ``reduction`` ("mean" averages over every element, "sum" adds,
"none" keeps one loss per element). The fused ones are stable for any logits:
``binary_cross_entropy_with_logits`` never evaluates ``exp`` of a large positive number, and ``cross_entropy``
goes through ``log_softmax`` (``x - logsumexp(x)``), where ``log(softmax(x))`` gives ``log(0) = -inf``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Function, Tensor, no_grad, where
from autograd.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from autograd.ops.function import Op
from autograd.ops.padding import pad
from autograd.ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    fold,
    max_pool1d,
    max_pool2d,
    unfold,
)

REDUCTIONS = ("mean", "sum", "none")


# ----- layers --------------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, weight of shape (out_features, in_features) as torch's; one fused node."""
    return autograd.linear(input, weight, bias)


# ----- activations --------------------------------------------------------------------------------
def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x), in (0, 1); its derivative is at most 0.25, hence vanishing gradients in deep stacks."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh(x) in (-1, 1): a zero-centred sigmoid (2 sigmoid(2x) - 1)."""
    return x.tanh()


def relu(x: Tensor) -> Tensor:
    """max(0, x): no saturation for x > 0, but a unit stuck at x < 0 gets no gradient ('dead ReLU')."""
    return x.relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, ``negative_slope * x`` otherwise, so negative inputs still learn."""
    return x.leaky_relu(negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise: smooth, outputs average near 0 (less bias shift)."""
    return x.elu(alpha)


def softmax(x: Tensor, dim: int) -> Tensor:
    """e^x_i / sum_j e^x_j along ``dim``, computed from ``x - max(x)`` so it never overflows."""
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x) along ``dim``: the log-probabilities, finite for any finite logits."""
    return x.log_softmax(dim)


def step(x: Tensor) -> Tensor:
    """The perceptron's unit step, 1 where ``x >= 0`` else 0; a constant (no gradient: it is flat, or
    jumps)."""
    with no_grad():
        return where(x >= 0, 1.0, 0.0).to(x.dtype)


# ----- losses -------------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} "
                         "differ")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean", half: bool = False) -> Tensor:
    """(input - target)^2; with ``half`` halved, so "mean" is the curriculum's J = 1/(2m) sum (y - y_hat)^2
    (the 1/2 cancels the 2 of the derivative)."""
    _same_shape("mse_loss", input, target)
    diff = input - target
    loss = diff * diff
    return _reduce(loss * 0.5 if half else loss, reduction)


class _BinaryCrossEntropy(Function):
    """Elementwise -(t log p + (1 - t) log(1 - p)), each log clamped at -100, as torch's fused op; its
    gradient (p - t) / max(p (1 - p), 1e-12) stays finite at p = 0 and p = 1, where the chain rule through
    the clamped logs would give 0 * inf = nan."""

    @staticmethod
    def forward(ctx: Any, p: Tensor, t: Tensor) -> Tensor:
        log_p, log_q = p.log().clamp(min=-100.0), (1 - p).log().clamp(min=-100.0)
        ctx.save_for_backward(p, t, log_p, log_q)
        return -(t * log_p + (1 - t) * log_q)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        p, t, log_p, log_q = ctx.saved_tensors
        d_p = grad * (p - t) / (p * (1 - p)).clamp(min=_BCE_EPS) if ctx.needs_input_grad[0] else None
        d_t = grad * (log_q - log_p) if ctx.needs_input_grad[1] else None
        return d_p, d_t


_BCE_EPS = 1e-12


def binary_cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input``; each log is clamped at -100, as torch."""
    _same_shape("binary_cross_entropy", input, target)
    return _reduce(_BinaryCrossEntropy.apply(input, target), reduction)


class _BinaryCrossEntropyWithLogits(Op):
    """Elementwise BCE of sigmoid(x) from the logits x, fused into one node on arrays: the forward
    max(x, 0) - x t + log(1 + e^-|x|) never overflows (exp only sees -|x| <= 0), and the backward is one
    expression, d/dx = sigmoid(x) - t and d/dt = -x, instead of a chain through a dozen ops. As a built-in
    ``Op`` its backward also runs on Tensors, so it is differentiable again (create_graph)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any) -> Any:
        ctx._saved = (x, t)
        return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, Any]:
        x, t = ctx._saved
        d_x = grad * (_sigmoid(x) - t) if ctx._needs[0] else None
        return d_x, -grad * x if ctx._needs[1] else None


def _sigmoid(x: Any) -> Any:
    """sigmoid of a Tensor (differentiable) or of an array, as exp(-log(1 + e^-x)): never overflows."""
    return x.sigmoid() if isinstance(x, Tensor) else np.exp(-np.logaddexp(0, -x))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """BCE of ``sigmoid(input)`` computed from the logits, stable for any of them."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(_BinaryCrossEntropyWithLogits.apply(input, target), reduction)


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """-input[i, target[i]]: the negative log-likelihood of class indices given log-probabilities (N, C), or
    of one sample's (C,) and its class index (), as torch."""
    if input.ndim == 1 and target.ndim == 0:
        return nll_loss(input.unsqueeze(0), target.unsqueeze(0), reduction).reshape(())
    if input.ndim != 2 or target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(f"nll_loss: expected input (N, C) and class indices (N,), or (C,) and (), got "
                         f"{tuple(input.shape)} and {tuple(target.shape)}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: class indices must be integers, got {target.dtype}")
    t = target.numpy()
    if t.size and (t.min() < 0 or t.max() >= input.shape[1]):
        raise IndexError(f"nll_loss: class indices must be in [0, {input.shape[1]}), "
                         f"got {t.min()}..{t.max()}")
    return _reduce(-input[np.arange(input.shape[0]), target], reduction)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from logits (N, C) and class indices (N,) (or class probabilities (N, C)):
    ``nll_loss(log_softmax(input, 1), target)``, stable for any logits. One sample may come unbatched, as
    torch: logits (C,) with a class index () or probabilities (C,)."""
    if input.ndim == 1:
        return cross_entropy(input.unsqueeze(0), target.unsqueeze(0), reduction).reshape(())
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: expected logits of shape (N, C) or (C,), got {tuple(input.shape)}")
    if target.dtype.kind == "f" and tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"cross_entropy: target of shape {tuple(target.shape)} and dtype {target.dtype} fits neither "
            f"form: class indices must be an integer tensor of shape ({input.shape[0]},) (use "
            f"target.long()), class probabilities a float tensor of the input's shape {tuple(input.shape)}"
        )
    log_p = input.log_softmax(1)
    if target.dtype.kind == "f":
        return _reduce(-(target * log_p).sum(1), reduction)
    return nll_loss(log_p, target, reduction)


def hinge_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """max(0, margin - t * score) for labels t in {-1, +1}: micrograd's max-margin (SVM) loss."""
    _same_shape("hinge_loss", input, target)
    return _reduce((margin - target * input).relu(), reduction)


__all__ = [
    "REDUCTIONS",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cross_entropy",
    "elu",
    "fold",
    "hinge_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
    "unfold",
]
