"""``save`` / ``load``: a model's parameters to and from a ``.npz`` file, safely.

Files are read with ``allow_pickle=False`` and checked completely before anything is assigned: object
arrays, missing or unexpected names, wrong shapes or non-numeric dtypes raise a ``ValueError`` that names
the problem, and the model keeps its weights.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .module import Module

PathLike = str | os.PathLike[str]


def save(model: Module, path: PathLike) -> Path:
    """Writes ``model.state_dict()`` to ``path`` (``.npz`` appended if missing); returns the path written."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **{name: np.asarray(value) for name, value in model.state_dict().items()})
    return path


def _read(path: PathLike) -> dict[str, np.ndarray]:
    """Every array of the archive at ``path``, refusing anything but a zip of plain numeric .npy arrays."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as error:
        raise ValueError(f"load: cannot read {path} ({error})") from error
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError(f"load: {path} is a single .npy array, not a .npz archive of parameters")
    if not magic.startswith(b"PK\x03\x04"):
        raise ValueError(f"load: {path} is not a readable .npz file (no zip header)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for name in archive.files:
                try:
                    arrays[name] = archive[name]
                except ValueError as error:
                    raise ValueError(f"load: {name!r} in {path} holds object arrays (pickled data); "
                                     "refused") from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"load: {path} is not a readable .npz file ({error})") from error
    return arrays


def load(model: Module, path: PathLike) -> Module:
    """Loads parameters saved by ``save`` into ``model`` (checked by ``Module.load_state_dict``, which
    changes nothing unless every array fits); returns the model."""
    arrays = _read(path)
    try:
        model.load_state_dict(arrays)
    except (KeyError, TypeError, ValueError) as error:
        reason = str(error.args[0] if error.args else error).removeprefix("load_state_dict: ")
        raise ValueError(f"load: {path} does not match the model: {reason}") from error
    return model


__all__ = ["load", "save"]
