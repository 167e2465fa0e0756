"""Tensor ops: ``function`` (the Function/ctx mechanism), ``registry`` (an op's public names), and one
file per family of ops, each an op's forward beside its backward and the torch-style functions that
``@register`` makes ``autograd.name`` and/or ``Tensor.name``. Importing this package imports every family
and attaches the methods to ``Tensor``; a new family file is one more line below.

At a domain's edge (``log(0)``, ``x / 0``, ``exp(1000)``) ops give inf or nan as IEEE arithmetic and
PyTorch do, quietly: ops that meet edges run their forward under ``np.errstate`` (``_edges``), the engine
runs each backward pass under one. ``autograd.detect_anomaly()`` is the tool that stops at the first nan
or inf.
"""

from ..multiprocessing import reductions  # noqa: F401 - share_memory_, is_shared
from ..tensor import Tensor
from . import (  # noqa: F401 - each family registers its names when imported
    activation_more,
    arithmetic,
    conv,
    devices,
    dropout,
    einsum,
    logic,
    methods,
    normalization,
    operators,
    padding,
    pointwise,
    pooling,
    rearrange,
    reduce_more,
    sampling,
    scatter,
    sorting,
    sparse,
)
from .registry import FUNCTIONS, install

install(Tensor)

__all__ = ["FUNCTIONS"]
