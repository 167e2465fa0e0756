"""Logic gates as perceptrons with fixed weights (curriculum chapter 4).

AND, OR and NAND are each one threshold unit ``1 if w1*x1 + w2*x2 + b >= 0 else 0`` (the perceptron's
``unit_step`` with 0 for "off"). XOR is not linearly separable, so no single unit computes it; two layers
do: ``XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .perceptron import unit_step


@dataclass(frozen=True)
class Gate:
    """A two-input threshold unit; called on 0/1 inputs (scalars or arrays) it returns 0/1."""

    name: str
    w1: float
    w2: float
    bias: float

    def net_input(self, x1: Any, x2: Any) -> Any:
        """``w1*x1 + w2*x2 + b``."""
        return self.w1 * np.asarray(x1) + self.w2 * np.asarray(x2) + self.bias

    def __call__(self, x1: Any, x2: Any) -> Any:
        out = unit_step(self.net_input(x1, x2), low=0)
        return out.item() if out.ndim == 0 else out


AND = Gate("AND", 0.5, 0.5, -0.7)
OR = Gate("OR", 0.5, 0.5, -0.2)
NAND = Gate("NAND", -0.5, -0.5, 0.7)


def XOR(x1: Any, x2: Any) -> Any:
    """Exclusive or as a two-layer perceptron network: NAND and OR feed an AND."""
    return AND(NAND(x1, x2), OR(x1, x2))


def truth_table(gate: Any) -> dict[tuple[int, int], int]:
    """``{(x1, x2): gate(x1, x2)}`` over the four binary inputs."""
    return {(a, b): int(gate(a, b)) for a in (0, 1) for b in (0, 1)}


__all__ = ["AND", "NAND", "OR", "XOR", "Gate", "truth_table"]
