"""``Dropout`` (and ``dropout``): while training, each element is zeroed with probability ``p`` and the
survivors scaled by 1 / (1 - p), so the expected output equals the input; in evaluation it is the identity.

The masks are drawn inside one op, ``autograd.ops.dropout.Dropout`` (from the default generator that
``autograd.manual_seed`` seeds), so a compiled step (``autograd.compile``) draws fresh ones at each replay.
"""

from __future__ import annotations

from autograd import Tensor
from autograd.ops.dropout import apply_dropout

from .module import Module


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """``input`` with elements zeroed with probability ``p`` and the rest scaled by 1 / (1 - p) when
    ``training`` (all zeros at p = 1), else ``input`` itself; ``inplace`` writes into ``input``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return apply_dropout(input, p, inplace)


class Dropout(Module):
    """Zeroes each element with probability ``p`` (0.5) while training, scaling the rest by 1 / (1 - p);
    the identity in evaluation (``model.eval()``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


__all__ = ["Dropout", "dropout"]
