"""DataLoader with worker processes: the batches of num_workers=0 in the same order (fork and spawn), custom
Dataset classes and lists of pairs (default_collate), worker seeds and errors, dead workers, early stops; no
child process or shared-memory segment left after any of them."""

from __future__ import annotations

import gc
import os
import signal
import time

import numpy as np
import pytest
from leftovers import children, clean, segments, wait_for  # noqa: F401 - clean is a fixture

import autograd
from nn.data import DataLoader, Dataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.usefixtures("clean")


class Squares(Dataset):
    """A custom dataset: item i is (a float array, a dict with an int and a string)."""

    def __init__(self, n: int, fail_at: int = -1, die_at: int = -1, sleep: float = 0.0) -> None:
        self.n, self.fail_at, self.die_at, self.sleep = n, fail_at, die_at, sleep

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if i == self.fail_at:
            raise ValueError(f"bad item {i}")
        if i == self.die_at:
            os._exit(3)
        time.sleep(self.sleep)
        return np.array([i, i * i], dtype=np.float32), {"label": i % 3, "name": f"s{i}"}


def _flat(batch):
    if isinstance(batch, autograd.Tensor):
        return batch.numpy().tolist()
    if isinstance(batch, np.ndarray):
        return batch.tolist()
    if isinstance(batch, dict):
        return {k: _flat(v) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return [_flat(b) for b in batch]
    return batch


def _epochs(loader, n=2):
    return [[_flat(b) for b in loader] for _ in range(n)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_batches_equal_across_worker_counts_and_start_methods(method):
    X = np.arange(46.0).reshape(23, 2)
    for dataset in (TensorDataset(autograd.tensor(X), np.arange(23)), Squares(23)):
        expected = _epochs(DataLoader(dataset, batch_size=4, shuffle=True, seed=7))
        for workers in (1, 3) if method == "fork" else (2,):
            loader = DataLoader(
                dataset,
                batch_size=4,
                shuffle=True,
                seed=7,
                num_workers=workers,
                multiprocessing_context=method,
            )
            assert _epochs(loader) == expected


def test_custom_dataset_and_list_of_pairs_collate_as_torch():
    import torch
    from torch.utils.data import default_collate as torch_collate

    pairs = [(autograd.tensor([float(i), 1.0]), i) for i in range(5)]
    xb, yb = next(iter(DataLoader(pairs, batch_size=3)))
    tx, ty = torch_collate([(torch.tensor([float(i), 1.0]), i) for i in range(3)])
    assert xb.tolist() == tx.tolist() and yb.tolist() == ty.tolist() and str(yb.dtype) == "int64"
    arrays, info = next(iter(DataLoader(Squares(5), batch_size=2)))
    assert arrays.dtype == autograd.float32 and arrays.tolist() == [[0, 0], [1, 1]]
    assert info["label"].tolist() == [0, 1] and info["name"] == ["s0", "s1"]


def _seed_of_worker(i):
    info = get_worker_info()
    return np.array([info.id, info.seed, np.random.randint(1 << 30)])


def test_workers_seeded_differently_and_reproducibly():
    assert get_worker_info() is None

    def run():
        return np.stack(
            [
                b
                for b in DataLoader(
                    list(range(4)), num_workers=2, seed=3, collate_fn=lambda items: _seed_of_worker(0)
                )
            ]
        )

    first, again = run(), run()
    np.testing.assert_array_equal(first, again)
    assert set(first[:, 0]) == {0, 1} and len(set(first[:, 1])) == 2 and len(set(first[:, 2])) == 4


def test_worker_exception_names_the_index_and_traceback():
    loader = DataLoader(Squares(8, fail_at=5), batch_size=2, num_workers=2, timeout=10)
    with pytest.raises(ValueError, match=r"(?s)worker process \d.*dataset\[5\].*bad item 5"):
        list(loader)


def test_dead_worker_is_an_error_not_a_hang():
    loader = DataLoader(Squares(8, die_at=5), batch_size=2, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert time.monotonic() - start < 10


def test_killed_worker_and_timeout():
    it = iter(DataLoader(Squares(8, sleep=0.2), batch_size=2, num_workers=2))
    next(it)
    os.kill(it._pool.workers[0].pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(it)
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        list(DataLoader(Squares(4, sleep=2), batch_size=2, num_workers=1, timeout=0.3))


@pytest.mark.parametrize("stop", ["break", "exception", "ctrl-c", "gc"])
def test_early_stop_stops_workers(stop):
    loader = DataLoader(Squares(40, sleep=0.01), batch_size=2, num_workers=2)
    if stop == "gc":
        it = iter(loader)
        next(it)
        del it
    elif stop == "break":
        for _ in loader:
            break
    else:
        with pytest.raises(KeyboardInterrupt if stop == "ctrl-c" else ZeroDivisionError):
            for _ in loader:
                if stop == "ctrl-c":
                    signal.raise_signal(signal.SIGINT)
                raise ZeroDivisionError
    gc.collect()
    assert wait_for(lambda: not children())


def test_persistent_workers_keep_their_processes():
    loader = DataLoader(
        Squares(6), batch_size=2, num_workers=2, persistent_workers=True, shuffle=True, seed=1
    )
    first = [_flat(b) for b in loader]
    pids = [w.pid for w in loader._pool.workers]
    for _ in loader:
        break
    second = [_flat(b) for b in loader]
    assert [w.pid for w in loader._pool.workers] == pids and len(second) == len(first) == 3
    del loader


def test_bad_arguments_as_torch():
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader([1], num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader([1], prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader([1], persistent_workers=True)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader([1], sampler=[0], shuffle=True)
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(iter([1]))


def _threads_in_worker(items):
    return np.array([autograd.get_num_threads()])


def test_workers_run_one_blas_thread_and_set_num_threads_as_torch():
    threads = autograd.get_num_threads()
    loader = DataLoader([0, 1], num_workers=1, collate_fn=_threads_in_worker)
    assert [b.tolist() for b in loader] == [[1], [1]]
    autograd.set_num_threads(1)
    assert autograd.get_num_threads() == 1
    autograd.set_num_threads(threads)
    assert autograd.get_num_threads() == threads
    for bad in (0, -1, 1.5, True):
        with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
            autograd.set_num_threads(bad)


def test_segments_are_reused_only_once_the_batch_on_them_is_dropped():
    X = np.arange(40.0).reshape(20, 2)
    dataset = TensorDataset(autograd.tensor(X))
    loader = DataLoader(dataset, batch_size=2, num_workers=1, persistent_workers=True)
    held = [b for (b,) in loader]  # every batch alive at once: each on a segment of its own
    assert [b.numpy().tolist() for b in held] == X.reshape(10, 2, 2).tolist()
    assert all(b.is_shared() for b in held)
    in_use = len(segments())
    del held
    gc.collect()
    for _ in range(3):  # batches dropped as they go: the worker writes them into the freed segments
        assert [b.numpy().tolist() for (b,) in loader] == X.reshape(10, 2, 2).tolist()
    assert len(segments()) == in_use
    del loader
