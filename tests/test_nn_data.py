"""Toy datasets and DataLoader batching (no Tensor needed: arrays index the same way)."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import (
    DATASETS,
    DataLoader,
    TensorDataset,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_datasets_are_seeded_shaped_and_labelled(name):
    maker = DATASETS[name]
    X, y = maker(n_samples=101, seed=3)
    X2, y2 = maker(n_samples=101, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1
    assert not np.array_equal(X, maker(n_samples=101, seed=4)[0])


def test_dataset_geometry():
    X, y = make_moons(200)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    X, y = make_circles(100, factor=0.5)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.5))
    X, y = make_xor(500, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.abs(X).min() >= 0.1
    X, y = make_spirals(300, n_classes=3, seed=0)
    assert set(y.tolist()) == {0, 1, 2}
    X, y = make_blobs(90, centers=[[0.0, 0.0], [10.0, 10.0]], cluster_std=0.1, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10.0, 10.0], atol=0.1)


def test_dataset_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="cluster_std"):
        make_blobs(10, cluster_std=-1)


def test_iteration_counting_matches_the_curriculum():
    # 100 samples, batch 50, 50 epochs -> 2 iterations an epoch, 100 iterations
    X, y = np.arange(200.0).reshape(100, 2), np.arange(100)
    loader = DataLoader(TensorDataset(X, y), batch_size=50, shuffle=True, seed=0)
    iterations = sum(1 for _ in range(50) for _ in loader)
    assert len(loader) == 2
    assert iterations == 100


@pytest.mark.parametrize(
    ("n", "batch", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (10, 10, False, [10]),
        (10, 20, False, [10]),
        (10, 20, True, []),
    ],
)
def test_batch_sizes(n, batch, drop_last, sizes):
    data = TensorDataset(np.arange(n))
    loader = DataLoader(data, batch_size=batch, drop_last=drop_last)
    assert [len(b[0]) for b in loader] == sizes
    assert len(loader) == len(sizes)


def test_shuffle_covers_every_sample_once_and_reshuffles():
    data = TensorDataset(np.arange(23), np.arange(23) * 2)
    loader = DataLoader(data, batch_size=5, shuffle=True, seed=1)
    epochs = [np.concatenate([x for x, _ in loader]) for _ in range(2)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(23))
    assert not np.array_equal(epochs[0], epochs[1])
    for x, y2 in loader:
        np.testing.assert_array_equal(y2, x * 2)
    again = DataLoader(data, batch_size=5, shuffle=True, seed=1)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in again]), epochs[0])


def test_loader_and_dataset_errors():
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(np.zeros(0)))


def test_a_batch_is_a_copy_so_changing_it_leaves_the_dataset_alone_as_torch():
    import autograd as ag
    from nn.data import DataLoader, TensorDataset

    X = ag.tensor(np.arange(6.0).reshape(3, 2))
    for shuffle in (False, True):
        for (xb,) in DataLoader(TensorDataset(X), batch_size=2, shuffle=shuffle, seed=0):
            xb.mul_(0)
    np.testing.assert_array_equal(X.numpy(), np.arange(6.0).reshape(3, 2))
