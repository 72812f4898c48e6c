"""Typed records that cross module boundaries: documents, chunks, candidate hits, standalone
queries, conversation turns, answers and stream events.

The UI, CLI and evals only ever see these; none of them touches Chroma or LangChain objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

# The one pattern of an answer's citation markers, "[n]": the UI, condense, the LLM checker and
# the evals read markers with it (and, where an answer carries `passages`, read those instead).
CITATION_MARKER = re.compile(r"\[(\d{1,4})\]")

BlockKind = Literal["heading", "paragraph", "item", "row"]


@dataclass(frozen=True)
class Block:
    """One structural unit of a loaded document, in reading order."""

    kind: BlockKind
    text: str
    level: int = 0  # heading level (1 = top); 0 for other kinds


@dataclass(frozen=True)
class Document:
    """A loaded source article: its metadata and its blocks."""

    doc_id: str
    title: str
    blocks: tuple[Block, ...]
    path: str = ""
    url: str = ""
    source: str = ""
    published: str = ""
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A piece of a document sized for the embedding model, with its heading path."""

    chunk_id: str
    doc_id: str
    title: str
    section: str  # heading path below the title: "Section > Subsection"
    text: str
    position: int
    url: str = ""
    source: str = ""
    published: str = ""

    @property
    def heading_path(self) -> str:
        return f"{self.title} > {self.section}" if self.section else self.title

    @property
    def embed_text(self) -> str:
        """What gets embedded and keyword-indexed: the heading path, then the text."""
        return f"{self.heading_path}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "position": self.position,
            "url": self.url,
            "source": self.source,
            "published": self.published,
        }


@dataclass(frozen=True)
class Citation:
    """What marker [n] in an answer points to."""

    n: int
    doc_id: str
    title: str
    section: str
    url: str
    published: str
    snippet: str  # the supporting text from the chunk
    source: str = ""
    quote: str = ""  # the exact sentences or items the answer used, inside snippet
    chunk_id: str = ""
    chunk_ids: tuple[str, ...] = ()  # every chunk of this section the answer quotes

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "url": self.url,
            "published": self.published,
            "snippet": self.snippet,
        }


@dataclass(frozen=True, kw_only=True)
class Quote:
    """Words of an answer and the citation that supports them; `cite` 0 for words that only
    frame the quotes (whose figures follow, what the library lacks)."""

    text: str
    cite: int = 0


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A paragraph or a list item of an answer: its quotes in reading order."""

    kind: Literal["paragraph", "item"]
    quotes: tuple[Quote, ...]

    @property
    def text(self) -> str:
        """The passage as a line of text with [n] markers ("- " before an item)."""
        line = " ".join(f"{q.text} [{q.cite}]" if q.cite else q.text for q in self.quotes)
        return f"- {line}" if self.kind == "item" else line


def paragraph(text: str, cite: int = 0) -> Passage:
    """One quote as a paragraph (cite 0: a framing line)."""
    return Passage(kind="paragraph", quotes=(Quote(text=text, cite=cite),))


def item_texts(passages: Iterable[Passage]) -> list[str]:
    """The list items of an answer, without markers: what "the second one" refers to."""
    return [
        " ".join(" ".join(q.text for q in p.quotes).split()) for p in passages if p.kind == "item"
    ]


def passages_text(passages: Iterable[Passage]) -> str:
    """An answer's text: its passages, a line each."""
    return "\n".join(p.text for p in passages)


@dataclass(frozen=True, kw_only=True)
class TableCell:
    """A table cell: a value and its citation (0 where the source does not give it). A value
    the source set on several lines ("$62,350 per year", "$29.98 per hour") keeps them apart in
    `lines`; `text` joins them with "; " for clients that show text only."""

    text: str
    cite: int = 0
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Table:
    """Subjects side by side: a column per subject, a row per labelled fact."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[TableCell, ...]], ...]
    note: str = ""

    @property
    def text(self) -> str:
        """The table as plain lines, one per fact, for clients that show text only."""
        lines = [self.caption]
        for label, cells in self.rows:
            values = "; ".join(
                f"{col}: {c.text} [{c.cite}]" if c.cite else f"{col}: {c.text}"
                for col, c in zip(self.columns, cells, strict=True)
            )
            lines.append(f"- {label}: {values}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class Topic:
    """A subject the library covers, and a question it answers about it."""

    title: str
    question: str


@dataclass(frozen=True, kw_only=True)
class Offer:
    """What a refusal offers instead: a lead ("The nearest topics they do cover:") and the
    subjects, each with the question that asks about it."""

    lead: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True, kw_only=True)
class Answer:
    """The advisor's reply to one question. `text` is what a text-only client shows;
    `passages` (or `table`) carry the same answer as data, each quote with its citation."""

    text: str
    citations: tuple[Citation, ...] = ()
    follow_ups: tuple[str, ...] = ()
    refused: bool = False
    question: str = ""  # the standalone question actually answered (after follow-up resolution)
    retrieved: tuple[Chunk, ...] = field(default=(), compare=False, repr=False)
    passages: tuple[Passage, ...] = ()
    table: Table | None = None
    offer: Offer | None = None  # a refusal's nearest subjects; `text` names them too

    def to_dict(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "follow_ups": list(self.follow_ups),
            # only when there are any: a saved chat signed before they existed stays valid
            **({"passages": [_passage_dict(p) for p in self.passages]} if self.passages else {}),
            **({"table": _table_dict(self.table)} if self.table else {}),
            **({"offer": _offer_dict(self.offer)} if self.offer else {}),
        }


def _offer_dict(offer: Offer) -> dict[str, object]:
    topics = [{"title": t.title, "question": t.question} for t in offer.topics]
    return {"lead": offer.lead, "topics": topics}


def _passage_dict(p: Passage) -> dict[str, object]:
    return {"kind": p.kind, "quotes": [{"text": q.text, "cite": q.cite} for q in p.quotes]}


def _table_dict(table: Table) -> dict[str, object]:
    return {
        "caption": table.caption,
        "columns": list(table.columns),
        "rows": [
            {"label": label, "cells": [_cell_dict(c) for c in cells]} for label, cells in table.rows
        ],
        "note": table.note,
    }


def _cell_dict(cell: TableCell) -> dict[str, object]:
    # lines only when there are any: a saved chat signed before they existed stays valid
    return {
        "text": cell.text,
        "cite": cell.cite,
        **({"lines": list(cell.lines)} if cell.lines else {}),
    }


@dataclass(frozen=True)
class Event:
    """A streamed event: `token` carries text; `answer` closes the stream with the full Answer."""

    kind: Literal["status", "token", "answer"]
    text: str = ""
    answer: Answer | None = None


@dataclass(frozen=True, kw_only=True)
class Hit:
    """A candidate chunk for a question, with how retrieval placed it."""

    chunk: Chunk
    score: float  # fused score, higher is better
    dense: float = 0.0  # cosine similarity, 0 when the dense side did not return it
    keyword_rank: int = 0  # 1-based rank on the keyword side, 0 when absent


@dataclass(frozen=True, kw_only=True)
class Query:
    """A question made standalone, with the words that came from this turn and from before."""

    text: str  # standalone question: what retrieval embeds and the user is shown
    focus: tuple[str, ...]  # stems of the content words the user typed this turn
    context: tuple[str, ...] = ()  # stems carried from earlier turns
    follow_up: bool = False
    context_weight: float = 0.0  # how much carried words count when choosing sentences
    wants: str = ""  # stem of the kind of thing asked for: "What certifications ..." -> certif
    subject: str = ""  # the subject the question is about, carried or its own: "psm scrum org"
    sources: tuple[str, ...] = ()  # articles the previous answer cited, when this question
    # goes on about the same subject ("what kind of degree do most people start with?")
    asked: str = ""  # the question as the user typed it
    figure: str = ""  # a follow-up's: the kind of figure the question whose words it carries
    # asked ("money" for "and plumbers?" after "how much do electricians make?")


# A turn of history: the user's words, and the advisor's reply when there was one.
Turn = tuple[str, Answer | str | None]
