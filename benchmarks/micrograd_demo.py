"""micrograd 0.1.0 vs tracegrad on micrograd's own demo, side by side in one process.

MLP(2, [16, 16, 1]) on 100 seeded two-moons points, max-margin loss plus L2 written with
Python's ``sum`` as in micrograd's notebook, SGD with its learning-rate schedule. Both engines
start from the same weights; they take turns in rounds of ``--block`` steps each (A A A A B B B B ...),
and the median over rounds of the ratio of their warm steps is reported, with the ratio on each round's
first (cold) step, the largest loss difference, bytes per node and the 10^6-link chain.

Run: ``.venv/bin/python benchmarks/micrograd_demo.py [--steps N] [--block N] [--chain N]``
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc

import micrograd.engine as mg_engine
import micrograd.nn as mg_nn

import nn as tg_nn
from autograd import Value


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[int]]:
    """``nn.data.make_moons`` with micrograd's labels, -1 and +1, as plain Python lists."""
    X, y = tg_nn.data.make_moons(n, noise=noise, seed=seed)
    return X.tolist(), [2 * int(label) - 1 for label in y]


def step(model, value_cls, X, y, k: int):
    """One training step exactly as micrograd's notebook writes it; returns the loss node, which
    the caller keeps until its next step, as the notebook's loop variable does."""
    inputs = [list(map(value_cls, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total


def bytes_per_node(value_cls, links: int = 100_000) -> float:
    """tracemalloc bytes per node of a live ``x = x * 1.0001 + 0.0001`` chain (4 nodes a link), with the
    cyclic collector off so that nothing is freed while it is measured (as in tests/test_engine.py)."""
    gc.collect()
    gc.disable()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x = value_cls(1.0)
    for _ in range(links):
        x = x * 1.0001 + 0.0001
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    gc.enable()
    del x
    return used / (4 * links)


def chain(links: int) -> tuple[float, float]:
    """Build and backward times (s) of tracegrad's ``links``-link chain."""
    t0 = time.perf_counter()
    x0 = Value(1.0)
    x = x0
    for _ in range(links):
        x = x * 1.0001 + 0.0001
    t1 = time.perf_counter()
    x.backward()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--chain", type=int, default=1_000_000)
    parser.add_argument("--block", type=int, default=4, help="steps per engine in a round (>= 2)")
    args = parser.parse_args()
    if args.block < 2 or args.steps < args.block:
        parser.error("--block must be at least 2 and at most --steps (a round needs warm steps to compare)")

    X, y = two_moons()
    random.seed(1337)
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    tg_model = tg_nn.MLP(2, [16, 16, 1])
    for p, q in zip(mg_model.parameters(), tg_model.parameters(), strict=True):
        q.data = float(p.data)

    # Rounds of `block` steps of micrograd, then the same steps of tracegrad (A A A B B B ...): each
    # engine's first step in a round starts with caches full of the other's objects, so the ratio of a
    # round compares the later, warm steps, as a user training one model sees them; the first (cold)
    # steps are reported apart. Before each step gc.collect() runs untimed, so neither engine pays for
    # the other's garbage, while the collections micrograd's own reference cycles trigger are timed; and
    # when the engines change turns, the other engine's last graph is dropped, so that neither engine's
    # collections walk the other's live graph.
    warm, cold, every, diffs, t_mg, t_tg = [], [], [], [], [], []
    alive = {}  # each engine's last loss node, kept until its next step as the notebook's loop keeps it
    for start in range(0, args.steps, args.block):
        steps = range(start, min(start + args.block, args.steps))
        times = {}
        for name, model, value_cls in (("mg", mg_model, mg_engine.Value), ("tg", tg_model, Value)):
            times[name], losses = [], []
            alive.clear()  # a user trains with one engine: the other's last graph is not theirs to carry
            for k in steps:
                gc.collect()
                t0 = time.perf_counter()
                alive[name] = step(model, value_cls, X, y, k)
                times[name].append(time.perf_counter() - t0)
                losses.append(alive[name].data)
            if name == "mg":
                mg_losses = losses
            else:
                diffs += [abs(a - b) for a, b in zip(mg_losses, losses, strict=True)]
        t_mg += times["mg"][1:]
        t_tg += times["tg"][1:]
        every += [a / b for a, b in zip(times["mg"], times["tg"], strict=True)]
        cold.append(times["mg"][0] / times["tg"][0])
        if len(steps) > 1:
            warm.append(statistics.median(times["mg"][1:]) / statistics.median(times["tg"][1:]))
    print(f"micrograd demo, {args.steps} steps in rounds of {args.block} per engine")
    print(f"  micrograd step  median {statistics.median(t_mg) * 1e3:9.1f} ms (warm steps)")
    print(f"  tracegrad step  median {statistics.median(t_tg) * 1e3:9.1f} ms (warm steps)")
    print(f"  speed-up        median {statistics.median(warm):9.1f}x over rounds (min {min(warm):.1f}x)")
    print(f"  speed-up on each round's first, cold step: median {statistics.median(cold):.1f}x")
    print(f"  speed-up step by step, cold steps included: median {statistics.median(every):.1f}x")
    verdict = "agree" if max(diffs) <= 1e-9 else "DISAGREE"
    print(f"  max |loss difference| over the steps: {max(diffs):.2e}: losses {verdict} to 1e-9", end=" ")
    print(f"(final loss {alive['tg'].data:.6f})")
    mg_bytes = bytes_per_node(mg_engine.Value)
    tg_bytes = bytes_per_node(Value)
    print(f"  bytes per node: micrograd {mg_bytes:.0f}, tracegrad {tg_bytes:.0f}", end=" ")
    print(f"({mg_bytes / tg_bytes:.1f}x less)")
    build, back = chain(args.chain)
    print(f"  {args.chain:,}-link chain: build {build:.2f} s, backward {back:.2f} s")


if __name__ == "__main__":
    main()
