"""``autograd.cuda``: torch.cuda's questions, answered for a build that runs on the CPU only."""

from __future__ import annotations


def is_available() -> bool:
    """False: tensors are numpy arrays in main memory."""
    return False


def device_count() -> int:
    """0: no CUDA device is used."""
    return 0


__all__ = ["device_count", "is_available"]
