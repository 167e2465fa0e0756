"""``AdamW``: Adam with decoupled weight decay (Loshchilov and Hutter), as torch.optim.AdamW."""

from __future__ import annotations

from typing import Any

from .adam import Adam
from .optimizer import ParamsArg


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly (``p <- p (1 - lr wd)``) instead of adding
    ``wd * p`` to the gradient, so the decay is not rescaled by the adaptive step; default ``wd`` 0.01."""

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )

    def load_state_dict(self, state_dict: Any) -> None:
        """As ``Optimizer.load_state_dict``; the decay stays decoupled whatever the saved groups say."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
