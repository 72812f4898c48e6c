"""An ASGI guard in front of the Gradio routes. A request body over the cap is refused (413)
before it is read or parsed; a body that comes too slowly is cut off (408), and only so many are
read at once (503), so slow clients cannot hold the server's memory and sockets; an event the
page triggers privately is run only as the page runs it: through the queue, from its own
trigger (not by index or name alone); the public API takes no session hash, its calls are let
in at a steady pace (`CallPace`), and each call's session is handed to `ApiSessions` to be
released once answered."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from .api_sessions import ApiSessions
from .pace import CallPace

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/gradio_api/"
CALL_PREFIX = API_PREFIX + "call/"
SESSION_REFUSED = "A session_hash is not accepted on the public API."
# HAND-SET. A body's next piece must arrive within READ_SECONDS and the whole body within
# BODY_SECONDS: a 256 KB body takes well under a second on any link a user would use, so these
# only cut off clients that trickle bytes to hold a socket. At most MAX_READING bodies are read
# at once, more are refused as busy: with the default body cap that is at most 64 MB held, and
# far below the process's file limit, yet high enough that 200 trickling sockets (the issue's
# reproduction) leave room for everyone else's requests until the deadlines free theirs.
READ_SECONDS = 10.0
BODY_SECONDS = 30.0
MAX_READING = 256
# HAND-SET. After its first GRACE_SECONDS a body must have come at MIN_BYTES_PER_SECOND on
# average: a trickle of a byte every few seconds (each piece inside READ_SECONDS) would
# otherwise hold a reading slot for BODY_SECONDS, and 256 such sockets, reopened, would keep
# every slot. A real client's body (at most the cap) arrives within the grace on any link.
GRACE_SECONDS = 2.0
MIN_BYTES_PER_SECOND = 4096
_STATUS = {SESSION_REFUSED: 400}  # every other refusal reads as a missing endpoint (404)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestGuard:
    """`blocks` is the Gradio Blocks served (its event table says which events are private);
    `public` the api names that may be called by name."""

    def __init__(
        self,
        app: ASGIApp,
        blocks: Any,
        max_bytes: int,
        public: Iterable[str],
        read_seconds: float = READ_SECONDS,
        body_seconds: float = BODY_SECONDS,
        max_reading: int = MAX_READING,
        api_sessions: ApiSessions | None = None,
        pace: CallPace | None = None,
    ) -> None:
        self.app, self.blocks, self.max_bytes = app, blocks, max_bytes
        self.api_sessions, self.pace = api_sessions, pace
        self.public = frozenset(public)
        self.read_seconds, self.body_seconds = read_seconds, body_seconds
        self.max_reading, self.reading = max_reading, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _unused_route(scope.get("path", "")):
            return await _reply(send, 404, "No such endpoint.")
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            return await _reply(send, 413, "Request body too large.")
        path = scope.get("path", "")
        calls = CALL_PREFIX in path
        if calls and _call_name(path) not in self.public:
            return await _reply(send, 404, "No such endpoint.")
        # a burst of API calls, all let in at once, took the page's chats' CPU while Gradio
        # queued them (chat p95 1.7-2.4x unloaded; 1.2-2.0x paced: evals/load_mixed.py); only
        # calls that may run wait for a turn
        if calls and self.pace is not None and not await self.pace.turn():
            return await _reply(send, 429, "Too many API calls; please retry shortly.")
        if calls and self.api_sessions is not None:
            self.api_sessions.start()
            send = self.api_sessions.noting(send)
        if self.reading >= self.max_reading:
            return await _reply(send, 503, "The server is busy; please try again shortly.")
        self.reading += 1  # one event loop: no lock needed between the check and the count
        try:
            body = await asyncio.wait_for(self._read(receive), self.body_seconds)
        except TimeoutError:
            return await _reply(send, 408, "The request body came too slowly.")
        finally:
            self.reading -= 1
        if body is None:
            return await _reply(send, 413, "Request body too large.")
        refusal = self.refusal(scope.get("path", ""), body)
        if refusal:
            return await _reply(send, _STATUS.get(refusal, 404), refusal)
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the cap (a chunked upload says no size).

        A read that times out or is cancelled leaves its frame in a reference cycle (the
        timeout's traceback) that only a full garbage collection frees: the bytes read so far
        are dropped from it at once, else 200 slow bodies kept ~20 MB more after every burst."""
        chunks: list[bytes] = []  # the only reference to the bytes read
        size, started = 0, time.monotonic()
        try:
            while True:
                message = await asyncio.wait_for(receive(), self.read_seconds)
                elapsed = time.monotonic() - started
                if elapsed > GRACE_SECONDS and size < MIN_BYTES_PER_SECOND * elapsed:
                    raise TimeoutError  # a trickle: answered like any other slow body (408)
                if message["type"] != "http.request":
                    break  # the client went away; the app will see the disconnect
                chunks.append(message.pop("body", b""))
                size += len(chunks[-1])
                if size > self.max_bytes:
                    return None
                if not message.get("more_body"):
                    break
            return b"".join(chunks)
        finally:
            chunks.clear()

    def refusal(self, path: str, body: bytes) -> str:
        """Why this request may not run an event ("" when it may)."""
        if API_PREFIX not in path:
            return ""
        route = path.split(API_PREFIX, 1)[1].strip("/")
        if route.startswith("call/"):  # its name was checked before its body was read
            return _session_refusal(body)
        if route == "queue/join":
            return self._join_refusal(body)
        return ""

    def _join_refusal(self, body: bytes) -> str:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return ""  # Gradio answers malformed bodies itself (422)
        if not isinstance(data, dict):
            return ""
        if not _is_int(data.get("fn_index")):  # "11", 11.0 or true would reach event 11 too
            return "No such endpoint."
        fn = self.blocks.fns.get(data["fn_index"])
        if fn is None or getattr(fn, "api_visibility", "public") != "private":
            return ""
        if data.get("trigger_id") in _triggers(fn, self.blocks):
            return ""
        return "No such endpoint."


# Gradio routes this app never uses: files and proxied URLs (/file= fetched any public URL for
# any client), uploads, streamed media and the monitoring page.
UNUSED_ROUTES = ("file=", "file/", "proxy=", "upload", "stream/", "monitoring")


def _call_name(path: str) -> str:
    """The event name a `/call/<name>` or `/call/v2/<name>` path finds its event by."""
    route = path.split(API_PREFIX, 1)[-1].strip("/")
    return route.removeprefix("call/").removeprefix("v2/").split("/")[0]


def _unused_route(path: str) -> bool:
    if path == "/monitoring" or path.startswith("/monitoring/"):  # mounted at the root
        return True
    if API_PREFIX not in path:
        return False
    return path.split(API_PREFIX, 1)[1].startswith(UNUSED_ROUTES)


def _session_refusal(body: bytes) -> str:
    """A public call names no browser session: a session hash would let a caller act inside
    someone else's (the page's own events go through queue/join)."""
    try:
        data = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        return ""  # Gradio answers malformed bodies itself
    if isinstance(data, dict) and "session_hash" in data:
        return SESSION_REFUSED
    return ""


def _triggers(fn: Any, blocks: Any) -> set[int | None]:
    """The trigger ids the page sends for `fn`: its target components (None and the Blocks'
    own id for a page-load event)."""
    ids: set[int | None] = set()
    for block_id, event in getattr(fn, "targets", ()):
        ids.add(block_id)
        if event == "load":
            ids.update({None, getattr(blocks, "_id", None)})
    after = getattr(
        fn, "trigger_after", None
    )  # a `.then()` step runs from its first event's trigger
    if after is not None and after in blocks.fns:
        ids |= _triggers(blocks.fns[after], blocks)
    return ids


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the buffered body once, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        # the body may be unread (too big, too slow): close, rather than wait for the rest
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
