"""Handles for registered hooks (tensors' ``register_hook``, modules' forward hooks), as torch's."""

from __future__ import annotations

from collections.abc import MutableMapping
from itertools import count
from typing import Any

_HOOK_KEYS = count()  # shared by every registry: a key is never reused, so a stale handle removes nothing


class RemovableHandle:
    """What ``register_hook`` (and nn's ``register_forward_hook``) return: ``remove()`` takes the hook off
    its registry, a dict of hooks by key; removing twice, or after the same hook is registered again, is
    harmless."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks: MutableMapping[int, Any], key: int) -> None:
        self._hooks, self._key = hooks, key

    @classmethod
    def register(cls, hooks: MutableMapping[int, Any], hook: Any) -> RemovableHandle:
        """Adds ``hook`` to ``hooks`` under a fresh key and returns its handle."""
        key = next(_HOOK_KEYS)
        hooks[key] = hook
        return cls(hooks, key)

    def remove(self) -> None:
        """Unregisters the hook (again: no effect)."""
        self._hooks.pop(self._key, None)
