"""Every optimiser against torch.optim with hypothesis-drawn options: parameter trajectories (float64, many
steps, two parameter groups with options of their own, a parameter that misses some gradients), state_dict
both ways (torch's loaded into ours and ours into torch, then both continue), torch's error messages,
duplicate parameters, zero_grad, add_param_group; and nn.utils (clipping, vector conversion) against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)

STEPS = 25
PAIRS = {
    "SGD": (SGD, torch.optim.SGD),
    "Adam": (Adam, torch.optim.Adam),
    "AdamW": (AdamW, torch.optim.AdamW),
    "RMSprop": (RMSprop, torch.optim.RMSprop),
    "Adagrad": (Adagrad, torch.optim.Adagrad),
}


def small(high: float) -> st.SearchStrategy[float]:
    """0 half the time, else a float in (0, high]."""
    return st.one_of(st.just(0.0), st.floats(1e-4, high))


def flag() -> st.SearchStrategy[bool]:
    return st.booleans()


@st.composite
def sgd_options(draw: st.DrawFn) -> dict[str, object]:
    momentum = draw(small(0.95))
    dampening = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.9)))
    nesterov = momentum > 0 and dampening == 0 and draw(flag())
    return {
        "lr": draw(st.floats(1e-3, 0.2)),
        "momentum": momentum,
        "dampening": dampening,
        "weight_decay": draw(small(0.1)),
        "nesterov": nesterov,
        "maximize": draw(flag()),
    }


@st.composite
def adam_options(draw: st.DrawFn, decoupled: bool = True) -> dict[str, object]:
    options = {
        "lr": draw(st.floats(1e-3, 0.1)),
        "betas": (draw(st.floats(0.0, 0.99)), draw(st.floats(0.5, 0.9999))),
        "eps": draw(st.sampled_from([1e-8, 1e-6, 1e-3])),
        "weight_decay": draw(small(0.2)),
        "amsgrad": draw(flag()),
        "maximize": draw(flag()),
    }
    if decoupled:
        options["decoupled_weight_decay"] = draw(flag())
    return options


@st.composite
def rmsprop_options(draw: st.DrawFn) -> dict[str, object]:
    return {
        "lr": draw(st.floats(1e-3, 0.05)),
        "alpha": draw(st.floats(0.1, 0.999)),
        "eps": draw(st.sampled_from([1e-8, 1e-6, 1e-3])),
        "weight_decay": draw(small(0.1)),
        "momentum": draw(small(0.9)),
        "centered": draw(flag()),
        "maximize": draw(flag()),
    }


@st.composite
def adagrad_options(draw: st.DrawFn) -> dict[str, object]:
    return {
        "lr": draw(st.floats(1e-3, 0.5)),
        "lr_decay": draw(small(0.5)),
        "weight_decay": draw(small(0.1)),
        "initial_accumulator_value": draw(small(1.0)),
        "eps": draw(st.sampled_from([1e-10, 1e-6, 1e-3])),
        "maximize": draw(flag()),
    }


OPTIONS = {
    "SGD": sgd_options(),
    "Adam": adam_options(),
    "AdamW": adam_options(decoupled=False),
    "RMSprop": rmsprop_options(),
    "Adagrad": adagrad_options(),
}


def group_options(name: str) -> st.SearchStrategy[dict[str, object]]:
    """Options a group sets itself (some of the optimiser's), drawn from the same ranges; not SGD's Nesterov
    trio (torch checks those on the defaults only) nor ``maximize`` (the objective's sign follows the
    defaults', so that ascent does not blow up)."""
    fixed = {"maximize", *(("momentum", "dampening", "nesterov") if name == "SGD" else ())}
    if name == "Adagrad":  # torch fills every sum from the constructor's value, ignoring a group's own
        fixed.add("initial_accumulator_value")
    return OPTIONS[name].flatmap(
        lambda full: st.sets(st.sampled_from(sorted(set(full) - fixed))).map(
            lambda keys: {k: full[k] for k in keys}
        )
    )


class Twin:
    """A tiny tanh network as raw parameters in both libraries (float64, same values) and its loss."""

    def __init__(self, seed: int, maximize: bool = False) -> None:
        self.sign = -1.0 if maximize else 1.0  # the objective: its descent under maximize
        rng = np.random.default_rng(seed)
        arrays = [rng.standard_normal(s) * 0.5 for s in ((3, 4), (4,), (4, 1))]
        self.ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
        self.theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        self.x, self.y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))

    def groups(self, lib_params: list, first: dict, second: dict) -> list[dict]:
        return [{"params": lib_params[:2], **first}, {"params": lib_params[2:], **second}]

    def backward(self, step: int) -> None:
        """The loss's gradients on both sides; every third step the bias gets none (it is skipped)."""
        for lib, params in ((autograd, self.ours), (torch, self.theirs)):
            w1, b1, w2 = params
            x, y = lib.tensor(self.x), lib.tensor(self.y)
            hidden = x @ w1 + (b1 if step % 3 else b1.detach())
            loss = ((hidden.tanh() @ w2 - y) ** 2).mean() * self.sign
            for p in params:
                p.grad = None
            loss.backward()

    def assert_equal(self, step: object) -> None:
        for i, (p, q) in enumerate(zip(self.ours, self.theirs, strict=True)):
            np.testing.assert_allclose(
                p.numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-11, err_msg=f"param {i} after step {step}"
            )


def run(twin: Twin, ours: object, theirs: object, steps: int, start: int = 0) -> None:
    for step in range(start, start + steps):
        twin.backward(step)
        ours.step()
        theirs.step()
        twin.assert_equal(step)


@pytest.mark.parametrize("name", list(PAIRS))
@given(data=st.data())
def test_trajectories_match_torch_with_drawn_options_and_groups(name, data):
    ours_cls, torch_cls = PAIRS[name]
    defaults = data.draw(OPTIONS[name], label="defaults")
    first, second = (
        data.draw(group_options(name), label="group 0"),
        data.draw(group_options(name), label="group 1"),
    )
    twin = Twin(data.draw(st.integers(0, 3), label="seed"), defaults["maximize"])
    ours = ours_cls(twin.groups(twin.ours, first, second), **defaults)
    theirs = torch_cls(twin.groups(twin.theirs, first, second), **defaults)
    start = [p.numpy().copy() for p in twin.ours]
    run(twin, ours, theirs, STEPS)
    assert not np.allclose(twin.ours[0].numpy(), start[0])  # the trajectory went somewhere


def to_torch(value: object) -> object:
    """A state_dict with our tensors as torch tensors."""
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_torch(v) for v in value]
    return torch.from_numpy(value.numpy().copy()) if isinstance(value, autograd.Tensor) else value


def to_ours(value: object) -> object:
    """A state_dict with torch's tensors as our tensors."""
    if isinstance(value, dict):
        return {k: to_ours(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_ours(v) for v in value]
    return autograd.tensor(value.numpy()) if isinstance(value, torch.Tensor) else value


def comparable(state_dict: dict) -> tuple[dict, list[dict]]:
    """The state as floats/arrays and the groups without torch's implementation switches."""
    switches = {"foreach", "fused", "differentiable", "capturable"}
    state = {
        i: {k: (float(v) if k == "step" else np.asarray(v)) for k, v in s.items()}
        for i, s in state_dict["state"].items()
    }
    groups = [{k: v for k, v in g.items() if k not in switches} for g in state_dict["param_groups"]]
    return state, groups


@pytest.mark.parametrize("name", list(PAIRS))
@given(data=st.data())
def test_state_dict_both_ways_with_torch(name, data):
    ours_cls, torch_cls = PAIRS[name]
    defaults = data.draw(OPTIONS[name], label="defaults")
    first = data.draw(group_options(name), label="group 0")
    twin = Twin(1, defaults["maximize"])
    ours = ours_cls(twin.groups(twin.ours, first, {}), **defaults)
    theirs = torch_cls(twin.groups(twin.theirs, first, {}), **defaults)
    run(twin, ours, theirs, 4)
    ours_state, ours_groups = comparable(ours.state_dict())
    torch_state, torch_groups = comparable(theirs.state_dict())
    assert ours_groups == torch_groups
    assert ours_state.keys() == torch_state.keys()
    for i in ours_state:
        assert ours_state[i].keys() == torch_state[i].keys()
        for key in ours_state[i]:
            np.testing.assert_allclose(ours_state[i][key], torch_state[i][key], rtol=1e-9, atol=1e-12)
    # torch's state into a fresh optimiser of ours, and ours into a fresh torch one; all four continue
    twin2 = Twin(1, defaults["maximize"])  # ours starts from torch's current values and torch's from ours
    with autograd.no_grad(), torch.no_grad():
        for p, q, p_now, q_now in zip(twin2.ours, twin2.theirs, twin.ours, twin.theirs, strict=True):
            p.copy_(autograd.tensor(q_now.detach().numpy()))
            q.copy_(torch.tensor(p_now.numpy()))
    ours2 = ours_cls(twin2.groups(twin2.ours, {}, {}), lr=0.5)
    theirs2 = torch_cls(twin2.groups(twin2.theirs, {}, {}), lr=0.5)
    ours2.load_state_dict(to_ours(theirs.state_dict()))
    theirs2.load_state_dict(to_torch(ours.state_dict()))
    run(twin, ours, theirs, 6, start=4)
    run(twin2, ours2, theirs2, 6, start=4)
    twin.assert_equal("continued")
    for p, q in zip(twin.ours, twin2.ours, strict=True):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-9, atol=1e-11)


def test_loading_copies_the_buffers_and_checks_the_groups():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    opt = Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    other = Adam([autograd.tensor([1.0, 2.0], requires_grad=True)])
    other.load_state_dict(opt.state_dict())
    (loaded,) = other.state.values()
    assert loaded["exp_avg"] is not opt.state[w]["exp_avg"]
    np.testing.assert_array_equal(loaded["exp_avg"].numpy(), opt.state[w]["exp_avg"].numpy())
    assert loaded["step"] == 1.0 and other.param_groups[0]["lr"] == 0.1
    with pytest.raises(ValueError, match="different number of parameter groups"):
        Adam([{"params": [w]}, {"params": [autograd.zeros(1, requires_grad=True)]}]).load_state_dict(
            opt.state_dict()
        )
    with pytest.raises(ValueError, match="doesn't match the size"):
        Adam([w, autograd.zeros(1, requires_grad=True)]).load_state_dict(opt.state_dict())


def test_adamw_stays_decoupled_after_loading_an_adam_state():
    w = autograd.tensor([1.0], requires_grad=True)
    opt = AdamW([w])
    opt.load_state_dict(Adam([autograd.tensor([1.0], requires_grad=True)]).state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# ----- errors as torch's --------------------------------------------------------------------------------
BAD = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -1.0}),
    ("SGD", {"weight_decay": -1.0}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adam", {"lr": -1.0}),
    ("Adam", {"eps": -1.0}),
    ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("RMSprop", {"alpha": -0.5}),
    ("RMSprop", {"momentum": -0.5}),
    ("RMSprop", {"eps": -1.0}),
    ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -1.0}),
    ("Adagrad", {"lr": float("nan")}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_options_raise_torchs_errors(name, kwargs):
    ours_cls, torch_cls = PAIRS[name]
    with pytest.raises(ValueError) as theirs:
        torch_cls([torch.zeros(1, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        ours_cls([autograd.zeros(1, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", list(PAIRS))
def test_an_option_of_the_wrong_type_is_named(name):
    """Issue 19, item 19: torch says ``'<' not supported between 'str' and 'float'``; we name the argument."""
    with pytest.raises(
        TypeError, match=r"Invalid learning rate: '0.1' \(lr must be a real number, got str\)"
    ):
        PAIRS[name][0]([autograd.zeros(1, requires_grad=True)], lr="0.1")
    with pytest.raises(TypeError, match="weight_decay must be a real number, got NoneType"):
        PAIRS[name][0]([autograd.zeros(1, requires_grad=True)], weight_decay=None)
    with pytest.raises(
        ValueError, match="Invalid learning rate: -1"
    ):  # a group's own options are checked too
        PAIRS[name][0]([{"params": [autograd.zeros(1, requires_grad=True)], "lr": -1}])


@pytest.mark.parametrize("name", list(PAIRS))
def test_duplicate_parameters_are_refused(name):
    """Issue 19, item 14: ``SGD([w, w], lr=1)`` moved w twice per step (torch warns that it will refuse)."""
    w = autograd.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="duplicate parameters"):
        PAIRS[name][0]([w, w], lr=1.0)
    opt = PAIRS[name][0]([w], lr=1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    for params in ({w}, [{"params": {w}}]):
        with pytest.raises(TypeError, match="ordered collections"):
            PAIRS[name][0](params, lr=1.0)


def test_named_and_unnamed_groups_do_not_mix():
    w, v = autograd.zeros(1, requires_grad=True), autograd.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="Some param names are missing"):
        SGD([("w", w), v], lr=0.1)
    opt = SGD([("w", w)], lr=0.1)
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [v]})


@pytest.mark.parametrize("name", list(PAIRS))
def test_add_param_group_later_and_zero_grad_to_zeros(name):
    ours_cls, torch_cls = PAIRS[name]
    twin = Twin(2)
    ours, theirs = ours_cls(twin.ours[:2], lr=0.01), torch_cls(twin.theirs[:2], lr=0.01)
    run(twin, ours, theirs, 3)
    ours.add_param_group({"params": [twin.ours[2]], "lr": 0.05})
    theirs.add_param_group({"params": [twin.theirs[2]], "lr": 0.05})
    if name == "Adagrad":  # torch's Adagrad makes state in its constructor only; ours in add_param_group too
        theirs.state[twin.theirs[2]] = {"step": torch.tensor(0.0), "sum": torch.zeros_like(twin.theirs[2])}
    assert ours.param_groups[1]["lr"] == 0.05
    run(twin, ours, theirs, 5, start=3)
    ours.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in twin.ours)
    ours.zero_grad()
    assert all(p.grad is None for p in twin.ours)


def test_step_bumps_the_parameter_version_so_a_saved_graph_notices():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    (w * 3).sum().backward()
    SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError):
        loss.backward()


# ----- nn.utils ----------------------------------------------------------------------------------------
@st.composite
def grad_sets(draw: st.DrawFn) -> list[np.ndarray]:
    shapes = draw(st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3), min_size=1, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = draw(st.sampled_from([1e-3, 1.0, 50.0]))
    return [rng.standard_normal(s) * scale for s in shapes]


def twin_params(grads: list[np.ndarray], dtype: str) -> tuple[list, list]:
    ours, theirs = [], []
    for g in grads:
        p, q = (
            autograd.zeros(*g.shape, dtype=dtype, requires_grad=True),
            torch.zeros(g.shape, dtype=getattr(torch, dtype), requires_grad=True),
        )
        p.grad, q.grad = autograd.tensor(g.astype(dtype)), torch.tensor(g.astype(dtype))
        ours.append(p)
        theirs.append(q)
    return ours, theirs


@given(
    grads=grad_sets(),
    max_norm=st.floats(0.01, 100.0),
    norm_type=st.sampled_from([2.0, 1.0, 3.5, 0.5, math.inf, -math.inf, "inf", 2]),
    dtype=st.sampled_from(["float64", "float32"]),
)
def test_clip_grad_norm_matches_torch(grads, max_norm, norm_type, dtype):
    ours, theirs = twin_params(grads, dtype)
    total = clip_grad_norm_(iter(ours), max_norm, norm_type=norm_type)  # model.parameters() is a generator
    expected = torch.nn.utils.clip_grad_norm_(iter(theirs), max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    assert total.dtype == getattr(autograd, dtype) and total.shape == ()
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=rtol)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=1e-30)


def test_clip_grad_norm_edges():
    w = autograd.zeros(2, requires_grad=True)
    assert clip_grad_norm_([w], 1.0).item() == 0.0  # no gradients: norm 0
    w.grad = autograd.tensor([3.0, 4.0])
    assert clip_grad_norm_(w, 10.0).item() == 5.0  # a single tensor is accepted; below max_norm: unchanged
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0], rtol=1e-6)
    w.grad = autograd.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    q = torch.zeros(2, requires_grad=True)
    q.grad = torch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)
    assert get_total_norm([autograd.tensor([1.0, -2.0])], "inf").item() == 2.0


@given(grads=grad_sets(), clip=st.floats(0.0, 2.0))
def test_clip_grad_value_matches_torch(grads, clip):
    ours, theirs = twin_params(grads, "float64")
    clip_grad_value_(iter(ours), clip)
    torch.nn.utils.clip_grad_value_(iter(theirs), clip)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


@given(grads=grad_sets())
def test_parameters_to_vector_and_back(grads):
    ours, theirs = twin_params(grads, "float64")
    for p, q, g in zip(ours, theirs, grads, strict=True):
        with autograd.no_grad():
            p.copy_(autograd.tensor(g))
        with torch.no_grad():
            q.copy_(torch.tensor(g))
    vec, expected = parameters_to_vector(iter(ours)), torch.nn.utils.parameters_to_vector(iter(theirs))
    np.testing.assert_array_equal(vec.numpy(), expected.detach().numpy())
    weights = np.arange(vec.numel(), dtype=np.float64)
    (vec * autograd.tensor(weights)).sum().backward()  # differentiable, as torch's
    (expected * torch.tensor(weights)).sum().backward()
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    new = -vec.detach() * 2
    vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(new.numpy()), theirs)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())


def test_vector_to_parameters_errors():
    w = autograd.zeros(2, 2, requires_grad=True)
    with pytest.raises(TypeError, match="expected Tensor"):
        vector_to_parameters(np.zeros(4), [w])
    with pytest.raises(RuntimeError, match="hold 4 values, got a vector of shape"):
        vector_to_parameters(autograd.zeros(5), [w])


def test_nn_namespace():
    assert nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert nn.optim.lr_scheduler.StepLR.__module__ == "nn.optim.lr_scheduler"
    assert {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"} <= set(nn.optim.__all__)
