"""Elementwise math, comparison and logic (ops/pointwise.py, arithmetic.py, logic.py) against torch: every
differentiable op through the property factory (gradients, second derivatives), and every op's values,
dtypes and errors over bool, uint8, int64, float32 and float64 inputs with nan and inf, as functions,
methods and in-place methods."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from op_factory import MAX_SIDE, Case, Draw, TensorOp, apart, check_op, elementwise, one

import autograd
from autograd.testing.strategies import arrays_in, broadcastable_shapes, shapes

LO, HI = -0.7071067811865476, 0.5772156649015329  # clamp bounds no drawn input hits exactly


# ----- draws away from the jumps of rounding ops ------------------------------------------------------
def fractional(scale: float = 1.0) -> Draw:
    """One input (k + f) * scale, f in [0.1, 0.4]: away from the integers and halves where rounding jumps."""

    def draw(data: st.DataObject) -> Case:
        shape = data.draw(shapes(max_side=MAX_SIDE), label="shape")
        k = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-4, 4)), label="k")
        f = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.1, 0.4)), label="f")
        return [np.asarray((k + f) * scale, dtype=np.float64)], {}

    return draw


def quotients(data: st.DataObject) -> Case:
    """(a, b) with b in +-[0.5, 2] broadcasting to a, and a / b at least 0.1 from an integer: fmod, remainder
    and rounded division are smooth there."""
    s0, s1 = data.draw(broadcastable_shapes(2, max_side=MAX_SIDE), label="shapes")
    full = np.broadcast_shapes(s0, s1)
    b = data.draw(arrays_in(s1, "nonzero", bound=2.0, margin=0.5, layout="contiguous"), label="b")
    k = data.draw(hnp.arrays(np.int64, full, elements=st.integers(-3, 3)), label="k")
    f = data.draw(hnp.arrays(np.float64, full, elements=st.floats(0.1, 0.9)), label="f")
    return [np.asarray((k + f) * b, dtype=np.float64), b], {}


def into(*domains: str) -> Draw:
    """Inputs that broadcast into the first one's shape (an in-place op's operands), each in its domain."""

    def draw(data: st.DataObject) -> Case:
        shape_list = data.draw(broadcastable_shapes(len(domains), max_side=MAX_SIDE), label="shapes")
        shape_list = (np.broadcast_shapes(*shape_list), *shape_list[1:])
        return [
            data.draw(arrays_in(s, d), label=f"x{i}")
            for i, (s, d) in enumerate(zip(shape_list, domains, strict=True))
        ], {}

    return draw


def widest_first(base: Draw) -> Draw:
    """``base``'s inputs with the first one broadcast to their common shape (torch's clamp backward fails
    when a bound is larger than the input)."""

    def draw(data: st.DataObject) -> Case:
        arrays, params = base(data)
        full = np.broadcast_shapes(*(a.shape for a in arrays))
        return [np.array(np.broadcast_to(arrays[0], full)), *arrays[1:]], params

    return draw


def _method(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    return lambda lib, x, *ys: getattr(x, name)(*ys, *args, **kwargs)


def _function(name: str, **kwargs: Any) -> Callable[..., Any]:
    return lambda lib, *xs: getattr(lib, name)(*xs, **kwargs)


def _inplace(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """The in-place method on a non-leaf (x * 1), recorded."""
    return lambda lib, x, *ys: getattr(x * 1, name)(*ys, *args, **kwargs)


def FLOOR(lib: Any, x: Any, y: Any) -> Any:  # noqa: N802 - a constant of the table below
    return lib.div(x, y, rounding_mode="floor")


UNARY_DOMAINS = {
    "exp2": "real", "expm1": "real", "log2": "positive", "log10": "positive", "log1p": (-0.9, 5.0),
    "rsqrt": "positive", "reciprocal": "nonzero", "sin": "real", "cos": "real", "tan": (-1.3, 1.3),
    "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": "real", "sinh": "real", "cosh": "real",
    "asinh": "real", "acosh": (1.1, 5.0), "atanh": (-0.9, 0.9), "erf": "real",
    "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9), "arctan": "real", "arcsinh": "real",
    "arccosh": (1.1, 5.0), "arctanh": (-0.9, 0.9),
}  # fmt: skip
ROUNDING = ("floor", "ceil", "round", "trunc", "fix", "frac")

OPS = [
    *(
        TensorOp(name, _function(name), one(domain))
        for name, domain in UNARY_DOMAINS.items()
        if name[:3] != "arc"
    ),
    *(TensorOp(f"{name}_method", _method(name), fractional()) for name in ROUNDING),
    TensorOp("sign", _function("sign"), one("nonzero")),
    TensorOp("round_decimals", _function("round", decimals=2), fractional(0.01)),
    TensorOp("round_negative_decimals", _method("round", decimals=-1), fractional(10.0)),
    TensorOp("abs", _function("abs"), one("nonzero")),
    TensorOp("neg", _function("neg"), one()),
    TensorOp("square", _function("square"), one()),
    TensorOp("add_alpha", _function("add", alpha=2.5), elementwise("real", "real")),
    TensorOp("sub_alpha", _function("sub", alpha=0.5), elementwise("real", "real")),
    TensorOp("mul", _function("mul"), elementwise("real", "real")),
    TensorOp("div", _function("div"), elementwise("real", "nonzero")),
    TensorOp("true_divide", _function("true_divide"), elementwise("real", "nonzero")),
    TensorOp("pow", _function("pow"), elementwise("positive", "real")),
    TensorOp("div_trunc", _function("div", rounding_mode="trunc"), quotients),
    TensorOp("div_floor", _method("div", rounding_mode="floor"), quotients),
    # torch's floor_divide has no derivative (its backward raises); here it is div(rounding_mode="floor")'s, 0
    TensorOp("floor_divide", _function("floor_divide"), quotients, torch_fn=FLOOR),
    TensorOp("floordiv_operator", lambda lib, x, y: x // y, quotients, torch_fn=FLOOR),
    TensorOp("fmod", _function("fmod"), quotients),
    TensorOp("fmod_scalar", lambda lib, x: lib.fmod(x, 0.7), fractional(0.7)),
    TensorOp("remainder", _method("remainder"), quotients),
    TensorOp("mod_operator", lambda lib, x, y: x % y, quotients),
    TensorOp("atan2", _function("atan2"), elementwise("nonzero", "nonzero")),
    TensorOp("arctan2", _method("arctan2"), elementwise("nonzero", "nonzero")),
    TensorOp("hypot", _function("hypot"), elementwise("nonzero", "nonzero")),
    TensorOp("lerp_small_weight", _function("lerp", weight=0.3), elementwise("real", "real")),
    TensorOp("lerp_large_weight", _method("lerp", weight=0.75), elementwise("real", "real")),
    TensorOp("lerp_tensor_weight", _function("lerp"), elementwise("real", "real", "real")),
    TensorOp("where_method", lambda lib, x, y: x.where(x > 0, y), elementwise("nonzero", "real")),
    TensorOp("where_scalar", lambda lib, x: lib.where(x > 0, x, 0.5), one("nonzero")),
    TensorOp("clamp_tensors", lambda lib, x, lo, hi: lib.clamp(x, lo, hi), widest_first(apart(3))),
    TensorOp("clip_positional", lambda lib, x: x.clip(LO, HI), one()),
    TensorOp("sin_", _inplace("sin_"), one()),
    TensorOp("log_", _inplace("log_"), one("positive")),
    TensorOp("arcsin_", _inplace("arcsin_"), one((-0.9, 0.9))),
    TensorOp("abs_", _inplace("abs_"), one("nonzero")),
    TensorOp("neg_", _inplace("neg_"), one()),
    TensorOp("floor_", _inplace("floor_"), fractional()),
    TensorOp("round_", _inplace("round_", decimals=1), fractional(0.1)),
    TensorOp("clamp_", _inplace("clamp_", LO, HI), one()),
    TensorOp("clip_", _inplace("clip_", min=LO), one()),
    TensorOp("div_floor_", _inplace("div_", rounding_mode="floor"), quotients),
    TensorOp("fmod_", _inplace("fmod_"), quotients),
    TensorOp("atan2_", _inplace("atan2_"), into("nonzero", "nonzero")),
    TensorOp("lerp_", _inplace("lerp_", 0.6), into("real", "real")),
]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@given(data=st.data())
def test_op(op: TensorOp, data: st.DataObject) -> None:
    check_op(op, data)


# ----- values, dtypes and errors against torch over dtypes --------------------------------------------
DTYPES = ("bool", "uint8", "int64", "float32", "float64")
FLOATS = [-2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 1.5, 2.5, 7.0, np.nan, np.inf, -np.inf]
VALUES = {"bool": [True, False], "uint8": [0, 1, 2, 5, 200, 255], "int64": [-7, -3, -1, 0, 1, 2, 5]}
TOLERANCE = {"float32": 2e-6, "float64": 1e-12, "float16": 1e-3}


def sample(dtype: str) -> np.ndarray:
    """The edge values of a dtype: nan, infinities and signed zeros for floats, both ends for integers."""
    return np.array(VALUES.get(dtype, FLOATS), dtype=dtype)


def both(fn: Callable[[Any], Any], *arrays: np.ndarray, name: str = "", **kwargs: Any) -> None:
    """``fn(lib, *tensors)`` with lib = torch and autograd agree: same values (nan where nan), dtype and
    shape, or the same exception type."""
    theirs = [torch.from_numpy(a.copy()) for a in arrays]
    ours = [autograd.from_numpy(a.copy()) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = fn(torch, *theirs, **kwargs)
    except Exception as error:  # torch refuses: so must we, with the same type
        with pytest.raises(type(error)):
            fn(autograd, *ours, **kwargs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        found = fn(autograd, *ours, **kwargs)
    what = f"{name} of {[str(a.dtype) for a in arrays]}"
    if isinstance(expected, bool | tuple):
        assert type(found) is type(expected), what
        if isinstance(expected, tuple):
            for f, e in zip(found, expected, strict=True):
                np.testing.assert_array_equal(f.numpy(), e.numpy(), err_msg=what)
        else:
            assert found == expected, what
        return
    assert str(found.dtype) == str(expected.dtype).removeprefix("torch."), f"{what}: dtype {found.dtype}"
    assert tuple(found.shape) == tuple(expected.shape), what
    e = expected.numpy()
    rtol = TOLERANCE.get(str(e.dtype), 0)
    np.testing.assert_allclose(found.numpy(), e, rtol=rtol, atol=0, equal_nan=True, err_msg=what)


UNARY = (
    *UNARY_DOMAINS, "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "abs", "absolute", "neg",
    "negative", "square", "exp", "log", "sqrt", "isnan", "isinf", "isposinf", "isneginf", "isfinite",
    "logical_not",
)  # fmt: skip
IN_PLACE = (
    "exp2_", "expm1_", "log2_", "log10_", "log1p_", "rsqrt_", "reciprocal_", "sin_", "cos_", "tan_", "asin_",
    "acos_", "atan_", "sinh_", "cosh_", "asinh_", "acosh_", "atanh_", "erf_", "frac_", "arcsin_", "arccos_",
    "arctan_", "arcsinh_", "arccosh_", "arctanh_", "floor_", "ceil_", "round_", "trunc_", "fix_", "sign_",
    "abs_", "absolute_", "neg_", "negative_", "exp_", "log_", "sqrt_",
)  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_against_torch(name: str, dtype: str) -> None:
    both(lambda lib, x: getattr(lib, name)(x), sample(dtype), name=name)
    both(lambda lib, x: getattr(x, name)(), sample(dtype), name=f"Tensor.{name}")
    both(lambda lib, x: getattr(lib, name)(x[0]), sample(dtype), name=f"{name} of a 0-d tensor")
    both(lambda lib, x: getattr(lib, name)(x[:0]), sample(dtype), name=f"{name} of an empty tensor")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_against_torch(name: str, dtype: str) -> None:
    def run(lib: Any, x: Any) -> Any:
        result = getattr(x, name)()
        assert result is x
        return x

    both(run, sample(dtype), name=name)


@pytest.mark.parametrize("dtype", ("float32", "float64", "int64"))
@pytest.mark.parametrize("decimals", (-2, -1, 0, 1, 3))
def test_round_decimals(decimals: int, dtype: str) -> None:
    values = np.array([2.5, 0.125, -0.35, 1234.5678, 15.0, 25.0, -150.0, np.nan, np.inf])
    values = values.astype(dtype) if dtype != "int64" else np.array([-150, -25, 15, 25, 1234])
    if dtype == "int64" and not decimals:  # torch's round(x, decimals=0) refuses integers, round(x) does not
        return
    both(lambda lib, x: lib.round(x, decimals=decimals), values, name=f"round({decimals})")
    both(lambda lib, x: x.clone().round_(decimals=decimals), values, name=f"round_({decimals})")


PAIRS = [(d, d) for d in DTYPES] + [
    ("int64", "float32"), ("float32", "float64"), ("uint8", "int64"), ("bool", "float32"), ("bool", "int64"),
    ("float64", "uint8"),
]  # fmt: skip
BINARY = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "atan2",
    "arctan2", "fmod", "remainder", "hypot", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
)  # fmt: skip


def _grid(a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of edge values: a column against a row."""
    return sample(a)[:, None], sample(b)[None, :]


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("name", BINARY)
def test_binary_against_torch(name: str, pair: tuple[str, str]) -> None:
    x, y = _grid(*pair)
    both(lambda lib, a, b: getattr(lib, name)(a, b), x, y, name=name)
    both(lambda lib, a, b: getattr(a, name)(b), x, y, name=f"Tensor.{name}")


NOT_NUMBERS = ("logical", "atan", "arctan", "hypot", "max", "min")  # (torch takes only tensors there)
NUMBER_OPERANDS = [n for n in BINARY if not n.startswith(NOT_NUMBERS)]


IN_PLACE_BINARY = ("fmod_", "remainder_", "pow_", "atan2_", "arctan2_", "hypot_", "floor_divide_", "div_")


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("name", IN_PLACE_BINARY)
def test_in_place_binary_against_torch(name: str, pair: tuple[str, str]) -> None:
    x, y = _grid(*pair)
    x = np.repeat(x, y.shape[1], axis=1)  # the storage holds the broadcast result

    def run(lib: Any, a: Any, b: Any) -> Any:
        assert getattr(a, name)(b) is a
        return a

    both(run, x, y, name=name)
    both(run, x, np.array(3, dtype=pair[1]), name=f"{name} by a 0-d tensor")


@pytest.mark.parametrize("number", [2, -3, 0, 2.5, -0.5, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NUMBER_OPERANDS)
def test_binary_with_a_number(name: str, dtype: str, number: Any) -> None:
    """(maximum and minimum take numbers here, which torch refuses; a negative number against uint8 is an
    OverflowError here, numpy's, where torch wraps it around.)"""
    if dtype == "uint8" and number is not True and number < 0 and isinstance(number, int):
        return
    both(lambda lib, a: getattr(lib, name)(a, number), sample(dtype), name=f"{name}(x, {number!r})")


@pytest.mark.parametrize("number", [2, -3, 2.5, -0.5])
@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "uint8"] + ["uint8-positive"])
def test_operators_with_numbers(dtype: str, number: Any) -> None:
    """(A negative number against uint8 is numpy's OverflowError here; torch wraps it around.)"""
    x = sample(dtype.removesuffix("-positive"))
    number = abs(number) if dtype.endswith("positive") else number
    for name, fn in {
        "//": lambda lib, a: a // number,
        "r//": lambda lib, a: number // a,
        "%": lambda lib, a: a % number,
        "r%": lambda lib, a: number % a,
        "pow": lambda lib, a: lib.pow(a, number) if number != -0.5 else a,  # torch's x ** -0.5 is rsqrt
        "rpow": lambda lib, a: lib.pow(number, a) if number > 0 else a,
        "add(number, x)": lambda lib, a: lib.add(number, a),
    }.items():
        both(fn, x, name=f"{name} {number!r}")


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes(mode: str | None, pair: tuple[str, str]) -> None:
    x, y = _grid(*pair)
    both(lambda lib, a, b: lib.div(a, b, rounding_mode=mode), x, y, name=f"div {mode}")
    both(lambda lib, a, b: a.divide(b, rounding_mode=mode), x, y, name=f"divide {mode}")
    both(lambda lib, a, b: a.clone().div_(b, rounding_mode=mode), x, y[:, :1], name=f"div_ {mode}")


def test_div_rounding_mode_errors_and_integer_zero() -> None:
    x = np.array([3, -7, 8])
    both(lambda lib, a: lib.div(a, 2, rounding_mode="round"), x)
    both(lambda lib, a: lib.div(a, 0, rounding_mode="floor"), x)
    both(lambda lib, a: lib.fmod(a, 0), x)
    both(lambda lib, a: a % 0, x)
    both(lambda lib, a: lib.div(a, 0), x)  # true division: inf and nan


@pytest.mark.parametrize("alpha", [1, 2, -1, 0.5, 2.5, True])
@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_add_sub_alpha(pair: tuple[str, str], alpha: Any) -> None:
    x, y = _grid(*pair)
    both(lambda lib, a, b: lib.add(a, b, alpha=alpha), x, y, name=f"add alpha={alpha}")
    both(lambda lib, a, b: a.sub(b, alpha=alpha), x, y, name=f"sub alpha={alpha}")
    both(lambda lib, a, b: lib.add(a, 3, alpha=alpha), x, name=f"add(x, 3, alpha={alpha})")


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_pow_over_dtypes(pair: tuple[str, str]) -> None:
    x, y = sample(pair[0])[:, None], np.array([0, 1, 2, 3], dtype=pair[1])[None, :]
    both(lambda lib, a, b: lib.pow(a, b), x, y, name="pow")
    both(lambda lib, a, b: a.pow(b), x, y, name="Tensor.pow")


@pytest.mark.parametrize("dtype", DTYPES)
def test_lerp_forms(dtype: str) -> None:
    x, y = _grid(dtype, dtype)
    for weight in (0.0, 0.3, 0.5, 1.0, -2.0, np.nan):
        both(lambda lib, a, b, w: lib.lerp(a, b, w), x, y, w=weight, name=f"lerp {weight}")
        both(lambda lib, a, b, w: a.clone().lerp_(b[:1, :1], w), x, y, w=weight, name=f"lerp_ {weight}")
    w = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 2.0, np.nan, 0.1, 0.9, -1.0, 3.0, 0.6, 0.4, 1.5])
    w = np.nan_to_num(w).astype(dtype) if dtype[0] != "f" else w.astype(dtype)
    both(lambda lib, a, b, c: lib.lerp(a, b, c), x, y, w[: y.shape[1]][None, :], name="lerp tensor weight")
    both(lambda lib, a, b: lib.lerp(a, b.double(), 0.5), x, y, name="lerp of two dtypes")


@pytest.mark.parametrize("dtype", DTYPES)
def test_clamp_forms(dtype: str) -> None:
    x = sample(dtype)
    bounds = [(0, 2), (1, None), (None, 1), (0.5, 1.5), (2, 1), (np.nan, None), (-1, 300)]
    for low, high in bounds[:-1] if dtype == "uint8" else bounds:  # (numpy refuses -1 for uint8 here)
        what = f"({low}, {high})"
        both(lambda lib, a, lo, hi: lib.clamp(a, lo, hi), x, lo=low, hi=high, name=f"clamp{what}")
        both(lambda lib, a, lo, hi: a.clip(min=lo, max=hi), x, lo=low, hi=high, name=f"clip{what}")
        both(lambda lib, a, lo, hi: a.clone().clamp_(lo, hi), x, lo=low, hi=high, name=f"clamp_{what}")
        both(lambda lib, a, lo, hi: a.clone().clip_(lo, hi), x, lo=low, hi=high, name=f"clip_{what}")
    both(lambda lib, a: lib.clamp(a), x, name="clamp()")
    both(lambda lib, a: a.clone().clamp_(), x, name="clamp_()")
    bounds = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1])[: len(x)].astype(dtype)
    both(lambda lib, a, b: lib.clamp(a, b), x, bounds, name="clamp(tensor)")
    both(lambda lib, a, b: lib.clamp(a, max=b), x, bounds, name="clamp(max=tensor)")
    both(lambda lib, a, b: lib.clamp(a, b, b * 2), x, bounds, name="clamp(tensor, tensor)")


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_isclose_allclose_equal(pair: tuple[str, str]) -> None:
    x, y = _grid(*pair)
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.5}, {"atol": 1.5, "rtol": 0}, {"rtol": 0, "atol": 0}):
        both(lambda lib, a, b, **k: lib.isclose(a, b, **k), x, y, **kwargs, name=f"isclose {kwargs}")
        both(lambda lib, a, b, **k: a.isclose(b, **k), x, x, **kwargs, name=f"Tensor.isclose {kwargs}")
        both(lambda lib, a, b, **k: lib.allclose(a, b, **k), x, y, **kwargs, name=f"allclose {kwargs}")
        both(lambda lib, a, b, **k: a.allclose(a, **k), x, y, **kwargs, name=f"Tensor.allclose {kwargs}")
    both(lambda lib, a, b: lib.isclose(a, b, rtol=-1.0), x, x, name="negative rtol")
    both(lambda lib, a, b: lib.equal(a, b), x, y, name="equal")
    both(lambda lib, a, b: a.equal(a), x, y, name="Tensor.equal")
    both(lambda lib, a, b: lib.equal(a, a[:1]), x, y, name="equal of shapes")
    both(lambda lib, a, b: lib.equal(b, b), x, y, name="equal with nan")


def test_isclose_near_the_tolerance_in_float32() -> None:
    a = np.float32(1.0) + np.arange(-40, 40, dtype=np.float32) * np.float32(1.2e-7)
    b = np.ones_like(a)
    both(lambda lib, x, y: lib.isclose(x, y, rtol=2e-6, atol=0), a, b, name="isclose at the edge")


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_forms(dtype: str) -> None:
    x = sample(dtype)
    mask = np.arange(len(x)) % 3 == 0
    other = np.zeros_like(x)
    both(lambda lib, m, a, b: lib.where(m, a, b), mask, x, other, name="where")
    both(lambda lib, m, a: lib.where(m, a, 2.5), mask, x, name="where(c, x, 2.5)")
    both(lambda lib, m, a: lib.where(m, 1, a), mask, x, name="where(c, 1, x)")
    both(lambda lib, m, a: a.where(m, 0), mask, x, name="Tensor.where")
    both(lambda lib, m: lib.where(m, 1.0, 0), mask, name="where of numbers")
    both(lambda lib, m, a: lib.where(m[:, None], a, a[:1, None]), mask, x, name="where broadcasting")
    both(lambda lib, a: lib.where(a), x, name="where(condition)")
    both(lambda lib, a: lib.where(a, a, a), x, name="where with a non-bool condition")


def test_where_uint8_condition_warns_as_torch() -> None:
    condition = autograd.tensor([1, 0, 2], dtype=autograd.uint8)
    with pytest.warns(UserWarning, match="uint8 condition"):
        out = autograd.where(condition, autograd.tensor([1.0, 2.0, 3.0]), 0.0)
    assert out.tolist() == [1.0, 0.0, 3.0]


# ----- the names, at torch's places --------------------------------------------------------------
NAMES = (
    *UNARY, *BINARY, *IN_PLACE, "round", "lerp", "pow", "clamp", "clip", "isclose", "allclose", "equal",
    "where", "div_", "floor_divide_", "pow_", "fmod_", "remainder_", "atan2_", "arctan2_", "hypot_", "lerp_",
    "clamp_", "clip_", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__ifloordiv__", "__imod__",
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(set(NAMES)))
def test_names_at_torchs_places(name: str) -> None:
    assert hasattr(autograd, name) == hasattr(torch, name), f"autograd.{name} vs torch.{name}"
    assert hasattr(autograd.Tensor, name) == hasattr(torch.Tensor, name), f"Tensor.{name}"


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match="sin"):
        autograd.sin(2.0)
    with pytest.raises(TypeError, match="isclose"):
        autograd.isclose(autograd.tensor([1.0]), 1.0)
    with pytest.raises(RuntimeError, match="can't be cast"):
        autograd.tensor([1, 2]).sin_()


def test_recorded_in_place_refuses_a_saved_tensor() -> None:
    x = autograd.tensor([0.5, 1.0], requires_grad=True)
    y = x * 1
    y.sin()  # saves y
    with pytest.raises(RuntimeError, match="in-place"):
        y.cos_()


def test_in_place_counts_versions_without_grad() -> None:
    x = autograd.tensor([0.5, 1.5])
    before = x._version
    assert x.floor_() is x and x._version == before + 1
    assert x.tolist() == [0.0, 1.0]


SAVE_RESULT = ["exp_", "sqrt_", "tan_", "rsqrt_", "reciprocal_", "expm1_", "exp2_", "pow_", "hypot_"]


@pytest.mark.parametrize("name", SAVE_RESULT)
def test_in_place_of_ops_that_save_their_result(name: str) -> None:
    """First derivatives through an in-place op that saves its result, towards both operands (second ones
    need patches/inplace-saved-result.patch: the saved result is a copy of the storage, not the tensor)."""
    data, other = np.array([0.3, 0.7, 1.2]), np.array([1.5, -0.5, 2.0])
    grads = []
    for lib in (autograd, torch):
        x, y = lib.tensor(data, requires_grad=True), lib.tensor(other, requires_grad=True)
        out = getattr(x * 1, name)(*[y][: name in ("pow_", "hypot_")])
        (out * lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)).sum().backward()
        grads.append([x.grad.numpy(), y.grad if y.grad is None else y.grad.numpy()])
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(
            ours if ours is not None else 0, theirs if theirs is not None else 0, rtol=1e-12
        )
