"""``Adam``: torch.optim.Adam's exact update (``amsgrad``, ``maximize``, L2 or decoupled weight decay).

Step t, with g = grad (-grad under ``maximize``), and g <- g + weight_decay * p (L2) or
p <- p * (1 - lr * weight_decay) (decoupled, AdamW):
    m <- lerp(m, g, 1 - beta1),  v <- beta2 v + (1 - beta2) g^2,  v_max <- max(v_max, v) (amsgrad)
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, ParamsArg, buffer, check_option, lerp_, move, scale


class Adam(Optimizer):
    """Adam (Kingma and Ba): per-parameter steps from bias-corrected running means of g and g^2."""

    _arrays_only = True

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas) if isinstance(betas, list) else betas,  # stored as torch does
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> None:
        check_option("lr", "learning rate", group["lr"])
        check_option("eps", "epsilon value", group["eps"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of floats, got {betas!r}")
        for i, beta in enumerate(betas):
            check_option(f"betas[{i}]", f"beta parameter at index {i}", beta, high=1.0)
        check_option("weight_decay", "weight_decay value", group["weight_decay"])

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0.0, "exp_avg": buffer(p), "exp_avg_sq": buffer(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = buffer(p)
        return state

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        state = self._state(p, group)
        state["step"] = step = state["step"] + 1.0
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if weight_decay:
            if group["decoupled_weight_decay"]:
                scale(p, 1.0 - lr * weight_decay)
            else:
                grad = grad + weight_decay * p.numpy()
        lerp_(state["exp_avg"].numpy(), grad, 1.0 - beta1)
        v = state["exp_avg_sq"].numpy()
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"].numpy(), v, out=state["max_exp_avg_sq"].numpy())
        denom = np.sqrt(v)
        denom /= (1.0 - beta2**step) ** 0.5
        denom += group["eps"]
        move(p, np.divide(state["exp_avg"].numpy(), denom, out=denom), -lr / (1.0 - beta1**step))
