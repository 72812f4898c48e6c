"""Release what Gradio keeps for each call of the public API. A `/call/*` request runs in a
session of its own (the public API takes no session hash), and Gradio kept that session's state
(a copy of the page's configuration, about 30 KB) until 1,000 newer sessions pushed it out, and
its answer until read: forever if never read. Such a session is released once its answer is
computed, and the answer once read or after `result_seconds`."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("advisor.ui")

# HAND-SET. An answer of the public API waits this long to be read once computed: a client
# reads it straight after its call (`GET /call/ask/<event_id>`); one that has not come back
# within a minute has gone away, and 200 unread answers held ~1 MB until then.
RESULT_SECONDS = 60.0
# HAND-SET. How often released sessions are looked for: a session holds ~30 KB, so a few
# seconds of a flood's sessions (at most a few hundred answers) is all that is ever held.
SWEEP_SECONDS = 2.0
# HAND-SET. Gradio records each event for its monitoring dashboard (off here: /monitoring is
# not served) and re-summarises all of them after every event, up to 10,000 of ~1 KB each.
# It needs none; one is the least its queue accepts.
ANALYTICS_EVENTS = 1
MAX_REPLY_BYTES = 4096  # HAND-SET: a call's reply is its event id; more is not one

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]


class ApiSessions:
    """The sessions of public API calls still held, by event id (which Gradio uses as the
    session hash of a call that brings none), with the time each answer was found computed."""

    def __init__(
        self,
        blocks: Any,
        result_seconds: float = RESULT_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.blocks = blocks
        self.result_seconds, self.sweep_seconds = result_seconds, sweep_seconds
        self.clock = clock
        self.calls: dict[str, float | None] = {}  # event id -> when found answered
        self._task: asyncio.Task | None = None
        self._broken = False  # Gradio's tables changed shape: stop, and say so once

    def joined(self, event_id: str) -> None:
        self.calls.setdefault(event_id, None)

    def sweep(self) -> int:
        """Release every answered call's session, and the answers read or left unread too
        long; the number of calls forgotten. Runs on the server's event loop, as Gradio's
        own code that touches these tables does."""
        queue, holder = self.blocks._queue, self.blocks.state_holder
        now, forgotten = self.clock(), 0
        for sid, answered in list(self.calls.items()):
            if sid in queue.event_ids_to_events:  # waiting or running: its state is in use
                continue
            if answered is None:
                answered = self.calls[sid] = now
                with holder.lock:
                    holder.session_data.pop(sid, None)
                    holder.time_last_used.pop(sid, None)
            unread = queue.pending_event_ids_session.get(sid)
            if unread and now - answered < self.result_seconds:
                continue
            queue.pending_messages_per_session.pop(sid, None)
            queue.pending_event_ids_session.pop(sid, None)
            del self.calls[sid]
            forgotten += 1
        return forgotten

    def start(self) -> None:
        """Sweep every `sweep_seconds` on the running loop, from the first request on."""
        if not self._broken and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._sweeping())

    async def _sweeping(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                self.sweep()
            except Exception:  # Gradio's tables changed shape: keep serving, say so once
                self._broken = True
                log.warning("API sessions can no longer be released", exc_info=True)
                return

    def noting(self, send: Send) -> Send:
        """`send` for a `/call/*` request: notes the event id of the call's reply."""
        status, body = [0], bytearray()

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and status[0] == 200:
                if len(body) < MAX_REPLY_BYTES:  # {"event_id": "..."}: a few dozen bytes
                    body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self._note(bytes(body))
            await send(message)

        return noted

    def _note(self, body: bytes) -> None:
        try:
            event_id = json.loads(body)["event_id"]
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(event_id, str):
            self.joined(event_id)
