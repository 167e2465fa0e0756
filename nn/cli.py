"""``python -m nn train ...``: train an MLP on a toy dataset with the tensor engine, then write a
decision-boundary plot, a loss curve (SVG) and the model (``.npz``) to ``--out``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

import autograd
from autograd.viz import all_gradients, render

from .activations import ReLU
from .conv import Conv2d
from .data import DATASETS, DataLoader, TensorDataset
from .flatten import Flatten, Unflatten
from .layers import Linear
from .metrics import accuracy, as_numpy
from .module import Module, Sequential
from .optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)
from .pooling import MaxPool2d
from .recipes import ACTIVATIONS, OutputRecipe, build_mlp, output_recipe, suggest_hidden_units
from .serialize import save
from .train import History, fit

N = TypeVar("N", int, float)


def _number(convert: Callable[[str], N], inclusive: bool, wanted: str) -> Callable[[str], N]:
    """An argparse type: ``convert(text)`` must be finite and ``> 0`` (``>= 0`` when ``inclusive``);
    ``wanted`` names it in the error."""

    def parse(text: str) -> N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not (0 <= value if inclusive else 0 < value) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text}")
        return value

    return parse


_positive_int = _number(int, inclusive=False, wanted="a positive integer")
_non_negative_int = _number(int, inclusive=True, wanted="an integer >= 0")
_positive_float = _number(float, inclusive=False, wanted="a positive finite number")
_non_negative_float = _number(float, inclusive=True, wanted="a finite number >= 0")


def _hidden(text: str) -> list[int] | None:
    """``"16,16"`` -> [16, 16]; ``"auto"`` -> None (one layer of ``suggest_hidden_units``); ``""`` -> []."""
    if text.strip() == "auto":
        return None
    if not text.strip():
        return []
    try:
        return [_positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"--hidden takes comma-separated positive widths like 16,16 (or 'auto'), got {text!r}"
        ) from None


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
}


def _flag(text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text.lower() in ("true", "1")


def _milestones(text: str) -> list[int]:
    return [int(part) for part in text.split("/")]


# --scheduler NAME[:key=value,...]: each name's scheduler and the options the spec may set (with their types);
# cosine's T_max defaults to --epochs, onecycle's max_lr to --lr and its steps to the run's updates.
SCHEDULERS: dict[str, tuple[type[LRScheduler], dict[str, Callable[[str], Any]]]] = {
    "step": (StepLR, {"step_size": int, "gamma": float}),
    "multistep": (MultiStepLR, {"milestones": _milestones, "gamma": float}),
    "exponential": (ExponentialLR, {"gamma": float}),
    "cosine": (CosineAnnealingLR, {"T_max": int, "eta_min": float}),
    "onecycle": (
        OneCycleLR,
        {
            "max_lr": float,
            "pct_start": float,
            "anneal_strategy": str,
            "three_phase": _flag,
            "cycle_momentum": _flag,
            "div_factor": float,
            "final_div_factor": float,
        },
    ),
    "plateau": (
        ReduceLROnPlateau,
        {
            "factor": float,
            "patience": int,
            "threshold": float,
            "cooldown": int,
            "min_lr": float,
            "threshold_mode": str,
        },
    ),
}


def _scheduler_spec(text: str) -> tuple[str, dict[str, Any]]:
    """``"step:step_size=50,gamma=0.5"`` -> ("step", {"step_size": 50, "gamma": 0.5}); values are parsed by
    type (milestones as ``50/100``, flags as true/false), nothing is evaluated."""
    name, _, options = text.partition(":")
    if name not in SCHEDULERS:
        raise argparse.ArgumentTypeError(f"unknown scheduler {name!r} (choose from {', '.join(SCHEDULERS)})")
    types = SCHEDULERS[name][1]
    kwargs: dict[str, Any] = {}
    for item in filter(None, options.split(",")):
        key, _, value = item.partition("=")
        if key not in types:
            raise argparse.ArgumentTypeError(f"{name} takes {', '.join(types)}; got {key!r}")
        try:
            kwargs[key] = types[key](value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: bad value {value!r} for {key}") from None
    return name, kwargs


def build_parser() -> argparse.ArgumentParser:
    """The ``nn`` command line."""
    parser = argparse.ArgumentParser(prog="python -m nn", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train an MLP on a toy dataset and plot it")
    train.add_argument(
        "--dataset",
        choices=sorted([*DATASETS, "digits"]),
        default="moons",
        help="digits: scikit-learn's 8x8 handwritten digits (all 1,797; needs scikit-learn)",
    )
    train.add_argument(
        "--model",
        choices=["mlp", "cnn"],
        default="mlp",
        help="cnn: two conv+pool blocks and a linear layer, for --dataset digits",
    )
    train.add_argument("--samples", type=_positive_int, default=200, help="number of points (default 200)")
    train.add_argument(
        "--noise",
        type=_non_negative_float,
        default=0.1,
        help="std of the Gaussian noise (of each cluster for blobs), default 0.1",
    )
    train.add_argument(
        "--hidden", type=_hidden, default=[16, 16], help="hidden widths, e.g. 16,16, or 'auto'"
    )
    train.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    train.add_argument("--epochs", type=_positive_int, default=200)
    train.add_argument("--lr", type=_positive_float, default=0.1)
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default="adam")
    train.add_argument("--momentum", type=_non_negative_float, default=0.0, help="SGD and RMSprop momentum")
    train.add_argument(
        "--weight-decay",
        type=_non_negative_float,
        default=None,
        help="weight decay (default: the optimizer's, 0.01 for adamw and 0 for the others)",
    )
    train.add_argument(
        "--clip-grad-norm",
        type=_positive_float,
        default=None,
        help="clip the gradients' total 2-norm to this before each update",
    )
    train.add_argument(
        "--scheduler",
        type=_scheduler_spec,
        default=None,
        help=f"learning-rate schedule NAME[:key=value,...], NAME in {', '.join(SCHEDULERS)}; "
        "e.g. step:step_size=50,gamma=0.5, multistep:milestones=50/100, cosine, onecycle, "
        "plateau:patience=5",
    )
    train.add_argument("--batch-size", type=_positive_int, default=None, help="default: the full dataset")
    train.add_argument("--seed", type=_non_negative_int, default=0)
    train.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    train.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    train.add_argument(
        "--compile",
        action="store_true",
        help="run each training step as an autograd.compile'd function (same numbers, faster)",
    )
    return parser


def _optimizer(args: argparse.Namespace, params: Any) -> Optimizer:
    """The ``--optimizer`` over ``params`` with ``--lr``, ``--weight-decay`` and (SGD, RMSprop)
    ``--momentum``."""
    kwargs: dict[str, Any] = {"lr": args.lr}
    if args.weight_decay is not None:
        kwargs["weight_decay"] = args.weight_decay
    if args.optimizer in ("sgd", "rmsprop"):
        kwargs["momentum"] = args.momentum
    return OPTIMIZERS[args.optimizer](params, **kwargs)


def _scheduler(args: argparse.Namespace, optimizer: Optimizer, steps_per_epoch: int) -> LRScheduler | None:
    """The ``--scheduler`` on ``optimizer`` (None without one); its defaults come from the run's settings."""
    if args.scheduler is None:
        return None
    name, kwargs = args.scheduler
    kwargs = dict(kwargs)
    if name == "cosine":
        kwargs.setdefault("T_max", args.epochs)
    if name == "onecycle":
        kwargs.setdefault("max_lr", args.lr)
        kwargs.setdefault("total_steps", args.epochs * steps_per_epoch)
        kwargs.setdefault("cycle_momentum", "momentum" in optimizer.defaults or "betas" in optimizer.defaults)
    return SCHEDULERS[name][0](optimizer, **kwargs)


def _probabilities(model: Module, recipe: OutputRecipe, X: np.ndarray) -> np.ndarray:
    """The head's output on ``X``: P(class 1) for binary, class probabilities for multiclass."""
    with autograd.no_grad():
        return as_numpy(recipe.head()(model(autograd.tensor(X))))


def _save(fig: Any, path: Path) -> None:
    """Writes a figure reproducibly (no date, fixed element ids): regenerated pictures change only with
    their content, so ``make demo`` leaves ``docs/`` untouched when nothing changed."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "tracegrad"}):
        fig.savefig(path, metadata={"Date": None})


def plot_decision_boundary(
    model: Module, recipe: OutputRecipe, X: np.ndarray, y: np.ndarray, path: Path, title: str
) -> None:
    """Filled contours of the predicted class over the plane with the data points on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 200)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 200)
    gx, gy = np.meshgrid(xs, ys)
    probs = _probabilities(model, recipe, np.stack([gx.ravel(), gy.ravel()], axis=1))
    if recipe.task == "binary":
        surface = probs.reshape(gx.shape)
        levels = np.linspace(0.0, 1.0, 11)
    else:
        surface = probs.argmax(axis=1).reshape(gx.shape)
        levels = np.arange(probs.shape[1] + 1) - 0.5
    fig, ax = plt.subplots(figsize=(6, 5))
    filled = ax.contourf(
        gx, gy, surface, levels=levels, cmap="RdBu" if recipe.task == "binary" else "tab10", alpha=0.6
    )
    fig.colorbar(filled, ax=ax, label="P(class 1)" if recipe.task == "binary" else "predicted class")
    ax.scatter(
        X[:, 0], X[:, 1], c=y, cmap="RdBu" if recipe.task == "binary" else "tab10", edgecolors="k", s=18
    )
    ax.set_title(title)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_history(history: History, path: Path) -> None:
    """The loss per epoch (log scale) with the training accuracy on a second axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history.loss) + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, history.loss, color="tab:blue", label="loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss", color="tab:blue")
    if "accuracy" in history.metrics:
        twin = ax.twinx()
        twin.plot(epochs, history.metrics["accuracy"], color="tab:orange", label="accuracy")
        twin.set_ylabel("training accuracy", color="tab:orange")
        twin.set_ylim(0, 1.02)
    ax.set_title("training curve")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def _dataset(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The ``--dataset`` points and labels (a ValueError names a bad ``--samples`` or ``--noise``)."""
    if args.dataset == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ValueError("--dataset digits needs scikit-learn (pip install scikit-learn)") from None
        digits = load_digits()
        return digits.data / 16.0, digits.target.astype(np.int64)
    spread = {"cluster_std": args.noise} if args.dataset == "blobs" else {"noise": args.noise}
    return DATASETS[args.dataset](n_samples=args.samples, seed=args.seed, **spread)


def _cnn(n_out: int, generator: np.random.Generator) -> Module:
    """The digits lesson's network (examples/09_cnn_digits.py) on 64-pixel rows seen as 1x8x8 images."""
    options = {"generator": generator, "dtype": autograd.float64}
    return Sequential(
        Unflatten(1, (1, 8, 8)),
        Conv2d(1, 8, 3, padding=1, **options), ReLU(), MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1, **options), ReLU(), MaxPool2d(2),
        Flatten(), Linear(16 * 2 * 2, n_out, **options),
    )  # fmt: skip


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Argument errors only visible once the values meet: a dataset too small for its classes, or an
    ``--out`` that cannot be a directory. Reported as argparse errors, before any training."""
    if args.model == "cnn" and args.dataset != "digits":
        parser.error("argument --model: cnn takes images: use it with --dataset digits")
    try:
        _dataset(args)
    except ValueError as error:
        parser.error(f"argument --samples/--noise/--dataset: {error}")
    except MemoryError:
        parser.error(f"argument --samples: {args.samples} points do not fit in memory")
    _check_size(parser, args)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(
            f"argument --out: cannot use {str(args.out)!r} as the output directory ({error.strerror})"
        )
    try:  # the optimizer's and scheduler's own checks, on a stand-in parameter
        _scheduler(args, _optimizer(args, [autograd.zeros(1, requires_grad=True)]), steps_per_epoch=1)
    except (ValueError, TypeError) as error:
        parser.error(f"argument --optimizer/--scheduler: {error}")


def _check_size(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuses a network whose float64 parameters, gradients, optimiser state and activations cannot fit in
    this machine's memory, before anything is allocated (``--hidden 100000,100000`` would ask for 74 GiB)."""
    widths = [2, *(args.hidden or [16]), 10]  # inputs and outputs: at most a few; 10 is generous
    weights = sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))
    needed = 8 * (4 * weights + 3 * args.samples * sum(widths))
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed > available:
        network = "-".join(map(str, widths[1:-1]))
        parser.error(
            f"argument --hidden/--samples: a {network} network on {args.samples} points needs about "
            f"{needed / 2**30:.1f} GiB, more than this machine's {available / 2**30:.1f} GiB"
        )


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Runs the ``train`` command; returns the final accuracy and the paths written."""
    X, y = _dataset(args)
    n_classes = int(y.max()) + 1
    recipe = output_recipe("binary" if n_classes == 2 else "multiclass")
    n_out = recipe.output_units(n_classes)
    hidden = [suggest_hidden_units(X.shape[1], n_out)] if args.hidden is None else args.hidden
    rng = np.random.default_rng(args.seed)
    model = (
        _cnn(n_out, rng)
        if args.model == "cnn"
        else build_mlp(X.shape[1], hidden, n_out, args.activation, generator=rng, dtype=autograd.float64)
    )
    inputs, targets = autograd.tensor(X), autograd.tensor(recipe.targets(y))
    batch = args.batch_size or len(X)
    loader = DataLoader(
        TensorDataset(inputs, targets), batch_size=batch, shuffle=batch < len(X), seed=args.seed
    )
    optimizer = _optimizer(args, model.parameters())
    scheduler = _scheduler(args, optimizer, steps_per_epoch=-(-len(X) // batch))
    history = fit(
        model,
        recipe.loss(),
        optimizer,
        loader,
        args.epochs,
        metrics={"accuracy": accuracy},
        progress=not args.no_progress,
        scheduler=scheduler,
        scheduler_step="batch" if isinstance(scheduler, OneCycleLR) else "epoch",
        clip_grad_norm=args.clip_grad_norm,
        compile=args.compile,
    )
    with autograd.no_grad():
        final = accuracy(model(inputs), y)
    args.out.mkdir(parents=True, exist_ok=True)
    boundary, curve = args.out / "decision_boundary.svg", args.out / "loss.svg"
    sizes = "cnn" if args.model == "cnn" else "-".join(map(str, [X.shape[1], *hidden, n_out]))
    title = f"{args.dataset}: {sizes} {args.activation}, acc {final:.1%}"
    if X.shape[1] == 2:  # a plane to draw regions on
        plot_decision_boundary(model, recipe, X, y, boundary, title)
    plot_history(history, curve)
    weights = save(model, args.out / "model.npz")
    loss = recipe.loss()(model(inputs), targets)  # drawn top to bottom, every node with its gradient
    graph = render(loss, args.out / "mlp.svg", model=model, rankdir="TB", grads=all_gradients(loss))
    print(model)
    print(f"final loss {history.loss[-1]:.4f}  final training accuracy {final:.2%}")
    if history.dead_relu and history.dead_relu[-1] is not None:
        print(f"dead ReLU units in the last epoch: {history.dead_relu[-1]:.0%}")
    files = [*([boundary] if X.shape[1] == 2 else []), curve, weights, graph]
    print(f"wrote {', '.join(map(str, files))} (the last: the trained model's graph)")
    return {"accuracy": final, "files": files, "history": history}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m nn``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        _check(parser, args)
        train(args)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
