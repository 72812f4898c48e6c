"""Answerers turn a prepared question (analysis, ranked sources, the composer's draft) into the
streamed answer. Two kinds: the quoting answerer (default, no model) and the LLM answerer
(`advisor.llm.chat`); `advisor.llm.chat.make_answerer` picks one from settings, so the Advisor
never branches on it."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from advisor.answer.condense import condense
from advisor.records import Answer, Chunk, Event, Hit, Query, Turn

if TYPE_CHECKING:
    from advisor.answer.analysis import Analysis
    from advisor.answer.answerable import Decision
    from advisor.answer.compose import Draft
    from advisor.answer.scoring import ScoredUnit
    from advisor.index.generations import IndexReader


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """Everything decided before the answer text is produced."""

    query: Query
    analysis: Analysis
    hits: list[Hit]  # the answerer's sources, best first
    scored: list[ScoredUnit]  # every unit of `hits`, scored once
    draft: Draft
    ranking: tuple[Hit, ...] = ()  # every candidate, best first: what the eval's MRR measures
    signals: dict[str, float] = field(default_factory=dict)  # what answer-or-refuse weighed
    decision: Decision | None = None  # what the fitted answer-or-refuse model said, if one ran
    reader: IndexReader | None = None  # the index generation it was prepared from


class Answerer(Protocol):
    """Makes a follow-up standalone, and streams the answer to a prepared question."""

    name: str

    def condense(self, question: str, history: Sequence[Turn]) -> Query: ...

    def stream(self, prepared: Prepared) -> Generator[Event, None, Answer]: ...


class QuotingAnswerer:
    """Streams the composer's quoted answer: every cited line is a quote from its source."""

    name = "quoting answerer (no LLM)"

    def condense(self, question: str, history: Sequence[Turn]) -> Query:
        return condense(question, history)

    def stream(self, prepared: Prepared) -> Generator[Event, None, Answer]:
        draft = prepared.draft
        answer = Answer(
            text=draft.text,
            citations=draft.citations,
            follow_ups=(),
            refused=False,
            question=prepared.query.text,
            retrieved=cited_first(prepared),
            passages=draft.passages,
            table=draft.table,
        )
        yield from spell(answer.text)
        return answer


def cited_first(prepared: Prepared) -> tuple[Chunk, ...]:
    """The final ranking: the chunks the answer quotes, in citation order, then the others.
    Composing is the last reranking stage; sources are shown in this order too."""
    cited = [cid for c in prepared.draft.citations for cid in (c.chunk_ids or (c.chunk_id,))]
    chunks = {h.chunk.chunk_id: h.chunk for h in prepared.hits}
    rest = [h.chunk for h in prepared.hits if h.chunk.chunk_id not in cited]
    return tuple(chunks[c] for c in dict.fromkeys(cited) if c in chunks) + tuple(rest)


_TOKEN = re.compile(r"\S+\s*|\s+")


def spell(text: str) -> Iterator[Event]:
    """Stream a finished text as word-sized tokens, so every backend streams the same way."""
    for token in _TOKEN.findall(text):
        yield Event("token", token)
