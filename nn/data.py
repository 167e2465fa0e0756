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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import Tensor, float64, from_numpy, stack, tensor
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
            raise ValueError(
                f"TensorDataset: tensors must share a first dimension, got shapes "
                f"{[tuple(t.shape) for t in tensors]}"
            )
        self.tensors = tensors

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)


class Dataset:
    """torch.utils.data.Dataset: a base for map-style datasets, which define ``__getitem__`` (and
    ``__len__``). Any object with those two works as a DataLoader's dataset (a list of pairs too)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` says inside a DataLoader worker: its ``id``, the ``num_workers``, the
    ``seed`` it was given and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The ``WorkerInfo`` of the DataLoader worker this runs in; None in the main process (as torch)."""
    return _worker_info


class DataLoader:
    """Batches of a dataset: ``batch_size`` items at a time, in order, reshuffled every epoch or in the order
    of a ``sampler``; the last short batch is kept unless ``drop_last``.

    A ``TensorDataset`` is gathered one batch at a time; any other dataset (an object with ``__len__`` and
    ``__getitem__``, a list of pairs) item by item, joined by ``collate_fn`` (``default_collate``). With
    ``num_workers > 0`` worker processes fetch the batches (``multiprocessing_context``: "fork" on Linux, or
    "spawn"), ``prefetch_factor`` each ahead, and hand them over in shared memory; the batches are those of
    ``num_workers=0``, in the same order. ``generator`` (an ``autograd.Generator`` or a numpy one) or ``seed``
    (an int) makes the shuffling, and the workers' seeds, reproducible; without either they come from the
    default generator that ``autograd.manual_seed`` seeds.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        sampler: Iterable[int] | None = None,
        *,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        seed: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: the dataset must have __len__ and __getitem__, got {type(dataset).__name__}"
            )
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to "
                "enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int) or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor must be a positive int, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sampler = sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._rng = _rng(None, seed, generator, "DataLoader")  # generator, seed, or the default one
        self._pool: Any = None  # the persistent workers, once started

    def __len__(self) -> int:
        """Iterations per epoch."""
        n = len(self.dataset) if self.sampler is None else len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def batch_indices(self) -> Iterator[slice | np.ndarray]:
        """The index of each batch of one epoch: slices in order, or integer arrays when shuffling (or given a
        sampler)."""
        order = _order(self._rng, len(self.dataset), self.shuffle, self.sampler)
        n, size = len(self.dataset) if order is None else len(order), self.batch_size
        for start in range(0, len(self) * size, size):
            stop = min(start + size, n)
            yield slice(start, stop) if order is None else order[start:stop]

    def __iter__(self) -> Iterator[Any]:
        """Each batch in memory of its own, as torch's collation makes it: changing a batch in place leaves
        the dataset alone (a slice would be a view)."""
        if self.num_workers:
            from .workers import iterate

            return iterate(self)
        fetcher = Fetcher(self.dataset, self.collate_fn)
        return (fetcher(index) for index in self.batch_indices())


def _order(
    rng: np.random.Generator, n: int, shuffle: bool, sampler: Iterable[int] | None
) -> np.ndarray | None:
    """One epoch's order of the dataset's indices: None for 0..n-1, a permutation when shuffling."""
    if sampler is not None:
        return np.fromiter(iter(sampler), dtype=np.int64)
    return rng.permutation(n) if shuffle else None


class Fetcher:
    """Reads one batch of a dataset: a ``TensorDataset`` (with the default collation) in one gather, any other
    item by item and collated. ``index`` is the dataset index being read (what a worker's error names)."""

    def __init__(self, dataset: Any, collate_fn: Callable[[list[Any]], Any] | None) -> None:
        self.dataset = dataset
        self.collate_fn = collate_fn or default_collate
        self.batched = collate_fn is None and isinstance(dataset, TensorDataset)
        self.index: Any = None

    def __call__(self, index: slice | np.ndarray) -> Any:
        if self.batched:
            self.index = index if isinstance(index, slice) else index.tolist()
            batch = self.dataset[index]
            return batch if not isinstance(index, slice) else tuple(_own(x) for x in batch)
        positions = range(index.start, index.stop) if isinstance(index, slice) else index.tolist()
        items = []
        for i in positions:
            self.index = i
            items.append(self.dataset[i])
        return self.collate_fn(items)


def default_collate(batch: list[Any]) -> Any:
    """torch's default collation of a list of items: tensors, numpy arrays and numbers stacked into one tensor
    (Python floats as float64, ints as int64), tuples and lists item by item (a list), dicts key by key, named
    tuples field by field; strings stay a list."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, np.ndarray | np.generic) and elem.dtype.kind not in "OSUV":
        return from_numpy(np.stack([np.asarray(x) for x in batch]))
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):  # bool included: a bool tensor
        return tensor(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([item[key] for item in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(item) != len(elem) for item in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch, strict=True)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}"
    )


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
    raise TypeError(
        f"{name}: expected an int seed, an autograd.Generator or a numpy Generator, "
        f"got {type(source).__name__}"
    )


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
    X = np.concatenate(
        [np.stack([np.cos(t_out), np.sin(t_out)], 1), np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)]
    )
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
    X = np.concatenate(
        [np.stack([np.cos(t_out), np.sin(t_out)], 1), factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)]
    )
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
            raise ValueError(
                f"make_blobs: centers must be an int or a (k, features) array, got shape {means.shape}"
            )
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
    "Dataset",
    "TensorDataset",
    "WorkerInfo",
    "default_collate",
    "get_worker_info",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
]
