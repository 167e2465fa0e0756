"""save/load to .npz: round trip, and every crafted file refused with the model left unchanged."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import nn


def model():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


def weights(m):
    return {name: p.numpy().copy() for name, p in m.named_parameters()}


def test_round_trip(tmp_path):
    a, b = model(), model()
    path = nn.save(a, tmp_path / "m")
    assert path.name == "m" and path.exists()  # exactly the path given
    nn.load(b, path)
    for name, value in weights(a).items():
        np.testing.assert_array_equal(weights(b)[name], value)


def crafted(tmp_path):
    good = {name: p.numpy() for name, p in model().named_parameters()}
    wrong_shape = dict(good, **{"0.weight": np.zeros((3, 3))})
    missing = {k: v for k, v in good.items() if k != "2.bias"}
    extra = dict(good, **{"3.weight": np.zeros(1)})
    strings = dict(good, **{"0.bias": np.array(["a", "b", "c"])})
    return {"wrong shape": wrong_shape, "missing": missing, "unexpected": extra, "dtype": strings}


@pytest.mark.parametrize("case", ["wrong shape", "missing", "unexpected", "dtype"])
def test_crafted_files_are_refused_without_changes(tmp_path, case):
    path = tmp_path / "bad.npz"
    np.savez(path, **crafted(tmp_path)[case])
    m = model()
    before = weights(m)
    with pytest.raises(ValueError, match=case.split()[-1]):
        nn.load(m, path)
    for name, value in before.items():
        np.testing.assert_array_equal(weights(m)[name], value)


def test_object_arrays_are_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    good = {name: p.numpy() for name, p in model().named_parameters()}
    np.savez(path, **dict(good, **{"0.bias": np.array([1, "x", None], dtype=object)}))
    m = model()
    before = weights(m)
    with pytest.raises(ValueError, match="object arrays"):
        nn.load(m, path)
    np.testing.assert_array_equal(weights(m)["0.weight"], before["0.weight"])


def test_not_an_npz(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a readable"):
        nn.load(model(), junk)
    single = tmp_path / "one.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="single .npy"):
        nn.load(model(), single)


def _member(header: dict, data: bytes = b"") -> bytes:
    """A .npy file (format 1.0) with the given header dict, written by hand: headers can lie."""
    text = repr(header).encode() + b" "
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data


def test_crafted_headers_are_refused_by_name_before_any_data_is_read(tmp_path):
    """A header numpy cannot parse, one declaring 8 TiB for a name the model lacks, one declaring the
    model's shape over too little data: each a ValueError naming the member, no traceback, no allocation."""
    good = {
        f"{name}.npy": _member(
            {"descr": "<f4", "fortran_order": False, "shape": tuple(p.shape)},
            np.zeros(p.shape, np.float32).tobytes(),
        )
        for name, p in model().named_parameters()
    }
    bad = {
        "malformed": {"0.bias.npy": b"\x93NUMPY\x01\x00\x14\x00{'descr': __import__}\n"},
        "unexpected": {"huge.npy": _member({"descr": "<f8", "fortran_order": False, "shape": (2**40,)})},
        "short": {"0.bias.npy": _member({"descr": "<f4", "fortran_order": False, "shape": (3,)}, b"\0" * 4)},
    }
    for reason, members in bad.items():
        path = tmp_path / f"{reason}.npz"
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in {**good, **members}.items():
                archive.writestr(name, content)
        with pytest.raises(ValueError, match=r"load: .*(0\.bias|huge)"):
            nn.load(model(), path)
