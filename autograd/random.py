"""Random number generators as torch has them: ``Generator`` objects and one global default generator.

Every random draw (``rand``, ``randn``, ``multinomial``, ``normal_``, ``nn.init``, ``DataLoader``'s
shuffling, ...) takes ``generator=``: an ``autograd.Generator``, a numpy ``Generator`` (a convenience), or
None for the default generator, which ``manual_seed(s)`` reseeds, so one call makes a whole run repeatable.
A Generator wraps numpy's PCG64: the numbers differ from torch's (another algorithm), their distributions
do not. numpy locks a bit generator around each draw, so threads may share a generator.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from .devices import check

_SEED_BITS = 2**64
_DEFAULT_SEED = 67280421310721  # a new torch.Generator()'s initial seed, as torch
_STATE_BYTES = 16 + 16 + 1 + 4 + 8  # PCG64's state and increment, its buffered 32 bits, the initial seed


def _checked_seed(seed: Any) -> int:
    """``seed`` as torch takes it: an integer (a float is truncated) in [-2**63, 2**64), negative ones
    wrapped around to 64 bits."""
    if isinstance(seed, (str, bytes)) or not isinstance(seed, (int, float, np.integer, np.floating)):
        raise TypeError(f"manual_seed expected an int seed, got {type(seed).__name__}")
    value = int(seed)
    if not -(2**63) <= value < _SEED_BITS:
        raise ValueError(f"manual_seed: seed {value} is outside [-2**63, 2**64)")
    return value % _SEED_BITS


class Generator:
    """A random number generator with its own state (torch.Generator): ``manual_seed(s)`` makes its stream
    repeatable, ``seed()`` reseeds it from the OS, ``get_state``/``set_state`` save and restore it."""

    __slots__ = ("_rng", "_initial", "device")

    def __init__(self, device: Any = "cpu") -> None:
        self.device = check(device, "Generator")
        self._initial = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))

    def manual_seed(self, seed: Any) -> Generator:
        """Restarts the stream from ``seed``; returns this generator (``Generator().manual_seed(0)``)."""
        value = _checked_seed(seed)
        self._set_bits(np.random.PCG64(value).state, value)
        return self

    def seed(self) -> int:
        """Reseeds from the OS's entropy and returns the new seed."""
        value = secrets.randbits(64)
        self._set_bits(np.random.PCG64(value).state, value)
        return value

    def initial_seed(self) -> int:
        """The seed the stream started from (the last ``manual_seed`` or ``seed``)."""
        return self._initial

    def get_state(self) -> Any:
        """The state as a uint8 tensor, for ``set_state`` to come back to this point of the stream."""
        from .tensor import _wrap

        bits = self._rng.bit_generator
        with bits.lock:
            state = bits.state
        raw = (
            state["state"]["state"].to_bytes(16, "little")
            + state["state"]["inc"].to_bytes(16, "little")
            + bytes([state["has_uint32"]])
            + state["uinteger"].to_bytes(4, "little")
            + self._initial.to_bytes(8, "little")
        )
        return _wrap(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restores a state that ``get_state`` returned; returns this generator."""
        array = np.asarray(getattr(new_state, "_data", new_state))
        if array.dtype != np.uint8 or array.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes from get_state(), got dtype "
                f"{array.dtype} and shape {tuple(array.shape)}"
            )
        raw = array.tobytes()
        state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[:16], "little"),
                "inc": int.from_bytes(raw[16:32], "little"),
            },
            "has_uint32": raw[32],
            "uinteger": int.from_bytes(raw[33:37], "little"),
        }
        self._set_bits(state, int.from_bytes(raw[37:], "little"))
        return self

    def _set_bits(self, state: dict[str, Any], initial: int) -> None:
        bits = self._rng.bit_generator
        with bits.lock:  # a draw in another thread sees the old state or the new one, not half of each
            bits.state = state
            self._initial = initial

    def __repr__(self) -> str:
        return f"<autograd.Generator device={self.device}>"


default_generator = Generator()
default_generator.seed()  # unseeded runs differ, as torch's


def manual_seed(seed: Any) -> Generator:
    """Seeds the default generator: every draw without its own ``generator=`` becomes repeatable."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seeds the default generator from the OS's entropy and returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state as a uint8 tensor (``set_rng_state`` restores it)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restores the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


def numpy_generator(generator: Any) -> np.random.Generator:
    """The numpy generator a draw uses: ``generator``'s (an ``autograd.Generator`` or a numpy ``Generator``),
    or the default one's for None. An int is refused, as torch: seeds go to ``manual_seed``."""
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    hint = f": use autograd.Generator().manual_seed({generator})" if isinstance(generator, int) else ""
    raise TypeError(
        f"generator must be an autograd.Generator (or a numpy Generator), got "
        f"{type(generator).__name__}{hint}"
    )


__all__ = [
    "Generator",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "numpy_generator",
    "seed",
    "set_rng_state",
]
