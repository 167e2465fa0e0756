"""The property test factory over nn.functional's new differentiable functions (activations, the norms,
bilinear, embedding): forward, gradients and second derivatives against torch and central differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, TensorOp, _arrays, check_op, one, with_params
from torch.nn import functional as torch_functional

from autograd.testing.strategies import shapes
from nn import functional as ours_functional

LOW, HIGH = -0.7071067811865476, 0.5772156649015329  # hardtanh's bounds: not hit exactly by drawn inputs


def F(lib: Any) -> Any:  # noqa: N802 - torch's alias
    """nn.functional of ``lib`` (autograd: ours)."""
    return torch_functional if lib is torch else ours_functional


def channels(min_dims: int = 2, groups: bool = False) -> Any:
    """An input (N, C, *) with per-channel weight and bias (C,); with ``groups`` a num_groups dividing C."""

    def draw(data: st.DataObject) -> Any:
        values = shapes(min_dims=min_dims, max_dims=4, max_side=MAX_SIDE)  # more than 1 value per channel:
        shape = data.draw(values.filter(lambda s: s[0] * np.prod(s[2:]) > 1), label="shape")  # else an error
        params: dict[str, Any] = {"eps": data.draw(st.sampled_from([1e-5, 0.1]), label="eps")}
        if groups:
            params["num_groups"] = data.draw(st.sampled_from([g for g in (1, 2, 3, 4) if shape[1] % g == 0]))
        arrays = _arrays(data, [shape, shape[1:2], shape[1:2]], ("real", "real", "real"))
        return arrays, params

    return draw


def last_dims(data: st.DataObject) -> Any:
    """An input and the weight and bias of its last one or two dimensions (layer_norm)."""
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=MAX_SIDE), label="shape")
    k = data.draw(st.integers(1, min(2, len(shape))), label="k")
    normalized = shape[len(shape) - k :]
    arrays = _arrays(data, [shape, normalized, normalized], ("real", "real", "real"))
    return arrays, {"normalized_shape": normalized, "eps": data.draw(st.sampled_from([1e-5, 0.1]))}


def bilinear_operands(data: st.DataObject) -> Any:
    """x1 (*, in1), x2 (*, in2), weight (out, in1, in2), bias (out,)."""
    lead = data.draw(shapes(min_dims=0, max_dims=2, max_side=MAX_SIDE), label="lead")
    in1, in2, out = (data.draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    shape_list = [(*lead, in1), (*lead, in2), (out, in1, in2), (out,)]
    return _arrays(data, shape_list, ("real",) * 4), {}


def embedding_operands(data: st.DataObject) -> Any:
    """A weight table and integer indices (repeats included); no padding_idx, whose row gets no gradient by
    design (not the central differences': test_nn_embedding checks it against torch)."""
    rows = data.draw(st.integers(1, MAX_SIDE), label="rows")
    weight = _arrays(data, [(rows, data.draw(st.integers(1, MAX_SIDE)))], ("real",))
    index_shape = data.draw(shapes(min_dims=0, max_dims=2, max_side=MAX_SIDE), label="index shape")
    indices = np.asarray(
        data.draw(
            st.lists(
                st.integers(0, rows - 1),
                min_size=int(np.prod(index_shape)),
                max_size=int(np.prod(index_shape)),
            )
        ),
        np.int64,
    ).reshape(index_shape)
    return weight, {"indices": indices, "padding_idx": None}


def _embedding(lib: Any, w: Any, indices: np.ndarray, padding_idx: Any) -> Any:
    return F(lib).embedding(lib.from_numpy(indices.copy()), w, padding_idx)


def _batch_norm(lib: Any, x: Any, w: Any, b: Any, eps: float) -> Any:
    """batch_norm in training with fresh running statistics (updated, compared by test_nn_norm)."""
    return F(lib).batch_norm(x, None, None, w, b, training=True, eps=eps)


OPS = [
    TensorOp("gelu", lambda lib, x: F(lib).gelu(x), one()),
    TensorOp("gelu_tanh", lambda lib, x: F(lib).gelu(x, approximate="tanh"), one()),
    TensorOp("silu", lambda lib, x: F(lib).silu(x), one()),
    TensorOp(
        "softplus",
        lambda lib, x, beta, threshold: F(lib).softplus(x, beta, threshold),
        with_params(
            one(),
            beta=lambda s: st.sampled_from([1.0, 0.5, 2.0]),
            threshold=lambda s: st.sampled_from([20.0, 1.2345678]),
        ),  # fmt: skip
    ),
    TensorOp("hardtanh", lambda lib, x: F(lib).hardtanh(x, LOW, HIGH), one()),
    TensorOp(
        "layer_norm",
        lambda lib, x, w, b, normalized_shape, eps: F(lib).layer_norm(x, normalized_shape, w, b, eps),
        last_dims,
    ),
    TensorOp(
        "group_norm",
        lambda lib, x, w, b, num_groups, eps: F(lib).group_norm(x, num_groups, w, b, eps),
        channels(groups=True),
    ),
    TensorOp("batch_norm", _batch_norm, channels()),
    TensorOp("bilinear", lambda lib, x1, x2, w, b: F(lib).bilinear(x1, x2, w, b), bilinear_operands),
    TensorOp("embedding", _embedding, embedding_operands),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject) -> None:
    check_op(op, data)
