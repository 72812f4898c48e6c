"""Thumbs up/down and "a source does not support this", appended as one JSON line per verdict
on an answer (whoever gives it), with the number of lines bounded per answer, per minute and on
disk. What is written comes from the server's own signed copy of the answer, every field capped."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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
log = logging.getLogger("advisor.ui")

# Bounds on what feedback can write, per client (address) and answer. HAND-SET: a person's
# verdict on an answer may change a few times (a misclick put right, a flag added), not forty;
# one person gives a few verdicts a minute, so one client is cut at 20 lines a minute, and all
# together at a line a second; six files of 10 MB hold some 100,000 lines.
MAX_CHANGES_PER_ANSWER = 3
MAX_LINES_PER_MINUTE = 20  # per client
MAX_ALL_LINES_PER_MINUTE = 60
MAX_FILE_BYTES = 10 * 2**20  # then the file moves to <name>.1, .1 to .2, ...
KEEP_FILES = 5  # older files beyond <name>.5 are deleted (and the log says so)
REMEMBERED = 10_000  # (client, answer) verdicts kept in memory to deduplicate, oldest dropped
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


class FeedbackLog:
    """The feedback file and what has been written to it: one line when a client's verdict on
    an answer changes (the same answer restored into any number of sessions of that client is
    one answer), at most MAX_CHANGES_PER_ANSWER lines per client and answer, MAX_LINES_PER_MINUTE
    per client and MAX_ALL_LINES_PER_MINUTE in all, rotated at MAX_FILE_BYTES. Thread-safe."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.clock = Path(path), clock
        self._verdicts: OrderedDict[tuple[str, str], tuple[str | None, int]] = OrderedDict()
        self._minute: dict[str, list[float]] = {}  # times of each client's lines, last minute
        self._lock = threading.Lock()

    def give(self, turn: dict[str, Any], verdict: str | None, client: str = "") -> bool:
        """Record `client`'s `verdict` on the answer of `turn` (None takes it back); True if a
        line was written."""
        key = (client, answer_key(turn))
        with self._lock:
            current, changes = self._verdicts.pop(key, (None, 0))
            self._verdicts[key] = (None if verdict is None else current, changes)  # newest last
            while len(self._verdicts) > REMEMBERED:
                self._verdicts.popitem(last=False)
            if verdict is None or verdict == current or changes >= MAX_CHANGES_PER_ANSWER:
                return False
            if not self._may_write(client):
                return False
            record(self.path, turn, verdict)  # the state changes only once the line is written
            self._verdicts[key] = (verdict, changes + 1)
            self._minute.setdefault(client, []).append(self.clock())
            return True

    def _may_write(self, client: str) -> bool:
        now = self.clock()
        for who in list(self._minute):
            self._minute[who] = [t for t in self._minute[who] if now - t < 60.0]
            if not self._minute[who]:
                del self._minute[who]
        mine = len(self._minute.get(client, ()))
        every = sum(len(times) for times in self._minute.values())
        if mine >= MAX_LINES_PER_MINUTE or every >= MAX_ALL_LINES_PER_MINUTE:
            log.warning("feedback over its rate: a verdict was not recorded")
            return False
        return True


def _rotate(path: Path, adding: int) -> None:
    """Before the file would pass MAX_FILE_BYTES: <name>.4 -> .5, ..., <name> -> .1 (the
    oldest beyond KEEP_FILES is deleted)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size + adding <= MAX_FILE_BYTES:
        return
    aside = [path.with_name(f"{path.name}.{n}") for n in range(1, KEEP_FILES + 1)]
    if aside[-1].exists():
        log.warning("feedback: deleting the oldest file %s", aside[-1])
    for older, newer in zip(reversed(aside), reversed([path, *aside[:-1]]), strict=True):
        if newer.exists():
            os.replace(newer, older)


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
    with _write_lock:
        _rotate(path, len(line.encode()))
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    return entry


def _citation(raw: dict[str, Any]) -> dict[str, Any]:
    n = raw.get("n")
    return {
        "n": n if isinstance(n, int) else 0,
        **{f: clip_text(raw.get(f), POINTER_CHARS) for f in POINTER_FIELDS},
        **{f: clip_text(raw.get(f), MAX_CITATION_FIELD_CHARS) for f in TEXT_FIELDS},
    }
