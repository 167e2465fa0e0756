"""The torch vocabulary is the contract (docs/torch-vocabulary.md, the project's copy of the shared note):
every name it lists exists at torch's place -- a function where torch has ``torch.X``, a method where torch
has ``torch.Tensor.X``, and the nn names under ``nn``, ``nn.functional``, ``nn.optim``, ..."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import autograd
import nn

NOTE = Path(__file__).resolve().parent.parent / "docs" / "torch-vocabulary.md"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "notes" / "torch-vocabulary.md"


def _families(section: str) -> list[tuple[str, list[str]]]:
    """``(family, names)`` for each ``- **family**: `a` [x], `b``` line of a section of the note."""
    text = NOTE.read_text().split(f"## {section}")[1].split("\n## ")[0]
    return [
        (family, re.findall(r"`([A-Za-z_0-9]+)`", rest))
        for family, rest in re.findall(r"\*\*(.+?)\*\*: (.*)", text)
    ]


TENSOR = [name for _, names in _families("Tensor (autograd)") for name in names]
NN = [(family, name) for family, names in _families("nn") for name in names]
NN_PLACES = {  # the note's family -> (ours, torch's)
    "functional": (nn.functional, torch.nn.functional),
    "optim": (nn.optim, torch.optim),
    "lr_scheduler": (nn.optim.lr_scheduler, torch.optim.lr_scheduler),
    "utils": (nn.utils, torch.nn.utils),
    "init": (nn.init, torch.nn.init),
}


def test_the_note_lists_what_it_says():
    assert len(TENSOR) > 150 and len(NN) > 90
    if SHARED.exists():  # the shared note is the source: the project's copy follows it
        assert NOTE.read_text() == SHARED.read_text(), "docs/torch-vocabulary.md is behind the shared note"


@pytest.mark.parametrize("name", sorted(set(TENSOR)))
def test_every_tensor_name_is_at_torchs_place(name):
    as_function, as_method = hasattr(torch, name), hasattr(torch.Tensor, name)
    assert as_function or as_method, f"torch has no {name}: the note is wrong"
    if as_function:
        assert callable(getattr(autograd, name, None)), f"autograd.{name} is missing (torch.{name} exists)"
    if as_method:
        assert hasattr(autograd.Tensor, name), f"Tensor.{name} is missing (torch.Tensor.{name} exists)"


@pytest.mark.parametrize(("family", "name"), NN, ids=[f"{f}:{n}" for f, n in NN])
def test_every_nn_name_is_at_torchs_place(family, name):
    ours, theirs = NN_PLACES.get(family, (nn, torch.nn))
    assert hasattr(theirs, name), f"torch has no {theirs.__name__}.{name}: the note is wrong"
    assert hasattr(ours, name), f"{ours.__name__}.{name} is missing"
