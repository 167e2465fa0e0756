"""Tensor ops: ``function`` (the Function/ctx mechanism), one file per family of ops, and ``methods`` (the
torch-style free functions that are also ``Tensor`` methods).

At a domain's edge (``log(0)``, ``x / 0``, ``exp(1000)``) ops give inf or nan as IEEE arithmetic and
PyTorch do, quietly: ops that meet edges run their forward under ``np.errstate`` (``_edges``), the engine
runs each backward pass under one. ``autograd.detect_anomaly()`` is the tool that stops at the first nan
or inf.
"""
