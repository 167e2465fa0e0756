"""Tensor ops: ``function`` (the Function/ctx mechanism), one file per family of ops, and ``methods`` (the
torch-style free functions that are also ``Tensor`` methods).

At a domain's edge (``log(0)``, ``x / 0``, ``exp(1000)``) ops give inf or nan as IEEE arithmetic and
PyTorch do, quietly: numpy's RuntimeWarnings raised inside tracegrad's own modules are filtered here,
once, at no cost per op (a ``warnings.catch_warnings()`` block around the import would undo it, as
pytest's does: the project's pytest configuration repeats the filter). ``autograd.detect_anomaly()`` is
the tool that stops at the first nan or inf.
"""

import warnings

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autograd\.(ops|tensor)(\.|$)")
