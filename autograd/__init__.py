"""tracegrad's engine: scalar ``Value`` and numpy ``Tensor`` nodes on one reverse-mode core."""

from .engine import grad
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .value import Value

__all__ = [
    "Value",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
