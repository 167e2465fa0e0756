"""``autograd.compile`` against eager tracegrad, jax.jit and the hand-written numpy floor (tensor_bench's).

Users' code, float32, one BLAS thread: an ``nn.Sequential`` MLP, ``nn.optim.SGD``, ``zero_grad``/``backward``/
``step`` inside the step function, ``loss.item()`` returned. Engines run interleaved (floor, eager, compiled,
jax, floor, ...); the table gives the median of per-round ratios to the floor (tensor_bench's ``compare``),
with the range of those ratios for the compiled step. Also: the first (tracing) call against one eager step,
and the peak of numpy allocations in one step (tracemalloc) eager against compiled.

- T1: MLP 2-16-16-1 on 100 two-moons points, hinge loss, one SGD step.
- T2: MLP 784-256-128-10, batch 128, softmax cross-entropy, one SGD step.
- T3: 1,000 alternating elementwise ops (``x * 1.001``, ``x + 0.001``) on 4 elements, then backward.

Run: ``[OPENBLAS_NUM_THREADS=N] .venv/bin/python benchmarks/compile_bench.py [--rounds N]``
"""

from __future__ import annotations

import os

THREADS = int(os.environ.setdefault("OPENBLAS_NUM_THREADS", "1"))  # must be set before numpy loads
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensor_bench as tb  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402

T1 = "T1 MLP 2-16-16-1, 100 points, hinge, SGD step"
T2 = "T2 MLP 784-256-128-10, batch 128, CE, SGD step"
T3 = "T3 1,000 elementwise ops on 4 elements + backward"


def model_of(sizes: list[int]) -> nn.Sequential:
    """The floor's MLP (tensor_bench.weights) as an ``nn.Sequential`` of ``Linear`` and ``ReLU``."""
    w = tb.weights(sizes)
    layers: list[nn.Module] = []
    for i in range(0, len(w), 2):
        linear = nn.Linear(*w[i].shape)
        linear.weight.numpy()[...] = w[i].T
        linear.bias.numpy()[...] = w[i + 1]
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def train_step(sizes: list[int], X: np.ndarray, target: np.ndarray, loss: str) -> Callable[[], float]:
    """One user-written step: zero_grad, forward, loss, backward, SGD step; the loss as a float."""
    model = model_of(sizes)
    opt = nn.optim.SGD(model.parameters(), lr=tb.LR)
    loss_fn = nn.HingeLoss() if loss == "hinge" else nn.CrossEntropyLoss()
    inputs, labels = ag.tensor(X), ag.tensor(target)

    def step() -> float:
        opt.zero_grad()
        value = loss_fn(model(inputs), labels)
        value.backward()
        opt.step()
        return value.item()

    return step


def chain_step(x0: np.ndarray, n: int) -> Callable[[ag.Tensor], Any]:
    def chain(x: ag.Tensor) -> Any:
        x.grad = None
        y = x
        for _ in range(n // 2):
            y = y * 1.001
            y = y + 0.001
        y.sum().backward()
        return x.grad

    return chain


def jax_steps(X1: Any, y1: Any, X2: Any, y2: Any, x0: np.ndarray) -> dict[str, Callable[[], Any]] | None:
    """The same three workloads as jax.jit functions (None when jax is not installed)."""
    if importlib.util.find_spec("jax") is None:
        return None
    import jax
    import jax.numpy as jnp

    def mlp_loss(params: list[Any], X: Any, target: Any, hinge: bool) -> Any:
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = jnp.maximum(h, 0)
        if hinge:
            return jnp.maximum(1 - target * h, 0).mean()
        logp = jax.nn.log_softmax(h, axis=1)
        return -jnp.take_along_axis(logp, target[:, None], axis=1).mean()

    def make(sizes: list[int], X: Any, target: Any, hinge: bool) -> Callable[[], Any]:
        params = [jnp.asarray(p) for p in tb.weights(sizes)]
        Xj, tj = jnp.asarray(X), jnp.asarray(target)

        @jax.jit
        def update(params: list[Any]) -> tuple[list[Any], Any]:
            value, grads = jax.value_and_grad(mlp_loss)(params, Xj, tj, hinge)
            return [p - tb.LR * g for p, g in zip(params, grads, strict=True)], value

        state = [params]

        def step() -> float:
            state[0], value = update(state[0])
            return float(value)

        return step

    @jax.jit
    def chain(x: Any) -> Any:
        def f(x: Any) -> Any:
            for _ in range(500):
                x = x * 1.001
                x = x + 0.001
            return x.sum()

        return jax.grad(f)(x)

    xj = jnp.asarray(x0)
    return {
        T1: make([2, 16, 16, 1], X1, y1, True),
        T2: make([784, 256, 128, 10], X2, y2, False),
        T3: lambda: chain(xj).block_until_ready(),
    }


def first_call(
    make: Callable[[], Callable[..., Any]], args: tuple[Any, ...], rounds: int
) -> tuple[float, float, float]:
    """Medians of: the first (tracing) call of a fresh compiled step, its second call (which builds the
    program, then replays it), and an eager step."""
    traces, builds, eagers = [], [], []
    for _ in range(rounds):
        eager = make()
        eager(*args)
        start = time.perf_counter()
        eager(*args)
        eagers.append(time.perf_counter() - start)
        compiled = ag.compile(make())
        start = time.perf_counter()
        compiled(*args)
        traces.append(time.perf_counter() - start)
        start = time.perf_counter()
        compiled(*args)
        builds.append(time.perf_counter() - start)
    return statistics.median(traces), statistics.median(builds), statistics.median(eagers)


def _first(name: str, trace: float, build: float, eager: float) -> None:
    print(
        f"  {name}: eager step {eager * 1e3:.3g} ms; first call {trace * 1e3:.3g} ms ({trace / eager:.2f}x), "
        f"second {build * 1e3:.3g} ms ({build / eager:.2f}x)"
    )


def peak(step: Callable[[], Any]) -> int:
    """The peak of traced allocations (numpy's included) during one call of ``step``."""
    gc.collect()
    tracemalloc.start()
    step()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def run(rounds: int) -> None:
    X1, y1 = tb.two_moons()
    X2, y2 = tb.mnist_like()
    x0 = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    jax = jax_steps(X1, y1, X2, y2, x0)
    loaded: dict[str, dict[str, Callable[[], Any]]] = {}
    for name, sizes, X, y, loss in (
        (T1, [2, 16, 16, 1], X1, y1, "hinge"),
        (T2, [784, 256, 128, 10], X2, y2, "ce"),
    ):
        floor_params = [p.copy() for p in tb.weights(sizes)]
        compiled = ag.compile(train_step(sizes, X, y, loss))
        loaded[name] = {
            "numpy": lambda p=floor_params, X=X, y=y, loss=loss: tb.np_mlp_step(p, X, y, loss),
            "eager": train_step(sizes, X, y, loss),
            "compiled": compiled,
        }
    x = ag.tensor(x0, requires_grad=True)
    chain = ag.compile(chain_step(x0, 1000))
    eager_chain = chain_step(x0, 1000)
    loaded[T3] = {
        "numpy": lambda: tb.np_chain(x0, 1000),
        "eager": lambda: eager_chain(x),
        "compiled": lambda: chain(x),
    }
    if jax is not None:
        for name, step in jax.items():
            loaded[name]["jax.jit"] = step
    print(
        f"numpy {np.__version__}, BLAS threads {THREADS}, jax {'not installed' if jax is None else 'CPU'}; "
        f"medians over {rounds} rounds of per-round ratios to the numpy floor, engines interleaved"
    )
    gc.collect()
    gc.freeze()
    for name, engines in loaded.items():
        ratios = _compare(name, engines, rounds)
        low, high = min(ratios["compiled"]), max(ratios["compiled"])
        print(f"  compiled per round: {low:.2f}x-{high:.2f}x")
    print("First call (the trace) and second (build + replay) against one eager step, 5 fresh compiles:")
    for name, sizes, X, y, loss in (
        (T1, [2, 16, 16, 1], X1, y1, "hinge"),
        (T2, [784, 256, 128, 10], X2, y2, "ce"),
    ):
        _first(name[:2], *first_call(lambda s=sizes, X=X, y=y, loss=loss: train_step(s, X, y, loss), (), 5))
    _first("T3", *first_call(lambda: chain_step(x0, 1000), (x,), 5))
    print("Peak numpy+Python allocations of one step (tracemalloc), eager against compiled (warm):")
    for name in (T1, T2):
        engines = loaded[name]
        eager_peak, compiled_peak = peak(engines["eager"]), peak(engines["compiled"])
        print(f"  {name[:2]}: eager {eager_peak / 1024:.0f} KiB, compiled {compiled_peak / 1024:.0f} KiB")


def _compare(name: str, engines: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """tensor_bench.compare's interleaved rounds, also giving each round's ratios."""
    floor_time = tb.timed(engines["numpy"], 1)
    repeat = max(1, int(0.02 / max(floor_time, 1e-6)))
    for f in engines.values():
        f()
    samples: dict[str, list[float]] = {k: [] for k in engines}
    for _ in range(rounds):
        for key, f in engines.items():
            samples[key].append(tb.timed(f, repeat))
    floor = statistics.median(samples["numpy"])
    ratios = {k: [a / b for a, b in zip(v, samples["numpy"], strict=True)] for k, v in samples.items()}
    unit, scale = ("us per op", 1e6 / 1000) if name.startswith("T3") else ("ms", 1e3)
    shown = ", ".join(f"{k} {statistics.median(r):.2f}x" for k, r in ratios.items() if k != "numpy")
    print(f"{name}: floor {floor * scale:.3g} {unit}; {shown}")
    return ratios


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    run(parser.parse_args().rounds)
