"""Neural networks on tracegrad, from the Rosenblatt perceptron to trained multilayer networks.

- micrograd's scalar ``Neuron``/``Layer``/``MLP`` on ``autograd.Value`` (``nn.micro``);
- torch-style layers on ``autograd.Tensor``: ``Module``, ``Parameter``, ``Linear``, ``Sequential``,
  activations, losses, ``functional`` (as F), ``init``, ``optim``, ``data``, ``fit``, ``save``/``load``;
- the perceptron chapter: ``Perceptron`` (Rosenblatt's rule) and the logic ``gates``;
- ``recipes``: the output layer and loss by task, ``build_mlp`` (a tensor MLP builder; ``MLP`` is
  micrograd's) and ``suggest_hidden_units``.
"""

from . import data, functional, gates, init, optim
from .activations import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .data import DataLoader, TensorDataset
from .flatten import Flatten, Unflatten
from .gates import AND, NAND, OR, XOR, truth_table
from .layers import Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from .metrics import accuracy, zero_one_loss
from .micro import MLP, Layer, Neuron, ScalarModule
from .module import Identity, Module, Parameter, Sequential
from .perceptron import Perceptron
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .recipes import OutputRecipe, build_mlp, output_recipe, suggest_hidden_units
from .serialize import load, save
from .train import History, fit

__all__ = [
    "AND",
    "ELU",
    "MLP",
    "NAND",
    "OR",
    "XOR",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "DataLoader",
    "Flatten",
    "HingeLoss",
    "History",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
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
    "Unflatten",
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
    "zero_one_loss",
]
