"""Thumbs up/down and "a source does not support this", appended as one JSON line per verdict.
What is written comes from the answer the server served (ui.sessions), every field capped."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.limits import (
    MAX_ANSWER_CHARS,
    MAX_CITATION_FIELD_CHARS,
    MAX_CITATIONS,
    MAX_USER_CHARS,
    clip_text,
)

UNSUPPORTED_OPTION = "A source does not support this"
VERDICTS = {True: "up", False: "down", UNSUPPORTED_OPTION: "unsupported"}
_write_lock = threading.Lock()  # handlers run on several threads; keep each line whole
# What a line keeps of each citation: where it points (ids, titles and urls are far shorter than
# 500 characters), and the text a reviewer of an "unsupported" verdict needs (the quoted
# sentences inside their snippet, one chunk each).
POINTER_FIELDS = ("doc_id", "title", "section", "url", "chunk_id")
POINTER_CHARS = 500
TEXT_FIELDS = ("quote", "snippet")


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
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": clip_text(turn.get("user"), MAX_USER_CHARS),
        "answer": clip_text(answer.get("answer"), MAX_ANSWER_CHARS),
        "citations": [_citation(c) for c in citations[:MAX_CITATIONS]],
        "verdict": verdict,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with _write_lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return entry


def _citation(raw: dict[str, Any]) -> dict[str, Any]:
    n = raw.get("n")
    return {
        "n": n if isinstance(n, int) else 0,
        **{f: clip_text(raw.get(f), POINTER_CHARS) for f in POINTER_FIELDS},
        **{f: clip_text(raw.get(f), MAX_CITATION_FIELD_CHARS) for f in TEXT_FIELDS},
    }
