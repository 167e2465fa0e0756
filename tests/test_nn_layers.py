"""Modules, layers, activations and losses against torch.nn with the same weights (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn
from nn import functional as F  # noqa: N812

pytestmark = pytest.mark.usefixtures("torch_float64")  # torch.nn builds float64 weights here


TOL = {"rtol": 1e-10, "atol": 1e-12}


def arrays(shape, low=-5.0, high=5.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high))


def leaf(a):
    """The same values as a tracegrad leaf and a torch leaf, both requiring grad."""
    return autograd.tensor(np.array(a), requires_grad=True), torch.tensor(np.array(a), requires_grad=True)


def assert_close(ours, theirs, **tol):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours.numpy() if hasattr(ours, "numpy") else ours, theirs, **(tol or TOL))


def torch_linear(layer):
    t = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(layer.weight.numpy()))
        if layer.bias is not None:
            t.bias.copy_(torch.from_numpy(layer.bias.numpy()))
    return t


# ----- modules ----------------------------------------------------------------------------------
def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros(3))
    assert isinstance(p, autograd.Tensor)
    assert p.requires_grad
    assert not nn.Parameter(np.zeros(3), requires_grad=False).requires_grad


def test_named_parameters_follow_torch_names_and_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    names = [name for name, _ in model.named_parameters()]
    reference = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert (
        names
        == [name for name, _ in reference.named_parameters()]
        == ["0.weight", "0.bias", "2.weight", "2.bias"]
    )

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1, bias=False))
            self.scale = nn.Parameter(np.ones(1))

        def forward(self, x):
            return self.layers(x) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
    ]
    assert len(list(net.parameters())) == 4
    assert [type(m).__name__ for m in net.children()] == ["Sequential"]
    assert [n for n, _ in net.named_modules()] == ["", "layers", "layers.0", "layers.1", "layers.2"]


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2


def test_repr_matches_torch():
    ours = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.LeakyReLU(0.01), nn.Softmax(dim=1), nn.Linear(16, 1))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.LeakyReLU(0.01),
        torch.nn.Softmax(dim=1),
        torch.nn.Linear(16, 1),
    )
    assert repr(ours) == repr(theirs)


def test_train_eval_and_zero_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid())
    assert model.training and model[0].training
    model.eval()
    assert not model.training and not model[0].training
    model.train()
    assert model[1].training
    model(autograd.tensor(np.ones((1, 2), np.float32))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_forward_hook_sees_output_and_can_be_removed():
    relu = nn.ReLU()
    seen = []
    handle = relu.register_forward_hook(lambda m, inputs, out: seen.append(out.numpy().copy()))
    relu(autograd.tensor(np.array([-1.0, 2.0])))
    handle.remove()
    relu(autograd.tensor(np.array([3.0])))
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [0.0, 2.0])


def test_removing_a_handle_twice_leaves_a_newer_hook_alone():
    relu = nn.ReLU()
    calls = []
    first = relu.register_forward_hook(lambda m, inputs, out: calls.append("first"))
    first.remove()
    relu.register_forward_hook(lambda m, inputs, out: calls.append("second"))
    first.remove()  # a stale handle: must not take off the hook registered after it
    relu(autograd.tensor(np.array([1.0])))
    assert calls == ["second"]


def test_state_dict_round_trip_and_refusals():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.weight.numpy(), a.weight.numpy())
    before = b.weight.numpy().copy()
    bad = dict(a.state_dict())
    bad["weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match="shape"):
        b.load_state_dict(bad)
    with pytest.raises(KeyError, match="missing"):
        b.load_state_dict({"weight": np.zeros((2, 3))})
    np.testing.assert_array_equal(b.weight.numpy(), before)


def test_module_errors():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="features"):
        nn.Linear(3, 2)(autograd.tensor(np.ones((4, 2))))
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)
    with pytest.raises(AttributeError, match="nope"):
        _ = nn.Linear(1, 1).nope
    layer = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = layer.weight * 2  # a plain Tensor would silently drop the parameter
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    model = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="child module '0'"):
        setattr(model, "0", 3)
    with pytest.raises(TypeError, match="must be a Module"):
        model.add_module("1", 3)


# ----- Linear and activations against torch --------------------------------------------------
def test_linear_init_matches_torch_bounds():
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.95 * bound  # uniform over the whole range
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    seeded = [nn.Linear(3, 2, generator=np.random.default_rng(5)).weight.numpy() for _ in range(2)]
    np.testing.assert_array_equal(*seeded)


@given(arrays((4, 3)), st.booleans())
def test_linear_forward_and_grads_match_torch(x, bias):
    layer = nn.Linear(3, 2, bias=bias, dtype=autograd.float64)
    reference = torch_linear(layer)
    xs, xt = leaf(x)
    out, ref = layer(xs), reference(xt)
    assert_close(out, ref)
    g = np.linspace(-1, 1, out.numpy().size).reshape(out.shape)
    (out * autograd.tensor(g)).sum().backward()
    (ref * torch.from_numpy(g)).sum().backward()
    assert_close(xs.grad, xt.grad)
    assert_close(layer.weight.grad, reference.weight.grad)
    if bias:
        assert_close(layer.bias.grad, reference.bias.grad)


ACTIVATION_PAIRS = [
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.ELU(), torch.nn.ELU()),
    (nn.ELU(0.5), torch.nn.ELU(0.5)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
    (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1)),
    (nn.Identity(), torch.nn.Identity()),
]


@pytest.mark.parametrize(("ours", "theirs"), ACTIVATION_PAIRS, ids=lambda m: repr(m))
@given(x=arrays((3, 4), -30.0, 30.0))
def test_activations_match_torch(ours, theirs, x):
    xs, xt = leaf(x)
    out, ref = ours(xs), theirs(xt)
    assert_close(out, ref)
    g = np.cos(np.arange(12.0)).reshape(3, 4)
    (out * autograd.tensor(g)).sum().backward()
    (ref * torch.from_numpy(g)).sum().backward()
    assert_close(xs.grad, xt.grad)


def test_softmax_does_not_overflow():
    x = autograd.tensor(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]))
    assert_close(nn.Softmax(dim=1)(x), torch.softmax(torch.tensor(x.numpy()), dim=1))


def test_step_is_the_unit_step_without_gradient():
    x = autograd.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    out = nn.Step()(x)
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0, 1.0])
    assert not out.requires_grad


# ----- losses against torch ------------------------------------------------------------------
REDUCTIONS = ["mean", "sum", "none"]


def check_loss(ours, theirs, inputs, target, **tol):
    xs, xt = leaf(inputs)
    ts = autograd.tensor(target)
    tt = torch.tensor(target)
    out, ref = ours(xs, ts), theirs(xt, tt)
    assert_close(out, ref, **tol)
    g = np.linspace(0.5, 1.5, max(ref.numel(), 1)).reshape(tuple(ref.shape))
    (out * autograd.tensor(g)).sum().backward()
    (ref * torch.from_numpy(g)).sum().backward()
    assert_close(xs.grad, xt.grad, **tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(x=arrays((5, 2)), t=arrays((5, 2)))
def test_mse_matches_torch(reduction, x, t):
    check_loss(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), x, t)


@given(x=arrays((6,)), t=arrays((6,)))
def test_mse_half_is_the_curriculum_form(x, t):
    out = nn.MSELoss(half=True)(autograd.tensor(x), autograd.tensor(t))
    np.testing.assert_allclose(out.item(), np.sum((t - x) ** 2) / (2 * len(x)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(p=arrays((5, 1), 0.01, 0.99), t=hnp.arrays(np.float64, (5, 1), elements=st.sampled_from([0.0, 1.0])))
def test_bce_matches_torch(reduction, p, t):
    check_loss(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, t)


def test_bce_clamps_log_like_torch():
    # at p = 0 or 1 the loss is 100 (the clamp) and the gradient +-1/eps: huge but finite, as torch
    # (torch's eps is 1e-12 rounded to float32, hence the looser tolerance)
    p, t = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    check_loss(nn.BCELoss(), torch.nn.BCELoss(), p, t, rtol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(x=arrays((6, 1), -800.0, 800.0), t=arrays((6, 1), 0.0, 1.0))
def test_bce_with_logits_matches_torch_for_huge_logits(reduction, x, t):
    check_loss(
        nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), x, t
    )


def test_bce_with_logits_at_zero_logit():
    check_loss(nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), np.zeros(3), np.array([0.0, 1.0, 0.5]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(x=arrays((5, 3), -500.0, 500.0), t=hnp.arrays(np.int64, (5,), elements=st.integers(0, 2)))
def test_cross_entropy_matches_torch(reduction, x, t):
    check_loss(nn.CrossEntropyLoss(reduction=reduction), torch.nn.CrossEntropyLoss(reduction=reduction), x, t)


@given(x=arrays((4, 3)), t=hnp.arrays(np.int64, (4,), elements=st.integers(0, 2)))
def test_nll_loss_matches_torch(x, t):
    check_loss(nn.NLLLoss(), torch.nn.NLLLoss(), x, t)


@given(x=arrays((4, 3)), p=arrays((4, 3), 0.0, 1.0))
def test_cross_entropy_with_class_probabilities_matches_torch(x, p):
    check_loss(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(x=arrays((6,)), t=hnp.arrays(np.float64, (6,), elements=st.sampled_from([-1.0, 1.0])))
def test_hinge_is_micrographs_max_margin(reduction, x, t):
    xs = autograd.tensor(x, requires_grad=True)
    out = nn.HingeLoss(reduction=reduction)(xs, autograd.tensor(t))
    per = np.maximum(0.0, 1 - t * x)
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(out.numpy(), expected, **TOL)
    out.sum().backward()
    scale = 1 / len(x) if reduction == "mean" else 1.0
    np.testing.assert_allclose(xs.grad.numpy(), np.where(1 - t * x > 0, -t * scale, 0.0), **TOL)


def test_loss_errors():
    x = autograd.tensor(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        F.mse_loss(x, autograd.tensor(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(IndexError, match="class indices"):
        F.cross_entropy(x, autograd.tensor(np.array([0, 1, 2])))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, autograd.tensor(np.array([0.5, 1.0, 0.0])))


# ----- init ------------------------------------------------------------------------------------
def test_init_formulas():
    w = nn.Parameter(np.zeros((200, 100)))
    rng = np.random.default_rng(0)
    nn.init.xavier_uniform_(w, generator=rng)
    assert np.abs(w.numpy()).max() <= np.sqrt(6 / 300)
    nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=rng)
    assert np.abs(w.numpy()).max() <= np.sqrt(2) * np.sqrt(3 / 100)
    assert abs(w.numpy().std() - np.sqrt(2 / 100)) < 0.01
    nn.init.normal_(w, 1.0, 0.5, generator=rng)
    assert abs(w.numpy().mean() - 1.0) < 0.02
    nn.init.zeros_(w)
    assert not w.numpy().any()
    assert nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)
    assert nn.init.calculate_gain("tanh") == torch.nn.init.calculate_gain("tanh")
    with pytest.raises(ValueError, match="dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(np.zeros(3)))


# ----- fused losses stay differentiable twice; dtype conversion; state_dict aliasing --------------
@pytest.mark.parametrize(
    ("ours", "theirs", "low", "high"),
    [
        (
            F.binary_cross_entropy_with_logits,
            torch.nn.functional.binary_cross_entropy_with_logits,
            -30.0,
            30.0,
        ),
        (F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, 0.05, 0.95),
    ],
)
@given(data=st.data())
def test_fused_losses_second_derivatives_match_torch(ours, theirs, low, high, data):
    x = data.draw(arrays((4,), low, high))
    t = data.draw(arrays((4,), 0.0, 1.0))
    xs, xt = leaf(x)
    ts, tt = leaf(t)
    (gs,) = autograd.grad(ours(xs, ts, reduction="sum"), [xs], create_graph=True)
    (gt,) = torch.autograd.grad(theirs(xt, tt, reduction="sum"), [xt], create_graph=True)
    assert_close(gs, gt)
    second = autograd.grad((gs * gs).sum(), [xs, ts])
    reference = torch.autograd.grad((gt * gt).sum(), [xt, tt])
    for a, b in zip(second, reference, strict=True):
        assert_close(a, b, rtol=1e-9, atol=1e-9)


@given(x=arrays((3, 4)))
def test_functional_linear_matches_torch(x):
    w, b = np.arange(8.0).reshape(2, 4) / 10, np.array([0.5, -0.5])
    assert_close(
        F.linear(autograd.tensor(x), autograd.tensor(w), autograd.tensor(b)),
        torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)),
    )


@given(data=st.data(), lead=st.sampled_from([(), (3,), (2, 3)]), with_bias=st.booleans())
def test_fused_linear_gradients_match_torch_to_second_order(data, lead, with_bias):
    """F.linear is one fused node: its first and second derivatives (create_graph) for inputs with any
    batch dimensions, with and without a bias, are torch's."""
    x, w, b = data.draw(arrays((*lead, 4))), data.draw(arrays((2, 4))), data.draw(arrays((2,)))
    (xs, xt), (ws, wt), (bs, bt) = leaf(x), leaf(w), leaf(b)
    out_s = F.linear(xs, ws, bs if with_bias else None)
    out_t = torch.nn.functional.linear(xt, wt, bt if with_bias else None)
    assert_close(out_s, out_t)
    upstream = data.draw(arrays(tuple(out_t.shape)))
    ours, theirs = [xs, ws, *([bs] if with_bias else [])], [xt, wt, *([bt] if with_bias else [])]
    first_s = autograd.grad(out_s, ours, autograd.tensor(upstream), create_graph=True)
    first_t = torch.autograd.grad(out_t, theirs, torch.tensor(upstream), create_graph=True)
    for a, c in zip(first_s, first_t, strict=True):
        assert a.shape == c.shape
        assert_close(a, c)
    second_s = autograd.grad(sum((g * g).sum() for g in first_s[:2]), ours[:2])
    second_t = torch.autograd.grad(sum((g * g).sum() for g in first_t[:2]), theirs[:2])
    for a, c in zip(second_s, second_t, strict=True):
        assert_close(a, c, rtol=1e-9, atol=1e-9)


def test_linear_names_mismatched_shapes():
    with pytest.raises(RuntimeError, match="linear: input"):
        F.linear(autograd.ones(3, 5), autograd.ones(2, 4))
    with pytest.raises(RuntimeError, match="bias"):
        F.linear(autograd.ones(3, 4), autograd.ones(2, 4), autograd.ones(3))


def test_module_to_converts_parameters_and_grads():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    assert model[0].weight.dtype == autograd.float32  # torch's default dtype
    model(autograd.tensor(np.ones((1, 2), np.float32))).sum().backward()
    model.double()
    assert all(p.dtype == autograd.float64 and p.grad.dtype == autograd.float64 for p in model.parameters())
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())
    with pytest.raises(TypeError, match="floating"):
        model.to(autograd.int64)


def test_state_dict_shares_storage_like_torch():
    layer = nn.Linear(2, 1)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert not state["weight"].requires_grad
    with autograd.no_grad():
        layer.weight.fill_(3.0)
    np.testing.assert_array_equal(state["weight"].numpy(), [[3.0, 3.0]])


def test_a_parameter_made_from_a_tensor_shares_its_storage_as_torch():
    for lib, param in ((autograd, nn.Parameter), (torch, torch.nn.Parameter)):
        t = lib.tensor([0.0, 0.0, 0.0])
        p = param(t)
        t.fill_(5.0)
        assert p.tolist() == [5.0, 5.0, 5.0] and p.requires_grad and p.is_leaf


def test_a_layer_used_twice_is_saved_under_both_names_as_torch():
    ours = nn.Sequential(*(lambda layer: (layer, nn.ReLU(), layer))(nn.Linear(2, 2)))
    theirs = torch.nn.Sequential(*(lambda layer: (layer, torch.nn.ReLU(), layer))(torch.nn.Linear(2, 2)))
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == names
    assert [name for name, _ in ours.named_parameters()] == ["0.weight", "0.bias"]  # parameters(): once
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(ours[0].weight.numpy(), theirs[0].weight.detach().numpy())
    ours.load_state_dict({k: v for k, v in ours.state_dict().items() if k.startswith("0.")})  # one name each
    with pytest.raises(KeyError, match="missing keys"):
        ours.load_state_dict({"0.weight": ours[0].weight.numpy()})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target", [2, [0.1, 0.2, 0.7]])
def test_one_unbatched_sample_takes_cross_entropy_and_nll_as_torch(reduction: str, target: object):
    made = []
    for lib, functional in ((autograd, F), (torch, torch.nn.functional)):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        loss = functional.cross_entropy(x, lib.tensor(target), reduction=reduction)
        if isinstance(target, int):
            loss = loss + functional.nll_loss(x.log_softmax(0), lib.tensor(target), reduction=reduction)
        loss.backward()
        made.append((tuple(loss.shape), loss.item(), x.grad.numpy().copy()))
    assert made[0][0] == made[1][0] == ()
    np.testing.assert_allclose(made[0][1], made[1][1], rtol=1e-6)
    np.testing.assert_allclose(made[0][2], made[1][2], rtol=1e-5, atol=1e-7)
