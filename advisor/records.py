"""Typed records that cross module boundaries: documents, chunks, candidate hits, standalone
queries, conversation turns, answers and stream events.

The UI, CLI and evals only ever see these; none of them touches Chroma or LangChain objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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


@dataclass(frozen=True)
class Answer:
    """The advisor's reply to one question."""

    text: str
    citations: tuple[Citation, ...] = ()
    follow_ups: tuple[str, ...] = ()
    refused: bool = False
    question: str = ""  # the standalone question actually answered (after follow-up resolution)
    retrieved: tuple[Chunk, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "follow_ups": list(self.follow_ups),
        }


@dataclass(frozen=True)
class Event:
    """A streamed event: `token` carries text; `answer` closes the stream with the full Answer."""

    kind: Literal["status", "token", "answer"]
    text: str = ""
    answer: Answer | None = None


@dataclass(frozen=True)
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


# A turn of history: the user's words, and the advisor's reply when there was one.
Turn = tuple[str, Answer | str | None]
