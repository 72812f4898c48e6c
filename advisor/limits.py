"""Bounds on what a request can carry into the advisor (history turns, characters per turn,
citations per answer), applied where requests enter (UI, /ask) and again by `Advisor.stream`;
and on what one document may become at ingest."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from advisor.records import Answer, Citation, Offer, Passage, Quote, Table, Topic

# One document's text after parsing, and its chunks. A 5.7 KB PDF can expand to 4.6 MB of text
# and an 11.5 MB Markdown table to 22,849 chunks, each embedded: nothing the parser's budgets
# bound. The largest page of the library (military careers) is 43 KB of text in 57 chunks; a
# book-length document fits far inside these, a decompression bomb does not.
MAX_DOC_CHARS = 2_000_000
MAX_DOC_CHUNKS = 2_000

# Follow-up resolution reads the last turn (its question and its list items); an LLM condenser
# reads a few. Ten turns is more context than either uses, and bounds the work per request.
MAX_HISTORY_TURNS = 10
# A user turn was a question, refused above ADVISOR_MAX_QUESTION_CHARS (2,000 by default); the
# resolved question adds a few carried words.
MAX_USER_CHARS = 2_400
# Answers quote a few passages: the longest in the project's evals are about 2,000 characters;
# an LLM answer is capped by max_tokens. Beyond this the tail only costs time.
MAX_ANSWER_CHARS = 6_000
# An answer cites top_k (5) chunks plus a few fact tables and list continuations.
MAX_CITATIONS = 12
# A citation's snippet is one chunk (about 200 tokens, under 1,500 characters); titles,
# sections and urls are far shorter.
MAX_CITATION_FIELD_CHARS = 2_000
MAX_FOLLOW_UPS = 3
# An answer's passages: a list of MAX_ITEMS (10) items with its lead-in, label lines and notes.
MAX_PASSAGES = 24
MAX_QUOTES = 6  # quotes in one paragraph (a best sentence and a few companions)
MAX_TABLE_ROWS = 40  # a facts table has about 10 rows; 2-4 careers side by side
MAX_TABLE_COLUMNS = 8
MAX_CELL_LINES = 4  # a facts cell holds a figure or two ("per year", "per hour")


def clip_text(value: object, limit: int) -> str:
    """`value` when it is a string, cut to `limit` characters; "" for anything else."""
    return value[:limit] if isinstance(value, str) else ""


def clip_citation(c: Citation) -> Citation:
    fields = {
        f.name: clip_text(getattr(c, f.name), MAX_CITATION_FIELD_CHARS)
        for f in dataclasses.fields(c)
        if f.name not in ("n", "chunk_ids")
    }
    ids = tuple(clip_text(i, MAX_CITATION_FIELD_CHARS) for i in tuple(c.chunk_ids)[:MAX_CITATIONS])
    return Citation(n=c.n, **fields, chunk_ids=ids)


def clip_answer(answer: Answer) -> Answer:
    """The answer with its text, question, citations, follow-ups, passages and table within
    the bounds above."""
    return Answer(
        text=clip_text(answer.text, MAX_ANSWER_CHARS),
        citations=tuple(clip_citation(c) for c in tuple(answer.citations)[:MAX_CITATIONS]),
        follow_ups=tuple(
            clip_text(q, MAX_USER_CHARS) for q in tuple(answer.follow_ups)[:MAX_FOLLOW_UPS]
        ),
        refused=bool(answer.refused),
        question=clip_text(answer.question, MAX_USER_CHARS),
        retrieved=answer.retrieved,
        passages=clip_passages(answer.passages),
        table=answer.table if answer.table is None or _table_fits(answer.table) else None,
        offer=clip_offer(answer.offer),
    )


def clip_offer(offer: Offer | None) -> Offer | None:
    """At most MAX_FOLLOW_UPS topics, each field MAX_USER_CHARS; None when none is left."""
    if offer is None or not offer.topics:
        return None
    topics = tuple(
        Topic(
            title=clip_text(t.title, MAX_USER_CHARS), question=clip_text(t.question, MAX_USER_CHARS)
        )
        for t in tuple(offer.topics)[:MAX_FOLLOW_UPS]
    )
    return Offer(lead=clip_text(offer.lead, MAX_USER_CHARS), topics=topics)


def clip_passages(passages: Sequence[Passage]) -> tuple[Passage, ...]:
    """At most MAX_PASSAGES passages of MAX_QUOTES quotes, MAX_ANSWER_CHARS in all."""
    out, left = [], MAX_ANSWER_CHARS
    for p in tuple(passages)[:MAX_PASSAGES]:
        quotes = []
        for q in tuple(p.quotes)[:MAX_QUOTES]:
            text = clip_text(q.text, left)
            left -= len(text)
            quotes.append(Quote(text=text, cite=int(q.cite)))
        out.append(Passage(kind="item" if p.kind == "item" else "paragraph", quotes=tuple(quotes)))
        if left <= 0:
            break
    return tuple(out)


def _table_fits(table: Table) -> bool:
    cells = sum(len(cells) + 1 for _, cells in table.rows) + len(table.columns)
    return (
        len(table.rows) <= MAX_TABLE_ROWS
        and cells <= MAX_TABLE_ROWS * 5
        and len(table.text) <= MAX_ANSWER_CHARS
    )


def clip_history(
    history: Sequence[object], max_turns: int = MAX_HISTORY_TURNS
) -> list[tuple[str, Answer | str | None]]:
    """The newest `max_turns` (user, answer) turns with every field within bounds. Malformed
    turns are dropped; an answer may be an Answer, plain text or None (see condense.Turn)."""
    out: list[tuple[str, Answer | str | None]] = []
    for item in list(history or ())[-max_turns:] if max_turns > 0 else ():
        if not isinstance(item, tuple | list) or len(item) != 2:
            continue
        user, answer = item
        if isinstance(answer, Answer):
            answer = clip_answer(answer)
        elif isinstance(answer, str):
            answer = clip_text(answer, MAX_ANSWER_CHARS)
        elif answer is not None:
            continue
        out.append((clip_text(user, MAX_USER_CHARS), answer))
    return out
