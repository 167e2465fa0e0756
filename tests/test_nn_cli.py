"""``python -m nn train`` smoke tests: files written, SVGs parse, the model loads; bad arguments rejected."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd.viz.inspect import read_svg
from nn.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def test_train_writes_plots_and_model(tmp_path, capsys):
    out = tmp_path / "out"
    main(
        [
            "train",
            "--dataset",
            "moons",
            "--hidden",
            "8,8",
            "--epochs",
            "5",
            "--samples",
            "40",
            "--seed",
            "1",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert "final training accuracy" in printed
    for name in ("decision_boundary.svg", "loss.svg"):
        root = ET.parse(out / name).getroot()
        assert root.tag.endswith("svg")
    model = nn.build_mlp(2, [8, 8], 1)
    nn.load(model, out / "model.npz")
    assert np.load(out / "model.npz")["0.weight"].shape == (8, 2)
    graph = read_svg((out / "mlp.svg").read_text())
    texts = [t for node in graph.nodes.values() for t in node]
    assert "BinaryCrossEntropyWithLogits" in texts  # not the private class name
    assert "grad 1.0000" in texts and "grad None" not in texts  # every node with its gradient, the loss's 1
    root = ET.parse(out / "mlp.svg").getroot()
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert height > width  # drawn top to bottom: readable at page width (was 3840x124 px)


@pytest.mark.parametrize("dataset", ["spirals", "blobs"])
def test_multiclass_datasets_run(tmp_path, dataset, capsys):
    main(
        [
            "train",
            "--dataset",
            dataset,
            "--hidden",
            "auto",
            "--epochs",
            "2",
            "--samples",
            "30",
            "--optimizer",
            "sgd",
            "--momentum",
            "0.9",
            "--batch-size",
            "8",
            "--out",
            str(tmp_path),
        ]
    )
    assert (tmp_path / "decision_boundary.svg").exists()
    assert "final training accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--dataset", "mnist"],
        ["train", "--hidden", "16,x"],
        ["train", "--hidden", "0"],
        ["train", "--epochs", "-3"],
        ["train", "--lr", "0"],
        ["train", "--activation", "swish"],
        [],
    ],
)
def test_bad_arguments_are_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--epochs", "3", "--samples", "20", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "final training accuracy" in result.stdout
    assert (tmp_path / "model.npz").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seed", "-3"], "--seed"),
        (["--samples", "1"], "n_samples"),
        (["--noise", "-0.5"], "--noise"),
        (["--samples", str(10**14)], "do not fit in memory"),
        (["--hidden", "100000,100000"], "more than this machine's"),
    ],
)
def test_bad_values_are_argparse_errors_before_training(tmp_path, extra, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "1", "--out", str(tmp_path / "out"), *extra])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err
    assert not (tmp_path / "out" / "model.npz").exists()


def test_an_out_path_that_is_a_file_is_an_argparse_error(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a directory")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "1", "--samples", "20", "--out", str(taken)])
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err
    assert taken.read_text() == "not a directory"


def test_a_cnn_learns_the_digits_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "train",
        "--dataset",
        "digits",
        "--model",
        "cnn",
        "--epochs",
        "4",
        "--batch-size",
        "64",
        "--lr",
        "0.01",
    ]
    main([*args, "--no-progress", "--out", str(out)])
    printed = capsys.readouterr().out
    accuracy = float(printed.split("final training accuracy ")[1].split("%")[0]) / 100
    assert accuracy >= 0.9 and "Conv2d(1, 8, kernel_size=(3, 3)" in printed
    assert (
        (out / "loss.svg").exists()
        and (out / "mlp.svg").exists()
        and not (out / "decision_boundary.svg").exists()
    )


def test_a_cnn_needs_images(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--model", "cnn", "--out", str(tmp_path)])
    assert "--dataset digits" in capsys.readouterr().err
