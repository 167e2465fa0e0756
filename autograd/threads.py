"""``set_num_threads``/``get_num_threads``: the threads numpy's BLAS (matmul, linalg) uses in this process,
torch's intra-op setting. Worker processes set 1, as torch's DataLoader workers do, so that N processes on N
cores do not run N BLAS threads each.

numpy's wheels ship OpenBLAS (``scipy_openblas``); it is found among the libraries this process has loaded and
called through ctypes, the runtime call that threadpoolctl makes (``OPENBLAS_NUM_THREADS`` only counts when
set before numpy is imported). With another BLAS (MKL, Accelerate) the setting is remembered, not applied.
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

import numpy as np

_PREFIXES = ("scipy_openblas", "openblas")  # numpy >= 2's wheels, then a system OpenBLAS
_SUFFIXES = ("64_", "")  # the 64-bit-integer interface's symbols, then the plain one
_requested: int | None = None


def _loaded_libraries() -> list[str]:
    """Paths of the shared libraries this process has loaded whose name says OpenBLAS."""
    maps = Path("/proc/self/maps")
    if maps.is_file():
        with maps.open() as lines:
            found = {line.split(maxsplit=5)[-1].strip() for line in lines if "openblas" in line.lower()}
        return sorted(path for path in found if path.startswith("/"))
    here = Path(np.__file__).parent
    folders = (here / ".dylibs", here.parent / "numpy.libs")  # where the macOS and Linux wheels keep it
    return sorted(str(p) for folder in folders for p in folder.glob("*openblas*"))


@functools.cache
def _openblas() -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:  # type: ignore[name-defined]
    """OpenBLAS's ``set_num_threads`` and ``get_num_threads``, or None when numpy uses another BLAS."""
    for path in _loaded_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                    return setter, getter
    return None


def set_num_threads(n: int) -> None:
    """Sets the number of threads numpy's BLAS uses in this process (torch.set_num_threads)."""
    global _requested
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _requested = n
    functions = _openblas()
    if functions is not None:
        functions[0](n)


def get_num_threads() -> int:
    """The number of threads numpy's BLAS uses in this process (torch.get_num_threads)."""
    functions = _openblas()
    if functions is not None:
        return int(functions[1]())
    return _requested or os.cpu_count() or 1


__all__ = ["get_num_threads", "set_num_threads"]
