"""tracegrad's ``nn`` vs torch.nn: 200 full-batch epochs of a 2-16-16-1 ReLU MLP on moons.

Both engines start from the same weights and train with SGD on BCEWithLogits; runs alternate
(A B A B ...) and the median of the per-pair time ratios is printed, with the final losses of both
as a check that they computed the same thing. Both run on one thread (BLAS and torch intra-op).

Run: ``.venv/bin/python benchmarks/nn_bench.py [--repeats N] [--samples N] [--dtype float32|float64]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402

EPOCHS = 200


def _train(model, loss_fn, sgd, inputs, targets):
    """``EPOCHS`` full-batch steps of ``sgd`` (an SGD class) on ``model``; the loop is the same code for
    both engines (same API names). Returns (seconds, final loss)."""
    opt = sgd(model.parameters(), lr=0.1, momentum=0.9)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        opt.step()
    return time.perf_counter() - start, loss.item()


def tracegrad_run(init, X, y, dtype):
    model = nn.build_mlp(2, [16, 16], 1, "relu", dtype=dtype)
    model.load_state_dict(init)
    xs, ys = autograd.tensor(X.astype(dtype)), autograd.tensor(y.astype(dtype))
    return _train(model, nn.BCEWithLogitsLoss(), nn.optim.SGD, xs, ys)


def torch_run(init, X, y, dtype):
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).to(getattr(torch, dtype))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(init[name]))
    xt, yt = torch.from_numpy(X.astype(dtype)), torch.from_numpy(y.astype(dtype))
    return _train(model, torch.nn.BCEWithLogitsLoss(), torch.optim.SGD, xt, yt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, labels = nn.data.make_moons(args.samples, noise=0.1, seed=0)
    y = labels.astype(np.float64).reshape(-1, 1)
    start = nn.build_mlp(2, [16, 16], 1, generator=np.random.default_rng(0))
    init = {k: v.numpy().astype(args.dtype) for k, v in start.state_dict().items()}
    tracegrad_run(init, X, y, args.dtype)  # warm-up both
    torch_run(init, X, y, args.dtype)
    ratios, ours, theirs = [], [], []
    for _ in range(args.repeats):
        (t_ours, loss_ours), (t_torch, loss_torch) = (
            tracegrad_run(init, X, y, args.dtype),
            torch_run(init, X, y, args.dtype),
        )
        ours.append(t_ours)
        theirs.append(t_torch)
        ratios.append(t_torch / t_ours)
    print(
        f"2-16-16-1 ReLU MLP, moons n={args.samples}, {EPOCHS} full-batch epochs, SGD(momentum 0.9), "
        f"{args.dtype}, 1 thread, torch {torch.__version__}, numpy {np.__version__}"
    )
    print(f"tracegrad: median {statistics.median(ours) * 1e3:8.1f} ms   final loss {loss_ours:.6f}")
    print(f"torch:     median {statistics.median(theirs) * 1e3:8.1f} ms   final loss {loss_torch:.6f}")
    print(
        f"speed-up (torch time / tracegrad time), median of {args.repeats} interleaved pairs: "
        f"{statistics.median(ratios):.2f}x"
    )


if __name__ == "__main__":
    main()
