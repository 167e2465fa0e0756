"""Hypothesis profiles: ``ci`` (default under ``make test``) is fixed and derandomized, ``dev`` is the
local default, ``soak`` runs many examples (``make soak``). Select with ``HYPOTHESIS_PROFILE``."""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", max_examples=50, **_COMMON)
settings.register_profile("soak", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _torch_default(dtype: torch.dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def torch_float64():
    """torch.nn builds float64 weights while a test runs (for exact comparisons), then torch's default
    dtype is restored; modules opt in with ``pytestmark = pytest.mark.usefixtures("torch_float64")``."""
    yield from _torch_default(torch.float64)


@pytest.fixture
def torch_float32():
    """torch's default dtype decides its results' dtypes and other test modules change it: pinned to
    float32 while a test runs (``pytestmark = pytest.mark.usefixtures("torch_float32")``)."""
    yield from _torch_default(torch.float32)
