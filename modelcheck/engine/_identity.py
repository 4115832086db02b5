"""Values kept per live object by its identity, for memos about a spec object: a spec class may define
``__eq__`` and so be unhashable, which a WeakSet or WeakKeyDictionary cannot hold (``paxraft check`` ended in
'internal error: unhashable type' for such a spec)."""

from __future__ import annotations

import weakref
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    """A value per object, dropped when the object goes (before its id can be another object's)."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Any], V]] = {}

    def get(self, obj: Any) -> V | None:
        """The value kept for ``obj``, or None."""
        entry = self._entries.get(id(obj))
        return entry[1] if entry is not None and entry[0]() is obj else None

    def put(self, obj: Any, value: V) -> None:
        """Keep ``value`` for ``obj`` while it lives."""
        key = id(obj)
        self._entries[key] = (weakref.ref(obj, lambda _: self._entries.pop(key, None)), value)
