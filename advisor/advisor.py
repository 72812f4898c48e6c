"""The Advisor: question (+ conversation) in, cited `Answer` out. One named function per stage:
check -> condense -> analyse -> retrieve -> score units -> rank -> compose -> answer -> follow-ups.

The index and the embedding model open lazily on first use, so constructing one is cheap.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache

from advisor.analysis import Analysis, analyse
from advisor.answerer import Answerer, Prepared, QuotingAnswerer, spell
from advisor.compose import compose
from advisor.condense import Query, Turn
from advisor.condense import condense as condense_question
from advisor.cues import looks_like_injection
from advisor.index import IndexReader, LiveIndex
from advisor.library import Comparison, Library, LibraryCache, asks_to_compare, comparison_answer
from advisor.limits import clip_history
from advisor.match import idf_weights
from advisor.records import Answer, Event
from advisor.retrieval import Hit, Searcher
from advisor.scope import hit_in_scope
from advisor.scoring import ScoredUnit, rank_hits, score_units
from advisor.settings import Settings
from advisor.suggest import subject_follow_ups, suggest_follow_ups
from advisor.terms import EQUIVALENT_WORDS

log = logging.getLogger(__name__)

# Fused retrieval results whose units are scored (subject articles and fact tables come on
# top). 12 -> 10 changed no answer's fact coverage on mixed-dev, project or dev, raised the
# project set's hit@1 (0.68 -> 0.70) and ooh-dev's coverage (0.972 -> 0.974), and scores a
# sixth fewer units; 8 lowers mixed-dev hit@1 (0.70 -> 0.69).
RERANK_CANDIDATES = 10
FACT_TABLE_DOCS = 3  # leading documents whose fact tables join the candidates
# Articles a subject names (title "Electricians" for "electricians") join the candidates with
# their chunks closest in meaning to the question: retrieval alone often ranks pages that
# merely mention the subject above the page about it.
SUBJECT_DOCS = 3
SUBJECT_DOC_CHUNKS = 3
PER_SUBJECT_HITS = 4  # a comparison's extra search per side
# Off-topic gate: a question that names nothing the library covers, and whose closest chunk is
# this far in meaning, is not about careers. On mixed-dev (354 articles) off-topic questions'
# closest chunk scores 0.20-0.25 and answerable ones 0.31 or more; a small library scores lower
# for everything ("Is Lean Six Sigma worth getting?" 0.18 over the seed alone), which is why a
# subject the library names lifts the gate.
MIN_DENSE = 0.27
NEAREST_SUBJECTS = 3

EMPTY_REPLY = "Please type a question about your career, for example: Which certifications help me move into engineering management?"
TOO_LONG_REPLY = "That message is too long for me ({n:,} characters; the limit is {limit:,}). Please ask a shorter question."
REFUSAL = (
    "Sorry, my sources don't cover that, so I can't answer it reliably. I can help with questions "
    'about {topics}. Try asking, for example, "{example}"'
)


class Advisor:
    """Answers questions from one index. Thread-safe for concurrent `ask` calls."""

    def __init__(
        self,
        settings: Settings,
        answerer: Answerer | None = None,
        embed_query: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.settings = settings
        self.answerer: Answerer = answerer or QuotingAnswerer()
        # the same text is embedded again by reranking and by repeated questions
        self._embed_query = lru_cache(maxsize=1024)(embed_query) if embed_query else None
        self._lock = threading.Lock()
        self.live = LiveIndex(settings)  # follows the pointer; opens and releases generations
        self._seen: IndexReader | None = None  # what _searcher and _topics were made from
        self._searcher: Searcher | None = None
        self._topics: str | None = None
        self._libraries = LibraryCache()  # the Explore outline, once per index generation

    # -- lazy resources ------------------------------------------------------------------
    def embed_query(self, text: str) -> list[float]:
        if self._embed_query is None:
            from advisor.embeddings import load_query_embeddings

            embeddings = load_query_embeddings(self.settings)
            self._embed_query = lru_cache(maxsize=1024)(embeddings.embed_query)
        return self._embed_query(text)

    def forget_queries(self) -> None:
        """Drop cached query embeddings (benchmarks measure the real cost)."""
        if self._embed_query is not None:
            self._embed_query.cache_clear()

    def reader(self) -> IndexReader:
        """The live index generation (see `LiveIndex`); what was derived from the previous
        one (searcher, topics line) is dropped when it changes."""
        reader = self.live.reader()
        if reader is not self._seen:
            with self._lock:
                if reader is not self._seen:
                    self._seen, self._searcher, self._topics = reader, None, None
        return reader

    def searcher(self) -> Searcher:
        reader = self.reader()
        searcher = self._searcher
        if searcher is None or searcher.reader is not reader:  # never one of an older reader
            searcher = self._searcher = Searcher(reader, self.embed_query, self.settings.retriever)
        return searcher

    def warm(self) -> None:
        """Load the model and open the index now rather than on the first question."""
        self.searcher().search("engineering manager", 1)

    def outline(self) -> list[tuple[str, str, str, str]]:
        """(doc_id, title, section, url) of every section, for browsing the library."""
        return self.reader().outline()

    def status(self) -> dict[str, object]:
        docs, chunks = self.reader().stats()
        backend = getattr(self.answerer, "name", type(self.answerer).__name__)
        return {
            "documents": docs,
            "chunks": chunks,
            "backend": backend,
            "generation": self.reader().generation,
            "store": self.settings.chroma_url or str(self.settings.index_dir),
        }

    # -- stages --------------------------------------------------------------------------
    def check(self, question: str) -> Answer | None:
        """A polite reply for input we will not search with, else None."""
        if not question or not question.strip():
            return Answer(EMPTY_REPLY, refused=True)
        if len(question) > self.settings.max_question_chars:
            n, limit = len(question), self.settings.max_question_chars
            return Answer(TOO_LONG_REPLY.format(n=n, limit=limit), refused=True)
        if looks_like_injection(question):
            return self.refusal(question)
        return None

    def refusal(self, question: str = "") -> Answer:
        return Answer(self.topics_line(), refused=True, question=question)

    def topics_line(self) -> str:
        if self._topics is None:
            titles = sorted({title for _, title, _, _ in self.outline()})
            shown = ", ".join(titles[:5]) + (
                f" and {len(titles) - 5} more articles" if len(titles) > 5 else ""
            )
            self._topics = REFUSAL.format(
                topics=f"the articles in my library: {shown}" if titles else "career topics",
                example="What does an engineering director do?",
            )
        return self._topics

    def condense(self, question: str, history: Sequence[Turn]) -> Query:
        if not history:  # a first question needs no rewriting, by any answerer
            return condense_question(question)
        return self.answerer.condense(question, list(history))

    def analyse(self, query: Query) -> Analysis:
        return analyse(query, self.reader().inventory())

    def candidates(self, analysis: Analysis) -> list[Hit]:
        """Fused retrieval results, the articles the question's subjects name, and the fact
        tables of the leading articles, each with its cosine similarity to the question."""
        query = analysis.query
        hits = self.searcher().search(
            query.text, RERANK_CANDIDATES, keyword_query=expand_query(query)
        )
        if analysis.comparison:
            hits = self.with_each_subject(analysis, hits)
        hits = self.with_subject_docs(analysis, hits)
        return self.with_dense_scores(query, self.with_fact_tables(hits, analysis))

    def score(self, analysis: Analysis, hits: list[Hit]) -> list[ScoredUnit]:
        """Every unit of these hits, scored once by words and meaning."""
        # every retriever mode scores units the same way: the modes differ in retrieval only
        vectors = self.reader().unit_vectors([h.chunk.chunk_id for h in hits])
        qv = self.embed_query(analysis.query.text) if vectors else None
        return score_units(
            analysis,
            hits,
            self.idf(analysis.query),
            qv,
            vectors,
            inventory=self.reader().inventory(),
        )

    def ranked(self, query: Query, k: int) -> list[Hit]:
        """The top k candidates by their best unit (the eval's MRR ranking)."""
        analysis = self.analyse(query)
        hits = self.candidates(analysis)
        order = rank_hits(analysis, hits, self.score(analysis, hits), self.idf(query))
        return [hits[i] for i in order[:k]]

    def with_each_subject(self, analysis: Analysis, hits: list[Hit]) -> list[Hit]:
        """A comparison searches once per side too ("PMP vs CSM: which takes less time?" ->
        the question without "CSM", and without "PMP"): one side often outranks the other."""
        have = {h.chunk.chunk_id for h in hits}
        for subject in analysis.covered[:4]:
            text = analysis.ask
            for other in analysis.covered:
                if other is not subject:
                    text = re.sub(rf"\b{re.escape(other.name)}\b", " ", text, flags=re.I)
            for h in self.searcher().search(text, PER_SUBJECT_HITS):
                if h.chunk.chunk_id not in have:
                    hits.append(h)
                    have.add(h.chunk.chunk_id)
        return hits

    def with_subject_docs(self, analysis: Analysis, hits: list[Hit]) -> list[Hit]:
        """The chunks closest to the question of the articles its subjects name, and of the
        articles the previous answer cited when this question goes on about its subject."""
        docs = list(dict.fromkeys(d for s in analysis.covered for d in s.docs))
        if len(docs) > SUBJECT_DOCS * max(1, len(analysis.covered)):
            docs = []
        docs += [d for d in analysis.query.sources if d not in docs]
        if not docs:
            return hits
        have = {h.chunk.chunk_id for h in hits}
        reader = self.reader()
        ids = [c.chunk_id for d in docs for c in reader.doc_chunks(d) if c.chunk_id not in have]
        if not ids:
            return hits
        sims = reader.similarities(self.embed_query(analysis.query.text), ids)
        chunks = reader.chunks(ids)
        floor = min((h.score for h in hits), default=0.0)
        extra: list[Hit] = []
        for d in docs:
            mine = sorted((i for i in ids if chunks[i].doc_id == d), key=sims.get, reverse=True)
            extra += [Hit(chunks[i], floor, sims[i], 0) for i in mine[:SUBJECT_DOC_CHUNKS]]
        return hits + extra

    def with_dense_scores(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """Give keyword-only candidates their cosine similarity too, so ranking compares like
        with like."""
        missing = [h.chunk.chunk_id for h in hits if h.dense == 0.0]
        sims = self.reader().similarities(self.embed_query(query.text), missing)
        return [replace(h, dense=sims.get(h.chunk.chunk_id, h.dense)) for h in hits]

    def with_fact_tables(
        self, candidates: list[Hit], analysis: Analysis | None = None
    ) -> list[Hit]:
        """Add the table chunks (structured facts such as "Median Pay: ...") of the leading
        documents: a question about a document is often answered by its fact table."""
        docs = list(dict.fromkeys(h.chunk.doc_id for h in candidates[:FACT_TABLE_DOCS]))
        if analysis is not None:
            docs += [d for s in analysis.covered for d in s.docs[:SUBJECT_DOCS] if d not in docs]
        have = {h.chunk.chunk_id for h in candidates}
        extra = [c for c in self.reader().table_chunks(docs) if c.chunk_id not in have]
        floor = min((h.score for h in candidates), default=0.0)
        return candidates + [Hit(c, floor, 0.0, 0) for c in extra]

    def continuations(self, hits: list[Hit]) -> list[Hit]:
        """When a top chunk ends inside a list that the next chunk continues, that one too."""
        out = []
        have = {h.chunk.chunk_id for h in hits}
        for h in hits[:2]:
            lines = h.chunk.text.split("\n")
            nxt = self.reader().neighbour(h.chunk, +1)
            if (
                nxt
                and nxt.chunk_id not in have
                and lines[-1].startswith("- ")
                and nxt.text.split("\n")[0] == lines[0]
            ):
                out.append(Hit(nxt, 0.0, h.dense, 0))
                have.add(nxt.chunk_id)
        return out

    def idf(self, query: Query) -> dict[str, float]:
        reader = self.reader()
        terms = list(dict.fromkeys(query.focus + query.context))
        return idf_weights(terms, reader.keyword.doc_freq, reader.count())

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> Prepared:
        """Analyse, retrieve, score units once, rank, and let the composer decide."""
        query = self.condense(question, history)
        analysis = self.analyse(query)
        candidates = self.candidates(analysis)
        scored = self.score(analysis, candidates)
        ranking = rank_hits(analysis, candidates, scored, self.idf(query))
        order = with_each_subject_hit(analysis, candidates, ranking, self.settings.top_k)
        order = with_figure_hit(analysis, candidates, order, ranking, scored)
        hits = [candidates[i] for i in order]
        place = {old: new for new, old in enumerate(order)}
        units = [s.moved(place[s.hit]) for s in scored if s.hit in place]
        extra = self.continuations(hits)
        if extra:
            more = self.score(analysis, extra)
            units += [s.moved(s.hit + len(hits)) for s in more]
            hits += extra
        if hits and max(h.dense for h in hits) < MIN_DENSE and not analysis.covered:
            units = []  # nothing in the library is even near the question, nor named by it
        draft = compose(analysis, hits, units)
        return Prepared(query=query, analysis=analysis, hits=hits, scored=units, draft=draft)

    def suggest(self, prepared: Prepared) -> tuple[str, ...]:
        return suggest_follow_ups(
            prepared.query, prepared.hits, prepared.draft, self.searcher(), self.reader()
        )

    def refuse(self, prepared: Prepared) -> Answer:
        """The refusal for a prepared question: what the library lacks, by name, and the
        nearest subjects it does cover; or the general topics line."""
        draft = prepared.draft
        if draft.verdict == "unsupported" or not draft.text:
            return self.refusal(prepared.query.text)
        nearest = list(dict.fromkeys(h.chunk.title for h in prepared.hits))[:NEAREST_SUBJECTS]
        text = draft.text
        if draft.verdict == "missing_subject" and nearest:
            text += " The nearest topics they do cover: " + ", ".join(nearest) + "."
        follow = subject_follow_ups(prepared.analysis, nearest, self.searcher())
        return Answer(
            text,
            draft.citations,
            follow,
            True,
            prepared.query.text,
            tuple(h.chunk for h in prepared.hits),
        )

    # -- public API ----------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        answer = None
        for event in self.stream(question, history):
            if event.kind == "answer":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Events: `status` while working, `token`s of the answer text, then one `answer`."""
        history = clip_history(history)  # no caller's history can make a request slow
        early = self.check(question)
        if early is not None:
            yield from spell(early.text)
            yield Event("answer", answer=early)
            return
        yield Event("status", "Searching the sources…")
        compared = self.comparison_answer(question)
        if compared is not None:  # "compare electricians and plumbers": the facts tables
            yield from spell(compared.text)
            yield Event("answer", answer=compared)
            return
        prepared = self.prepare(question, history)
        if prepared.draft.refused:
            refusal = self.refuse(prepared)
            yield from spell(refusal.text)
            yield Event("answer", answer=refusal)
            return
        answer = yield from self.answerer.stream(prepared)
        if answer.refused:  # the model found no answer in the sources
            yield Event("answer", answer=self.refusal(prepared.query.text))
            return
        yield Event("answer", answer=replace(answer, follow_ups=self.suggest(prepared)))

    # -- the library: browsing and comparing (advisor/library.py) -------------------------
    def library(self) -> Library:
        """The live generation's grouped outline, facts tables and related careers; built once
        per index generation and shared by every caller."""
        return self._libraries.get(self.reader())

    def compare(self, doc_ids: Sequence[str]) -> Comparison:
        """2-4 articles' facts tables side by side, every cell cited (ValueError otherwise)."""
        return self.library().compare(doc_ids)

    def comparison_answer(self, question: str) -> Answer | None:
        """A cited side-by-side table when `question` asks to compare 2-4 careers that have
        facts tables ("compare electricians and plumbers"), else None: answer it as usual.
        Route with `if (answer := advisor.comparison_answer(q)) is not None: ...` before
        retrieval, in `stream` (chat, CLI and `/ask` then all get it)."""
        if not asks_to_compare(question):
            return None
        doc_ids = self.library().comparison_request(question)
        return None if doc_ids is None else comparison_answer(self.compare(doc_ids), question)


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
    """The chosen hits, plus, for a question that asks for a figure none of them holds, the
    best-ranked chunk of a subject's own article with a unit that holds one and names what
    is asked ("what do plant managers make?": the pay section ranks below the duties that say
    "also called plant managers"). Only the subject's own article: a figure found elsewhere
    may be of another thing, and then "my sources don't give ..." is the honest answer."""
    own_docs = {d for subject in analysis.covered for d in subject.docs}
    if not analysis.figure or not own_docs:
        return order
    with_figure = {s.hit for s in scored if s.features.attribute > 0 and s.features.aspect > 0}
    if set(order) & {s.hit for s in scored if s.features.attribute > 0}:
        return order
    extra = next(
        (i for i in ranking if i in with_figure and hits[i].chunk.doc_id in own_docs), None
    )
    return order if extra is None else [*order, extra]


def expand_query(query: Query) -> str:
    """The keyword side's words: the question's, plus the career-domain equivalents of its
    words (BM25 cannot know that "earn" is answered by "wage"). They are added as words, so
    the ranker stems them once, like the question's own."""
    extra = [eq for t in query.focus for eq in EQUIVALENT_WORDS.get(t, ())]
    return f"{query.text} {' '.join(dict.fromkeys(extra))}" if extra else query.text
