"""save/load as torch users write them, safetensors both ways with torch, and hostile files (issue 19
items 4, 17, 18; issue 16's safetensors): every bad file is a ValueError naming the file, nothing hangs,
nothing is allocated beyond the file, and the model keeps its weights."""

from __future__ import annotations

import json
import os
import struct
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import torch

import autograd
import nn


def model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def torch_twin():
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()


def weights(m):
    return {name: p.numpy().copy() for name, p in m.named_parameters()}


@pytest.mark.parametrize("name", ["net.pt", "net.npz", "net.safetensors", "net"])
def test_save_writes_exactly_the_path_and_both_torch_habits_work(tmp_path, name):
    a, b, c = model(), model(), model()
    path = tmp_path / name
    assert nn.save(a.state_dict(), path) == path and path.is_file()
    assert sorted(os.listdir(tmp_path)) == [name]
    b.load_state_dict(nn.load(path))  # model.load_state_dict(torch.load(path))
    nn.load(c, path)  # the older form
    for other in (b, c):
        for key, value in weights(a).items():
            np.testing.assert_array_equal(weights(other)[key], value)


def test_load_returns_tensors_in_the_files_order(tmp_path):
    state = nn.load(nn.save(model(), tmp_path / "m.safetensors"))
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(isinstance(v, autograd.Tensor) for v in state.values())


def test_a_file_torch_wrote_with_safetensors_loads_here_with_torchs_outputs(tmp_path):
    theirs = torch_twin()
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), path)
    ours = model().double()
    ours.load_state_dict(nn.load(path))
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(ours(autograd.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy())


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_a_file_written_here_loads_into_torch(tmp_path, dtype):
    ours = model().to(dtype)
    path = nn.save(ours, tmp_path / "ours.safetensors", metadata={"format": "pt"})
    theirs = torch_twin().to(torch.float32 if dtype == autograd.float32 else torch.float64)
    theirs.load_state_dict(safetensors.torch.load_file(path))
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(dtype)
    out = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(autograd.tensor(x)).numpy(), out, rtol=1e-6)


def _safetensors_file(path: Path, header: object, data: bytes = b"", length: int | None = None) -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


HOSTILE_SAFETENSORS = {
    "huge header": ({}, b"", 1 << 60),
    "huge shape": ({"0.weight": {"dtype": "F32", "shape": [1 << 40, 1 << 20], "data_offsets": [0, 48]}},
                   bytes(48), None),
    "past the end": ({"0.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}},
                     bytes(8), None),
    "negative shape": ({"0.weight": {"dtype": "F32", "shape": [-4, 3], "data_offsets": [0, 48]}},
                       bytes(48), None),
    "unknown dtype": ({"0.weight": {"dtype": "C64", "shape": [4, 3], "data_offsets": [0, 48]}},
                      bytes(48), None),
    "not json": (None, b"", None),
    "overlap": ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), None),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HOSTILE_SAFETENSORS))
def test_hostile_safetensors_files_are_refused_naming_the_file(tmp_path, case):
    header, data, length = HOSTILE_SAFETENSORS[case]
    path = tmp_path / "bad.safetensors"
    if header is None:
        path.write_bytes(struct.pack("<Q", 5) + b"{oops" + data)
    else:
        _safetensors_file(path, header, data, length)
    m = model()
    before = weights(m)
    for call in (lambda: nn.load(path), lambda: nn.load(m, path)):
        with pytest.raises(ValueError, match="bad.safetensors"):
            call()
    for key, value in before.items():
        np.testing.assert_array_equal(weights(m)[key], value)


def test_a_fifo_or_a_link_to_one_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    link = tmp_path / "link.npz"
    link.symlink_to(fifo)
    outcome = {}

    def attempt():
        for path in (fifo, link):
            try:
                nn.load(model(), path)
            except ValueError as error:
                outcome[path.name] = str(error)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "load blocked on a FIFO"
    assert all("not a regular file" in outcome[p] for p in ("pipe.npz", "link.npz"))


def test_a_directory_or_a_missing_file_is_a_value_error_naming_it(tmp_path):
    for path in (tmp_path, tmp_path / "missing.npz"):
        with pytest.raises(ValueError, match=str(path.name)):
            nn.load(path)


def _npz_with(path: Path, members: list[tuple[str, bytes]], **kwargs) -> Path:
    with zipfile.ZipFile(path, "w", **kwargs) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_duplicate_member_names_are_refused(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        path = _npz_with(
            tmp_path / "dup.npz", [("0.bias.npy", _npy(np.zeros(4))), ("0.bias.npy", _npy(np.ones(4)))]
        )
    with pytest.raises(ValueError, match=r"dup.npz names \['0.bias'\] more than once"):
        nn.load(path)


def test_negative_shapes_in_a_header_are_refused_naming_the_file(tmp_path):
    good = _npy(np.zeros((4, 3), np.float32))
    bad = good.replace(b"(4, 3)", b"(-4, 3)", 1)
    path = _npz_with(tmp_path / "neg.npz", [("0.weight.npy", bad)])
    with pytest.raises(ValueError, match="neg.npz"):
        nn.load(path)


def test_unknown_compression_and_encrypted_members_are_value_errors_naming_the_file(tmp_path):
    path = _npz_with(tmp_path / "odd.npz", [("0.bias.npy", _npy(np.zeros(4)))])
    raw = bytearray(path.read_bytes())
    raw[8:10] = struct.pack("<H", 99)  # the local header's compression method: unknown
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 10 : central + 12] = struct.pack("<H", 99)
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="odd.npz"):
        nn.load(path)
    raw[central + 8 : central + 10] = struct.pack("<H", 1)  # the encrypted flag
    raw[central + 10 : central + 12] = struct.pack("<H", 0)
    raw[6:8], raw[8:10] = struct.pack("<H", 1), struct.pack("<H", 0)
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="odd.npz"):
        nn.load(path)


def test_a_header_declaring_more_than_its_entry_holds_allocates_nothing(tmp_path):
    bomb = _npy(np.zeros(4, np.float32)).replace(b"(4,)", b"(1099511627776,)", 1)
    path = _npz_with(tmp_path / "bomb.npz", [("0.bias.npy", bomb)])
    with pytest.raises(ValueError, match="bomb.npz"):
        nn.load(path)


def test_an_archive_of_100000_entries_is_refused_quickly(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(100_000):
            archive.writestr(f"{i}.npy", b"")
    start = time.perf_counter()
    with pytest.raises(ValueError, match="100000 entries"):
        nn.load(path)
    assert time.perf_counter() - start < 30  # a bound on hanging, not a speed measurement


def test_save_refuses_what_is_not_a_state(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        nn.save([1, 2], tmp_path / "x.npz")
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.load(tmp_path / "x.npz", map_location="cuda")
