"""Datasets and mini-batches (torch.utils.data's names) and seeded toy problems made locally.

An *epoch* is one pass over the data, an *iteration* one batch: 100 samples in batches of 50 are
2 iterations an epoch, so 50 epochs are 100 iterations (``len(loader) * epochs``).
The ``make_*`` generators return numpy ``(X float64 (n, features), y int64 (n,))``, shuffled. Randomness
follows one convention: ``generator=`` (an ``autograd.Generator`` or a numpy Generator), or, without one,
autograd's default generator, which ``autograd.manual_seed`` seeds. ``seed=`` (an int) is kept as a
shorthand, and the ``make_*`` functions also take scikit-learn's ``random_state`` (an int or a generator).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd.random import Generator, numpy_generator

Pair = tuple[np.ndarray, np.ndarray]


class TensorDataset:
    """Tensors (or arrays) sharing their first dimension; ``dataset[i]`` is the tuple of their rows ``i``.

    ``i`` may be an int, a slice or an integer array, so a whole batch is one gather per tensor.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [tuple(t.shape)[:1] for t in tensors]
        if any(not s for s in sizes) or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: tensors must share a first dimension, got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)


class DataLoader:
    """Batches of a ``TensorDataset``: ``batch_size`` rows at a time, reshuffled every epoch if asked.

    The last short batch is kept unless ``drop_last``. Each epoch draws a new order from ``generator``
    (an ``autograd.Generator`` or a numpy Generator), or from the default generator that
    ``autograd.manual_seed`` seeds; ``seed`` (an int) is a shorthand for ``Generator().manual_seed(seed)``.
    """

    def __init__(
        self,
        dataset: TensorDataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        *,
        generator: Any = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = _generator(None, seed, generator, "DataLoader")

    def __len__(self) -> int:
        """Iterations per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def batch_indices(self) -> Iterator[slice | np.ndarray]:
        """The index of each batch of one epoch: slices in order, or integer arrays when shuffling."""
        n, size = len(self.dataset), self.batch_size
        order = numpy_generator(self.generator).permutation(n) if self.shuffle else None
        for start in range(0, len(self) * size, size):
            stop = min(start + size, n)
            yield slice(start, stop) if order is None else order[start:stop]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """Each batch in memory of its own, as torch's collation makes it: changing a batch in place
        leaves the dataset alone (a slice would be a view)."""
        for index in self.batch_indices():
            batch = self.dataset[index]
            yield batch if not isinstance(index, slice) else tuple(_own(x) for x in batch)


def _own(x: Any) -> Any:
    """A copy of a tensor (``clone``) or an array (``copy``)."""
    return x.clone() if hasattr(x, "clone") else x.copy()


def _generator(random_state: Any, seed: int | None, generator: Any, name: str) -> Any:
    """The one source of randomness among ``random_state`` (scikit-learn's name: an int or a generator),
    ``seed`` (an int) and ``generator``: an ``autograd.Generator``, a numpy one, or None (the default)."""
    given = [value for value in (random_state, seed, generator) if value is not None]
    if len(given) > 1:
        raise TypeError(f"{name}: give one of random_state, seed and generator, not several")
    source = given[0] if given else None
    if isinstance(source, (int, np.integer)) and not isinstance(source, bool):
        return Generator().manual_seed(source)
    if source is None or isinstance(source, (Generator, np.random.Generator)):
        return source
    if isinstance(source, np.random.RandomState):  # scikit-learn's legacy generator
        return np.random.default_rng(source.randint(2**31))
    raise TypeError(f"{name}: expected an int seed, an autograd.Generator or a numpy Generator, "
                    f"got {type(source).__name__}")


def _rng(random_state: Any, seed: int | None, generator: Any, name: str) -> np.random.Generator:
    return numpy_generator(_generator(random_state, seed, generator, name))


def _check_n(n_samples: int, minimum: int, name: str) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an int >= {minimum}, got {n_samples!r}")


def _finish(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator) -> Pair:
    """Adds Gaussian noise of std ``noise`` and shuffles the samples."""
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(np.float64), y[order].astype(np.int64)


def _split(n_samples: int, parts: int) -> list[int]:
    """``n_samples`` split into ``parts`` near-equal class sizes."""
    return [n_samples // parts + (1 if i < n_samples % parts else 0) for i in range(parts)]


def make_moons(
    n_samples: int = 100,
    noise: float = 0.0,
    seed: int | None = None,
    *,
    random_state: Any = None,
    generator: Any = None,
) -> Pair:
    """Two interleaving half circles (labels 0 and 1): the classic non-linear binary problem."""
    _check_n(n_samples, 2, "make_moons")
    n_out, n_in = _split(n_samples, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(X, y, noise, _rng(random_state, seed, generator, "make_moons"))


def make_circles(
    n_samples: int = 100,
    noise: float = 0.0,
    factor: float = 0.8,
    seed: int | None = None,
    *,
    random_state: Any = None,
    generator: Any = None,
) -> Pair:
    """A circle (label 0) around a smaller one of radius ``factor`` (label 1)."""
    _check_n(n_samples, 2, "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    n_out, n_in = _split(n_samples, 2)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(X, y, noise, _rng(random_state, seed, generator, "make_circles"))


def make_xor(
    n_samples: int = 100,
    noise: float = 0.0,
    seed: int | None = None,
    *,
    random_state: Any = None,
    generator: Any = None,
) -> Pair:
    """Points in the four quadrants of [-1, 1]^2 with label ``(x1 > 0) xor (x2 > 0)``, classes balanced.

    Points are kept at least 0.1 away from the axes so that the classes stay separable without noise.
    """
    _check_n(n_samples, 4, "make_xor")
    rng = _rng(random_state, seed, generator, "make_xor")
    y = np.repeat([0, 1], _split(n_samples, 2))
    first = rng.choice([-1.0, 1.0], size=n_samples)
    signs = np.stack([first, np.where(y == 1, -first, first)], axis=1)
    X = rng.uniform(0.1, 1.0, size=(n_samples, 2)) * signs
    return _finish(X, y, noise, rng)


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float = 0.0,
    seed: int | None = None,
    *,
    random_state: Any = None,
    generator: Any = None,
) -> Pair:
    """``n_classes`` interleaved spiral arms (labels 0..n_classes-1), one and a half turns each."""
    _check_n(n_samples, n_classes, "make_spirals")
    if n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be >= 2, got {n_classes}")
    arms, labels = [], []
    for label, size in enumerate(_split(n_samples, n_classes)):
        r = np.linspace(0.05, 1.0, size)
        t = np.linspace(0, 3 * np.pi, size) + 2 * np.pi * label / n_classes
        arms.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        labels.append(np.full(size, label))
    rng = _rng(random_state, seed, generator, "make_spirals")
    return _finish(np.concatenate(arms), np.concatenate(labels), noise, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
    *,
    random_state: Any = None,
    generator: Any = None,
) -> Pair:
    """Gaussian clusters of std ``cluster_std`` around the given centers, or around ``centers`` random ones
    drawn in ``center_box``."""
    rng = _rng(random_state, seed, generator, "make_blobs")
    if isinstance(centers, int):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be >= 1, got {centers}")
        means = rng.uniform(*center_box, size=(centers, n_features))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2:
            raise ValueError(f"make_blobs: centers must be an int or a (k, features) array, "
                             f"got shape {means.shape}")
    _check_n(n_samples, len(means), "make_blobs")
    if cluster_std < 0:
        raise ValueError(f"make_blobs: cluster_std must be >= 0, got {cluster_std}")
    sizes = _split(n_samples, len(means))
    X = np.concatenate([np.repeat(means[k : k + 1], size, axis=0) for k, size in enumerate(sizes)])
    y = np.repeat(np.arange(len(means)), sizes)
    return _finish(X, y, cluster_std, rng)


DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spirals": make_spirals,
    "blobs": make_blobs,
}

__all__ = [
    "DATASETS",
    "DataLoader",
    "TensorDataset",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
]
