"""What the server keeps per browser session outside gr.State: the answers it served (feedback
records only those, with the server's own text) and the verdict given on each (written once,
however often the page sends it). Bounded in sessions and in age; safe across threads."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.settings import Settings

# A session remembers its newest answers only: the page shows 20 turns (convert.MAX_TURNS), so
# twice that covers every answer a user can still click on.
SERVED_PER_SESSION = 40
SECRET_BYTES = 32  # 256-bit secret for signing saved chats (HMAC-SHA256)


@dataclass
class _Session:
    used: float
    served: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    verdicts: dict[str, str] = field(default_factory=dict)


class Sessions:
    """Per-session served answers and verdicts: at most `capacity` sessions (least recently
    used dropped first), each forgotten `ttl` seconds after its last use."""

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.capacity, self.ttl, self.clock = max(1, capacity), ttl, clock
        self._data: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def _get(self, session: str) -> _Session:
        """The session's record, fresh if it expired or never existed. Caller holds the lock."""
        now = self.clock()
        while self._data:  # drop expired sessions, oldest first
            oldest = next(iter(self._data.values()))
            if now - oldest.used <= self.ttl:
                break
            self._data.popitem(last=False)
        entry = self._data.get(session) or _Session(now)
        entry.used = now
        self._data[session] = entry
        self._data.move_to_end(session)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)
        return entry

    def serve(self, session: str, key: str, turn: dict[str, Any]) -> None:
        """Remember that `session` was shown `turn` (the server's own copy) under `key`."""
        with self._lock:
            served = self._get(session).served
            served[key] = turn
            served.move_to_end(key)
            while len(served) > SERVED_PER_SESSION:
                served.popitem(last=False)

    def served(self, session: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._get(session).served.get(key)

    def give_verdict(
        self, session: str, key: str, verdict: str | None, write: Callable[[], object]
    ) -> bool:
        """Record `verdict` on answer `key` once: `write` runs only when it differs from the
        session's current verdict (None takes the verdict back). Check, write and update happen
        under one lock, so two copies of one click cannot both write."""
        with self._lock:
            verdicts = self._get(session).verdicts
            if verdict is None:
                verdicts.pop(key, None)
                return False
            if verdicts.get(key) == verdict:
                return False
            write()
            verdicts[key] = verdict
            return True


# -- the secret behind saved chats ---------------------------------------------------------
def state_secret(settings: Settings) -> str:
    """ADVISOR_STATE_SECRET, else the secret kept in the secret file (created once, owner-only,
    so every later start and every process sharing the file uses the same one)."""
    if settings.state_secret:
        return settings.state_secret
    path = Path(settings.state_secret_file or settings.index_dir / "state-secret")
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(SECRET_BYTES)
    try:  # O_EXCL: when two processes start at once, one creates the file and both read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    return value


@dataclass(frozen=True)
class StateKeys:
    """Two keys derived from the state secret. The browser key goes to the page (BrowserState
    encrypts with it in the browser); the signing key never leaves the server, so a page cannot
    sign a conversation the server did not produce."""

    browser: str
    signing: bytes

    @classmethod
    def from_secret(cls, secret: str) -> StateKeys:
        def derive(label: str) -> bytes:
            return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()

        return cls(derive("career-advisor browser state").hex(), derive("career-advisor turns"))

    def sign(self, turn: dict[str, Any]) -> str:
        body = json.dumps(
            {"user": turn.get("user"), "answer": turn.get("answer")},
            sort_keys=True,
            ensure_ascii=True,
        )
        return hmac.new(self.signing, body.encode(), hashlib.sha256).hexdigest()

    def verify(self, turn: dict[str, Any]) -> bool:
        sig = turn.get("sig")
        return isinstance(sig, str) and hmac.compare_digest(sig, self.sign(turn))
