"""``Embedding`` (and ``embedding``, ``one_hot``): a table of vectors looked up by integer indices, the
first layer of a language model; the gradient of a row adds up over every time it was looked up."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, dtypes, no_grad
from autograd.ops.sparse import Embedding as _Lookup

from . import init
from .module import Module, Parameter


def _indices(name: str, input: Any, size: int) -> np.ndarray:
    """``input`` as an integer array with every index in [0, size), else torch's error."""
    array = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected indices of an integer dtype (Long or Int), got {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= size):
        bad = array.min() if array.min() < 0 else array.max()
        raise IndexError(f"{name}: index {bad} is out of range for {size} rows")
    return array


def _padding(padding_idx: int | None, rows: int) -> int | None:
    """``padding_idx`` as a row in [0, rows) (negative ones count from the end), else torch's error."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx % rows


def embedding(
    input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None
) -> Tensor:
    """``weight[input]``: a row of ``weight`` (num_embeddings, embedding_dim) per index of ``input``; the
    row ``padding_idx`` gets no gradient. ``max_norm`` (renormalising rows) is not supported."""
    if max_norm is not None:
        raise NotImplementedError("embedding: max_norm is not supported (only max_norm=None)")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got {list(weight.shape)}")
    indices = _indices("embedding", input, weight.shape[0])
    return _Lookup.apply(weight, indices, _padding(padding_idx, weight.shape[0]))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape (*, num_classes) with a 1 at each index of ``tensor``; ``num_classes=-1``
    takes one more than the largest index."""
    array = tensor.numpy() if isinstance(tensor, Tensor) else np.asarray(tensor)
    if array.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if array.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(array.max()) + 1
    if array.size and array.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if array.size and array.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor((array[..., None] == np.arange(num_classes)).astype(np.int64))


class Embedding(Module):
    """A learned table ``weight`` (num_embeddings, embedding_dim), initialised N(0, 1) as torch (the
    ``padding_idx`` row zeros), looked up by integer indices."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if max_norm is not None:
            raise NotImplementedError("Embedding: max_norm is not supported (only max_norm=None)")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding(padding_idx, num_embeddings)
        self.max_norm = max_norm
        if _weight is None:
            table = np.zeros((num_embeddings, embedding_dim), dtypes.as_dtype(dtype or dtypes.float32))
            self.weight = Parameter(table, requires_grad=not _freeze)
            init.normal_(self.weight)
            if self.padding_idx is not None:
                with no_grad():
                    self.weight[self.padding_idx] = 0.0
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
    ) -> Embedding:
        """An Embedding around the 2-D ``embeddings`` (shared, as torch), frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


__all__ = ["Embedding", "embedding", "one_hot"]
