"""The secret behind saved chats: where it comes from (a setting, or a file created once and
shared by every process that serves the same index) and the two keys derived from it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.settings import Settings

SECRET_BYTES = 32  # 256-bit secret for signing saved chats (HMAC-SHA256)
# A secret anyone could guess lets anyone forge a saved chat: a set or stored secret shorter
# than this many characters (half the generated one's 64 hex digits) is refused.
MIN_SECRET_CHARS = 32


class SecretError(ValueError):
    """The state secret is missing, blank or too short to sign with."""


# -- the secret behind saved chats ---------------------------------------------------------
def state_secret(settings: Settings) -> str:
    """ADVISOR_STATE_SECRET, else the secret kept in the secret file (created once, owner-only,
    so every later start and every process sharing the file uses the same one)."""
    if settings.state_secret:
        return _checked(settings.state_secret, "ADVISOR_STATE_SECRET")
    path = Path(settings.state_secret_file or settings.index_dir / "state-secret")
    if not path.exists():
        _create(path)
    return _checked(path.read_text(encoding="utf-8").strip(), str(path))


def _create(path: Path) -> None:
    """Write a new secret to `path` unless another process got there first. The secret is
    written whole (and fsynced) to a private temporary file and then linked into place, which
    fails if the path exists: a reader never sees a half-written or empty file, and all agree
    on one. Where the file system has no hard links, an exclusive create stands in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(SECRET_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process's secret is in place: use that one
        except OSError:  # no hard links here (some network and FUSE file systems)
            _create_exclusive(path, value)
    finally:
        tmp.unlink(missing_ok=True)


def _create_exclusive(path: Path, value: str) -> None:
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())


def _checked(secret: str, where: str) -> str:
    if len(secret.strip()) < MIN_SECRET_CHARS:
        raise SecretError(
            f"the state secret in {where} is {'blank' if not secret.strip() else 'too short'}: "
            f"it needs at least {MIN_SECRET_CHARS} characters (delete the file to have a new "
            "one made, or set ADVISOR_STATE_SECRET to a long random string)"
        )
    return secret


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
