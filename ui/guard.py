"""An ASGI guard in front of the Gradio routes. A request body over the cap is refused (413)
before it is read or parsed, and an event the page triggers privately is run only as the page
runs it: through the queue, from its own trigger (not by index or name alone)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/gradio_api/"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestGuard:
    """`blocks` is the Gradio Blocks served (its event table says which events are private);
    `public` the api names that may be called by name."""

    def __init__(self, app: ASGIApp, blocks: Any, max_bytes: int, public: Iterable[str]) -> None:
        self.app, self.blocks, self.max_bytes = app, blocks, max_bytes
        self.public = frozenset(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            return await _reply(send, 413, "Request body too large.")
        body = await self._read(receive)
        if body is None:
            return await _reply(send, 413, "Request body too large.")
        refusal = self.refusal(scope.get("path", ""), body)
        if refusal:
            return await _reply(send, 404, refusal)
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the cap (a chunked upload says no size)."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app will see the disconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    def refusal(self, path: str, body: bytes) -> str:
        """Why this request may not run an event ("" when it may)."""
        if API_PREFIX not in path:
            return ""
        route = path.split(API_PREFIX, 1)[1].strip("/")
        if route.startswith("call/"):  # /call/<name> and /call/v2/<name> find events by name
            name = route.removeprefix("call/").removeprefix("v2/").split("/")[0]
            return "" if name in self.public else "No such endpoint."
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
        fn = self.blocks.fns.get(data.get("fn_index")) if _is_int(data.get("fn_index")) else None
        if fn is None or getattr(fn, "api_visibility", "public") != "private":
            return ""
        if data.get("trigger_id") in _triggers(fn, self.blocks):
            return ""
        return "No such endpoint."


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
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
