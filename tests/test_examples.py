"""Runs every script in examples/ (each in its own temporary out dir) and checks the numbers it returns,
plus the copyable tests of the custom-op example (examples/test_my_op.py)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from torch.nn import functional

import autograd

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("[01][0-9]_*.py"))
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))  # the scripts import their neighbours (plots, my_op), as run directly


def load(stem: str) -> ModuleType:
    """Imports examples/<stem>.py (names like 01_... are not valid module names, so by path)."""
    spec = importlib.util.spec_from_file_location(f"example_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """run(stem) -> (result of main(out_dir), out_dir, printed text); each example runs once per module."""
    cache: dict[str, tuple[dict, Path, str]] = {}

    def get(stem: str) -> tuple[dict, Path, str]:
        if stem not in cache:
            out_dir = tmp_path_factory.mktemp(stem)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                result = load(stem).main(out_dir=str(out_dir))
            cache[stem] = (result, out_dir, printed.getvalue())
        return cache[stem]

    return get


def test_the_expected_examples_exist():
    assert SCRIPTS == [
        "01_perceptron_gates", "02_xor_mlp", "03_chain_rule", "04_activations",
        "05_vanishing_gradients", "06_tensors", "07_training", "08_custom_op",
        "09_cnn_digits", "10_makemore", "11_gpt",
    ]  # fmt: skip


@pytest.mark.parametrize("stem", SCRIPTS)
def test_each_example_writes_svg_pictures_under_out_and_says_where(run, stem):
    result, out_dir, printed = run(stem)
    assert result["files"]
    for path in map(Path, result["files"]):
        assert path.is_file() and out_dir in path.parents
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert str(result["files"][0]) in printed


def test_01_perceptron_learns_separable_data_but_not_xor(run):
    result, _, _ = run("01_perceptron_gates")
    assert result["separable_errors"][-1] == 0
    assert min(result["xor_errors"]) > 0  # a mistake in every epoch
    assert result["xor_perceptron_accuracy"] < 1.0
    tables = result["truth_tables"]
    assert tables["AND"] == {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1}
    assert tables["OR"] == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1}
    assert tables["NAND"] == {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    assert tables["XOR"] == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}


def test_02_mlp_learns_xor(run):
    result, _, _ = run("02_xor_mlp")
    assert result["accuracy"] == 1.0
    assert result["predictions"] == [0, 1, 1, 0]
    assert result["losses"][-1] < 0.1 * result["losses"][0]


def test_03_chain_rule_by_hand_equals_backward(run):
    result, out_dir, _ = run("03_chain_rule")
    assert result["output"] == pytest.approx(1 / math.sqrt(2))
    assert result["by_hand"].keys() == result["by_autograd"].keys()
    for name, value in result["by_hand"].items():
        assert result["by_autograd"][name] == pytest.approx(value, abs=1e-12), name
    assert result["by_autograd"]["x1"] == pytest.approx(-1.5)
    assert result["by_autograd"]["w1"] == pytest.approx(1.0)
    root = ET.parse(out_dir / "03_neuron.svg").getroot()
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"x1", "w1", "tanh", "data 0.7071", "grad -1.5000"} <= texts
    steps = sorted((out_dir / "03_backprop_steps").glob("step_*.svg"))
    assert len(steps) == 10  # one per node: 5 inputs, 2 products, 2 sums, tanh


def test_04_activation_derivatives(run):
    result, _, _ = run("04_activations")
    assert result["sigmoid_grad_max"] <= 0.25
    assert result["sigmoid_grad_max"] == pytest.approx(0.25)
    assert result["sigmoid_grad_argmax"] == 0.0
    assert result["max_formula_error"] < 1e-12
    assert result["softmax_jacobian_error"] < 1e-12
    np.testing.assert_allclose(result["softmax"].sum(), 1.0)
    np.testing.assert_allclose(result["softmax_large"], result["softmax"], rtol=1e-12)  # shift-invariant
    assert np.isnan(result["naive_softmax_large"]).all()


def test_05_sigmoid_gradients_vanish_toward_the_input_and_large_lr_kills_relus(run):
    result, _, _ = run("05_vanishing_gradients")
    norms = {act: np.array(n) for act, n in result["grad_norms"].items()}
    sigmoid = norms["sigmoid"]
    assert len(sigmoid) == 11
    assert (np.diff(sigmoid) > 0).all()  # smaller at every layer closer to the input
    assert sigmoid[0] / sigmoid[-1] < 1e-4
    for act in ("relu", "elu", "tanh"):
        assert norms[act][0] / norms[act][-1] > 1e3 * sigmoid[0] / sigmoid[-1], act
        assert norms[act][0] / norms[act][-1] > 0.1, act
    small, large = result["dead_relu"][0.05], result["dead_relu"][5.0]
    assert large > 0.5
    assert large > small


def test_06_tensor_vocabulary_and_its_gradients(run):
    result, _, _ = run("06_tensors")
    assert (result["shape"], result["ndim"], result["numel"]) == ((3, 4), 2, 12)
    shapes, grads = result["shapes"], result["grads"]
    assert shapes["view(3, -1)"] == (3, 4)
    assert shapes["view(3, -1).sum(dim=0)"] == (4,)
    assert shapes["unsqueeze(0)"] == (1, 12)
    assert shapes["unsqueeze(0).squeeze()"] == (12,)
    assert shapes["cat([x, x])"] == (24,)
    assert shapes["stack([x, x])"] == (2, 12)
    ones = np.ones(12)
    once = ("view(3, -1)", "view(3, -1).sum(dim=0)", "unsqueeze(0)", "unsqueeze(0).squeeze()", "double()")
    for name in once:
        np.testing.assert_array_equal(grads[name], ones, err_msg=name)
    for name in ("cat([x, x])", "stack([x, x])", "2 * x, then add_(1)"):
        np.testing.assert_array_equal(grads[name], 2 * ones, err_msg=name)
    np.testing.assert_array_equal(grads["view(3, -1)[:, 0]"], np.tile([1, 0, 0, 0], 3))
    assert grads["double()"].dtype == np.float32  # the gradient has the leaf's dtype
    assert len(result["errors"]) == 3  # each mistake raised a RuntimeError
    assert "12" in result["errors"]["view(5, -1) of 12 elements"]
    np.testing.assert_allclose(result["a_grad"], [2.0, 4.0])  # d sum(a^2 + b^2) / da = 2a


def test_07_training_binary_multiclass_and_regression(run):
    result, _, _ = run("07_training")
    assert result["moons_iterations"] == 100  # 100 samples, batch 50, 50 epochs
    assert result["moons_accuracy"] >= 0.95
    assert result["spirals_accuracy"] >= result["spirals_chance"] + 0.5
    assert result["regression_mse"] < 0.03  # the noise alone has variance 0.01
    for name, losses in result["losses"].items():
        assert losses[-1] < 0.2 * losses[0], name


def test_08_custom_op_passes_gradcheck_and_matches_torch(run):
    result, _, _ = run("08_custom_op")
    assert result["gradcheck"] is True
    assert result["gradgradcheck"] is True
    assert result["slope_vs_sigmoid"] < 1e-12
    np.testing.assert_array_equal(result["large"], [0.0, 1000.0])
    x = torch.from_numpy(result["x"])
    assert x.dtype == torch.float64 and len(x) == 121
    np.testing.assert_allclose(result["softplus"], functional.softplus(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(result["slope"], torch.sigmoid(x).numpy(), rtol=1e-12)


def test_the_custom_op_and_its_derivatives_match_torch():
    """my_op.softplus against torch's, to the second derivative, far into both tails."""
    softplus = load("my_op").softplus
    data = np.linspace(-40.0, 40.0, 801)
    x = autograd.tensor(data, dtype=autograd.float64, requires_grad=True)
    xt = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    # threshold: torch returns x itself above 20 by default (off by e^-20 there); exact formula throughout
    y, yt = softplus(x), functional.softplus(xt, threshold=100.0)
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(yt.sum(), xt, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    (ht,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-300)
    # sigmoid' = s (1 - s): for x >> 0, 1 - s cancels to an absolute rounding error of about 1e-16
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-10, atol=1e-15)


USER_TESTS = load("test_my_op")


@pytest.mark.parametrize("name", sorted(n for n in vars(USER_TESTS) if n.startswith("test_")))
def test_the_copyable_custom_op_tests_pass(name):
    getattr(USER_TESTS, name)()


@pytest.mark.parametrize("stem", ["01_perceptron_gates", "08_custom_op"])
def test_a_script_runs_as_a_program_from_any_directory(stem, tmp_path):
    """``python examples/<script>.py`` from another folder: it finds its neighbours and writes to ./out."""
    import subprocess

    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{stem}.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pictures = sorted((tmp_path / "out").glob("*.svg"))
    assert pictures and all(ET.parse(p).getroot().tag.endswith("svg") for p in pictures)
    assert f"out/{pictures[0].name}" in done.stdout


def test_09_cnn_reaches_97_percent_on_held_out_digits(run):
    result, _, printed = run("09_cnn_digits")
    assert result["accuracy"] >= 0.97 and f"test accuracy {result['accuracy']:.4f}" in printed
    confusion = result["confusion"]
    assert confusion.sum() == 450 and np.trace(confusion) == round(450 * result["accuracy"])


def test_10_makemore_learns_below_the_uniform_guess_and_samples_names(run):
    result, _, printed = run("10_makemore")
    assert result["train_loss"] < result["uniform"] - 0.6 and result["dev_loss"] < result["uniform"] - 0.6
    letters = set("abcdefghijklmnopqrstuvwxyz")
    assert len(result["samples"]) == 10 and all(set(n) <= letters for n in result["samples"])
    assert f"dev loss {result['dev_loss']:.4f}" in printed


def test_11_gpt_trains_both_models_below_the_uniform_guess_and_prints_a_sample(run):
    result, _, printed = run("11_gpt")
    assert result["bigram_val"] < result["uniform"] - 1.0 and result["gpt_val"] < result["uniform"] - 0.5
    assert result["sample"].startswith("The ") and len(result["sample"]) == 304
    assert result["sample"] in printed and f"GPT {result['gpt_val']:.4f}" in printed
