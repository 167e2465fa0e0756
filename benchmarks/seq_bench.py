"""tracegrad's sequence layers vs torch eager: forward + backward of

- ``lstm``: a 2-layer LSTM, input 64, hidden 128, batch 32, over 32 steps (loss: sum of the outputs);
- ``transformer``: a 2-layer TransformerEncoder (d_model 128, 4 heads, feed-forward 512, dropout 0, ReLU,
  post-norm) on a batch of 16 sequences of 64 tokens.

Both engines start from the same float32 weights (torch's ``state_dict`` loaded into tracegrad's module)
and run on one thread (BLAS and torch intra-op); runs alternate (A B A B ...) and the median and range of the
per-pair time ratios (tracegrad / torch) are printed, with the largest output difference as a check. Peak
memory: each engine runs 3 steps in a fresh process, which prints its peak resident set during them minus
the resident set before them (Linux: VmHWM, reset through /proc/self/clear_refs).

Run: ``.venv/bin/python benchmarks/seq_bench.py [--repeats N] [--case lstm|transformer|all]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402


def build(case: str):
    """(torch module, tracegrad module with the same weights, input array, description)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    if case == "lstm":
        theirs = torch.nn.LSTM(64, 128, 2)
        ours = nn.LSTM(64, 128, 2)
        x = rng.normal(size=(32, 32, 64)).astype(np.float32)
        text = "2-layer LSTM 64->128, batch 32, 32 steps"
    else:
        layer = torch.nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
        theirs = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        ours = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True), 2
        )
        x = rng.normal(size=(16, 64, 128)).astype(np.float32)
        text = "2-layer TransformerEncoder d_model 128, 4 heads, ff 512, batch 16 x 64 tokens"
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours, x, text


def step(model, x, lib):
    """One forward + backward; returns (seconds, output as an array)."""
    start = time.perf_counter()
    inputs = lib.tensor(x, requires_grad=True)
    out = model(inputs)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()
    seconds = time.perf_counter() - start
    return seconds, out.detach().numpy()


def compare(case: str, repeats: int) -> None:
    theirs, ours, x, text = build(case)
    step(theirs, x, torch), step(ours, x, autograd)  # warm-up both
    ratios, ours_times, torch_times, diff = [], [], [], 0.0
    for _ in range(repeats):
        t_torch, y_torch = step(theirs, x, torch)
        t_ours, y_ours = step(ours, x, autograd)
        ours_times.append(t_ours)
        torch_times.append(t_torch)
        ratios.append(t_ours / t_torch)
        diff = max(diff, float(np.abs(y_ours - y_torch).max()))
    print(f"{text}, float32, forward + backward, 1 thread, {repeats} interleaved pairs:")
    ours_ms, torch_ms = statistics.median(ours_times) * 1e3, statistics.median(torch_times) * 1e3
    print(
        f"  tracegrad {ours_ms:.1f} ms, torch {torch_ms:.1f} ms (medians); tracegrad / torch median "
        f"{statistics.median(ratios):.2f}x, range "
        f"{min(ratios):.2f}-{max(ratios):.2f}x; largest output difference {diff:.1e}"
    )
    peaks = {}
    for engine in ("tracegrad", "torch"):
        result = subprocess.run(
            [sys.executable, __file__, "--peak", engine, "--case", case],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks[engine] = result.stdout.strip()
    print(
        f"  peak memory over the steps (RSS growth, fresh process): tracegrad {peaks['tracegrad']}, "
        f"torch {peaks['torch']}"
    )


def _status(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS: resident now, VmHWM: its peak)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def peak(case: str, engine: str) -> None:
    """3 steps of one engine in this (fresh) process; prints the peak resident set during them minus the
    resident set before (the peak is reset first through /proc/self/clear_refs, so imports don't count)."""
    theirs, ours, x, _ = build(case)
    before = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    for _ in range(3):
        step(ours, x, autograd) if engine == "tracegrad" else step(theirs, x, torch)
    print(f"{(_status('VmHWM') - before) / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--case", choices=("lstm", "transformer", "all"), default="all")
    parser.add_argument("--peak", choices=("tracegrad", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.peak:
        return peak(args.case, args.peak)
    for case in ("lstm", "transformer") if args.case == "all" else (args.case,):
        compare(case, args.repeats)


if __name__ == "__main__":
    main()
