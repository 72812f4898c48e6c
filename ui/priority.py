"""Conversations first: an answer for the JSON API starts only when no page answer is being
computed, or after a bounded wait, so a flood of API calls cannot slow the people chatting."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# HAND-SET. The longest an API answer waits for the page's answers to finish. Page answers
# take 0.1-1 s each; while people chat steadily the API still gets an answer every
# ~API_WAIT_SECONDS, so it is slowed, never starved. Shorter waits let API answers overlap
# more page answers: on 2 cores both share one interpreter lock, and evals/load_mixed.py
# measured chat p95 at 1.9-2.9x the unloaded one with no wait at all.
API_WAIT_SECONDS = 2.0


class PageFirst:
    """Counts page answers in progress; the API waits for none to be left.

    >>> gate = PageFirst(wait_seconds=0.01)
    >>> with gate.page():
    ...     gate.api_turn()  # waited the whole 0.01 s: a page answer was running
    False
    >>> gate.api_turn()
    True
    """

    def __init__(self, wait_seconds: float = API_WAIT_SECONDS) -> None:
        self.wait_seconds = wait_seconds
        self._busy = 0
        self._idle = threading.Condition()

    @contextmanager
    def page(self) -> Iterator[None]:
        """Around a page answer (a generator's whole run: its frames are yielded inside)."""
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                if not self._busy:
                    self._idle.notify_all()

    def api_turn(self) -> bool:
        """Wait until no page answer runs (True), or until the wait is over (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, self.wait_seconds)
