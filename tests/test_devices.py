"""Devices as torch on a CPU-only build: device objects, ``device=`` on every creation function,
``Tensor.to``/``Module.to`` in all of torch's forms, and any other device refused with an error that says
this build runs on the CPU only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn

DTYPES = {torch.float32: ag.float32, torch.float64: ag.float64, torch.int64: ag.int64, torch.int32: ag.int32}
TORCH = {ours: theirs for theirs, ours in DTYPES.items()}


pytestmark = pytest.mark.usefixtures("torch_float32")


# ----- device objects ---------------------------------------------------------------------------------
SPECS = [
    ("cpu",),
    ("cpu:0",),
    ("cpu", 0),
    ("cpu", 3),
    ("cuda",),
    ("cuda:1",),
    ("mps",),
    ("meta",),
    ("xla:2",),
]


@pytest.mark.parametrize("spec", SPECS)
def test_device_objects_are_torchs(spec):
    ours, theirs = ag.device(*spec), torch.device(*spec)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert ag.device(ours) == ours and hash(ag.device(str(ours))) == hash(ours)
    for other in SPECS:
        assert (ours == ag.device(*other)) == (theirs == torch.device(*other))
    assert (ours == str(ours)) == (theirs == str(theirs))  # torch: a device never equals a string
    assert ag.device(type=ours.type, index=ours.index) == ours


@pytest.mark.parametrize(
    "args", [("gpu",), ("cpu:x",), ("cpu:-1",), ("cpu:01",), ("cpu", -1), ("cpu:0", 0), ("CPU",), ("",)]
)
def test_bad_device_strings_raise_as_torch(args):
    with pytest.raises(RuntimeError) as theirs:
        torch.device(*args)
    with pytest.raises(RuntimeError) as ours:
        ag.device(*args)
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


def test_a_device_is_a_context_manager_for_the_cpu_only():
    with ag.device("cpu"):
        assert ag.zeros(1).device == ag.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"), ag.device("cuda"):
        pass


def test_cuda_is_not_available():
    assert ag.cuda.is_available() is torch.cuda.is_available() is False
    assert ag.cuda.device_count() == 0


# ----- device= on every creation function ------------------------------------------------------------
X = ag.ones(2, 3)
CREATIONS: dict[str, Callable[[Any], ag.Tensor]] = {
    "tensor": lambda d: ag.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: ag.as_tensor([1.0, 2.0], device=d),
    "zeros": lambda d: ag.zeros(2, 3, device=d),
    "ones": lambda d: ag.ones((2,), device=d),
    "full": lambda d: ag.full((2,), 1.5, device=d),
    "empty": lambda d: ag.empty(2, device=d),
    "eye": lambda d: ag.eye(3, device=d),
    "arange": lambda d: ag.arange(4, device=d),
    "linspace": lambda d: ag.linspace(0, 1, 5, device=d),
    "logspace": lambda d: ag.logspace(0, 1, 5, device=d),
    "rand": lambda d: ag.rand(2, device=d),
    "randn": lambda d: ag.randn(2, device=d),
    "randint": lambda d: ag.randint(3, (2,), device=d),
    "randperm": lambda d: ag.randperm(3, device=d),
    "normal": lambda d: ag.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda d: ag.zeros_like(X, device=d),
    "ones_like": lambda d: ag.ones_like(X, device=d),
    "empty_like": lambda d: ag.empty_like(X, device=d),
    "full_like": lambda d: ag.full_like(X, 2.0, device=d),
    "rand_like": lambda d: ag.rand_like(X, device=d),
    "randn_like": lambda d: ag.randn_like(X, device=d),
    "randint_like": lambda d: ag.randint_like(X, 5, device=d),
    "Generator": lambda d: ag.zeros(1, device=ag.Generator(device=d).device),
    "nn.Linear": lambda d: nn.Linear(2, 2, device=d).weight,
}
CPUS = [None, "cpu", "cpu:0", ag.device("cpu"), ag.device("cpu", 0), torch.device("cpu")]
OTHERS = ["cuda", "cuda:0", "mps", "meta", ag.device("cuda", 1), torch.device("cuda")]


@pytest.mark.parametrize("name", CREATIONS)
def test_every_creation_function_takes_the_cpu(name):
    for where in CPUS:
        made = CREATIONS[name](where)
        assert made.device == ag.device("cpu") and repr(made.device) == "device(type='cpu')"


@pytest.mark.parametrize("name", CREATIONS)
def test_every_creation_function_refuses_other_devices_clearly(name):
    for where in OTHERS:
        with pytest.raises(RuntimeError, match="runs on the CPU only") as error:
            CREATIONS[name](where)
        assert "data type" not in str(error.value) and str(ag.device(str(where))) in str(error.value)
    with pytest.raises(RuntimeError, match="Expected one of cpu"):
        CREATIONS[name]("gpu")


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((0, 2, 5), {}),
        ((-1, 1, 3), {"base": 2.0}),
        ((2, 0, 4), {"dtype": ag.float64}),
        ((0, 3, 4), {"dtype": ag.int64}),
        ((1, 1, 1), {}),
        ((0, 1, 0), {}),
        ((0.5, 1.5, 3), {"base": 3}),
    ],
)
def test_logspace_matches_torch(args, kwargs):
    ours = ag.logspace(*args, **kwargs)
    theirs = torch.logspace(*args, **{k: TORCH.get(v, v) if k == "dtype" else v for k, v in kwargs.items()})
    assert ours.dtype == DTYPES[theirs.dtype] and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.logspace(0, 1, -1)


# ----- Tensor.device, .to, .cpu -------------------------------------------------------------------------
def test_tensor_device_and_cpu_are_torchs():
    x, t = ag.ones(2), torch.ones(2)
    assert repr(x.device) == repr(t.device) and x.device == ag.device("cpu")
    assert x.cpu() is x and t.cpu() is t
    assert x.is_cpu is t.is_cpu is True and x.is_cuda is t.is_cuda is False
    assert x.cpu(memory_format=ag.contiguous_format) is x


def _form(lib: Any, other: Any, form: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """One of torch's ``to`` calls, spelled for ``lib`` (``other``: a float64 tensor of that library)."""
    f64 = lib.float64
    i64 = lib.int64
    dev = lib.device("cpu")
    fmt = lib.contiguous_format
    return {
        "device str": (("cpu",), {}),
        "device str:0": (("cpu:0",), {}),
        "device object": ((dev,), {}),
        "dtype": ((f64,), {}),
        "int dtype": ((i64,), {}),
        "same dtype": ((lib.float32,), {}),
        "device, dtype": (("cpu", f64), {}),
        "device object, dtype": ((dev, f64), {}),
        "other tensor": ((other,), {}),
        "dtype, non_blocking, copy": ((f64, False, True), {}),
        "same dtype, copy": ((lib.float32, False, True), {}),
        "device, dtype, non_blocking, copy": (("cpu", lib.float32, True, True), {}),
        "other, non_blocking": ((other, True), {}),
        "keyword dtype": ((), {"dtype": f64}),
        "keyword device": ((), {"device": "cpu"}),
        "keywords device, dtype": ((), {"device": dev, "dtype": f64}),
        "keyword copy": ((), {"copy": True}),
        "keyword memory_format": ((), {"memory_format": fmt}),
        "dtype and memory_format": ((f64,), {"memory_format": fmt}),
        "copy and memory_format": ((), {"copy": True, "memory_format": fmt}),
        "non_blocking": ((f64,), {"non_blocking": True}),
        "preserve_format": ((f64,), {"memory_format": lib.preserve_format}),
    }[form]


FORMS = [
    "device str",
    "device str:0",
    "device object",
    "dtype",
    "int dtype",
    "same dtype",
    "device, dtype",
    "device object, dtype",
    "other tensor",
    "dtype, non_blocking, copy",
    "same dtype, copy",
    "device, dtype, non_blocking, copy",
    "other, non_blocking",
    "keyword dtype",
    "keyword device",
    "keywords device, dtype",
    "keyword copy",
    "keyword memory_format",
    "dtype and memory_format",
    "copy and memory_format",
    "non_blocking",
    "preserve_format",
]


@pytest.mark.parametrize("form", FORMS)
@given(transposed=st.booleans(), requires_grad=st.booleans(), rows=st.integers(1, 4), cols=st.integers(1, 4))
def test_to_takes_every_form_of_torchs(form, transposed, requires_grad, rows, cols):
    values = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) / 7
    results = []
    for lib in (ag, torch):
        x = lib.tensor(values, requires_grad=requires_grad)
        source = x.T if transposed else x
        args, kwargs = _form(lib, lib.zeros(1, dtype=lib.float64), form)
        y = source.to(*args, **kwargs)
        if y.requires_grad:
            (y * lib.tensor(values.T if transposed else values, dtype=y.dtype)).sum().backward()
        results.append(
            (
                y is source,
                str(y.dtype).removeprefix("torch."),
                y.is_contiguous(),
                y.requires_grad,
                y.detach().numpy().tolist(),
                None if x.grad is None else x.grad.numpy().tolist(),
            )
        )
    ours, theirs = results
    assert ours[:4] == theirs[:4]
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-6)
    assert (ours[5] is None) == (theirs[5] is None)
    if theirs[5] is not None:
        np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.to("cuda"),
        lambda x: x.to("cuda:0"),
        lambda x: x.to("mps"),
        lambda x: x.to(ag.device("cuda")),
        lambda x: x.to(torch.device("cuda")),
        lambda x: x.to(0),
        lambda x: x.to("cuda", ag.float64),
        lambda x: x.to(device="cuda"),
        lambda x: x.to(device="mps", dtype=ag.float64),
        lambda x: x.cuda(),
        lambda x: x.cuda(0),
        lambda x: nn.Linear(2, 2).to("cuda"),
        lambda x: nn.Linear(2, 2).to("mps"),
        lambda x: nn.Linear(2, 2).cuda(),
        lambda x: nn.Linear(2, 2, device="cuda"),
    ],
)
def test_other_devices_are_refused_with_a_clear_message(call):
    with pytest.raises(RuntimeError, match="runs on the CPU only") as error:
        call(ag.ones(2))
    assert "data type" not in str(error.value)


@pytest.mark.parametrize(
    "call, kind",
    [
        (lambda lib: lib.ones(2).to(lib.float64, lib.float32), TypeError),
        (lambda lib: lib.ones(2).to(lib.float64, foo=1), TypeError),
        (lambda lib: lib.ones(2).to(lib.float64, dtype=lib.float32), TypeError),
        (lambda lib: lib.ones(2).to(lib.float64, False, True, True), TypeError),
        (lambda lib: lib.ones(2).to("gpu"), RuntimeError),
        (
            lambda lib: nn.Linear(2, 2).to(ag.int64) if lib is ag else torch.nn.Linear(2, 2).to(torch.int64),
            TypeError,
        ),
    ],
)
def test_bad_to_arguments_raise_as_torch(call, kind):
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind):
        call(ag)


def test_channels_last_is_named_and_refused():
    with pytest.raises(NotImplementedError, match="channels_last"):
        ag.ones(1, 2, 3, 4).to(memory_format=ag.channels_last)
    with pytest.raises(NotImplementedError, match="channels_last"):
        ag.zeros_like(ag.ones(2), memory_format=ag.channels_last)


def test_module_to_takes_torchs_forms():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    reference = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    for forms in (
        (("cpu",), {}),
        ((ag.device("cpu"),), {}),
        ((ag.float64,), {}),
        (("cpu", ag.float32), {}),
        ((), {"device": "cpu", "dtype": ag.float64}),
        ((ag.zeros(1, dtype=ag.float32),), {}),
        ((), {"memory_format": ag.contiguous_format}),
        ((ag.float64,), {"non_blocking": True}),
    ):
        args, kwargs = forms
        targs = tuple(_torch_value(a) for a in args)
        tkwargs = {k: _torch_value(v) for k, v in kwargs.items()}
        assert model.to(*args, **kwargs) is model and reference.to(*targs, **tkwargs) is reference
        ours = [str(p.dtype) for p in model.parameters()]
        assert ours == [str(p.dtype).removeprefix("torch.") for p in reference.parameters()]
    assert model.cpu() is model and reference.cpu() is reference
    model.to(ag.float64)
    x = ag.ones(4, 3, dtype=ag.float64)
    model(x).sum().backward()
    model.to(ag.float32)  # gradients follow the parameters
    assert all(p.grad.dtype == ag.float32 for p in model.parameters())


def _torch_value(value: Any) -> Any:
    """An argument of ours as torch's."""
    if isinstance(value, ag.Tensor):
        return torch.tensor(value.numpy())
    if isinstance(value, ag.device):
        return torch.device(str(value))
    if value is ag.contiguous_format:
        return torch.contiguous_format
    return TORCH.get(value, value)


def test_torch_dtypes_and_devices_are_understood():
    x = ag.ones(2)
    assert x.to(torch.float64).dtype == ag.float64
    assert x.to(torch.device("cpu"), torch.float64).dtype == ag.float64
    assert ag.zeros(2, device=torch.device("cpu")).device == ag.device("cpu")
