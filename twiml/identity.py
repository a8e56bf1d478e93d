"""Memoising a function of one immutable object by the object's identity.

Parsed documents are cached and immutable, so every call running one document passes the very
same verb objects: a result keyed by `id()` is found without hashing the object's fields. Each
entry keeps its object alive, so an `id` is never reused while its entry exists; the cache holds
at most `size` entries and starts over when full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def by_identity(size: int) -> Callable[[Callable[[K], V]], Callable[[K], V]]:
    def decorate(function: Callable[[K], V]) -> Callable[[K], V]:
        cache: dict[int, tuple[K, V]] = {}

        def memoised(key: K) -> V:
            found = cache.get(id(key))
            if found is not None and found[0] is key:
                return found[1]
            if len(cache) >= size:
                cache.clear()
            value = function(key)
            cache[id(key)] = (key, value)
            return value

        memoised.__doc__ = function.__doc__
        return memoised

    return decorate
