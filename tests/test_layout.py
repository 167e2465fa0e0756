"""torch's ``layout=`` keyword and ``torch.layout`` objects: every creation function that takes ``layout=`` in
torch takes it here, with ours or torch's ``strided`` giving torch's result; the sparse (and mkldnn,
jagged) layouts are refused, tensors here being dense; a non-layout is torch's TypeError."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import assert_same_error

import autograd as ag

pytestmark = pytest.mark.usefixtures("torch_float32")


def _x(lib: Any) -> Any:
    """The input of the ``*_like`` functions, in either library."""
    return lib.arange(6, dtype=lib.float64).reshape(2, 3)


# name -> (call(lib, **layout keyword), whether its values are deterministic)
CREATIONS: dict[str, tuple[Callable[..., Any], bool]] = {
    "zeros": (lambda lib, **kw: lib.zeros(2, 3, **kw), True),
    "ones": (lambda lib, **kw: lib.ones((2,), dtype=lib.int64, **kw), True),
    "full": (lambda lib, **kw: lib.full((2, 2), 1.5, **kw), True),
    "empty": (lambda lib, **kw: lib.empty(3, 1, **kw), False),
    "eye": (lambda lib, **kw: lib.eye(3, 2, **kw), True),
    "arange": (lambda lib, **kw: lib.arange(1, 7, 2, **kw), True),
    "linspace": (lambda lib, **kw: lib.linspace(-1, 1, 5, **kw), True),
    "logspace": (lambda lib, **kw: lib.logspace(0, 2, 3, base=2.0, **kw), True),
    "rand": (lambda lib, **kw: lib.rand(2, 2, dtype=lib.float64, **kw), False),
    "randn": (lambda lib, **kw: lib.randn(3, **kw), False),
    "randint": (lambda lib, **kw: lib.randint(1, 4, (2, 3), **kw), False),
    "randperm": (lambda lib, **kw: lib.randperm(4, **kw), False),
    "normal": (lambda lib, **kw: lib.normal(1.0, 2.0, (2, 2), **kw), False),
    "zeros_like": (lambda lib, **kw: lib.zeros_like(_x(lib), **kw), True),
    "ones_like": (lambda lib, **kw: lib.ones_like(_x(lib), dtype=lib.int32, **kw), True),
    "full_like": (lambda lib, **kw: lib.full_like(_x(lib), 7, **kw), True),
    "empty_like": (lambda lib, **kw: lib.empty_like(_x(lib), **kw), False),
    "rand_like": (lambda lib, **kw: lib.rand_like(_x(lib), **kw), False),
    "randn_like": (lambda lib, **kw: lib.randn_like(_x(lib), **kw), False),
    "randint_like": (lambda lib, **kw: lib.randint_like(_x(lib), 2, 5, **kw), False),
}
STRIDED = [ag.strided, torch.strided, None]
# every layout torch has, but strided: theirs and ours are both refused
OTHER_LAYOUTS = [
    value
    for name in ("sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn", "jagged")
    for value in (getattr(ag, name), getattr(torch, name))
]


def test_every_torch_function_with_layout_is_covered():
    """Every creation function both libraries have and whose torch signature has ``layout=`` is above."""
    with_layout = {
        name
        for name in dir(torch)
        if not name.startswith("_")
        and isinstance(getattr(getattr(torch, name), "__doc__", None), str)
        and f"{name}(" in torch.__dict__[name].__doc__
        and "layout=" in torch.__dict__[name].__doc__
        and callable(getattr(ag, name, None))
    }
    assert with_layout - {"normal"} <= set(CREATIONS) and len(with_layout) >= 19


@pytest.mark.parametrize("name", CREATIONS)
def test_strided_gives_torchs_result(name):
    call, deterministic = CREATIONS[name]
    theirs = call(torch, layout=torch.strided)
    for layout in STRIDED:
        ours = call(ag, layout=layout)
        assert isinstance(ours, ag.Tensor) and ours.layout is ag.strided
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        if deterministic:
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", CREATIONS)
def test_other_layouts_are_refused_clearly(name):
    call, _ = CREATIONS[name]
    for layout in OTHER_LAYOUTS:
        with pytest.raises(NotImplementedError) as error:
            call(ag, layout=layout)
        message = str(error.value)
        assert message.startswith(f"{name}(): layout {layout} is not supported")
        assert "tracegrad tensors are dense (strided)" in message


@pytest.mark.parametrize("name", CREATIONS)
def test_a_non_layout_is_torchs_type_error(name):
    call, _ = CREATIONS[name]
    for value in ("strided", 0, 1.0, ag.preserve_format):
        with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'layout' must be torch.layout, not "):
            call(ag, layout=value)
        if not isinstance(value, ag.memory_format):
            assert_same_error(lambda lib, value=value: call(lib, layout=value))


def test_torch_words_for_a_non_layout():
    """torch's own message, where its argument parser has one signature to name."""
    assert_same_error(lambda lib: lib.zeros(2, layout="strided"), words=True)
    assert_same_error(lambda lib: lib.ones_like(_x(lib), layout=3), words=True)


def test_layout_only_where_torch_takes_it():
    """``tensor``/``as_tensor`` and normal's tensor forms take no layout in torch: a TypeError in both."""
    assert_same_error(lambda lib: lib.tensor([1.0], layout=lib.strided))
    assert_same_error(lambda lib: lib.as_tensor([1.0], layout=lib.strided))
    assert_same_error(lambda lib: lib.normal(lib.zeros(2), 1.0, layout=lib.strided))
    assert_same_error(lambda lib: lib.normal(lib.zeros(2), lib.ones(2), layout=lib.strided))


def test_layout_objects_as_torchs():
    names = [name for name in dir(torch) if isinstance(getattr(torch, name), torch.layout)]
    assert len(names) >= 8
    ours = [getattr(ag, name) for name in names]
    assert all(isinstance(value, ag.layout) for value in ours) and len(set(map(id, ours))) == len(ours)
    for name, value in zip(names, ours, strict=True):
        assert (
            repr(value)
            == str(value)
            == f"autograd.{name}"
            == repr(getattr(torch, name)).replace("torch", "autograd")
        )
        assert copy.deepcopy(value) is value and copy.copy(value) is value
    assert ag.strided != ag.sparse_coo and not isinstance(ag.strided, ag.memory_format)
    public = {
        "strided",
        "sparse_coo",
        "sparse_csr",
        "sparse_csc",
        "sparse_bsr",
        "sparse_bsc",
        "jagged",
        "layout",
    }
    assert public <= set(ag.__all__)


def test_every_tensor_is_strided_as_torchs_dense_ones():
    x = ag.arange(6.0).reshape(2, 3)
    t = torch.arange(6.0).reshape(2, 3)
    for ours, theirs in (
        (x, t),
        (x.T, t.T),
        (x[:, ::2], t[:, ::2]),
        (x * 2 + 1, t * 2 + 1),
        (x.sum(), t.sum()),
    ):
        assert ours.layout is ag.strided and theirs.layout is torch.strided
    assert ag.zeros(2, requires_grad=True).layout is ag.strided
