"""Bounds on what a request can carry into the advisor: history turns, characters per turn,
citations per answer. Applied where requests enter (UI, /ask) and again by `Advisor.stream`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from advisor.records import Answer, Citation

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
    """The answer with its text, question, citations and follow-ups within the bounds above."""
    return Answer(
        clip_text(answer.text, MAX_ANSWER_CHARS),
        tuple(clip_citation(c) for c in tuple(answer.citations)[:MAX_CITATIONS]),
        tuple(clip_text(q, MAX_USER_CHARS) for q in tuple(answer.follow_ups)[:MAX_FOLLOW_UPS]),
        bool(answer.refused),
        clip_text(answer.question, MAX_USER_CHARS),
        answer.retrieved,
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
