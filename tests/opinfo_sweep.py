"""torch's OpInfo sample inputs as a parity sweep: every float64 CPU sample of every op whose name is in the
vocabulary note runs in torch and in tracegrad, and values, dtypes, shapes and gradients (for a random
upstream gradient) are compared. Run as a script to measure agreement per op:

    PYTHONPATH=. python tests/opinfo_sweep.py [op ...]
"""

from __future__ import annotations

import sys
import types
import unittest
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

import autograd

NOTE = Path(__file__).resolve().parent.parent / "docs" / "torch-vocabulary.md"


def op_db() -> list[Any]:
    """torch's OpInfo list; its test helpers import ``expecttest``, which only their TestCase needs."""
    if "expecttest" not in sys.modules:
        try:
            import expecttest  # noqa: F401
        except ImportError:
            stub = types.ModuleType("expecttest")
            stub.TestCase = unittest.TestCase  # type: ignore[attr-defined]
            sys.modules["expecttest"] = stub
    from torch.testing._internal.common_methods_invocations import op_db as db

    return list(db)


def vocabulary() -> set[str]:
    """The Tensor-section names of the vocabulary note."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_vocabulary import TENSOR

    return set(TENSOR)


# draws from a generator (torch's and ours differ) or uninitialised memory: only shapes and dtypes compare
RANDOM = {
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "randint",
    "randint_like",
    "randperm",
    "multinomial",
    "normal",
    "bernoulli",
    "empty",
    "empty_like",
    "new_empty",
    "uniform_",
    "normal_",
    "random_",
    "exponential_",
    "geometric_",
    "cauchy_",
    "log_normal_",
    "bernoulli_",
}


def _ours(x: Any) -> Any:
    """A torch argument as tracegrad's: tensors through numpy, dtypes by name, devices as "cpu"."""
    if isinstance(x, torch.Tensor):
        return autograd.tensor(x.detach().numpy().copy(), requires_grad=x.requires_grad)
    if isinstance(x, torch.dtype):
        return np.dtype(str(x).removeprefix("torch."))
    if isinstance(x, torch.device):
        return "cpu"
    if isinstance(x, torch.Size):
        return tuple(x)
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_ours(v) for v in x)
    if isinstance(x, dict):
        return {k: _ours(v) for k, v in x.items()}
    return x


def _leaves(x: Any) -> list[Any]:
    """The tensors inside a (nested) argument or result, in order."""
    if isinstance(x, (torch.Tensor, autograd.Tensor)):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _leaves(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _leaves(v)]
    return []


def _call(lib: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``lib.name(*args)`` where torch has the function, else the method on the first argument."""
    if hasattr(torch, name):
        return getattr(lib, name)(*args, **kwargs)
    return getattr(args[0], name)(*args[1:], **kwargs)


def _array(t: Any) -> np.ndarray:
    """A result of either library as numpy."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.numpy() if isinstance(t, autograd.Tensor) else t)


def _compare(ours: Any, theirs: Any, values: bool = True) -> str | None:
    """What differs between two results (structure, shape, dtype, values), or None."""
    if isinstance(theirs, (torch.Tensor, autograd.Tensor)) or isinstance(
        ours, (torch.Tensor, autograd.Tensor)
    ):
        if not isinstance(ours, autograd.Tensor) or not isinstance(theirs, torch.Tensor):
            return f"type {type(ours).__name__} vs {type(theirs).__name__}"
        if tuple(ours.shape) != tuple(theirs.shape):
            return f"shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        if str(ours.dtype) != str(theirs.dtype).removeprefix("torch."):
            return f"dtype {ours.dtype} vs {theirs.dtype}"
        a, b = _array(ours), _array(theirs)
        if values and not np.allclose(a, b, rtol=1e-7, atol=1e-10, equal_nan=True):
            return "values"
        return None
    if isinstance(theirs, (list, tuple)):
        if not isinstance(ours, (list, tuple)) or len(ours) != len(theirs):
            return f"structure {type(ours).__name__} vs {type(theirs).__name__}"
        for o, t in zip(ours, theirs, strict=True):
            if (why := _compare(o, t, values)) is not None:
                return why
        return None
    if not np.allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), equal_nan=True):
        return "values"
    return None


def check_sample(name: str, sample: Any, seed: int = 0) -> str | None:
    """Runs one OpInfo sample both ways: None when everything agrees, else what differs."""
    args = (sample.input, *sample.args)
    try:
        theirs = _call(torch, name, args, sample.kwargs)
    except Exception:  # torch refuses its own sample (rare): nothing to compare
        return None
    ours_args, ours_kwargs = _ours(args), _ours(sample.kwargs)
    try:
        ours = _call(autograd, name, ours_args, ours_kwargs)
    except Exception as e:
        return f"refused: {type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
    if (why := _compare(ours, theirs, name not in RANDOM)) is not None:
        return why
    if name in RANDOM:
        return None
    return _compare_grads(args, ours_args, ours, theirs, seed)


def _compare_grads(args: Any, ours_args: Any, ours: Any, theirs: Any, seed: int) -> str | None:
    """Gradients of both results for the same random upstream gradient, w.r.t. every input needing one."""
    outs = [(o, t) for o, t in zip(_leaves(ours), _leaves(theirs), strict=True) if t.requires_grad]
    pairs = [(o, t) for o, t in zip(_leaves(ours_args), _leaves(args), strict=True) if t.requires_grad]
    if not outs or not pairs:
        return None
    rng = np.random.default_rng(seed)
    ups = [rng.standard_normal(t.shape) for _, t in outs]
    grads = torch.autograd.grad(
        [t for _, t in outs], [t for _, t in pairs], [torch.from_numpy(u) for u in ups], allow_unused=True
    )
    try:
        mine = autograd.grad(
            [o for o, _ in outs], [o for o, _ in pairs], [autograd.tensor(u) for u in ups], allow_unused=True
        )
    except Exception as e:
        return f"grad refused: {type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
    for m, g in zip(mine, grads, strict=True):
        if g is None:
            g = torch.zeros(())
        m = np.zeros(()) if m is None else _array(m)
        if not np.allclose(m, g.numpy(), rtol=1e-7, atol=1e-10, equal_nan=True):
            return "grad values"
    return None


def samples(ops: set[str] | None = None) -> Iterator[tuple[str, int, Any]]:
    """``(op name, index, sample)`` for every float64 CPU sample of the vocabulary's OpInfos."""
    names = vocabulary()
    for info in op_db():
        if info.name not in names or (ops is not None and info.name not in ops):
            continue
        if torch.float64 not in info.dtypes:
            continue
        label = f"{info.name}.{info.variant_test_name}" if info.variant_test_name else info.name
        for index, sample in enumerate(
            info.sample_inputs("cpu", torch.float64, requires_grad=info.supports_autograd)
        ):
            yield info.name, label, index, sample


def main(argv: list[str]) -> None:
    """Prints agreement per op and the most common reasons for disagreement."""
    total, agree, reasons = Counter(), Counter(), Counter()
    for name, label, _, sample in samples(set(argv) or None):
        why = check_sample(name, sample)
        total[label] += 1
        if why is None:
            agree[label] += 1
        else:
            reasons[(label, why)] += 1
    for label in sorted(total):
        print(f"{label:40s} {agree[label]:4d}/{total[label]:4d}")
    print(f"TOTAL {sum(agree.values())}/{sum(total.values())} in {len(total)} ops")
    for (label, why), n in reasons.most_common(80):
        print(f"{n:4d} {label}: {why}")


if __name__ == "__main__":
    main(sys.argv[1:])
