"""``fit``: the training procedure of curriculum item 8 (forward, loss, backward, step, repeat) with a
history that makes trouble visible: per-layer gradient norms (vanishing gradients) and the fraction of
ReLU units that never fire (dead ReLUs); optionally with a learning-rate scheduler and gradient clipping."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd

from .activations import ReLU
from .module import Module
from .optim import Optimizer
from .optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from .utils import clip_grad_norm_

Metric = Callable[[Any, Any], float]


@dataclass
class History:
    """Per-epoch records: mean loss, each metric (averaged over batches by size), the mean gradient
    norm of each layer that owns parameters (keyed by module name), and the fraction of ReLU units that
    output 0 for every sample of the epoch (None without ReLUs), and the learning rate of the first
    parameter group at the epoch's last update (what a scheduler did)."""

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    dead_relu: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


class _DeadReluMonitor:
    """Forward hooks on every ``ReLU``: per unit, whether it was positive for some sample this epoch."""

    def __init__(self, model: Module) -> None:
        self.alive: dict[int, np.ndarray] = {}
        self.last: dict[int, Any] = {}  # each ReLU's latest output (a compiled step returns them)
        self.handles = [m.register_forward_hook(self._record) for m in model.modules() if isinstance(m, ReLU)]

    def _record(self, module: Module, inputs: tuple[Any, ...], output: Any) -> None:
        self.last[id(module)] = output
        self.see(id(module), output)

    def see(self, key: int, output: Any) -> None:
        """Marks the units of ReLU ``key`` that fired in ``output``."""
        values = output.numpy()
        fired = (values.reshape(len(values), -1) > 0).any(axis=0) if values.ndim > 1 else values > 0
        seen = self.alive.get(key)
        self.alive[key] = fired if seen is None else seen | fired

    def dead_fraction(self) -> float | None:
        """Fraction of units that never fired since the last call; resets the record."""
        if not self.alive:
            return None
        total = sum(a.size for a in self.alive.values())
        dead = sum(int((~a).sum()) for a in self.alive.values())
        self.alive = {}
        return dead / total

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _layers(model: Module) -> list[tuple[str, list[Any]]]:
    """(name, own parameters) of each module that holds parameters directly; the root is ``"model"``."""
    layers = [(name or "model", list(m.parameters(recurse=False))) for name, m in model.named_modules()]
    return [(name, params) for name, params in layers if params]


def _grad_norm(params: Iterable[Any]) -> float:
    """sqrt of the sum of squared gradient entries (0 for parameters without a gradient)."""
    return float(np.sqrt(sum(float(np.sum(p.grad.numpy() ** 2)) for p in params if p.grad is not None)))


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Optimizer,
    loader: Iterable[tuple[Any, Any]],
    epochs: int,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool = True,
    scheduler: LRScheduler | None = None,
    scheduler_step: str = "epoch",
    clip_grad_norm: float | None = None,
    compile: bool = False,  # noqa: A002 - the switch's name, as the CLI's --compile
) -> History:
    """Trains ``model`` for ``epochs`` passes over ``loader`` (batches of ``(inputs, targets)``) and returns
    the ``History``. Metrics are computed on the training outputs of each batch, before its update.
    ``scheduler`` steps after every epoch (``ReduceLROnPlateau`` given the epoch's mean loss) or, with
    ``scheduler_step="batch"``, after every update (``OneCycleLR``). ``clip_grad_norm`` rescales the
    gradients to that total 2-norm at most before each update (the recorded norms are the unclipped ones).
    The tqdm progress bar shows only when ``progress`` and stderr is a terminal. ``compile`` runs each batch's
    zero_grad, forward, loss, backward and (without clipping) optimizer step as an ``autograd.compile``d
    function: the same numbers, replayed without the graph."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"fit: scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    if scheduler_step == "batch" and isinstance(scheduler, ReduceLROnPlateau):
        raise ValueError("fit: ReduceLROnPlateau steps once per epoch, on the epoch's loss")
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(f"fit: clip_grad_norm must be a positive number, got {clip_grad_norm!r}")
    metrics = dict(metrics or {})
    history = History(metrics={name: [] for name in metrics})
    layers = _layers(model)
    history.grad_norms = {name: [] for name, _ in layers}
    monitor = _DeadReluMonitor(model)
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch", file=sys.stderr)
    model.train()
    step = _step(model, loss_fn, optimizer, monitor, clip_grad_norm is None) if compile else None
    try:
        for _ in range(epochs):
            seen, total_loss = 0, 0.0
            sums = dict.fromkeys(metrics, 0.0)
            norms = dict.fromkeys(history.grad_norms, 0.0)
            batches = 0
            for inputs, targets in loader:
                lr = optimizer.param_groups[0]["lr"]
                if step is None:
                    optimizer.zero_grad()
                    output = model(inputs)
                    loss = loss_fn(output, targets)
                    loss.backward()
                else:
                    loss, output, relus = step(inputs, targets)
                    for key, out in relus.items():  # replays run no hooks: the monitor sees the outputs
                        monitor.see(key, out)
                for name, params in layers:
                    norms[name] += _grad_norm(params)
                if clip_grad_norm is not None:
                    clip_grad_norm_(model.parameters(), clip_grad_norm)
                if step is None or clip_grad_norm is not None:
                    optimizer.step()
                if scheduler is not None and scheduler_step == "batch":
                    scheduler.step()
                size = int(inputs.shape[0])
                seen += size
                batches += 1
                total_loss += loss.item() * size
                for name, metric in metrics.items():
                    sums[name] += metric(output, targets) * size
            if not seen:
                raise ValueError("fit: the loader produced no batches")
            history.loss.append(total_loss / seen)
            for name in metrics:
                history.metrics[name].append(sums[name] / seen)
            for name in norms:
                history.grad_norms[name].append(norms[name] / batches)
            history.dead_relu.append(monitor.dead_fraction())
            history.lr.append(float(lr))
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(history.loss[-1])
            elif scheduler is not None and scheduler_step == "epoch":
                scheduler.step()
            if bar is not None:
                bar.set_postfix(
                    {
                        "loss": f"{history.loss[-1]:.4f}",
                        **{k: f"{v[-1]:.3f}" for k, v in history.metrics.items()},
                    }
                )
                bar.update()
    finally:
        monitor.remove()
        if bar is not None:
            bar.close()
    return history


def _step(model: Module, loss_fn: Any, optimizer: Optimizer, monitor: _DeadReluMonitor, update: bool) -> Any:
    """One batch's work for ``fit(compile=True)``, compiled: the loss, the output and each ReLU's output
    (what the history needs), the optimizer's step included when ``update`` (no clipping in between)."""

    def step(inputs: Any, targets: Any) -> tuple[Any, Any, dict[int, Any]]:
        optimizer.zero_grad()
        output = model(inputs)
        loss = loss_fn(output, targets)
        loss.backward()
        if update:
            optimizer.step()
        return loss, output, dict(monitor.last)

    return autograd.compile(step, modules=(model, optimizer))


__all__ = ["History", "fit"]
