"""ApiSessions' rules on small stand-ins for Gradio's tables (the served app is tested in
tests/test_serve_hardening.py): a call's session is released once answered, never while its
event waits or runs; its answer once read, or after `result_seconds` unread."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from advisor.ui.api_sessions import ApiSessions


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def blocks_with(*sessions: str) -> SimpleNamespace:
    queue = SimpleNamespace(
        event_ids_to_events={s: object() for s in sessions},  # waiting or running
        pending_event_ids_session={s: {s} for s in sessions},
        pending_messages_per_session={s: ["queued"] for s in sessions},
    )
    holder = SimpleNamespace(
        lock=threading.Lock(),
        session_data={s: "state" for s in sessions},
        time_last_used={s: 0.0 for s in sessions},
    )
    return SimpleNamespace(_queue=queue, state_holder=holder)


def test_a_session_is_released_once_answered_and_its_answer_once_read():
    blocks, clock = blocks_with("a", "b", "page"), Clock()
    api = ApiSessions(blocks, result_seconds=60, clock=clock)
    api.joined("a")
    api.joined("b")
    assert api.sweep() == 0 and set(blocks.state_holder.session_data) == {"a", "b", "page"}
    del blocks._queue.event_ids_to_events["a"]  # answered, not yet read
    assert api.sweep() == 0
    assert (
        "a" not in blocks.state_holder.session_data
        and "a" in blocks._queue.pending_messages_per_session
    )
    assert "b" in blocks.state_holder.session_data  # still running: its state is in use
    blocks._queue.pending_event_ids_session["a"].clear()  # read by its caller
    assert api.sweep() == 1
    assert "a" not in blocks._queue.pending_messages_per_session and "a" not in api.calls
    assert "page" in blocks.state_holder.session_data  # not a call's: never touched


def test_an_answer_nobody_reads_is_dropped_after_result_seconds():
    blocks, clock = blocks_with("a"), Clock()
    api = ApiSessions(blocks, result_seconds=60, clock=clock)
    api.joined("a")
    del blocks._queue.event_ids_to_events["a"]
    clock.now = 10.0
    api.sweep()  # found answered at 10 s
    clock.now = 69.0
    assert api.sweep() == 0 and "a" in blocks._queue.pending_messages_per_session
    clock.now = 71.0
    assert api.sweep() == 1
    assert "a" not in blocks._queue.pending_messages_per_session
    assert "a" not in blocks._queue.pending_event_ids_session


def test_only_a_calls_reply_notes_its_event():
    api = ApiSessions(blocks_with())
    sent: list = []

    async def send(message):
        sent.append(message)

    import asyncio

    async def reply(status: int, *bodies: bytes) -> None:
        noted = api.noting(send)
        await noted({"type": "http.response.start", "status": status})
        for i, body in enumerate(bodies):
            await noted(
                {"type": "http.response.body", "body": body, "more_body": i < len(bodies) - 1}
            )

    asyncio.run(reply(200, b'{"event_', b'id": "e1"}'))
    asyncio.run(reply(503, b'{"event_id": "e2"}'))
    asyncio.run(reply(200, b"not json"))
    asyncio.run(reply(200, b'{"event_id": 3}'))
    assert list(api.calls) == ["e1"] and len(sent) == 9
