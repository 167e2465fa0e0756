"""``nn.optim``: torch.optim's optimisers with their exact updates, parameter groups and ``state_dict``
layout (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``), and ``lr_scheduler``."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
