"""Calls to the public API, spaced out: a burst of submissions is let through one at a time at a
steady rate instead of all at once, and a caller who would wait too long is told to retry."""

from __future__ import annotations

import asyncio
import time

# HAND-SET. The longest a call waits for its turn; beyond it the caller is told to retry (429).
# At the default rate (`Settings.api_calls_per_second`, 20) that is at most 200 calls in line,
# each a sleeping task and a socket whose body the server may have buffered (up to ~64 KB):
# ~13 MB at worst, given back as the line moves.
MAX_WAIT_SECONDS = 10.0


class CallPace:
    """Hands out turns `1 / per_second` apart, to callers on one event loop (no lock needed
    between reading and moving the next turn: nothing awaits in between).

    >>> pace = CallPace(per_second=0.0)  # 0 or less: every call goes at once
    >>> asyncio.run(pace.turn())
    True
    >>> pace = CallPace(per_second=1.0, max_wait=0.5)
    >>> async def two(): return [await pace.turn(), await pace.turn()]
    >>> asyncio.run(two())  # the second would wait a whole second: refused
    [True, False]
    """

    def __init__(self, per_second: float, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.gap = 1.0 / per_second if per_second > 0 else 0.0
        self.max_wait = max_wait
        self.next = 0.0  # the monotonic time of the next free turn

    async def turn(self) -> bool:
        """Wait for this call's turn; False (at once) when it is further off than `max_wait`."""
        if not self.gap:
            return True
        now = time.monotonic()
        at = max(now, self.next)
        if at - now > self.max_wait:
            return False
        self.next = at + self.gap
        if at > now:
            await asyncio.sleep(at - now)
        return True
