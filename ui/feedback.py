"""Thumbs up/down and "a source does not support this", appended as one JSON line per verdict."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

UNSUPPORTED_OPTION = "A source does not support this"
VERDICTS = {True: "up", False: "down", UNSUPPORTED_OPTION: "unsupported"}
_write_lock = threading.Lock()  # handlers run on several threads; keep each line whole


def verdict_of(liked: object) -> str | None:
    """gr.LikeData.liked as a verdict; None when the user took their verdict back ("")."""
    if isinstance(liked, bool):
        return VERDICTS[liked]
    return VERDICTS.get(liked) if isinstance(liked, str) else None


def answer_key(turn: dict[str, Any]) -> str:
    """A short id for one question/answer pair, to remember the verdict given on it."""
    answer = (turn.get("answer") or {}).get("answer", "")
    return hashlib.sha256(f"{turn.get('user', '')}\0{answer}".encode()).hexdigest()[:16]


def record(path: Path, turn: dict[str, Any], verdict: str) -> dict[str, Any]:
    """Append {"time", "question", "answer", "citations", "verdict"} to the JSONL file."""
    answer = turn.get("answer") or {}
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": turn.get("user", ""),
        "answer": answer.get("answer", ""),
        "citations": answer.get("citations", []),
        "verdict": verdict,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with _write_lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return entry
