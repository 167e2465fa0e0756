"""``save`` / ``load``: a model's parameters to and from a ``.npz`` file, safely.

Files are read with ``allow_pickle=False`` and checked completely before anything is assigned: object
arrays, missing or unexpected names, wrong shapes or non-numeric dtypes raise a ``ValueError`` that names
the problem, and the model keeps its weights. Each array's header is read before its data, which is read
only for an array the model has, of its shape: a crafted file cannot make ``load`` allocate more than the
model's own size.
"""

from __future__ import annotations

import os
import tokenize
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

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


def _read(path: PathLike, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays of the archive at ``path``, refusing anything but a zip of plain numeric .npy arrays. An
    array that is not in ``shapes`` (name -> the model's shape), or not of that shape, is not read: its
    place holds a zero-stride stand-in of the shape its header declares, for the model to refuse by name."""
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
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                with archive.open(info) as member:
                    shape, dtype = _header(member, name, path)
                    if shapes.get(name) != shape:
                        arrays[name] = np.broadcast_to(np.zeros((), dtype), shape)
                        continue
                with archive.open(info) as member:
                    try:
                        arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                    except ValueError as error:  # less data than the header declares, say
                        reason = f"load: {name!r} in {path} is not a valid .npy array ({error})"
                        raise ValueError(reason) from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"load: {path} is not a readable .npz file ({error})") from error
    return arrays


def _header(member: IO[bytes], name: str, path: PathLike) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a .npy member declares, read without its data; only real numbers pass."""
    try:
        version = np.lib.format.read_magic(member)
        read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        shape, _, dtype = read[version](member)
    except (KeyError, ValueError, SyntaxError, TypeError, tokenize.TokenError) as error:
        raise ValueError(f"load: {name!r} in {path} is not a valid .npy array ({error!r})") from error
    if dtype.hasobject:
        raise ValueError(f"load: {name!r} in {path} holds object arrays (pickled data); refused")
    if dtype.kind not in "fiu":
        raise ValueError(f"load: {name!r} in {path} has dtype {dtype}, expected real numbers")
    return tuple(shape), dtype


def load(model: Module, path: PathLike) -> Module:
    """Loads parameters saved by ``save`` into ``model`` (checked by ``Module.load_state_dict``, which
    changes nothing unless every array fits); returns the model."""
    arrays = _read(path, {name: tuple(value.shape) for name, value in model.state_dict().items()})
    try:
        model.load_state_dict(arrays)
    except (KeyError, TypeError, ValueError) as error:
        reason = str(error.args[0] if error.args else error).removeprefix("load_state_dict: ")
        raise ValueError(f"load: {path} does not match the model: {reason}") from error
    return model


__all__ = ["load", "save"]
