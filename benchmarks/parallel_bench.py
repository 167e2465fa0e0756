"""DataLoader workers and Hogwild against one process (issue 17's three ratios), interleaved runs, medians and
ranges of the ratios: ``PYTHONPATH=. python benchmarks/parallel_bench.py [repeats]``."""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import autograd
from nn.data import DataLoader, TensorDataset


class Heavy:
    """Items that cost a few ms of numpy work each."""

    def __len__(self):
        return 64

    def __getitem__(self, i):
        a = np.random.default_rng(i).normal(size=(120, 120))
        for _ in range(3):
            a = np.tanh(a @ a.T / 120)
        return a[0].astype(np.float32), i


def items_per_second(loader):
    start = time.perf_counter()
    n = sum(len(batch[1]) for batch in loader)
    return n / (time.perf_counter() - start)


def ratio(make, workers):
    base = items_per_second(make(0))
    return items_per_second(make(workers)) / base


def main(repeats: int = 5) -> None:
    X = autograd.tensor(np.random.default_rng(0).normal(size=(20000, 16)).astype(np.float32))
    cheap = TensorDataset(X, np.arange(20000))
    spec = importlib.util.spec_from_file_location(
        "hog", Path(__file__).parent.parent / "examples/hogwild.py"
    )
    hog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hog)  # type: ignore[union-attr]
    rows = {"heavy items, 2 workers / 0": [], "cheap TensorDataset, 2 workers / 0": [], "hogwild 2 / 1": []}
    for _ in range(repeats):
        rows["heavy items, 2 workers / 0"].append(
            ratio(lambda w: DataLoader(Heavy(), batch_size=4, num_workers=w), 2)
        )
        rows["cheap TensorDataset, 2 workers / 0"].append(
            ratio(lambda w: DataLoader(cheap, batch_size=64, shuffle=True, seed=0, num_workers=w), 2)
        )
        rows["hogwild 2 / 1"].append(hog.main()["speedup"])
    for name, values in rows.items():
        print(f"{name}: median {statistics.median(values):.2f}x (range {min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
