"""Values derived from an index generation (title vectors, the library outline, the topics
line), made once per generation and shared by every caller. Keyed by the generation's name,
so no cached value keeps a closed generation's reader, files or lease alive."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

# A question reads the generation that was live when it came (Advisor._one_generation): one
# still running when an ingest flips the pointer finds its generation's value beside the new
# one's, and neither evicts the other (each rebuild of the title vectors takes ~1.6 s)
KEPT_GENERATIONS = 2


class PerGeneration(Generic[T]):
    """A value per generation, for the newest KEPT_GENERATIONS generations; concurrent callers
    of one generation wait for its one build.

    >>> made = []
    >>> cache = PerGeneration()
    >>> [cache.get(g, lambda g=g: made.append(g) or g.upper()) for g in ("gen-1", "gen-1")]
    ['GEN-1', 'GEN-1']
    >>> cache.get("gen-2", lambda: "GEN-2"), cache.get("gen-1", lambda: "again"), made
    ('GEN-2', 'GEN-1', ['gen-1'])
    >>> cache.get("gen-3", lambda: "GEN-3"), sorted(cache.generations())
    ('GEN-3', ['gen-2', 'gen-3'])
    """

    def __init__(self, keep: int = KEPT_GENERATIONS) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._values: dict[str, T] = {}

    def get(self, generation: str, make: Callable[[], T]) -> T:
        with self._lock:
            if generation not in self._values:
                self._values[generation] = make()
                # generation names sort by age ("gen-000002-..." after "gen-000001-..."): the
                # oldest go, even when an older question's build was the last one made
                for old in sorted(self._values)[: max(0, len(self._values) - self.keep)]:
                    if old != generation:
                        del self._values[old]
            return self._values[generation]

    def generations(self) -> list[str]:
        with self._lock:
            return list(self._values)
