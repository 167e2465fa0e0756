"""Hogwild training: two processes update one MLP whose parameters live in shared memory, without locks
(Recht et al., 2011), and reach the accuracy of one process doing the same number of steps.

    python examples/hogwild.py
"""

from __future__ import annotations

import time

import numpy as np

import autograd
import autograd.multiprocessing as mp
import nn
from nn.data import make_blobs
from nn.optim import SGD

STEPS, BATCH, LR = 300, 32, 0.1


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 4)).double()


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, steps: int, seed: int) -> None:
    """Plain SGD on mini-batches drawn with ``seed``: in a Hogwild worker, ``p.add_`` writes shared memory."""
    rng = np.random.default_rng(seed)
    opt, loss_fn = SGD(model.parameters(), lr=LR), nn.CrossEntropyLoss()
    for _ in range(steps):
        rows = rng.integers(0, len(X), BATCH)
        opt.zero_grad()
        loss_fn(model(autograd.tensor(X[rows])), autograd.tensor(y[rows])).backward()
        opt.step()


def hogwild_worker(model: nn.Module, X: np.ndarray, y: np.ndarray, steps: int, seed: int) -> None:
    """One Hogwild process: one BLAS thread (torch's advice: N processes on N cores), then ``train``."""
    autograd.set_num_threads(1)
    train(model, X, y, steps, seed)


def data() -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs, 2000 points."""
    return make_blobs(2000, centers=4, cluster_std=2.0, seed=0)


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with autograd.no_grad():
        return float((model(autograd.tensor(X)).numpy().argmax(1) == y).mean())


def main(processes: int = 2) -> dict[str, float]:
    X, y = data()
    single = make_model()
    start = time.perf_counter()
    train(single, X, y, STEPS * processes, seed=0)
    one = time.perf_counter() - start
    shared = make_model().share_memory()
    workers = [
        mp.Process(target=hogwild_worker, args=(shared, X, y, STEPS, seed)) for seed in range(processes)
    ]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    hog = time.perf_counter() - start
    result = {"one_process": accuracy(single, X, y), "hogwild": accuracy(shared, X, y), "speedup": one / hog}
    print(
        f"accuracy: one process {result['one_process']:.3f}, {processes} Hogwild processes "
        f"{result['hogwild']:.3f}; samples/s ratio {result['speedup']:.2f}x"
    )
    return result


if __name__ == "__main__":
    main()
