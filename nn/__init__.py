"""Neural networks on tracegrad, from the Rosenblatt perceptron to trained multilayer networks.

- micrograd's scalar ``Neuron``/``Layer``/``MLP`` on ``autograd.Value`` (``nn.micro``);
- torch-style layers on ``autograd.Tensor``: ``Module``, ``Parameter``, ``Linear``, ``Sequential``,
  activations, losses, ``functional`` (as F), ``init``, ``optim``, ``data``, ``fit``, ``save``/``load``;
- the perceptron chapter: ``Perceptron`` (Rosenblatt's rule) and the logic ``gates``;
- ``recipes``: the output layer and loss by task, ``build_mlp`` (a tensor MLP builder; ``MLP`` is
  micrograd's) and ``suggest_hidden_units``.
"""

from . import data, functional, gates, init, optim
from .activations import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Tanh,
)
from .attention import MultiheadAttention
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, ParameterList
from .data import DataLoader, TensorDataset
from .dropout import Dropout
from .gates import AND, NAND, OR, XOR, truth_table
from .layers import Bilinear, Linear
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .metrics import accuracy, zero_one_loss
from .micro import MLP, Layer, Neuron, ScalarModule
from .module import Identity, Module, Parameter, Sequential
from .normalization import GroupNorm, LayerNorm
from .perceptron import Perceptron
from .recipes import OutputRecipe, build_mlp, output_recipe, suggest_hidden_units
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .serialize import load, save
from .sparse import Embedding
from .train import History, fit
from .transformer import TransformerEncoder, TransformerEncoderLayer

from . import utils  # isort: skip (a line of its own: merges only add lines)

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "Bilinear",
    "Dropout",
    "Embedding",
    "GELU",
    "GroupNorm",
    "Hardtanh",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "ModuleDict",
    "ModuleList",
    "ParameterList",
    "SiLU",
    "SmoothL1Loss",
    "Softplus",
    "AND",
    "ELU",
    "MLP",
    "NAND",
    "OR",
    "XOR",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "DataLoader",
    "HingeLoss",
    "History",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Neuron",
    "OutputRecipe",
    "Parameter",
    "Perceptron",
    "ReLU",
    "ScalarModule",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "TensorDataset",
    "accuracy",
    "build_mlp",
    "data",
    "fit",
    "functional",
    "gates",
    "init",
    "load",
    "optim",
    "output_recipe",
    "save",
    "suggest_hidden_units",
    "truth_table",
    "utils",
    "zero_one_loss",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "MultiheadAttention",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]
