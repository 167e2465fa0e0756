"""Tensor ops: ``function`` (the Function/ctx mechanism), one file per family of ops, and ``methods`` (the
torch-style free functions that are also ``Tensor`` methods)."""
