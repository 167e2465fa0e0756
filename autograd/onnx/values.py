"""``Var``: a value of the graph being exported, shared by the tracer and the op tables."""

from __future__ import annotations

import numpy as np


class Var:
    """A traced value: its name in the graph and the array it held while tracing."""

    __slots__ = ("name", "array")

    def __init__(self, name: str, array: np.ndarray) -> None:
        self.name, self.array = name, array

    @property
    def shape(self) -> tuple[int, ...]:
        """The traced shape."""
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        """The traced dtype."""
        return self.array.dtype

    @property
    def ndim(self) -> int:
        """The traced rank."""
        return self.array.ndim
