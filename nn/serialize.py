"""``save`` / ``load``: a model's state to and from a file, as ``torch.save``/``torch.load`` are used for
weights, safely.

``save(model_or_state_dict, path)`` writes exactly ``path``: safetensors for a ``.safetensors`` suffix,
numpy's ``.npz`` otherwise. ``load(path)`` returns the state_dict (torch's
``model.load_state_dict(torch.load(path))`` habit); ``load(model, path)`` loads into the model. Only
regular files are opened (a FIFO or a device would block or never end); nothing is unpickled; every
header is checked before any data is read, and data sizes are checked against the file before anything
is allocated. Any bad file is a ``ValueError`` naming the file and the problem, and a model keeps its
weights.
"""

from __future__ import annotations

import os
import stat
import tokenize
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from autograd import Tensor

from . import safetensors_io
from .module import Module

PathLike = str | os.PathLike[str]
MAX_MEMBERS = 65_536  # an archive with more arrays than this is refused before its entries are read
_SAFETENSORS = ".safetensors"


def save(obj: Module | Mapping[str, Any], path: PathLike, metadata: Mapping[str, str] | None = None) -> Path:
    """Writes a module's ``state_dict()`` (or a state_dict) to exactly ``path``: safetensors when it ends in
    ``.safetensors`` (``metadata``: its string-to-string header), ``.npz`` otherwise. Returns the path."""
    path = Path(path)
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, Mapping):
        raise TypeError(f"save: expected a Module or a state_dict (a mapping), got {type(obj).__name__}")
    arrays = {name: _array(name, value) for name, value in state.items()}
    with open(path, "wb") as handle:
        if path.suffix == _SAFETENSORS:
            safetensors_io.write(handle, arrays, metadata)
        else:
            np.savez(handle, **arrays)  # a file object: numpy appends no suffix
    return path


def load(
    model_or_path: Module | PathLike,
    path: PathLike | None = None,
    *,
    map_location: Any = None,
    weights_only: bool = True,
) -> Any:
    """``load(path)``: the state_dict saved at ``path`` (name -> Tensor, in the file's order), for
    ``model.load_state_dict``. ``load(model, path)``: loads it into ``model`` (checked whole by
    ``load_state_dict``: nothing changes unless everything fits) and returns the model. ``map_location``
    may only name the CPU and ``weights_only`` must stay True: files hold weights, never code."""
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise RuntimeError(f"load: this build runs on the CPU only, got map_location={map_location!r}")
    if not weights_only:
        raise ValueError("load: only weights are loaded (no pickles): weights_only must be True")
    if not isinstance(model_or_path, Module):
        return OrderedDict((name, Tensor(array)) for name, array in _read(model_or_path, None).items())
    if path is None:
        raise TypeError("load(model, path): the path is missing")
    model = model_or_path
    arrays = _read(path, {name: tuple(value.shape) for name, value in model.state_dict().items()})
    try:
        model.load_state_dict(arrays)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        reason = str(error.args[0] if error.args else error).removeprefix("load_state_dict: ")
        raise ValueError(f"load: {path} does not match the model: {reason}") from error
    return model


def _array(name: str, value: Any) -> np.ndarray:
    """A state_dict entry as a numeric array (tensors, arrays and numbers)."""
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"save: {name!r} has dtype {array.dtype}, expected numbers")
    return array


def _read(path: PathLike, shapes: Mapping[str, tuple[int, ...]] | None) -> dict[str, np.ndarray]:
    """The arrays saved at ``path``. With ``shapes`` (name -> the model's shape) an .npz array of another
    name or shape is not read: a zero-stride stand-in of its declared shape takes its place, for the model
    to refuse by name."""
    with _open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if Path(path).suffix == _SAFETENSORS:
            return safetensors_io.read(handle, size, str(path))
        magic = handle.read(6)
        handle.seek(0)
        if magic.startswith(b"\x93NUMPY"):
            raise ValueError(f"load: {path} is a single .npy array, not a .npz archive of parameters")
        if not magic.startswith(b"PK\x03\x04"):
            raise ValueError(f"load: {path} is not a readable .npz or .safetensors file (no zip header)")
        try:
            return _read_npz(handle, path, size, shapes)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
            # zipfile's own errors: encrypted members (RuntimeError), unknown compression (NotImplemented)
            raise ValueError(f"load: {path} is not a readable .npz file ({error})") from error


def _open_regular(path: PathLike) -> IO[bytes]:
    """``path`` opened for reading if it is a regular file (after links): opened without blocking, then
    checked, so a FIFO can neither block the open nor be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ValueError(f"load: cannot read {path} ({error.strerror})") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError(f"load: {path} is not a regular file")
    return os.fdopen(fd, "rb")


def _read_npz(
    handle: IO[bytes], path: PathLike, size: int, shapes: Mapping[str, tuple[int, ...]] | None
) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive: plain numeric .npy members with distinct names, each no larger than
    what its compressed bytes can hold, read only after every header was checked."""
    with zipfile.ZipFile(handle) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"load: {path} holds {len(infos)} entries, more than {MAX_MEMBERS}")
        names = [info.filename.removesuffix(".npy") for info in infos]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"load: {path} names {twice} more than once")
        plans = []
        for info, name in zip(infos, names, strict=True):
            with archive.open(info) as member:
                shape, dtype = _header(member, name, path)
            nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
            if nbytes > info.file_size or info.file_size > _MAX_RATIO * max(info.compress_size, 1) + 1024:
                raise ValueError(
                    f"load: {name!r} in {path} declares {nbytes} bytes that its entry cannot hold"
                )
            plans.append((info, name, shape, dtype))
        arrays: dict[str, np.ndarray] = {}
        for info, name, shape, dtype in plans:
            if shapes is not None and shapes.get(name) != shape:
                arrays[name] = np.broadcast_to(np.zeros((), dtype), shape)
                continue
            with archive.open(info) as member:
                try:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                except ValueError as error:  # less data than the header declares, say
                    raise ValueError(
                        f"load: {name!r} in {path} is not a valid .npy array ({error})"
                    ) from None
    return arrays


_MAX_RATIO = 1032  # deflate expands at most about 1032:1: a larger declared size is a lie


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
    if dtype.kind not in "biuf":
        raise ValueError(f"load: {name!r} in {path} has dtype {dtype}, expected real numbers")
    if any(type(n) is not int or n < 0 for n in shape):
        raise ValueError(f"load: {name!r} in {path} declares an invalid shape {shape}")
    return tuple(shape), dtype


__all__ = ["load", "save"]
