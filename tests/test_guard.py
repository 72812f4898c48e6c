"""The request guard's own logic, driven through its ASGI interface: slow bodies cut off, a
bound on bodies read at once, event indexes only as integers, no session hash on the public
API; and the state secret made once, whole, however many processes start together."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from pathlib import Path

import pytest

from advisor.settings import Settings
from advisor.ui.guard import SESSION_REFUSED, RequestGuard
from advisor.ui.sessions import SecretError, state_secret


class Blocks:
    """The part of gr.Blocks the guard reads: the event table (event 11 is private)."""

    class Fn:
        api_visibility = "private"
        targets = ((5, "click"),)
        trigger_after = None

    def __init__(self) -> None:
        self.fns = {11: self.Fn()}
        self._id = 0


async def app(scope, receive, send):  # what the guard lets through answers 200
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def scope(path: str, length: int | None = None) -> dict:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    return {"type": "http", "method": "POST", "path": path, "headers": headers}


async def status_of(guard, path, body: bytes | None, trickle: float | None = None) -> int:
    """Send `body` at once, or (trickle) one byte and then nothing for `trickle` seconds."""
    sent: list[dict] = []

    async def receive():
        if trickle is not None:
            await asyncio.sleep(trickle)
            return {"type": "http.request", "body": b"{", "more_body": True}
        return {"type": "http.request", "body": body or b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await guard(scope(path), receive, send)
    return sent[0]["status"]


def guard(**kw) -> RequestGuard:
    return RequestGuard(app, Blocks(), max_bytes=64 * 1024, public=("chat", "ask"), **kw)


def test_a_body_that_trickles_is_cut_off_and_others_are_answered():
    async def scenario():
        g = guard(read_seconds=0.2, body_seconds=0.5, max_reading=3)
        started = time.monotonic()
        slow = [
            asyncio.create_task(status_of(g, "/gradio_api/queue/join", None, 5)) for _ in range(3)
        ]
        await asyncio.sleep(0.05)
        busy = await status_of(g, "/gradio_api/queue/join", b"{}")  # every reading slot held
        done = await asyncio.gather(*slow)
        after = await status_of(g, "/gradio_api/call/ask", b'{"data": ["q", "[]"]}')
        return busy, done, after, time.monotonic() - started

    busy, done, after, seconds = asyncio.run(scenario())
    assert busy == 503 and done == [408, 408, 408] and after == 200
    assert seconds < 2.0  # cut off at the read deadline, not when the client gives up


@pytest.mark.parametrize("fn_index", ["11", 11.0, True, None, [11]])
def test_a_private_event_is_not_reached_by_an_index_that_is_not_an_integer(fn_index):
    body = json.dumps({"fn_index": fn_index, "data": [], "trigger_id": 5}).encode()
    assert asyncio.run(status_of(guard(), "/gradio_api/queue/join", body)) == 404
    good = json.dumps({"fn_index": 11, "data": [], "trigger_id": 5}).encode()
    assert asyncio.run(status_of(guard(), "/gradio_api/queue/join", good)) == 200


def test_the_public_api_takes_no_session_hash():
    body = json.dumps({"data": ["q", []], "session_hash": "abc"}).encode()
    sent: list[dict] = []

    async def run():
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            sent.append(message)

        await guard()(scope("/gradio_api/call/chat"), receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 400 and SESSION_REFUSED in sent[1]["body"].decode()
    plain = json.dumps({"data": ["q", []]}).encode()
    assert asyncio.run(status_of(guard(), "/gradio_api/call/chat", plain)) == 200


def _secret(folder: str, start, out) -> None:
    start.wait()
    settings = Settings.from_env(env={}, index_dir=Path(folder))
    out.put(state_secret(settings))


def test_processes_starting_together_agree_on_one_whole_secret(tmp_path):
    """The issue's reproduction: 4 processes on a fresh folder, many times; each must read the
    same secret, never an empty or half-written one."""
    ctx = multiprocessing.get_context("fork")
    for trial in range(15):
        folder = tmp_path / f"t{trial}"
        start, out = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_secret, args=(str(folder), start, out)) for _ in range(4)]
        for p in procs:
            p.start()
        secrets = {out.get(timeout=30) for _ in procs}
        for p in procs:
            p.join()
        assert len(secrets) == 1 and len(secrets.pop()) == 64


def test_a_blank_or_short_secret_is_refused(tmp_path):
    with pytest.raises(SecretError, match="too short"):
        state_secret(Settings.from_env(env={}, index_dir=tmp_path, state_secret="abc"))
    (tmp_path / "state-secret").write_text("   \n")
    with pytest.raises(SecretError, match="blank"):
        state_secret(Settings.from_env(env={}, index_dir=tmp_path))


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=https://example.org/x",
        "/gradio_api/proxy=https://example.org/x",
        "/gradio_api/upload",
        "/gradio_api/stream/abc/playlist.m3u8",
        "/gradio_api/monitoring",
        "/monitoring",
        "/monitoring/summary",
    ],
)
def test_routes_the_app_never_uses_are_closed(path):
    sent: list[dict] = []

    async def run():
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await guard()({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 404


async def trickled(g, every: float, pieces: int = 100) -> tuple[int, float]:
    """A body sent a byte at a time, one piece every `every` seconds: (status, seconds)."""
    sent: list[dict] = []
    count = 0

    async def receive():
        nonlocal count
        await asyncio.sleep(every)
        count += 1
        return {"type": "http.request", "body": b" ", "more_body": count < pieces}

    async def send(message):
        sent.append(message)

    started = time.monotonic()
    await g(scope("/gradio_api/queue/join"), receive, send)
    return sent[0]["status"], time.monotonic() - started


def test_a_trickle_inside_every_read_deadline_is_cut_off_by_its_rate(monkeypatch):
    from advisor.ui import guard as module

    monkeypatch.setattr(module, "GRACE_SECONDS", 0.3)
    g = guard(read_seconds=5.0, body_seconds=20.0)
    status, seconds = asyncio.run(trickled(g, every=0.1))
    assert status == 408 and seconds < 1.0


def test_a_body_still_coming_at_the_total_deadline_is_cut_off(monkeypatch):
    from advisor.ui import guard as module

    monkeypatch.setattr(module, "GRACE_SECONDS", 60.0)  # the rate rule out of the way
    g = guard(read_seconds=5.0, body_seconds=0.5)
    status, seconds = asyncio.run(trickled(g, every=0.05))
    assert status == 408 and 0.4 < seconds < 1.5


@pytest.mark.parametrize("cut", ["read deadline", "total deadline"])
def test_a_body_cut_off_leaves_none_of_its_bytes_behind(cut):
    """A timed-out read's frame sits in a reference cycle (the timeout's traceback) until a full
    garbage collection, which a busy server may not run for minutes: the bytes it read must
    not be held by it (slow bodies kept ~20 MB a burst of 200)."""
    import gc
    import tracemalloc

    part = 1024 * 1024
    sent: list[int] = []
    parts = iter([True])  # one part of the body, then nothing

    async def receive():
        if next(parts, False):
            return {"type": "http.request", "body": b"x" * part, "more_body": True}
        await asyncio.sleep(5)  # the deadline cuts the read off first
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if "status" in message:
            sent.append(message["status"])

    seconds = {"read_seconds": 0.1} if cut == "read deadline" else {"body_seconds": 0.1}
    g = RequestGuard(app, Blocks(), max_bytes=4 * part, public=("chat",), **seconds)
    gc.disable()
    tracemalloc.start()
    try:
        asyncio.run(g(scope("/gradio_api/queue/join"), receive, send))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert sent == [408]
    assert held < part // 2, f"{held} bytes still held after the 408"


def test_a_call_that_cannot_run_is_refused_before_it_waits_its_turn():
    from advisor.ui.pace import CallPace

    async def scenario():
        g = guard(pace=CallPace(per_second=1, max_wait=5.0))
        started = time.monotonic()
        body = b'{"data": ["q", "[]"]}'
        first = await status_of(g, "/gradio_api/call/ask", body)
        hidden = await status_of(g, "/gradio_api/call/explore_open", body)
        return first, hidden, time.monotonic() - started

    first, hidden, seconds = asyncio.run(scenario())
    assert first == 200 and hidden == 404 and seconds < 0.5  # no wait for the second turn


def test_api_calls_are_let_in_at_a_pace_and_the_page_is_not_held():
    """A burst of API calls goes in one at a time, `1 / per_second` apart; one that would wait
    longer than the bound is told to retry (429) at once; the page's own requests never wait."""
    from advisor.ui.pace import CallPace

    async def scenario():
        g = guard(pace=CallPace(per_second=4, max_wait=1.0))
        started = time.monotonic()
        body = b'{"data": ["q", "[]"]}'
        calls = [asyncio.create_task(status_of(g, "/gradio_api/call/ask", body)) for _ in range(6)]
        await asyncio.sleep(0.01)
        join = json.dumps({"fn_index": 11, "data": [], "trigger_id": 5}).encode()
        page = await status_of(g, "/gradio_api/queue/join", join)
        page_seconds = time.monotonic() - started
        statuses = await asyncio.gather(*calls)
        return statuses, page, page_seconds, time.monotonic() - started

    statuses, page, page_seconds, seconds = asyncio.run(scenario())
    assert sorted(statuses) == [200] * 5 + [429]  # turns at 0, 0.25, ... 1.0 s; the sixth 1.25
    assert 0.9 < seconds < 3.0
    assert page == 200 and page_seconds < 0.5  # not in line: it would have been refused
