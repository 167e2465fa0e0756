"""``nn.functional``'s loss functions (torch's definitions; ``nn.functional`` re-exports every name).

``reduction``: "mean" averages over every element, "sum" adds, "none" keeps one loss per element. The fused
ones are stable for any logits: ``binary_cross_entropy_with_logits`` never evaluates ``exp`` of a large
positive number, and ``cross_entropy`` goes through ``log_softmax`` (``x - logsumexp(x)``), where
``log(softmax(x))`` gives ``log(0) = -inf``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Function, Tensor, where
from autograd.ops import function as dual
from autograd.ops.activation_more import Softplus as _Softplus
from autograd.ops.function import Op

REDUCTIONS = ("mean", "sum", "none")


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
        raise ValueError(
            f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} differ"
        )


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


def _weighted(loss: Tensor, weight: Tensor | None) -> Tensor:
    return loss if weight is None else loss * weight


def _constant(function: str, argument: str, value: Tensor | None) -> None:
    """torch's error for a tensor that requires grad where its function has no gradient for it."""
    if value is not None and value.requires_grad:
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{argument}'. This input cannot have requires_grad True."
        )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities ``input`` in [0, 1] (else an error, as torch);
    each log is clamped at -100, as torch; ``weight`` rescales each element (broadcast)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_shape("binary_cross_entropy", input, target)
    _constant("binary_cross_entropy", "weight", weight)
    p = input.detach().numpy()
    if not np.all((p >= 0) & (p <= 1)):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    return _reduce(_weighted(_BinaryCrossEntropy.apply(input, target), weight), reduction)


class _BinaryCrossEntropyWithLogits(Op):
    """Elementwise BCE of sigmoid(x) from the logits x, fused into one node on arrays: the forward
    (1 - t) x + w_p softplus(-x), with w_p = (pos_weight - 1) t + 1 (1 without pos_weight) and
    softplus(-x) = max(-x, 0) + log(1 + e^-|x|), never overflows (exp only sees -|x| <= 0), and the
    backward is one expression, d/dx = (1 - t) - w_p sigmoid(-x) (sigmoid(x) - t without pos_weight),
    d/dt = -x + (pos_weight - 1) softplus(-x) (pos_weight is a constant, as torch's). As a built-in ``Op``
    its backward also runs on Tensors, so it is differentiable again (create_graph)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any, pos_weight: Any) -> Any:
        ctx._saved = (x, t, pos_weight)
        if pos_weight is None:
            return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
        return (1 - t) * x + ((pos_weight - 1) * t + 1) * _softplus_neg(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, Any, Any]:
        x, t, pos_weight = ctx._saved
        if pos_weight is None:
            d_x = grad * (_sigmoid(x) - t) if ctx._needs[0] else None
            return d_x, -grad * x if ctx._needs[1] else None, None
        d_x = grad * ((1 - t) - ((pos_weight - 1) * t + 1) * _sigmoid(-x)) if ctx._needs[0] else None
        d_t = grad * ((pos_weight - 1) * _softplus_neg(x) - x) if ctx._needs[1] else None
        return d_x, d_t, None


def _softplus_neg(x: Any) -> Any:
    """log(1 + e^-x) of an array (overflow-free) or a tensor (differentiable)."""
    if isinstance(x, Tensor):
        return _Softplus.apply(-x, 1.0, np.inf)
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x: Any) -> Any:
    """sigmoid of a Tensor (differentiable) or of an array, as exp(-log(1 + e^-x)): never overflows."""
    return x.sigmoid() if isinstance(x, Tensor) else np.exp(-np.logaddexp(0, -x))


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE of ``sigmoid(input)`` computed from the logits, stable for any of them; ``pos_weight`` weighs
    the positive term of each class (broadcast along the last dimension), ``weight`` each element."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    _constant("binary_cross_entropy_with_logits", "weight", weight)
    _constant("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    loss = _BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return _reduce(_weighted(loss, weight), reduction)


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """torch's deprecated ``size_average``/``reduce`` pair as a ``reduction`` (they win when given)."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _class_targets(name: str, input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """Checks class-index targets against input (N, C, d1, ...): target (N, d1, ...) of integers, weight
    (C,)."""
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: class indices must be integers, got {target.dtype}")
    if input.ndim < 2 or tuple(target.shape) != (input.shape[0], *input.shape[2:]):
        raise ValueError(
            f"{name}: expected input (N, C, d1, ...) and class indices (N, d1, ...), or (C,) "
            f"and (), got {tuple(input.shape)} and {tuple(target.shape)}"
        )
    if weight is not None and tuple(weight.shape) != (input.shape[1],):
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {input.shape[1]} classes "
            f"or no classes but got weight tensor of shape: {list(weight.shape)}"
        )


def _class_last(input: Tensor) -> Tensor:
    """Input (N, C, d1, ...) as (N * d1 * ..., C): one row of class scores per target."""
    if input.ndim == 2:
        return input
    order = (0, *range(2, input.ndim), 1)
    return input.permute(order).reshape(-1, input.shape[1])


def _check_classes(t: np.ndarray, ignore_index: int, classes: int) -> None:
    """Target class indices must be in [0, classes) unless ignored, as torch refuses them."""
    kept = t[t != ignore_index]
    if kept.size and (kept.min() < 0 or kept.max() >= classes):
        raise IndexError(
            f"nll_loss: class indices must be in [0, {classes}) (or ignore_index "
            f"{ignore_index}), got {kept.min()}..{kept.max()}"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-weight[t] input[i, t] for each target class index t: the negative log-likelihood of
    log-probabilities (N, C, d1, ...) (or one sample's (C,)) given targets (N, d1, ...) (or ()). Targets
    equal to ``ignore_index`` count for nothing; "mean" divides by the sum of the targets' weights."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input.ndim == 1 and target.ndim == 0:
        out = nll_loss(input.unsqueeze(0), target.unsqueeze(0), weight, None, ignore_index, None, reduction)
        return out[0] if reduction == "none" else out
    _class_targets("nll_loss", input, target, weight)
    _constant("nll_loss_forward", "weight", weight)
    _check_classes(target.numpy(), ignore_index, input.shape[1])
    t = target.reshape(-1)  # from here on tensor ops only, so a compiled step can replay them
    kept = t != ignore_index
    safe = where(kept, t, 0)
    w = kept.to(input.dtype) if weight is None else weight[safe] * kept.to(weight.dtype)
    picked = -_class_last(input)[autograd.arange(t.numel()), safe] * w
    if reduction == "mean":  # nothing counted: nan, with zero gradients, as torch
        total = w.sum()
        empty = total == 0
        return where(empty, float("nan"), picked.sum() / where(empty, 1.0, total))
    return _reduce(picked.reshape(target.shape), reduction)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy from logits (N, C, d1, ...) and class indices (N, d1, ...) (or class
    probabilities of the input's shape): ``nll_loss(log_softmax(input, 1), target)``, stable for any
    logits, with torch's ``weight``, ``ignore_index`` and ``label_smoothing`` (the target mixed with the
    uniform distribution: (1 - eps) nll + eps / C * (-sum of the log-probabilities)). One sample may come
    unbatched, as torch: logits (C,) with a class index () or probabilities (C,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim == 1:
        out = cross_entropy(input.unsqueeze(0), target.unsqueeze(0), weight, None, ignore_index, None,
                            reduction, label_smoothing)  # fmt: skip
        return out[0] if reduction == "none" else out
    if input.ndim == 0:
        raise ValueError("cross_entropy: expected logits of shape (N, C, d1, ...) or (C,), got ()")
    log_p = input.log_softmax(1)
    classes = input.shape[1]
    if target.dtype.kind == "f":
        return _soft_cross_entropy(log_p, target, weight, ignore_index, reduction, label_smoothing)
    loss = nll_loss(log_p, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return loss
    t = target.numpy()
    kept = t != ignore_index
    scores = log_p if weight is None else log_p * weight.reshape((classes,) + (1,) * (input.ndim - 2))
    smooth = where(kept, -scores.sum(1), 0.0)  # as torch's masked_fill: no gradient through ignored ones
    if reduction == "mean":
        smooth = smooth.sum() / float(kept.sum() if weight is None else weight.numpy()[t[kept]].sum())
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / classes)


def _soft_cross_entropy(
    log_p: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str, smoothing: float
) -> Tensor:
    """Cross-entropy against class probabilities (the input's shape), as torch: "mean" averages over the
    N * d1 * ... samples."""
    if tuple(target.shape) != tuple(log_p.shape):
        raise ValueError(
            f"cross_entropy: target of shape {tuple(target.shape)} and dtype {target.dtype} fits neither "
            f"form: class indices must be an integer tensor of shape {(log_p.shape[0], *log_p.shape[2:])} "
            f"(use target.long()), class probabilities a float tensor of the input's shape "
            f"{tuple(log_p.shape)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target")
    classes = log_p.shape[1]
    if smoothing > 0:
        target = target * (1 - smoothing) + smoothing / classes
    if weight is not None:
        log_p = log_p * weight.reshape((classes,) + (1,) * (log_p.ndim - 2))
    loss = -(log_p * target).sum(1)
    return _reduce(loss, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """|input - target| (its gradient at 0 is 0, as torch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def _quadratic_then_linear(input: Tensor, target: Tensor, beta: float, slope: float) -> Tensor:
    """0.5 d^2 / beta * slope where |d| < beta, else slope (|d| - 0.5 beta): smooth L1 (slope 1) and Huber
    (slope beta = delta)."""
    diff = input - target
    size = diff.abs()
    return where(size < beta, diff * diff * (0.5 * slope / beta), (size - 0.5 * beta) * slope)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); L1 at beta = 0."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    _same_shape("smooth_l1_loss", input, target)
    return _reduce(_quadratic_then_linear(input, target, beta, 1.0), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth L1 times delta."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _same_shape("huber_loss", input, target)
    return _reduce(_quadratic_then_linear(input, target, delta, delta), reduction)


class _XLogX(Op):
    """t log t, 0 at t = 0 (torch's xlogy(t, t)); d/dt = log t + 1, nan at t = 0 as torch's."""

    __slots__ = ()
    _operands = 1
    _edges = True

    @staticmethod
    def forward(ctx: Any, t: Any) -> Any:
        zero = t == 0
        ctx._saved = (t, zero)
        return np.where(zero, 0.0, t * np.log(t)).astype(t.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        t, zero = ctx._saved
        return dual.where(zero, np.nan, g * (dual.log(t) + 1))


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """target (log target - input) for log-probabilities ``input`` (0 where target is 0), or with
    ``log_target`` e^target (target - input). "batchmean" divides the sum by the batch size (the true
    KL divergence); "mean" by the number of elements, as torch."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_shape("kl_div", input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _XLogX.apply(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def hinge_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """max(0, margin - t * score) for labels t in {-1, +1}: micrograd's max-margin (SVM) loss."""
    _same_shape("hinge_loss", input, target)
    return _reduce((margin - target * input).relu(), reduction)
