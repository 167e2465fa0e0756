"""``Adagrad``: torch.optim.Adagrad's exact update.

Step t, with g = grad + weight_decay * p (-grad under ``maximize``):
    s <- s + g^2,  p <- p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, ParamsArg, buffer, check_option, move


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): each coordinate's step shrinks with the sum of its squared gradients. Its
    state (``sum`` from ``initial_accumulator_value``) exists from construction, as torch's."""

    _arrays_only = True

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> None:
        check_option("lr", "learning rate", group["lr"])
        check_option("lr_decay", "lr_decay value", group["lr_decay"])
        check_option("weight_decay", "weight_decay value", group["weight_decay"])
        check_option(
            "initial_accumulator_value", "initial_accumulator_value value", group["initial_accumulator_value"]
        )
        check_option("eps", "epsilon value", group["eps"])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """As ``Optimizer.add_param_group``, and the group's parameters get their state at once."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0.0, "sum": buffer(p, group["initial_accumulator_value"])}

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        state = self._state(p, group)
        state["step"] = step = state["step"] + 1.0
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.numpy()
        clr = group["lr"] / (1.0 + (step - 1.0) * group["lr_decay"])
        state_sum = state["sum"].numpy()
        state_sum += grad * grad
        std = np.sqrt(state_sum)
        std += group["eps"]
        move(p, np.divide(grad, std, out=std), -clr)
