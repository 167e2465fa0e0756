"""Training end to end: moons, XOR by an MLP, the history fit records, recipes, metrics."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from nn.data import DataLoader, TensorDataset, make_moons


def f32(x):
    """Data for a float32 model: mixing dtypes in a layer is an error, as in torch."""
    return autograd.tensor(x, dtype=autograd.float32)


def full_batch(X, y, dtype=autograd.float32):
    """One batch: inputs (and float targets) in the model's ``dtype``, class indices as given."""
    targets = autograd.tensor(y, dtype=dtype if np.asarray(y).dtype.kind == "f" else None)
    return DataLoader(TensorDataset(autograd.tensor(X, dtype=dtype), targets), batch_size=len(X))


def recorder():
    """A metric that keeps copies of the (outputs, targets) fit passes it, and the list they go to."""
    seen = []

    def record(output, targets):
        seen.append((output.numpy().copy(), targets.numpy().copy()))
        return 0.0

    return record, seen


def accuracy_by_hand(batches):
    """The fraction of samples of ``batches`` whose logit is on the side of their 0/1 target."""
    correct = sum(int(np.sum((out[:, 0] > 0) == (tgt[:, 0] == 1))) for out, tgt in batches)
    return correct / sum(len(tgt) for _, tgt in batches)


def test_moons_reaches_97_percent_in_200_full_batch_epochs():
    X, y = make_moons(200, noise=0.1, seed=0)
    recipe = nn.output_recipe("binary")
    model = nn.build_mlp(2, [16, 16], 1, "relu", generator=np.random.default_rng(0))
    record, outputs = recorder()
    history = nn.fit(
        model,
        recipe.loss(),
        nn.optim.Adam(model.parameters(), lr=0.05),
        full_batch(X, recipe.targets(y)),
        epochs=200,
        metrics={"accuracy": nn.accuracy, "record": record},
        progress=False,
    )
    np.testing.assert_allclose(history.metrics["accuracy"], [accuracy_by_hand([b]) for b in outputs])
    with autograd.no_grad():
        final = nn.accuracy(model(f32(X)), y)
    assert final >= 0.97
    assert max(history.metrics["accuracy"]) >= 0.97
    assert history.loss[-1] < history.loss[0] / 5


def test_mlp_learns_xor_perfectly():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = nn.build_mlp(2, [4], 1, "tanh", generator=np.random.default_rng(1))
    nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.optim.Adam(model.parameters(), lr=0.1),
        full_batch(X, y.astype(float).reshape(-1, 1)),
        epochs=300,
        progress=False,
    )
    with autograd.no_grad():
        assert nn.accuracy(model(f32(X)), y) == 1.0


def test_multiclass_recipe_on_blobs():
    X, y = nn.data.make_blobs(90, centers=3, cluster_std=0.5, seed=2)
    recipe = nn.output_recipe("multiclass")
    model = nn.build_mlp(
        2, [nn.suggest_hidden_units(2, 3)], recipe.output_units(3), generator=np.random.default_rng(0)
    )
    nn.fit(
        model,
        recipe.loss(),
        nn.optim.Adam(model.parameters(), lr=0.05),
        full_batch(X, recipe.targets(y)),
        epochs=100,
        progress=False,
    )
    with autograd.no_grad():
        probs = recipe.head()(model(f32(X)))
    np.testing.assert_allclose(probs.numpy().sum(axis=1), 1.0, rtol=1e-6)  # float32
    assert nn.accuracy(probs, y) >= 0.95


def test_history_records_grad_norms_and_dead_relus():
    X, y = make_moons(64, noise=0.1, seed=1)
    model = nn.build_mlp(2, [8, 8], 1, "relu", generator=np.random.default_rng(0))
    # kill every unit of the first hidden layer: a large negative bias, zero weights
    with autograd.no_grad():
        model[0].weight.fill_(0.0)
        model[0].bias.fill_(-5.0)
    loader = DataLoader(
        TensorDataset(f32(X), f32(y.astype(float).reshape(-1, 1))),
        batch_size=16,
        shuffle=True,
        seed=0,
    )
    record, batches_seen = recorder()
    history = nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.optim.SGD(model.parameters(), lr=0.1),
        loader,
        epochs=3,
        metrics={"accuracy": nn.accuracy, "error": nn.zero_one_loss, "record": record},
        progress=True,
    )
    assert len(history.loss) == 3
    assert set(history.grad_norms) == {"0", "2", "4"}
    assert history.grad_norms["0"] == [0.0, 0.0, 0.0]  # dead units pass no gradient back
    assert all(v > 0 for v in history.grad_norms["4"])
    assert all(d >= 0.5 for d in history.dead_relu)  # the 8 of 16 units of layer 0 never fire
    # the metrics, recomputed by hand from the outputs fit saw (logit > 0 predicts class 1), epoch by epoch
    for epoch in range(3):
        by_hand = accuracy_by_hand(batches_seen[4 * epoch : 4 * epoch + 4])  # 64 samples in batches of 16
        assert history.metrics["accuracy"][epoch] == pytest.approx(by_hand)
        assert history.metrics["error"][epoch] == pytest.approx(1 - by_hand)
    assert not model[1]._forward_hooks  # the monitoring hooks are removed afterwards


def test_history_without_relu_has_no_dead_fraction():
    X, y = make_moons(20, seed=0)
    model = nn.build_mlp(2, [4], 1, "tanh")
    history = nn.fit(
        model,
        nn.BCEWithLogitsLoss(),
        nn.optim.SGD(model.parameters(), lr=0.1),
        full_batch(X, y.astype(float).reshape(-1, 1)),
        epochs=2,
        progress=False,
    )
    assert history.dead_relu == [None, None]


def test_recipes_and_heuristic():
    assert nn.suggest_hidden_units(2, 1) == 1
    assert nn.suggest_hidden_units(64, 10) == 25
    assert isinstance(nn.output_recipe("regression").head(), nn.Identity)
    assert isinstance(nn.output_recipe("binary").loss(), nn.BCEWithLogitsLoss)
    assert isinstance(nn.output_recipe("multiclass").loss(), nn.CrossEntropyLoss)
    assert nn.output_recipe("binary").targets(np.array([0, 1])).shape == (2, 1)
    with pytest.raises(ValueError, match="task"):
        nn.output_recipe("ranking")
    with pytest.raises(ValueError, match="activation"):
        nn.build_mlp(2, [3], 1, "swish")


def test_metrics():
    logits = np.array([[2.0], [-1.0], [0.5], [-3.0]])
    assert nn.accuracy(logits, np.array([1, 0, 0, 0])) == 0.75
    assert nn.accuracy(np.array([0.9, 0.2]), np.array([1, 1]), threshold=0.5) == 0.5
    assert nn.accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert nn.zero_one_loss(np.array([1, -1, 1]), np.array([1, 1, 1])) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="predictions"):
        nn.accuracy(np.zeros((3, 1)), np.zeros(4))


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    X, y = make_moons(20, seed=0)
    loader = full_batch(X, y.astype(float).reshape(-1, 1), dtype=autograd.float64)
    model = nn.build_mlp(2, [4], 1, dtype="float64")

    def run(tty, progress):
        monkeypatch.setattr("sys.stderr.isatty", lambda: tty)
        nn.fit(
            model,
            nn.BCEWithLogitsLoss(),
            nn.optim.SGD(model.parameters(), lr=0.1),
            loader,
            epochs=2,
            metrics={"accuracy": nn.accuracy},
            progress=progress,
        )
        return capsys.readouterr().err

    assert run(tty=False, progress=True) == ""
    assert run(tty=True, progress=False) == ""
    shown = run(tty=True, progress=True)
    assert "2/2" in shown and "accuracy" in shown
