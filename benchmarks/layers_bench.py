"""tracegrad's layers vs torch.nn, forward + backward, one thread each, interleaved (A B A B ...).

Each row of ``CASES`` builds the same layer in both engines (torch's state_dict loaded into ours) and a
step, forward then backward of ``(out * g).sum()`` for a fixed random ``g``, so both do the same work.
Per row: the median time of each engine, the median and the range of the per-pair ratios
(tracegrad time / torch time: below 1 is faster), and the peak memory each adds during one step (the
resident set's high-water mark over the step, each engine measured in its own process).

Run (from the repository root):
``PYTHONPATH=. .venv/bin/python benchmarks/layers_bench.py [--repeats N] [--dtype float32|float64]``
(``--only TEXT`` runs the rows whose name contains TEXT; ``--no-memory`` skips the memory column)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402

Step = Callable[[], None]


@dataclass(frozen=True)
class Case:
    """One row: ``build(lib, dtype)`` gives (module, input shape, whether the input needs a gradient) with
    ``lib`` = ``nn`` or ``torch.nn``; ``steps`` steps are timed per sample."""

    name: str
    build: Callable[..., tuple[object, tuple[int, ...], bool]]
    steps: int = 10


CASES = [
    Case(
        "Conv2d(3, 16, 3, padding=1), x 64x3x32x32",
        lambda lib, dt: (lib.Conv2d(3, 16, 3, padding=1, dtype=dt), (64, 3, 32, 32), False),
    ),
    Case(
        "  the same, input requires grad",
        lambda lib, dt: (lib.Conv2d(3, 16, 3, padding=1, dtype=dt), (64, 3, 32, 32), True),
    ),
    Case(
        "Conv2d(16, 32, 3, padding=1), x 64x16x16x16",
        lambda lib, dt: (lib.Conv2d(16, 32, 3, padding=1, dtype=dt), (64, 16, 16, 16), True),
    ),
    Case("MaxPool2d(2), x 64x16x32x32", lambda lib, dt: (lib.MaxPool2d(2), (64, 16, 32, 32), True)),
    Case("AvgPool2d(2), x 64x16x32x32", lambda lib, dt: (lib.AvgPool2d(2), (64, 16, 32, 32), True)),
]


def _make(case: Case, engine: str, dtype: str) -> Step:
    """The step of ``case`` in ``engine`` ("tracegrad" or "torch"), from weights and data seeded alike."""
    torch_dtype = getattr(torch, dtype)
    torch.manual_seed(0)
    reference, shape, needs = case.build(torch.nn, torch_dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    if engine == "torch":
        xt = torch.from_numpy(x).requires_grad_(needs)
        with torch.no_grad():
            g = torch.from_numpy(rng.standard_normal(tuple(reference(xt).shape)).astype(dtype))

        def step() -> None:
            reference.zero_grad()
            reference(xt).backward(g)

        return step
    module = case.build(nn, dtype)[0]
    module.load_state_dict(
        {k: autograd.tensor(v.detach().numpy()) for k, v in reference.state_dict().items()}
    )
    xa = autograd.tensor(x, requires_grad=needs)
    with autograd.no_grad():
        g = autograd.tensor(rng.standard_normal(tuple(module(xa).shape)).astype(dtype))

    def ours() -> None:
        module.zero_grad()
        module(xa).backward(g)

    return ours


def _time(step: Step, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


# glibc returns every block of 64 KiB or more to the system when freed (no dynamic threshold, no cache), so
# the resident set follows what is live in both engines (numpy and torch's CPU allocator both use malloc)
_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "65536"}


def _peak_bytes(case_index: int, engine: str, dtype: str) -> int:
    """The resident set's growth over one step (after a warm-up one), measured in a fresh process."""
    command = [sys.executable, os.path.abspath(__file__), "--peak", str(case_index), engine, "--dtype", dtype]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), **_MALLOC}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return int(out.stdout.strip().splitlines()[-1])


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _measure_peak(case_index: int, engine: str, dtype: str) -> int:
    """One step's growth of the resident set: its high-water mark is reset through /proc/self/clear_refs
    after a warm-up step."""
    step = _make(CASES[case_index], engine, dtype)
    step()
    gc.collect()
    base = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM, the peak resident set
    step()
    return (_status_kib("VmHWM") - base) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--only", default="", help="run the rows whose name contains this")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak memory columns")
    parser.add_argument("--peak", nargs=2, metavar=("ROW", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.peak:
        print(_measure_peak(int(args.peak[0]), args.peak[1], args.dtype))
        return
    print(f"forward + backward, {args.dtype}, 1 thread, torch {torch.__version__}, numpy {np.__version__}; "
          f"{args.repeats} interleaved pairs; ratio = tracegrad time / torch time")  # fmt: skip
    print(
        f"{'case':46s} {'tracegrad':>10s} {'torch':>9s} {'ratio':>6s} {'range':>12s}  peak MiB ours / torch"
    )
    for index, case in enumerate(CASES):
        if args.only not in case.name:
            continue
        ours, theirs = _make(case, "tracegrad", args.dtype), _make(case, "torch", args.dtype)
        ours(), theirs()  # warm-up
        times_ours, times_torch, ratios = [], [], []
        for _ in range(args.repeats):
            a, b = _time(ours, case.steps), _time(theirs, case.steps)
            times_ours.append(a)
            times_torch.append(b)
            ratios.append(a / b)
        memory = ""
        if not args.no_memory:
            mine, torch_peak = (_peak_bytes(index, e, args.dtype) / 2**20 for e in ("tracegrad", "torch"))
            memory = f"{mine:9.1f} / {torch_peak:.1f}"
        median = statistics.median
        print(
            f"{case.name:46s} {median(times_ours) * 1e3:8.2f}ms {median(times_torch) * 1e3:7.2f}ms "
            f"{median(ratios):6.2f} {min(ratios):5.2f}-{max(ratios):<5.2f} {memory:>20s}"
        )


if __name__ == "__main__":
    main()
