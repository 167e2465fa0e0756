"""tracegrad's engine: scalar ``Value`` and numpy ``Tensor`` nodes on one reverse-mode core."""

from . import cuda, functional
from .compiler import compile
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .devices import (
    _mkldnn,  # noqa: F401 - torch._mkldnn, private there too
    channels_last,
    contiguous_format,
    device,
    jagged,
    layout,
    memory_format,
    preserve_format,
    sparse_bsc,
    sparse_bsr,
    sparse_coo,
    sparse_csc,
    sparse_csr,
    strided,
)
from .dtypes import bool_, double, float16, float32, float64, int8, int16, int32, int64, long, uint8
from .engine import grad
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import FUNCTIONS
from .ops.function import Function
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
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
    "empty_like",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

__all__ += [
    "Generator",
    "channels_last",
    "contiguous_format",
    "cuda",
    "default_generator",
    "device",
    "get_rng_state",
    "inference_mode",
    "initial_seed",
    "is_inference_mode_enabled",
    "jagged",
    "layout",
    "logspace",
    "manual_seed",
    "memory_format",
    "normal",
    "preserve_format",
    "rand_like",
    "randint_like",
    "randn_like",
    "randperm",
    "seed",
    "set_rng_state",
    "sparse_bsc",
    "sparse_bsr",
    "sparse_coo",
    "sparse_csc",
    "sparse_csr",
    "strided",
]
globals().update(FUNCTIONS)  # every @register-ed op: autograd.sin, autograd.cat, ...
__all__ += sorted(FUNCTIONS)
from . import onnx  # noqa: E402 - autograd.onnx.export / load (the onnx package is imported only when used)

__all__ += ["onnx"]
from .threads import get_num_threads, set_num_threads  # noqa: E402 - numpy BLAS threads (torch's names)

__all__ += ["get_num_threads", "set_num_threads"]
