"""DataLoader workers and Hogwild against one process (issue 17's ratios), with the machine's ceiling beside
each: the same work in two plain ``multiprocessing`` processes with nothing of ours. Rounds interleave every
row; the medians and ranges of the per-round ratios are printed, with the load average before and after.

    PYTHONPATH=. python benchmarks/parallel_bench.py [rounds]
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import autograd
from nn.data import DataLoader, TensorDataset

ITEMS, SIDE = 256, 128


class Augment:
    """A CPU-heavy item, as an image pipeline makes one: a 3x128x128 image (drawn, standing for a decode)
    blurred through an FFT, flipped, standardised, squashed, sorted along rows and cropped; about 2.5 ms of
    numpy work and no BLAS (so the baseline runs on one core)."""

    def __init__(self) -> None:
        freq = np.fft.rfftfreq(SIDE)[None, :] ** 2 + np.fft.fftfreq(SIDE)[:, None] ** 2
        self.blur = np.exp(-200 * freq)

    def __len__(self) -> int:
        return ITEMS

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        image = np.random.default_rng(i).random((3, SIDE, SIDE))
        image = np.fft.irfft2(np.fft.rfft2(image) * self.blur, s=(SIDE, SIDE))[:, :: 1 - 2 * (i % 2)]
        image = np.sort(np.tanh((image - image.mean()) / (image.std() + 1e-8)), axis=-1)
        return image[:, 8:-8, 8:-8].astype(np.float32), i % 10


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its children that have been joined."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def per_second(count: int, run: Callable[[], Any], cpu: list[float] | None = None) -> float:
    """``count`` over the seconds ``run()`` takes; appends to ``cpu`` the CPU seconds per count that this
    process and the children it joined meanwhile used (the cost of the work, whatever the machine lends)."""
    before, start = _cpu_seconds(), time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append((_cpu_seconds() - before) / count)
    return count / seconds


def read(loader: DataLoader) -> None:
    for _ in loader:
        pass


def _read_items(dataset: Any, lo: int, hi: int) -> None:
    for i in range(lo, hi):
        dataset[i]


def plain(target: Callable[..., None], args: list[tuple[Any, ...]]) -> None:
    """The ceiling: ``target`` in one plain forked process per ``args``, started and joined."""
    processes = [multiprocessing.get_context("fork").Process(target=target, args=a) for a in args]
    for p in processes:
        p.start()
    for p in processes:
        p.join()


def _hogwild_module() -> Any:
    spec = importlib.util.spec_from_file_location("hog", Path(__file__).parent.parent / "examples/hogwild.py")
    hog = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(hog)  # type: ignore[union-attr]
    return hog


def _train_private(hog: Any, X: np.ndarray, y: np.ndarray, seed: int) -> None:
    autograd.set_num_threads(1)
    hog.train(hog.make_model(), X, y, hog.STEPS, seed)


def main(rounds: int = 5) -> None:
    heavy = Augment()
    start = time.perf_counter()
    heavy[0]
    print(f"one heavy item: {1e3 * (time.perf_counter() - start):.2f} ms; load average {os.getloadavg()}")
    X = autograd.tensor(np.random.default_rng(0).normal(size=(20000, 16)).astype(np.float32))
    cheap = TensorDataset(X, np.arange(20000))
    persistent = DataLoader(heavy, batch_size=4, num_workers=2, persistent_workers=True)
    cheap_persistent = DataLoader(
        cheap, batch_size=64, shuffle=True, seed=0, num_workers=2, persistent_workers=True
    )
    read(persistent), read(cheap_persistent)  # started once, outside the timing
    hog = _hogwild_module()
    X2, y2 = hog.data()
    half = [(heavy, 0, ITEMS // 2), (heavy, ITEMS // 2, ITEMS)]
    rows: dict[str, list[float]] = {}
    accuracy: list[tuple[float, float]] = []
    cpu: dict[str, list[float]] = {}
    for _ in range(rounds):
        base = per_second(
            ITEMS, lambda: read(DataLoader(heavy, batch_size=4)), cpu.setdefault("0 workers", [])
        )
        ratios = {
            "heavy items, 2 workers / 0 (workers started in the epoch)": per_second(
                ITEMS,
                lambda: read(DataLoader(heavy, batch_size=4, num_workers=2)),
                cpu.setdefault("2 workers (main process and workers)", []),
            ),
            "heavy items, 2 persistent workers / 0": per_second(ITEMS, lambda: read(persistent)),
            "heavy items, ceiling: 2 plain processes / 0": per_second(
                ITEMS, lambda: plain(_read_items, half), cpu.setdefault("2 plain processes", [])
            ),
        }
        rows.update({k: rows.get(k, []) + [v / base] for k, v in ratios.items()})
        base = per_second(20000, lambda: read(DataLoader(cheap, batch_size=64, shuffle=True, seed=0)))
        for name, loader in (
            (
                "cheap TensorDataset, 2 workers / 0",
                DataLoader(cheap, 64, shuffle=True, seed=0, num_workers=2),
            ),
            ("cheap TensorDataset, 2 persistent workers / 0", cheap_persistent),
        ):
            rows.setdefault(name, []).append(per_second(20000, lambda: read(loader)) / base)  # noqa: B023
        result = hog.main()
        rows.setdefault("hogwild 2 / 1", []).append(result["speedup"])
        accuracy.append((result["one_process"], result["hogwild"]))
        one = per_second(1, lambda: hog.train(hog.make_model(), X2, y2, 2 * hog.STEPS, 0))
        two = per_second(1, lambda: plain(_train_private, [(hog, X2, y2, s) for s in range(2)]))
        rows.setdefault("hogwild ceiling: 2 plain processes, private models / 1", []).append(two / one)
    for name, values in rows.items():
        print(f"{name}: median {statistics.median(values):.2f}x (range {min(values):.2f}-{max(values):.2f})")
    for name, values in cpu.items():
        print(f"heavy items, CPU ms per item, {name}: median {1e3 * statistics.median(values):.2f}")
    ones, hogs = zip(*accuracy, strict=True)
    print(f"accuracy: one process {min(ones):.3f}-{max(ones):.3f}, hogwild {min(hogs):.3f}-{max(hogs):.3f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
