"""Answers to and from plain JSON-able dicts: what the browser keeps, what the /ask API returns,
and the conversation history the Advisor needs. Input from a client is treated as untrusted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from advisor.limits import (
    MAX_ANSWER_CHARS,
    MAX_CELL_LINES,
    MAX_CITATION_FIELD_CHARS,
    MAX_CITATIONS,
    MAX_FOLLOW_UPS,
    MAX_PASSAGES,
    MAX_QUOTES,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    MAX_USER_CHARS,
    clip_answer,
    clip_history,
    clip_text,
)
from advisor.records import Answer, Citation, Offer, Passage, Quote, Table, TableCell, Topic

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
    out["citations"] = [
        {**{f: getattr(c, f) for f in _CITATION_FIELDS}, "chunk_ids": list(c.chunk_ids)}
        for c in answer.citations
    ]
    return out


def citation_from_dict(raw: object) -> Citation | None:
    if not isinstance(raw, dict):
        return None
    try:
        n = int(raw.get("n", 0))
    except (TypeError, ValueError, OverflowError):
        return None
    ids = raw.get("chunk_ids") if isinstance(raw.get("chunk_ids"), list) else []
    return Citation(
        n=n,
        **{f: clip_text(raw.get(f), MAX_CITATION_FIELD_CHARS) for f in _CITATION_FIELDS[1:]},
        chunk_ids=tuple(clip_text(i, MAX_CITATION_FIELD_CHARS) for i in ids[:MAX_CITATIONS]),
    )


def answer_from_dict(raw: object) -> Answer | None:
    """The inverse of answer_to_dict, within advisor.limits' bounds (at most MAX_CITATIONS
    citations are even looked at); None for anything that is not an answer."""
    if not isinstance(raw, dict) or not isinstance(raw.get("answer"), str):
        return None
    cites = raw.get("citations") if isinstance(raw.get("citations"), list) else []
    follow_ups = raw.get("follow_ups") if isinstance(raw.get("follow_ups"), list) else []
    answer = Answer(
        text=raw["answer"],
        citations=tuple(c for c in map(citation_from_dict, cites[:MAX_CITATIONS]) if c is not None),
        follow_ups=tuple(q for q in follow_ups[:MAX_FOLLOW_UPS] if isinstance(q, str)),
        refused=bool(raw.get("refused")),
        question=clip_text(raw.get("question"), MAX_USER_CHARS),
        passages=_passages(raw.get("passages")),
        table=_table(raw.get("table")),
        offer=_offer(raw.get("offer")),
    )
    return clip_answer(answer)


def _cite(raw: object) -> int:
    return raw if isinstance(raw, int) and 0 <= raw <= MAX_CITATIONS else 0


def _passages(raw: object) -> tuple[Passage, ...]:
    """Saved passages, each field checked; anything malformed is dropped (the text remains)."""
    out = []
    for p in raw[:MAX_PASSAGES] if isinstance(raw, list) else ():
        quotes = p.get("quotes") if isinstance(p, dict) else None
        if not isinstance(quotes, list):
            continue
        kind = "item" if p.get("kind") == "item" else "paragraph"
        out.append(
            Passage(
                kind=kind,
                quotes=tuple(
                    Quote(
                        text=clip_text(q.get("text"), MAX_ANSWER_CHARS), cite=_cite(q.get("cite"))
                    )
                    for q in quotes[:MAX_QUOTES]
                    if isinstance(q, dict)
                ),
            )
        )
    return tuple(out)


def _offer(raw: object) -> Offer | None:
    """A saved refusal's offered topics; each needs a title and a question (clip_answer bounds
    them)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        return None
    topics = tuple(
        Topic(title=t["title"], question=t["question"])
        for t in raw["topics"][:MAX_FOLLOW_UPS]
        if isinstance(t, dict) and _texts(t.get("title"), t.get("question"))
    )
    lead = raw.get("lead") if isinstance(raw.get("lead"), str) else ""
    return Offer(lead=lead, topics=topics) if topics else None


def _texts(*values: object) -> bool:
    return all(isinstance(v, str) and v.strip() for v in values)


def _table(raw: object) -> Table | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("rows"), list) or not raw["rows"]:
        return None
    if not isinstance(raw.get("columns"), list) or not raw["columns"]:
        return None
    columns = tuple(clip_text(c, MAX_USER_CHARS) for c in raw["columns"][:MAX_TABLE_COLUMNS])
    rows = []
    for r in raw["rows"][:MAX_TABLE_ROWS]:
        cells = r.get("cells") if isinstance(r, dict) else None
        if not isinstance(cells, list) or len(cells) != len(columns):
            return None
        rows.append(
            (
                clip_text(r.get("label"), MAX_USER_CHARS),
                tuple(_cell(c) for c in cells),
            )
        )
    return Table(
        caption=clip_text(raw.get("caption"), MAX_USER_CHARS),
        columns=columns,
        rows=tuple(rows),
        note=clip_text(raw.get("note"), MAX_USER_CHARS),
    )


def _cell(raw: object) -> TableCell:
    if not isinstance(raw, dict):
        return TableCell(text="")
    lines = raw.get("lines") if isinstance(raw.get("lines"), list) else []
    return TableCell(
        text=clip_text(raw.get("text"), MAX_USER_CHARS),
        cite=_cite(raw.get("cite")),
        lines=tuple(
            clip_text(t, MAX_USER_CHARS) for t in lines[:MAX_CELL_LINES] if t and isinstance(t, str)
        ),
    )


def turn(user: str, answer: Answer) -> dict[str, Any]:
    """One stored turn: what the user typed and the answer as a dict, within bounds; the same
    dict that clean_turns makes of it (so a signature over it survives the round trip)."""
    return {"user": clip_text(user, MAX_USER_CHARS), "answer": answer_to_dict(clip_answer(answer))}


def clean_turns(raw: object) -> list[dict[str, Any]]:
    """Stored turns that still parse, newest MAX_TURNS, rebuilt within bounds (a browser may
    hold anything); a turn's signature ("sig") is kept for the caller to check."""
    if not isinstance(raw, list):
        return []
    turns = []
    for item in raw[-MAX_TURNS:]:
        if not isinstance(item, dict) or not isinstance(item.get("user"), str):
            continue
        answer = answer_from_dict(item.get("answer"))
        if answer is not None:
            cleaned = turn(item["user"], answer)
            if isinstance(item.get("sig"), str):
                cleaned["sig"] = item["sig"][:128]
            turns.append(cleaned)
    return turns


def history(turns: Sequence[dict[str, Any]]) -> list[tuple[str, Answer | str | None]]:
    """Stored turns as the Advisor's history: (user text, Answer) pairs, clipped to
    advisor.limits' bounds (turn count, characters, citations)."""
    out = []
    for t in turns:
        answer = answer_from_dict(t.get("answer"))
        if answer is not None:
            out.append((clip_text(t.get("user"), MAX_USER_CHARS), answer))
    return clip_history(out)


def history_from_json(text: str) -> list[tuple[str, Answer]]:
    """/ask's history argument: a JSON list of [question, answer] pairs or {"user", "answer"}
    objects, where an answer is what /ask returned. Unparseable input means no history."""
    try:
        raw = json.loads(text or "[]")
    except (TypeError, ValueError, RecursionError):  # RecursionError: "[[[[..." nested deep
        return []
    turns = []
    for item in raw[-MAX_TURNS:] if isinstance(raw, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2:
            item = {"user": item[0], "answer": item[1]}
        turns.append(item)
    return history(clean_turns(turns))
