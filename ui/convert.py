"""Answers to and from plain JSON-able dicts: what the browser keeps, what the /ask API returns,
and the conversation history the Advisor needs. Input from a client is treated as untrusted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from advisor.records import Answer, Citation

MAX_TURNS = 20  # kept in the browser and sent back as history; older turns drop off
_CITATION_FIELDS = (
    "n",
    "doc_id",
    "title",
    "section",
    "url",
    "published",
    "snippet",
    "source",
    "quote",
    "chunk_id",
)


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """Answer.to_dict(), plus the resolved question and each citation's source and quote."""
    out = answer.to_dict()
    out["question"] = answer.question
    out["citations"] = [{f: getattr(c, f) for f in _CITATION_FIELDS} for c in answer.citations]
    return out


def _text(value: object, limit: int = 20_000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def citation_from_dict(raw: object) -> Citation | None:
    if not isinstance(raw, dict):
        return None
    try:
        n = int(raw.get("n", 0))
    except (TypeError, ValueError):
        return None
    return Citation(n=n, **{f: _text(raw.get(f)) for f in _CITATION_FIELDS if f != "n"})


def answer_from_dict(raw: object) -> Answer | None:
    """The inverse of answer_to_dict; None for anything that is not an answer."""
    if not isinstance(raw, dict) or not isinstance(raw.get("answer"), str):
        return None
    cites = [c for c in map(citation_from_dict, raw.get("citations") or []) if c is not None]
    follow_ups = tuple(_text(q, 500) for q in raw.get("follow_ups") or [] if isinstance(q, str))
    return Answer(
        _text(raw["answer"]),
        tuple(cites),
        follow_ups[:3],
        bool(raw.get("refused")),
        _text(raw.get("question")),
    )


def turn(user: str, answer: Answer) -> dict[str, Any]:
    """One stored turn: what the user typed and the answer as a dict."""
    return {"user": user, "answer": answer_to_dict(answer)}


def clean_turns(raw: object) -> list[dict[str, Any]]:
    """Stored turns that still parse, newest MAX_TURNS (a browser may hold anything)."""
    if not isinstance(raw, list):
        return []
    turns = []
    for item in raw[-MAX_TURNS:]:
        if not isinstance(item, dict) or not isinstance(item.get("user"), str):
            continue
        if answer_from_dict(item.get("answer")) is not None:
            turns.append({"user": item["user"], "answer": item["answer"]})
    return turns


def history(turns: Sequence[dict[str, Any]]) -> list[tuple[str, Answer]]:
    """Stored turns as the Advisor's history: (user text, Answer) pairs."""
    out = []
    for t in turns:
        answer = answer_from_dict(t.get("answer"))
        if answer is not None:
            out.append((t.get("user", ""), answer))
    return out


def history_from_json(text: str) -> list[tuple[str, Answer]]:
    """/ask's history argument: a JSON list of [question, answer] pairs or {"user", "answer"}
    objects, where an answer is what /ask returned. Unparseable input means no history."""
    try:
        raw = json.loads(text or "[]")
    except (TypeError, ValueError):
        return []
    turns = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2:
            item = {"user": item[0], "answer": item[1]}
        turns.append(item)
    return history(clean_turns(turns))
