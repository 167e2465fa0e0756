"""tracegrad's engine: scalar ``Value`` and numpy ``Tensor`` nodes on one reverse-mode core."""

from . import functional
from .compiler import compile
from .creation import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import bool_, double, float16, float32, float64, int8, int16, int32, int64, long, uint8
from .engine import grad
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import FUNCTIONS
from .ops.function import Function
from .tensor import Tensor
from .value import Value

__all__ = [
    "compile",
    "Function",
    "Tensor",
    "Value",
    "arange",
    "as_tensor",
    "bool_",
    "double",
    "empty",
    "eye",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "functional",
    "int8",
    "int16",
    "int32",
    "int64",
    "linspace",
    "long",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "tensor",
    "uint8",
    "zeros",
    "zeros_like",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

globals().update(FUNCTIONS)  # every @register-ed op: autograd.sin, autograd.cat, ...
__all__ += sorted(FUNCTIONS)
