"""``autograd.compile`` on the next lessons' models against eager tracegrad: one training step each.

The step is the user's code (``zero_grad``, forward, loss, ``backward``, optimizer ``step``, ``loss.item()``)
at the sizes the examples train: the digits CNN of examples/09 (batch 64, Adam), the makemore MLP of
examples/10 (batch 32, two BatchNorm1d, SGD) and the small GPT of examples/11 (32 windows of 32 characters,
2 blocks of 4 heads, 64 features, AdamW). Eager and compiled steps (each on its own copy of the model) run
interleaved, round after round; the table gives the medians of the per-round times and of the per-round
speed-ups (eager / compiled) with their range, the first (tracing) call and the second (build + replay)
against one eager step, and the peak of traced allocations (tracemalloc) of one step.

Run: ``[OPENBLAS_NUM_THREADS=N] PYTHONPATH=. .venv/bin/python benchmarks/compile_lessons_bench.py
[--rounds N] [--firsts N]``
"""

from __future__ import annotations

import os

THREADS = int(os.environ.setdefault("OPENBLAS_NUM_THREADS", "1"))  # must be set before numpy loads

import argparse  # noqa: E402
import copy  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))  # the examples import their neighbour (plots)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from nn import functional as F  # noqa: E402, N812

Step = Callable[[ag.Tensor, ag.Tensor], float]
Setup = tuple[nn.Module, Callable[[Any], Any], Callable[..., ag.Tensor], list[tuple[ag.Tensor, ag.Tensor]]]


def example(stem: str) -> ModuleType:
    """examples/<stem>.py as a module (its name starts with a digit: loaded by path)."""
    spec = importlib.util.spec_from_file_location(f"example_{stem}", ROOT / "examples" / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stepper(model: nn.Module, opt: Any, loss_of: Callable[[nn.Module, Any, Any], ag.Tensor]) -> Step:
    """The user's training step."""

    def step(x: ag.Tensor, y: ag.Tensor) -> float:
        opt.zero_grad()
        loss = loss_of(model, x, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def cnn() -> Setup:
    """examples/09: the digits CNN, batches of 64 images, Adam."""
    lesson = example("09_cnn_digits")
    X, y, _, _ = lesson.data()
    ag.manual_seed(0)
    batches = [(ag.tensor(X[i : i + 64]), ag.tensor(y[i : i + 64])) for i in range(0, 64 * 4, 64)]
    return (
        lesson.build(),
        lambda ps: nn.optim.Adam(ps, lr=1e-2),
        lambda m, x, t: F.cross_entropy(m(x), t),
        batches,
    )


def makemore() -> Setup:
    """examples/10: the makemore MLP (embedding 10, hidden 100, BatchNorm1d), batches of 32, SGD."""
    lesson = example("10_makemore")
    X, Y, chars = lesson.dataset(lesson.NAMES.read_text().split()[:2000])
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(4):
        ix = rng.integers(0, len(X), 32)
        batches.append((ag.tensor(X[ix]), ag.tensor(Y[ix])))
    return (
        lesson.MLP(len(chars)),
        lambda ps: nn.optim.SGD(ps, lr=0.1),
        lambda m, x, t: F.cross_entropy(m(x), t),
        batches,
    )


def gpt() -> Setup:
    """examples/11: the small GPT (block 32, 64 features, 4 heads, 2 layers), 32 windows, AdamW."""
    lesson = example("11_gpt")
    text = lesson.corpus(20_000)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    ag.manual_seed(0)
    windows = lesson.batches(data, 32, 32, seed=0)
    batches = []
    for _ in range(4):
        x, y = next(windows)
        batches.append((ag.tensor(x), ag.tensor(y)))

    def loss_of(m: nn.Module, x: ag.Tensor, t: ag.Tensor) -> ag.Tensor:
        logits = m(x)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), t.view(-1))

    return lesson.GPT(len(chars), block=32), lambda ps: nn.optim.AdamW(ps, lr=3e-3), loss_of, batches


MODELS = {
    "CNN (09, digits, batch 64, Adam)": cnn,
    "makemore MLP (10, batch 32, BatchNorm, SGD)": makemore,
    "GPT (11, 32x32 chars, 2 blocks, AdamW)": gpt,
}


def timed(step: Step, batches: list[tuple[ag.Tensor, ag.Tensor]]) -> float:
    """Seconds per step over one pass through ``batches``."""
    start = time.perf_counter()
    for x, y in batches:
        step(x, y)
    return (time.perf_counter() - start) / len(batches)


def peak(step: Step, x: ag.Tensor, y: ag.Tensor) -> int:
    """The peak of traced allocations (numpy's included) during one step."""
    gc.collect()
    tracemalloc.start()
    step(x, y)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def first_calls(make: Callable[[], Any], firsts: int) -> tuple[float, float, float]:
    """Medians over ``firsts`` fresh models of: the first (tracing) call of a compiled step, its second
    (building the program, then replaying it), and a warm eager step."""
    traces, builds, eagers = [], [], []
    for _ in range(firsts):
        model, make_opt, loss_of, batches = make()
        (x, y), twin = batches[0], copy.deepcopy(model)
        eager = stepper(model, make_opt(model.parameters()), loss_of)
        eager(x, y)
        eagers.append(timed(eager, batches[:1]))
        compiled = ag.compile(stepper(twin, make_opt(twin.parameters()), loss_of))
        traces.append(timed(compiled, batches[:1]))
        builds.append(timed(compiled, batches[:1]))
    return statistics.median(traces), statistics.median(builds), statistics.median(eagers)


def run(rounds: int, firsts: int) -> None:
    print(
        f"numpy {np.__version__}, BLAS threads {THREADS}; {rounds} interleaved rounds of 4 steps per engine"
    )
    for name, make in MODELS.items():
        model, make_opt, loss_of, batches = make()
        twin = copy.deepcopy(model)
        eager = stepper(model, make_opt(model.parameters()), loss_of)
        compiled = ag.compile(stepper(twin, make_opt(twin.parameters()), loss_of), fullgraph=True)
        for x, y in batches[:2]:
            assert eager(x, y) == compiled(x, y)  # the same numbers, the trace and a replay
        times: dict[str, list[float]] = {"eager": [], "compiled": []}
        gc.collect()
        for _ in range(rounds):
            times["eager"].append(timed(eager, batches))
            times["compiled"].append(timed(compiled, batches))
        ratios = [e / c for e, c in zip(times["eager"], times["compiled"], strict=True)]
        e_ms, c_ms = (statistics.median(times[k]) * 1e3 for k in ("eager", "compiled"))
        print(
            f"{name}: eager {e_ms:.3g} ms, compiled {c_ms:.3g} ms per step; speed-up "
            f"{statistics.median(ratios):.2f}x (rounds {min(ratios):.2f}x-{max(ratios):.2f}x)"
        )
        trace, build, one = first_calls(make, firsts)
        x, y = batches[0]
        print(
            f"  first call {trace * 1e3:.3g} ms ({trace / one:.2f}x an eager step), second {build * 1e3:.3g} "
            f"ms ({build / one:.2f}x); peak allocations eager {peak(eager, x, y) / 1024:.0f} KiB, compiled "
            f"{peak(compiled, x, y) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--firsts", type=int, default=3, help="fresh compiles timed for the first call")
    args = parser.parse_args()
    run(args.rounds, args.firsts)
