"""nn.optim.lr_scheduler against torch.optim.lr_scheduler: the learning rates (and OneCycleLR's momentum or
beta1) of two parameter groups over many epochs with hypothesis-drawn options, ReduceLROnPlateau fed a drawn
metric sequence, state_dict taken from torch and continued here, resuming with last_epoch, and the errors."""

from __future__ import annotations

import math
import warnings

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd
from nn.optim import SGD, Adam, lr_scheduler

EPOCHS = 60


class Halve:
    """A picklable-style callable object (its ``__dict__`` is what LambdaLR's state_dict keeps)."""

    def __init__(self, every: int) -> None:
        self.every = every

    def __call__(self, epoch: int) -> float:
        return 0.5 ** (epoch // self.every)


def twin_optimizers(kind: str, lrs: tuple[float, float]) -> tuple[object, object]:
    """Ours and torch's optimiser (``kind`` 'sgd' with momentum, or 'adam') over two groups."""
    groups = []
    for lib in (autograd, torch):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        groups.append([{"params": [a], "lr": lrs[0]}, {"params": [b], "lr": lrs[1]}])
    if kind == "adam":
        return Adam(groups[0]), torch.optim.Adam(groups[1])
    return SGD(groups[0], momentum=0.9), torch.optim.SGD(groups[1], momentum=0.9)


def assert_groups_equal(ours: object, theirs: object, epoch: int) -> None:
    for key in ("lr", "momentum", "betas"):
        for g, h in zip(ours.param_groups, theirs.param_groups, strict=True):
            if key in h:
                assert g[key] == pytest.approx(h[key], rel=1e-12, abs=1e-15), f"{key} at epoch {epoch}"


def follow(ours_sched: object, torch_sched: object, epochs: int, metrics: list[float] | None = None) -> None:
    """Steps both schedulers ``epochs`` times, comparing get_last_lr and the groups after each step."""
    ours_opt, torch_opt = ours_sched.optimizer, torch_sched.optimizer
    assert ours_sched.get_last_lr() == pytest.approx(torch_sched.get_last_lr(), rel=1e-12)
    assert_groups_equal(ours_opt, torch_opt, -1)
    for epoch in range(epochs):
        torch_opt.step()  # (torch warns when a scheduler steps before its optimiser)
        if metrics is None:
            ours_sched.step()
            torch_sched.step()
        else:
            ours_sched.step(metrics[epoch])
            torch_sched.step(metrics[epoch])
        assert ours_sched.last_epoch == torch_sched.last_epoch
        assert ours_sched.get_last_lr() == pytest.approx(torch_sched.get_last_lr(), rel=1e-12, abs=1e-15)
        assert_groups_equal(ours_opt, torch_opt, epoch)


lrs = st.tuples(st.floats(1e-3, 1.0), st.floats(1e-3, 1.0))
gammas = st.floats(0.05, 1.0)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A scheduler's name and drawn constructor options."""
    name = draw(st.sampled_from(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR"]))
    if name == "StepLR":
        return name, {"step_size": draw(st.integers(1, 15)), "gamma": draw(gammas)}
    if name == "MultiStepLR":
        milestones = draw(st.lists(st.integers(1, EPOCHS), min_size=1, max_size=5))  # repeats count twice
        return name, {"milestones": milestones, "gamma": draw(gammas)}
    if name == "ExponentialLR":
        return name, {"gamma": draw(st.floats(0.8, 1.0))}
    if name == "CosineAnnealingLR":  # T_max shorter than the run: torch's recursion keeps cycling
        return name, {"T_max": draw(st.integers(1, 40)), "eta_min": draw(st.sampled_from([0.0, 1e-4, 1e-3]))}
    if draw(st.booleans()):
        return name, {"lr_lambda": Halve(draw(st.integers(1, 10)))}
    return name, {"lr_lambda": [lambda epoch: 1.0 / (1 + epoch), lambda epoch: 0.99**epoch]}


@given(spec=schedules(), lrs=lrs)
def test_schedules_match_torch(spec, lrs):
    name, kwargs = spec
    ours_opt, torch_opt = twin_optimizers("sgd", lrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        follow(
            getattr(lr_scheduler, name)(ours_opt, **kwargs),
            getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs),
            EPOCHS,
        )


@given(
    kind=st.sampled_from(["sgd", "adam"]),
    lrs=lrs,
    total=st.integers(2, 80),
    pct_start=st.floats(0.05, 0.5),
    anneal_strategy=st.sampled_from(["cos", "linear"]),
    three_phase=st.booleans(),
    cycle_momentum=st.booleans(),
    momenta=st.tuples(st.floats(0.5, 0.9), st.floats(0.9, 0.99)),
    divs=st.tuples(st.floats(2.0, 50.0), st.floats(10.0, 1e4)),
    per_group_max=st.booleans(),
)
def test_one_cycle_matches_torch(
    kind, lrs, total, pct_start, anneal_strategy, three_phase, cycle_momentum, momenta, divs, per_group_max
):
    ours_opt, torch_opt = twin_optimizers(kind, (0.1, 0.1))
    kwargs = {
        "max_lr": list(lrs) if per_group_max else lrs[0],
        "total_steps": total,
        "pct_start": pct_start,
        "anneal_strategy": anneal_strategy,
        "three_phase": three_phase,
        "cycle_momentum": cycle_momentum,
        "base_momentum": momenta[0],
        "max_momentum": momenta[1],
        "div_factor": divs[0],
        "final_div_factor": divs[1],
    }
    ours = lr_scheduler.OneCycleLR(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.OneCycleLR(torch_opt, **kwargs)
    follow(ours, theirs, total - 1)
    with pytest.raises(ValueError, match="Tried to step"):  # past total_steps, as torch
        ours.step()
        ours.step()


def test_one_cycle_by_epochs_and_its_errors():
    ours_opt, torch_opt = twin_optimizers("sgd", (0.1, 0.1))
    follow(
        lr_scheduler.OneCycleLR(ours_opt, 1.0, epochs=3, steps_per_epoch=4),
        torch.optim.lr_scheduler.OneCycleLR(torch_opt, 1.0, epochs=3, steps_per_epoch=4),
        11,
    )
    bad = [
        ({}, "You must define either total_steps"),
        ({"total_steps": 0}, "positive integer total_steps"),
        ({"total_steps": 5, "pct_start": 2.0}, "pct_start"),
        ({"total_steps": 5, "anneal_strategy": "x"}, "anneal"),
    ]
    for kwargs, message in bad:
        for opt, module in ((ours_opt, lr_scheduler), (torch_opt, torch.optim.lr_scheduler)):
            with pytest.raises(ValueError, match=message):
                module.OneCycleLR(opt, 1.0, **kwargs)
    w = autograd.zeros(1, requires_grad=True)
    from nn.optim import Adagrad

    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(Adagrad([w]), 1.0, total_steps=5)


@given(
    lrs=lrs,
    metrics=st.lists(
        st.sampled_from([1.0, 0.5, 0.9999, 1.2, 0.3, 0.29999, -0.1, 2.0]), min_size=5, max_size=50
    ),
    mode=st.sampled_from(["min", "max"]),
    factor=st.floats(0.05, 0.9),
    patience=st.integers(0, 4),
    threshold=st.sampled_from([0.0, 1e-4, 0.05]),
    threshold_mode=st.sampled_from(["rel", "abs"]),
    cooldown=st.integers(0, 3),
    min_lr=st.one_of(st.sampled_from([0.0, 1e-3]), st.tuples(st.sampled_from([0.0, 0.01]), st.just(0.05))),
    eps=st.sampled_from([1e-8, 1e-2]),
)
def test_reduce_on_plateau_matches_torch(
    lrs, metrics, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps
):
    ours_opt, torch_opt = twin_optimizers("sgd", lrs)
    kwargs = {
        "mode": mode,
        "factor": factor,
        "patience": patience,
        "threshold": threshold,
        "threshold_mode": threshold_mode,
        "cooldown": cooldown,
        "min_lr": list(min_lr) if isinstance(min_lr, tuple) else min_lr,
        "eps": eps,
    }
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kwargs)
    follow(ours, theirs, len(metrics), metrics)
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours, key) == getattr(theirs, key), key
    ours.step(autograd.tensor(0.5))  # a one-element tensor is a metric too


def test_reduce_on_plateau_errors():
    ours_opt, torch_opt = twin_optimizers("sgd", (0.1, 0.1))
    for kwargs, kind, message in [
        ({"factor": 1.0}, ValueError, "Factor should be < 1.0"),
        ({"mode": "up"}, ValueError, "mode up is unknown"),
        ({"threshold_mode": "x"}, ValueError, "threshold mode x is unknown"),
        ({"min_lr": [0.1]}, ValueError, "expected 2 min_lrs, got 1"),
    ]:
        for opt, module in ((ours_opt, lr_scheduler), (torch_opt, torch.optim.lr_scheduler)):
            with pytest.raises(kind, match=message):
                module.ReduceLROnPlateau(opt, **kwargs)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(torch_opt, 3)


@given(spec=schedules(), lrs=lrs, split=st.integers(1, EPOCHS - 1))
def test_state_dict_from_torch_continues_here(spec, lrs, split):
    """torch's scheduler (and optimiser groups) after ``split`` epochs, loaded into fresh ones of ours."""
    name, kwargs = spec
    ours_opt, torch_opt = twin_optimizers("sgd", lrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs)
        for _ in range(split):
            torch_opt.step()
            theirs.step()
        ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
        for group, saved in zip(ours_opt.param_groups, torch_opt.param_groups, strict=True):
            group.update({k: v for k, v in saved.items() if k != "params"})
        ours.load_state_dict(theirs.state_dict())
        assert ours.state_dict().keys() >= {"base_lrs", "last_epoch", "_last_lr", "_step_count"}
        follow(ours, theirs, EPOCHS - split)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "ExponentialLR"])
def test_resuming_with_last_epoch_matches_torch(name):
    kwargs = {"StepLR": {"step_size": 3}, "CosineAnnealingLR": {"T_max": 7}, "ExponentialLR": {"gamma": 0.9}}[
        name
    ]
    ours_opt, torch_opt = twin_optimizers("sgd", (0.1, 0.2))
    for opt in (ours_opt, torch_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        follow(
            getattr(lr_scheduler, name)(ours_opt, last_epoch=5, **kwargs),
            getattr(torch.optim.lr_scheduler, name)(torch_opt, last_epoch=5, **kwargs),
            20,
        )
    fresh, _ = twin_optimizers("sgd", (0.1, 0.2))
    with pytest.raises(KeyError, match="initial_lr"):
        getattr(lr_scheduler, name)(fresh, last_epoch=5, **kwargs)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(name):
    kwargs = {
        "StepLR": {"step_size": 3},
        "MultiStepLR": {"milestones": [2, 5, 5]},
        "ExponentialLR": {"gamma": 0.9},
        "CosineAnnealingLR": {"T_max": 7},
    }[name]
    ours_opt, torch_opt = twin_optimizers("sgd", (0.1, 0.2))
    ours = getattr(lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs)
    for epoch in (4, 9, 2, 13):
        with pytest.warns(UserWarning):
            ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


def test_lambda_lr_state_dict_keeps_callable_objects_only():
    opt, _ = twin_optimizers("sgd", (0.1, 0.2))
    halve = Halve(3)
    sched = lr_scheduler.LambdaLR(opt, [halve, lambda epoch: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"every": 3}, None]
    halve.every = 99
    sched.load_state_dict(state)
    assert halve.every == 3
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [halve])
    assert math.isclose(opt.param_groups[0]["lr"], 0.1)
