"""``fit`` with a learning-rate scheduler and gradient clipping against the same loop written in torch
(float64, minibatches), and the training CLI's --optimizer, --weight-decay, --clip-grad-norm, --scheduler."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd
import nn
from nn.cli import _optimizer, _scheduler, build_parser, main
from nn.data import DataLoader, TensorDataset, make_moons
from nn.optim import lr_scheduler

pytestmark = pytest.mark.usefixtures("torch_float64")

SCHEDULES = {  # name: (how to make it on either side, fit's scheduler_step)
    "step": (lambda mod, opt: mod.StepLR(opt, step_size=2, gamma=0.5), "epoch"),
    "onecycle": (lambda mod, opt: mod.OneCycleLR(opt, max_lr=0.5, total_steps=4 * 5), "batch"),
    "plateau": (lambda mod, opt: mod.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.2), "epoch"),
    "none": (lambda mod, opt: None, "epoch"),
}


def twins() -> tuple[nn.Module, torch.nn.Module]:
    ours = nn.Sequential(
        nn.Linear(2, 8, dtype=autograd.float64, generator=np.random.default_rng(0)),
        nn.Tanh(),
        nn.Linear(8, 1, dtype=autograd.float64, generator=np.random.default_rng(1)),
    )
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("clip", [None, 0.05])
def test_fit_with_a_scheduler_and_clipping_follows_torch(schedule, clip):
    X, y = make_moons(40, noise=0.2, seed=3)
    y = y.astype(np.float64).reshape(-1, 1)
    ours, theirs = twins()
    make, every = SCHEDULES[schedule]
    opt = nn.optim.SGD(ours.parameters(), lr=0.3, momentum=0.5)
    loader = DataLoader(TensorDataset(autograd.tensor(X), autograd.tensor(y)), batch_size=10)
    history = nn.fit(
        ours,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=5,
        progress=False,
        scheduler=make(lr_scheduler, opt),
        scheduler_step=every,
        clip_grad_norm=clip,
    )
    # the same loop in torch
    ref = torch.optim.SGD(theirs.parameters(), lr=0.3, momentum=0.5)
    sched = make(torch.optim.lr_scheduler, ref)
    lrs, losses = [], []
    for _ in range(5):
        total = 0.0
        for start in range(0, 40, 10):
            ref.zero_grad()
            loss = torch.nn.BCEWithLogitsLoss()(
                theirs(torch.tensor(X[start : start + 10])), torch.tensor(y[start : start + 10])
            )
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(theirs.parameters(), clip)
            lr = ref.param_groups[0]["lr"]
            ref.step()
            if sched is not None and every == "batch":
                sched.step()
            total += loss.item() * 10
        losses.append(total / 40)
        lrs.append(lr)
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(losses[-1])
        elif sched is not None and every == "epoch":
            sched.step()
    np.testing.assert_allclose(history.loss, losses, rtol=1e-10)
    np.testing.assert_allclose(history.lr, lrs, rtol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    if schedule != "none":
        assert len(set(history.lr)) > 1  # the schedule did change the rate


def test_fit_refuses_bad_scheduler_and_clipping_options():
    ours, _ = twins()
    opt = nn.optim.SGD(ours.parameters(), lr=0.1)
    loader = DataLoader(
        TensorDataset(autograd.zeros(4, 2, dtype="float64"), autograd.zeros(4, 1, dtype="float64")),
        batch_size=2,
    )
    for kwargs, message in [
        ({"scheduler_step": "step"}, "scheduler_step"),
        ({"clip_grad_norm": 0.0}, "clip_grad_norm"),
        ({"scheduler": lr_scheduler.ReduceLROnPlateau(opt), "scheduler_step": "batch"}, "per epoch"),
    ]:
        with pytest.raises(ValueError, match=message):
            nn.fit(ours, nn.MSELoss(), opt, loader, epochs=1, progress=False, **kwargs)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_cli_builds_the_optimizer_and_scheduler_asked_for(name):
    args = build_parser().parse_args(
        [
            "train",
            "--optimizer",
            name,
            "--lr",
            "0.2",
            "--weight-decay",
            "0.05",
            "--momentum",
            "0.5",
            "--scheduler",
            "multistep:milestones=3/7,gamma=0.5",
        ]
    )
    w = autograd.zeros(2, requires_grad=True)
    opt = _optimizer(args, [w])
    group = opt.param_groups[0]
    assert type(opt).__name__.lower() == name and group["lr"] == 0.2 and group["weight_decay"] == 0.05
    assert group.get("momentum", 0.5) == 0.5  # SGD and RMSprop take --momentum; the others have none
    sched = _scheduler(args, opt, steps_per_epoch=3)
    assert isinstance(sched, lr_scheduler.MultiStepLR) and sorted(sched.milestones.elements()) == [3, 7]
    assert (
        _optimizer(build_parser().parse_args(["train", "--optimizer", "adamw"]), [w]).param_groups[0][
            "weight_decay"
        ]
        == 0.01
    )  # AdamW's own default without --weight-decay


def test_cli_trains_with_adamw_clipping_and_one_cycle(tmp_path, capsys):
    main(
        [
            "train",
            "--epochs",
            "4",
            "--samples",
            "40",
            "--batch-size",
            "16",
            "--optimizer",
            "adamw",
            "--weight-decay",
            "0.1",
            "--clip-grad-norm",
            "1",
            "--scheduler",
            "onecycle:pct_start=0.5",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    assert "final training accuracy" in capsys.readouterr().out
    assert (tmp_path / "model.npz").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "warmup"], "unknown scheduler 'warmup'"),
        (["--scheduler", "step:gamma=0.5"], "step_size"),
        (["--scheduler", "step:step_size=two"], "bad value 'two' for step_size"),
        (["--scheduler", "plateau:factor=2"], "Factor should be < 1.0"),
        (["--scheduler", "cosine:T_max=5,eta=0"], "cosine takes T_max, eta_min; got 'eta'"),
        (["--optimizer", "lbfgs"], "invalid choice"),
        (["--weight-decay", "-1"], "--weight-decay"),
        (["--clip-grad-norm", "0"], "--clip-grad-norm"),
    ],
)
def test_cli_bad_optimizer_and_scheduler_arguments(tmp_path, extra, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "1", "--samples", "20", "--out", str(tmp_path / "out"), *extra])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err
    assert not (tmp_path / "out" / "model.npz").exists()
