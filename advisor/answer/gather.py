"""Candidate gathering: the chunks whose units are scored for a question. Fused retrieval
results, the articles its subjects name, each comparison side's own search, the leading
articles' fact tables, and the chunks that continue a list; then which of the ranked
candidates the answer sees."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, replace

from advisor.answer.analysis import Analysis
from advisor.answer.scope import hit_in_scope
from advisor.answer.scoring import ScoredUnit, asked_row
from advisor.answer.tuning import (
    CONTINUED_HITS,
    FACT_TABLE_DOCS,
    NAMED_HEADING_DOCS,
    NAMED_HEADING_WORDS,
    PER_SUBJECT_HITS,
    RERANK_CANDIDATES,
    SUBJECT_DOC_CHUNKS,
    SUBJECT_DOCS,
)
from advisor.index.generations import IndexReader
from advisor.index.retrieval import Searcher
from advisor.records import Chunk, Hit, Query
from advisor.text.terms import EQUIVALENT_WORDS


def names_heading(stems: Set[str], asked: Set[str], places: Sequence[tuple[str, str]]) -> bool:
    """The question's words hold a section heading's content stems, all of them: a heading of
    NAMED_HEADING_WORDS or more that at most NAMED_HEADING_DOCS articles use (`places`, its
    (article, section) pairs; a heading on more is a template's, "Work Schedules").

    >>> names_heading({"pmp", "elig"}, {"what", "pmp", "elig"}, [("pmp", "PMP eligibility")])
    True
    >>> names_heading({"work", "schedul"}, {"work", "schedul"}, [(d, "Work") for d in "abcd"])
    False
    """
    return (
        len(stems) >= NAMED_HEADING_WORDS
        and stems <= asked
        and len({d for d, _ in places}) <= NAMED_HEADING_DOCS
    )


@dataclass(frozen=True)
class Gatherer:
    """Gathers candidates from one index generation: its reader, a searcher over it, and the
    query embedder (cached by the caller)."""

    reader: IndexReader
    searcher: Searcher
    embed: Callable[[str], list[float]]

    def candidates(self, analysis: Analysis) -> list[Hit]:
        """Fused retrieval results, the articles the question's subjects name, and the fact
        tables of the leading articles, each with its cosine similarity to the question (one
        similarity lookup for all that retrieval did not score)."""
        query = analysis.query
        hits = self.searcher.search(
            query.text, RERANK_CANDIDATES, keyword_query=expand_query(query)
        )
        if analysis.comparison:
            hits = self.with_each_subject(analysis, hits)
        return self.completed(analysis, hits)

    def completed(self, analysis: Analysis, hits: list[Hit]) -> list[Hit]:
        """Retrieval's hits with the subjects' articles and the fact tables, all scored."""
        query = analysis.query
        docs = subject_docs(analysis)
        have = {h.chunk.chunk_id for h in hits}
        own = [c for d in docs for c in self.reader.doc_chunks(d) if c.chunk_id not in have]
        named = [c for c in self.named_sections(query) if c.chunk_id not in have]
        # every article whose fact table can join: the leading ones, the subjects' own
        leading = [h.chunk.doc_id for h in hits[:FACT_TABLE_DOCS]]
        tables = self.reader.table_chunks([*leading, *fact_table_docs(analysis), *docs])
        unscored = [h.chunk.chunk_id for h in hits if h.dense == 0.0]
        ids = list(dict.fromkeys([*unscored, *(c.chunk_id for c in (*own, *tables, *named))]))
        sims = self.reader.similarities(self.embed(query.text), ids)
        hits = with_subject_chunks(hits, docs, own, sims)
        hits = with_named_sections(hits, named, sims)
        hits = self.with_fact_tables(hits, analysis)
        return [
            replace(h, dense=sims.get(h.chunk.chunk_id, h.dense)) if h.dense == 0.0 else h
            for h in hits
        ]

    def named_sections(self, query: Query) -> list[Chunk]:
        """The chunks of the sections whose own heading the question names in full."""
        asked = set(query.focus)
        places = [
            place
            for stems, found in self.reader.sections_by_heading().items()
            if names_heading(stems, asked, found)
            for place in found
        ]
        wanted = set(places)
        docs = dict.fromkeys(d for d, _ in places)
        return [c for d in docs for c in self.reader.doc_chunks(d) if (d, c.section) in wanted]

    def with_each_subject(self, analysis: Analysis, hits: list[Hit]) -> list[Hit]:
        """A comparison searches once per side too ("PMP vs CSM: which takes less time?" ->
        the question without "CSM", and without "PMP"): one side often outranks the other."""
        have = {h.chunk.chunk_id for h in hits}
        for subject in analysis.covered[:4]:
            text = analysis.ask
            for other in analysis.covered:
                if other is not subject:
                    text = re.sub(rf"\b{re.escape(other.name)}\b", " ", text, flags=re.I)
            for h in self.searcher.search(text, PER_SUBJECT_HITS):
                if h.chunk.chunk_id not in have:
                    hits.append(h)
                    have.add(h.chunk.chunk_id)
        return hits

    def with_fact_tables(
        self, candidates: list[Hit], analysis: Analysis | None = None
    ) -> list[Hit]:
        """Add the table chunks (structured facts such as "Median Pay: ...") of the leading
        documents: a question about a document is often answered by its fact table."""
        docs = list(dict.fromkeys(h.chunk.doc_id for h in candidates[:FACT_TABLE_DOCS]))
        if analysis is not None:
            docs += [d for d in fact_table_docs(analysis) if d not in docs]
        have = {h.chunk.chunk_id for h in candidates}
        extra = [c for c in self.reader.table_chunks(docs) if c.chunk_id not in have]
        floor = min((h.score for h in candidates), default=0.0)
        return candidates + [Hit(chunk=c, score=floor) for c in extra]

    def continuations(self, hits: Sequence[Hit]) -> dict[int, Hit]:
        """For each candidate that ends inside a list which the next chunk of its article goes
        on with (that chunk repeats its first line), the next chunk, by candidate index. Found
        for every candidate before scoring, so all units are scored once; the answer keeps the
        ones of its top two hits (`with_continuations`)."""
        out: dict[int, Hit] = {}
        for i, h in enumerate(hits):
            lines = h.chunk.text.split("\n")
            if not lines[-1].startswith("- "):
                continue
            nxt = self.reader.neighbour(h.chunk, +1)
            if nxt and nxt.text.split("\n")[0] == lines[0]:
                out[i] = Hit(chunk=nxt, score=0.0, dense=h.dense)
        return out


def subject_docs(analysis: Analysis) -> list[str]:
    """The articles the question's subjects name (unless they name too many to be specific),
    then those the previous answer cited when this question goes on about its subject."""
    docs = list(dict.fromkeys(d for s in analysis.covered for d in s.docs))
    if len(docs) > SUBJECT_DOCS * max(1, len(analysis.covered)):
        docs = []
    return docs + [d for d in analysis.query.sources if d not in docs]


def fact_table_docs(analysis: Analysis) -> list[str]:
    """The subjects' own articles whose fact tables join the candidates."""
    return [d for s in analysis.covered for d in s.docs[:SUBJECT_DOCS]]


def with_subject_chunks(
    hits: list[Hit], docs: Sequence[str], chunks: Sequence[Chunk], sims: dict[str, float]
) -> list[Hit]:
    """The chunks of each subject article closest to the question join the candidates: the
    page about a subject often ranks below pages that merely mention it."""
    floor = min((h.score for h in hits), default=0.0)
    extra: list[Hit] = []
    for d in docs:
        mine = sorted(
            (c for c in chunks if c.doc_id == d), key=lambda c: sims.get(c.chunk_id), reverse=True
        )
        extra += [
            Hit(chunk=c, score=floor, dense=sims[c.chunk_id]) for c in mine[:SUBJECT_DOC_CHUNKS]
        ]
    return hits + extra


def with_named_sections(
    hits: list[Hit], chunks: Sequence[Chunk], sims: dict[str, float]
) -> list[Hit]:
    """Each named section's chunk closest in meaning to the question joins the candidates,
    unless a chunk of that section is among them already."""
    floor = min((h.score for h in hits), default=0.0)
    present = {(h.chunk.doc_id, h.chunk.section) for h in hits}
    best: dict[tuple[str, str], Chunk] = {}
    for c in chunks:
        key = (c.doc_id, c.section)
        if key not in present and (key not in best or sims[c.chunk_id] > sims[best[key].chunk_id]):
            best[key] = c
    return hits + [Hit(chunk=c, score=floor, dense=sims[c.chunk_id]) for c in best.values()]


def with_continuations(
    hits: Sequence[Hit], order: list[int], following: dict[int, int]
) -> list[int]:
    """The chosen hits, plus the chunk that continues the list of each of the top two (index
    into `hits`), unless it is chosen already."""
    have = {hits[i].chunk.chunk_id for i in order}
    out = list(order)
    for i in order[:CONTINUED_HITS]:
        j = following.get(i)
        if j is not None and hits[j].chunk.chunk_id not in have:
            out.append(j)
            have.add(hits[j].chunk.chunk_id)
    return out


def with_each_subject_hit(
    analysis: Analysis, hits: list[Hit], order: list[int], k: int
) -> list[int]:
    """The top k, plus the best-ranked hit about each named subject that the top k lacks
    (one side of a comparison, the article a subject names)."""
    top = order[:k]
    for subject in analysis.covered:
        if not any(hit_in_scope(subject, hits[i]) for i in top):
            extra = next((i for i in order[k:] if hit_in_scope(subject, hits[i])), None)
            if extra is not None:
                top.append(extra)
    return top


def with_figure_hit(
    analysis: Analysis,
    hits: list[Hit],
    order: list[int],
    ranking: list[int],
    scored: list[ScoredUnit],
) -> list[int]:
    """The chosen hits, plus the best-ranked chunk of each subject's own article with a unit
    that states what is asked, where none of that article's chosen hits has one: for a
    question that asks for a figure, a unit that holds one and names what is asked ("what do
    plant managers make?": the pay section ranks below the duties that say "also called plant
    managers"; "financial analyst or budget analyst, which pays more? trying to pick
    internships": the budget analysts' similar occupations, not their pay); for any question,
    a fact-table row that the aspect model finds asked ("r computer programmer jobs actually
    disappearing?": "Job Outlook, 2024-34: -6% (Decline)", beside the reasons). Only the
    subject's own article: a figure found elsewhere may be of another thing, and then "my
    sources don't give ..." is the honest answer."""
    # a table of similar occupations holds their figures, not the subject's
    own = [s for s in scored if not s.features.other_rows]
    figures = [s for s in own if analysis.figure and s.features.attribute > 0]
    rows = {s.hit for s in own if asked_row(s, hits[s.hit])}
    # a figure and an asked row are looked for apart: a row without the figure ("Typical
    # on-the-job training: Long-term" for "how long is training?") does not stand in for it
    out = _with_own_hits(
        analysis, hits, order, ranking, holds={s.hit for s in figures},
        named={s.hit for s in figures if s.features.aspect > 0},
    )  # fmt: skip
    return _with_own_hits(analysis, hits, out, ranking, holds=rows, named=rows)


def _with_own_hits(
    analysis: Analysis,
    hits: list[Hit],
    order: list[int],
    ranking: list[int],
    holds: set[int],
    named: set[int],
) -> list[int]:
    """`order`, plus for each subject none of whose chosen hits `holds` what is asked, the
    best-ranked chunk of its own article that is `named` (holds it and names it)."""
    out = list(order)
    for subject in analysis.covered if holds else ():
        docs = set(subject.docs)
        if not docs or any(i in holds and hits[i].chunk.doc_id in docs for i in out):
            continue
        extra = next((i for i in ranking if i in named and hits[i].chunk.doc_id in docs), None)
        if extra is not None and extra not in out:
            out.append(extra)
    return out


def expand_query(query: Query) -> str:
    """The keyword side's words: the question's, plus the career-domain equivalents of its
    words (BM25 cannot know that "earn" is answered by "wage"). They are added as words, so
    the ranker stems them once, like the question's own."""
    extra = [eq for t in query.focus for eq in EQUIVALENT_WORDS.get(t, ())]
    return f"{query.text} {' '.join(dict.fromkeys(extra))}" if extra else query.text
