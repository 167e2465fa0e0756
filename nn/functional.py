"""``nn.functional`` (import as ``F``): activations and losses as plain functions of Tensors.

The losses (torch's definitions and ``reduction``) live in ``functional_losses.py``; every name is
re-exported here, so ``nn.functional.X`` is torch's ``torch.nn.functional.X``.
"""

from __future__ import annotations

import autograd
from autograd import Tensor, no_grad, where
from autograd.ops.activation_more import Gelu, Hardtanh, Silu, gelu_tanh, in_place
from autograd.ops.activation_more import Softplus as _Softplus
from autograd.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
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

from .batchnorm import batch_norm
from .dropout import dropout
from .functional_losses import (
    REDUCTIONS,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import group_norm, layer_norm
from .sparse import embedding, one_hot


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


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal cdf (``approximate="tanh"``: torch's tanh approximation)."""
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        return gelu_tanh(input)
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (swish); ``inplace`` writes into ``input``."""
    return in_place(Silu, input) if inplace else Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, a smooth relu; x itself where beta x > threshold."""
    return _Softplus.apply(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped into [min_val, max_val] (no gradient at or beyond the bounds); ``inplace`` writes into
    ``input``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return in_place(Hardtanh, input, min_val, max_val) if inplace else Hardtanh.apply(input, min_val, max_val)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1 A_k x2 + b_k for inputs (*, in1) and (*, in2), weight (out, in1, in2): one matmul of x1
    with the weights laid out (in1, out * in2), then a product with x2 summed over in2."""
    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or input2.shape[-1:] != weight.shape[2:]:
        raise RuntimeError(
            f"bilinear: inputs {list(input1.shape)} and {list(input2.shape)} do not fit "
            f"weight {list(weight.shape)} (out, in1, in2)"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear: input1 and input2 must have the same leading dimensions, got "
            f"{list(input1.shape)} and {list(input2.shape)}"
        )
    out_features, in1, in2 = weight.shape
    mixed = input1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    out = (mixed.reshape(*input1.shape[:-1], out_features, in2) * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


def step(x: Tensor) -> Tensor:
    """The perceptron's unit step, 1 where ``x >= 0`` else 0; a constant (no gradient: it is flat, or
    jumps)."""
    with no_grad():
        return where(x >= 0, 1.0, 0.0).to(x.dtype)


from .attention import scaled_dot_product_attention  # noqa: E402 - attention uses this module

__all__ = [
    "REDUCTIONS",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "fold",
    "gelu",
    "group_norm",
    "hardtanh",
    "hinge_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "step",
    "tanh",
    "unfold",
]
