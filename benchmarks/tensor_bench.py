"""tracegrad's Tensor against torch (CPU, same thread count), tinygrad (CPU, jitted steps) and a hand-written
numpy forward+backward.

The numpy version is the floor no numpy-based engine can beat. All float32 and seeded. Each workload runs
its engines interleaved (floor, tracegrad, torch, floor, ...) and prints the median of the per-round ratios
to the floor. Peak RSS of T2 is measured per engine in a fresh subprocess (``ru_maxrss``).

- T1: MLP 2-16-16-1 on 100 two-moons points, hinge loss, one SGD step.
- T2: MLP 784-256-128-10, batch 128, softmax cross-entropy, one SGD step.
- T3: 1,000 alternating elementwise ops (``x * 1.001``, ``x + 0.001``) on 4 elements, then backward.
- T4: forward and backward of ``(A @ B).sum()`` for 1024 x 1024.

GC: after imports and setup the script calls ``gc.freeze()``. Without it every full collection rescans the
~170k objects torch's import creates, which taxes whichever engine allocates the most Python objects (here:
tracegrad on T3, about 2x) for a library a tracegrad user need not have loaded.

tinygrad runs each step as a ``TinyJit`` function (its recommended form: kernels compiled once, replayed),
on its CPU device, which compiles with clang (Debian's ``clang``; where it cannot run, the output says why),
in a process of its own against the floor: loaded beside the others it made the floor itself slower. T3 has
no tinygrad line: a jitted chain of 1,000 ops is fused into one kernel, so it has no per-op cost.

Threads: numpy's BLAS and torch both use ``OPENBLAS_NUM_THREADS`` threads (default 1: on a small shared
machine more threads mostly measure the neighbours; tinygrad's CPU device runs one thread). Run:
``[OPENBLAS_NUM_THREADS=N] .venv/bin/python benchmarks/tensor_bench.py [--rounds N]``
"""

from __future__ import annotations

import os

THREADS = int(os.environ.setdefault("OPENBLAS_NUM_THREADS", "1"))  # must be set before numpy loads
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("MKL_NUM_THREADS", str(THREADS))

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402

LR = 0.01
F32 = np.float32


# ----- data and weights, shared by all engines ---------------------------------------------------
def two_moons(n: int = 100, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.linspace(0, np.pi, half)
    X = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])
    X = X + rng.normal(scale=0.1, size=X.shape)
    y = np.concatenate([-np.ones(half), np.ones(n - half)])
    return X.astype(F32), y.astype(F32).reshape(-1, 1)


def weights(sizes: list[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / np.sqrt(n_in)
        out += [
            rng.uniform(-bound, bound, (n_in, n_out)).astype(F32),
            rng.uniform(-bound, bound, n_out).astype(F32),
        ]
    return out


def mnist_like(seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((128, 784), dtype=F32), rng.integers(0, 10, 128)


# ----- the numpy floor ------------------------------------------------------------------------
def np_mlp_step(params: list[np.ndarray], X: np.ndarray, target: np.ndarray, loss: str) -> float:
    """Forward, backward and SGD step of a ReLU MLP by hand."""
    acts, pre = [X], []
    for i in range(0, len(params), 2):
        z = acts[-1] @ params[i] + params[i + 1]
        pre.append(z)
        acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
    out = acts[-1]
    if loss == "hinge":
        margin = 1 - target * out
        value = np.maximum(margin, 0).mean()
        g = np.where(margin > 0, -target, 0).astype(F32) / out.size
    else:
        shifted = out - out.max(1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(1, keepdims=True)
        rows = np.arange(len(target))
        value = -(shifted[rows, target] - np.log(s[:, 0])).mean()
        g = e / s
        g[rows, target] -= 1
        g /= len(target)
    for i in range(len(params) - 2, -1, -2):
        gw, gb = acts[i // 2].T @ g, g.sum(0)
        if i:
            g = (g @ params[i].T) * (pre[i // 2 - 1] > 0)
        params[i] -= LR * gw
        params[i + 1] -= LR * gb
    return float(value)


def np_chain(x0: np.ndarray, n: int) -> np.ndarray:
    x = x0
    for _ in range(n // 2):
        x = x * 1.001
        x = x + 0.001
    g = np.ones_like(x)
    for _ in range(n // 2):
        g = g * 1.001
    return g


def np_matmul(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    C = A @ B
    C.sum()
    g = np.ones_like(C)
    return g @ B.T, A.T @ g


# ----- tracegrad and torch, written the same way ------------------------------------------------
def mlp_step(lib: object, params: list[object], X: object, target: object, rows: object, loss: str) -> float:
    """One step on tracegrad or torch (same API): forward, loss, backward, SGD under no_grad."""
    h = X
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    if loss == "hinge":
        value = (1 - target * h).relu().mean()
    else:
        value = -h.log_softmax(1)[rows, target].mean()
    value.backward()
    with lib.no_grad():
        for p in params:
            p -= LR * p.grad
            p.grad = None
    return value.item()


def tinygrad_step(sizes: list[int], X: np.ndarray, target: np.ndarray, loss: str) -> Callable[[], object]:
    """One jitted tinygrad step of the same MLP (same weights and data): forward, loss, gradients, SGD."""
    from tinygrad import Tensor, TinyJit

    params = [Tensor(p).realize() for p in weights(sizes)]
    inputs, labels = Tensor(X).realize(), Tensor(target).realize()

    @TinyJit
    def step() -> object:
        h = inputs
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        hinge = loss == "hinge"
        value = (1 - labels * h).relu().mean() if hinge else h.sparse_categorical_crossentropy(labels)
        for p, g in zip(params, value.gradient(*params), strict=True):
            p.assign(p - LR * g)
        Tensor.realize(value, *params)
        return value

    return _warm(lambda: step().item())


def _warm(step: Callable[[], object]) -> Callable[[], object]:
    """``step`` after the calls a TinyJit needs to capture its kernels (the first two)."""
    for _ in range(3):
        step()
    return step


def tinygrad_matmul(A: np.ndarray, B: np.ndarray) -> Callable[[], object]:
    """``(A @ B).sum()`` and its gradients for A and B, jitted in tinygrad."""
    from tinygrad import Tensor, TinyJit

    a, b = Tensor(A).realize(), Tensor(B).realize()

    @TinyJit
    def step() -> object:
        ga, gb = (a @ b).sum().gradient(a, b)
        return Tensor.realize(ga, gb)

    return _warm(step)


def tinygrad_status() -> str | None:
    """None when tinygrad can run a kernel here, else why not (its CPU device compiles with clang)."""
    os.environ.setdefault("DEV", "CPU")
    try:
        from tinygrad import Tensor

        (Tensor([1.0, 2.0]) * 2).sum().item()
    except Exception as error:  # any failure to import, find a device or compile means: no column
        return f"{type(error).__name__}: {str(error).splitlines()[0][:100] if str(error) else ''}"
    return None


def chain(lib: object, x0: np.ndarray, n: int) -> object:
    x = lib.tensor(x0, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * 1.001
        y = y + 0.001
    y.sum().backward()
    return x.grad


def matmul(lib: object, A: object, B: object) -> None:
    (A @ B).sum().backward()
    A.grad = B.grad = None


# ----- the workloads --------------------------------------------------------------------------
def workloads() -> dict[str, dict[str, Callable[[], object]]]:
    """Each workload's engines by name: the floor, tracegrad and torch."""
    import torch

    torch.set_num_threads(THREADS)
    out: dict[str, dict[str, Callable[[], object]]] = {}

    def engines(
        sizes: list[int], X: np.ndarray, target: np.ndarray, loss: str
    ) -> dict[str, Callable[[], object]]:
        w = weights(sizes)
        np_params = [p.copy() for p in w]
        ag_params = [ag.tensor(p, requires_grad=True) for p in w]
        th_params = [torch.tensor(p, requires_grad=True) for p in w]
        rows = np.arange(len(X))
        ag_data = ag.tensor(X), ag.tensor(target), ag.tensor(rows)
        th_data = torch.tensor(X), torch.tensor(target), torch.tensor(rows)
        return {
            "numpy": lambda: np_mlp_step(np_params, X, target, loss),
            "tracegrad": lambda: mlp_step(ag, ag_params, *ag_data, loss),
            "torch": lambda: mlp_step(torch, th_params, *th_data, loss),
        }

    X1, y1 = two_moons()
    out["T1 MLP 2-16-16-1, 100 points, hinge, SGD step"] = engines([2, 16, 16, 1], X1, y1, "hinge")
    X2, y2 = mnist_like()
    out["T2 MLP 784-256-128-10, batch 128, CE, SGD step"] = engines([784, 256, 128, 10], X2, y2, "ce")
    x0 = np.array([1.0, 2.0, 3.0, 4.0], F32)
    out["T3 1,000 elementwise ops on 4 elements + backward"] = {
        "numpy": lambda: np_chain(x0, 1000),
        "tracegrad": lambda: chain(ag, x0, 1000),
        "torch": lambda: chain(torch, x0, 1000),
    }
    rng = np.random.default_rng(3)
    A, B = rng.random((1024, 1024), dtype=F32), rng.random((1024, 1024), dtype=F32)
    At, Bt = ag.tensor(A, requires_grad=True), ag.tensor(B, requires_grad=True)
    Ath, Bth = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    out["T4 (A @ B).sum() fwd+bwd, 1024 x 1024"] = {
        "numpy": lambda: np_matmul(A, B),
        "tracegrad": lambda: matmul(ag, At, Bt),
        "torch": lambda: matmul(torch, Ath, Bth),
    }
    return out


def timed(f: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        f()
    return (time.perf_counter() - start) / repeat


def run(rounds: int) -> None:
    """Prints the RSS of each engine, then the timings of T1-T4, then tinygrad's from a process of its own."""
    print("T2 peak RSS (5 steps in a fresh process per engine, ru_maxrss):")
    tinygrad = importlib.util.find_spec("tinygrad") is not None
    for engine in ("numpy", "tracegrad", "torch", *(("tinygrad",) if tinygrad else ())):
        # before this process loads torch: a child reports at least its parent's RSS at the start
        result = subprocess.run([sys.executable, __file__, "--rss", engine], capture_output=True, text=True)
        print(f"  {engine}: {result.stdout.strip() if result.returncode == 0 else 'not run (see below)'}")
    print(
        f"numpy {np.__version__}, BLAS threads {THREADS}, torch.set_num_threads({THREADS}); "
        f"medians over {rounds} rounds of per-round ratios to the numpy floor"
    )
    loaded = workloads()
    gc.collect()
    gc.freeze()  # the libraries' own objects (torch: about 170k) are not rescanned by every collection
    print(f"gc.freeze() after imports and setup: {gc.get_freeze_count()} objects no collection rescans")
    compare(loaded, rounds)
    if not tinygrad:
        print("tinygrad: not installed")
        return
    result = subprocess.run(
        [sys.executable, __file__, "--tinygrad", "--rounds", str(rounds)], capture_output=True, text=True
    )
    print(result.stdout.strip() or f"tinygrad: failed ({result.stderr.strip().splitlines()[-1:]})")


def run_tinygrad(rounds: int) -> None:
    """T1, T2 and T4 for tinygrad against the floor, in a process of its own: once tinygrad has run, the
    floor itself runs slower in its process (up to 1.5x here), so the floor is also timed before tinygrad
    is loaded, and tinygrad's step is given against both."""
    X1, y1 = two_moons()
    X2, y2 = mnist_like()
    rng = np.random.default_rng(3)
    A, B = rng.random((1024, 1024), dtype=F32), rng.random((1024, 1024), dtype=F32)
    np1, np2 = [p.copy() for p in weights([2, 16, 16, 1])], [p.copy() for p in weights([784, 256, 128, 10])]
    T1, T2, T4 = (
        "T1 MLP 2-16-16-1, 100 points, hinge, SGD step",
        "T2 MLP 784-256-128-10, batch 128, CE, SGD step",
        "T4 (A @ B).sum() fwd+bwd, 1024 x 1024",
    )
    floors: dict[str, Callable[[], object]] = {
        T1: lambda: np_mlp_step(np1, X1, y1, "hinge"),
        T2: lambda: np_mlp_step(np2, X2, y2, "ce"),
        T4: lambda: np_matmul(A, B),
    }
    clean = {}  # the floor's times before tinygrad is loaded
    for name, floor in floors.items():
        clean[name] = compare({name: {"numpy": floor}}, rounds, show=False)["numpy"]
    unavailable = tinygrad_status()
    if unavailable is not None:
        print(f"tinygrad: not run here ({unavailable})")
        return
    steps = {
        T1: tinygrad_step([2, 16, 16, 1], X1, y1, "hinge"),
        T2: tinygrad_step([784, 256, 128, 10], X2, y2, "ce"),
        T4: tinygrad_matmul(A, B),
    }
    gc.collect()
    gc.freeze()
    print("tinygrad (DEV=CPU, jitted steps), in a process of its own; the floor interleaved with it, and")
    print("its step against the floor timed before tinygrad was loaded:")
    for name, floor in floors.items():
        ratio = compare({name: {"numpy": floor, "tinygrad": steps[name]}}, rounds)["tinygrad"] / clean[name]
        print(f"  against the floor timed before tinygrad: {clean[name] * 1e3:.3g} ms; tinygrad {ratio:.2f}x")


def compare(
    loaded: dict[str, dict[str, Callable[[], object]]], rounds: int, show: bool = True
) -> dict[str, float]:
    """Times each workload's engines in interleaved rounds; prints the medians of their ratios to the floor
    (``numpy``) when ``show``; returns the last workload's median time per engine."""
    medians: dict[str, float] = {}
    for name, engines in loaded.items():
        floor_time = timed(engines["numpy"], 1)
        repeat = max(1, int(0.02 / max(floor_time, 1e-6)))
        for f in engines.values():  # warm up
            f()
        samples: dict[str, list[float]] = {k: [] for k in engines}
        for _ in range(rounds):
            for key, f in engines.items():
                samples[key].append(timed(f, repeat))
        floor = statistics.median(samples["numpy"])
        medians = {k: statistics.median(v) for k, v in samples.items()}
        if not show:
            continue
        ratios = {
            k: statistics.median([a / b for a, b in zip(v, samples["numpy"], strict=True)])
            for k, v in samples.items()
            if k != "numpy"
        }
        unit = "us per op" if name.startswith("T3") else "ms"
        scale = 1e6 / 1000 if name.startswith("T3") else 1e3
        print(
            f"{name}: floor {floor * scale:.3g} {unit}; "
            + ", ".join(f"{k} {r:.2f}x" for k, r in ratios.items())
        )
    return medians


def rss(engine: str) -> None:
    """Runs 5 T2 steps on one engine in this (fresh) process and prints the peak resident memory."""
    X, y = mnist_like()
    w = weights([784, 256, 128, 10])
    rows = np.arange(len(X))
    if engine == "numpy":
        step = lambda: np_mlp_step(w, X, y, "ce")  # noqa: E731
    elif engine == "tracegrad":
        params = [ag.tensor(p, requires_grad=True) for p in w]
        step = lambda: mlp_step(ag, params, ag.tensor(X), ag.tensor(y), ag.tensor(rows), "ce")  # noqa: E731
    elif engine == "tinygrad":
        os.environ.setdefault("DEV", "CPU")
        step = tinygrad_step([784, 256, 128, 10], X, y, "ce")
    else:
        import torch

        torch.set_num_threads(THREADS)
        params = [torch.tensor(p, requires_grad=True) for p in w]
        step = lambda: mlp_step(torch, params, torch.tensor(X), torch.tensor(y), torch.tensor(rows), "ce")  # noqa: E731
    for _ in range(5):
        step()
    print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rss", choices=["numpy", "tracegrad", "torch", "tinygrad"])
    parser.add_argument("--tinygrad", action="store_true", help="tinygrad and the floor only")
    args = parser.parse_args()
    if args.rss:
        rss(args.rss)
    elif args.tinygrad:
        run_tinygrad(args.rounds)
    else:
        run(args.rounds)
