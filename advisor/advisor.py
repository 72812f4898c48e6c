"""The Advisor: question (+ conversation) in, cited `Answer` out. One named function per stage:
check -> condense -> retrieve -> compose (or generate) -> judge support -> suggest follow-ups.

The index and the embedding model open lazily on first use, so constructing one is cheap.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.compose import Draft, compose, rerank
from advisor.condense import Query, Turn, condense
from advisor.index import Index, IndexReader
from advisor.library import Comparison, Library, LibraryCache, comparison_answer
from advisor.match import idf_weights
from advisor.records import Answer, Chunk, Event
from advisor.retrieval import Hit, Searcher
from advisor.settings import Settings
from advisor.suggest import suggest_follow_ups
from advisor.terms import EQUIVALENTS

log = logging.getLogger(__name__)

# An answer is given when the best quoted unit covers enough of the question's weighted words
# and the dense side agrees the sources are on topic; strong semantic agreement lowers the bar.
MIN_SUPPORT = 0.45
RERANK_CANDIDATES = 12
FACT_TABLE_DOCS = 3  # leading documents whose fact tables join the candidates
MIN_DENSE = 0.12
MIN_SUPPORT_WHEN_CLOSE = 0.3
CLOSE_DENSE = 0.45

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|instructions|prompt|rules|guidelines)\b"
    r"|\b(system prompt|developer message|jailbreak|you are now|act as|pretend to be|DAN mode)\b",
    re.IGNORECASE | re.DOTALL,
)

EMPTY_REPLY = "Please type a question about your career, for example: Which certifications help me move into engineering management?"
TOO_LONG_REPLY = "That message is too long for me ({n:,} characters; the limit is {limit:,}). Please ask a shorter question."
REFUSAL = (
    "Sorry, my sources don't cover that, so I can't answer it reliably. I can help with questions "
    'about {topics}. Try asking, for example, "{example}"'
)


@dataclass(frozen=True)
class Prepared:
    """Everything decided before the answer text is produced."""

    query: Query
    hits: list[Hit]
    draft: Draft


class Advisor:
    """Answers questions from one index. Thread-safe for concurrent `ask` calls."""

    def __init__(
        self,
        settings: Settings,
        generator: object | None = None,
        embed_query: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.settings = settings
        self.generator = generator  # an advisor.llm.LLMAnswerer, or None for the quoting answerer
        # the same text is embedded again by reranking and by repeated questions
        self._embed_query = lru_cache(maxsize=1024)(embed_query) if embed_query else None
        self._lock = threading.Lock()
        self._reader: IndexReader | None = None
        self._searcher: Searcher | None = None
        self._topics: str | None = None
        self._opening: str | None = None  # a generation being opened in the background

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
        """The live index generation; reopened when an ingest has flipped the pointer. A
        generation this machine must first rebuild its keyword table for (a server-mode
        replica) opens in the background while the previous one keeps answering."""
        with self._lock:
            index = self._reader.index if self._reader else Index(self.settings)
            live = index.current()
            if self._reader is None:
                self._use(index.reader())
            elif live and live != self._reader.generation:
                if index.ready_locally(live):
                    self._use(IndexReader(index, live))
                elif self._opening != live:
                    self._opening = live
                    threading.Thread(target=self._open, args=(index, live), daemon=True).start()
            return self._reader

    def _use(self, reader: IndexReader) -> None:
        self._reader, self._searcher, self._topics = reader, None, None

    def _open(self, index: Index, generation: str) -> None:
        try:
            reader = IndexReader(index, generation)
            reader.ranker()
        except Exception:  # the old generation keeps answering; the next question retries
            log.warning("could not open index generation %s", generation, exc_info=True)
            reader = None
        with self._lock:
            self._opening = None
            if reader is not None:
                self._use(reader)

    def searcher(self) -> Searcher:
        reader = self.reader()
        if self._searcher is None:
            self._searcher = Searcher(reader, self.embed_query, self.settings.retriever)
        return self._searcher

    def warm(self) -> None:
        """Load the model and open the index now rather than on the first question."""
        self.searcher().search("engineering manager", 1)

    def outline(self) -> list[tuple[str, str, str, str]]:
        """(doc_id, title, section, url) of every section, for browsing the library."""
        return self.reader().outline()

    def status(self) -> dict[str, object]:
        docs, chunks = self.reader().stats()
        backend = f"LLM: {self.settings.llm}" if self.generator else "quoting answerer (no LLM)"
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
        if _INJECTION.search(question):
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
        if self.generator is not None and history:
            return self.generator.condense(question, history)
        return condense(question, history)

    def retrieve(self, query: Query) -> list[Hit]:
        """Fused candidates, reranked by answer quality, plus the continuation of a split list."""
        return self.with_continuations(self.ranked(query, self.settings.top_k))

    def ranked(self, query: Query, k: int) -> list[Hit]:
        candidates = self.searcher().search(
            query.text, max(k, RERANK_CANDIDATES), keyword_query=expand_query(query)
        )
        candidates = self.with_dense_scores(query, self.with_fact_tables(candidates))
        return rerank(query, candidates, self.idf(query), k)

    def with_dense_scores(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """Give keyword-only candidates their cosine similarity too, so rerank compares like
        with like."""
        if self.settings.retriever == "bm25":
            return hits
        missing = [h.chunk.chunk_id for h in hits if h.dense == 0.0]
        sims = self.reader().similarities(self.embed_query(query.text), missing)
        return [
            Hit(h.chunk, h.score, sims.get(h.chunk.chunk_id, h.dense), h.keyword_rank) for h in hits
        ]

    def with_fact_tables(self, candidates: list[Hit]) -> list[Hit]:
        """Add the table chunks (structured facts such as "Median Pay: ...") of the leading
        documents: a question about a document is often answered by its fact table."""
        docs = list(dict.fromkeys(h.chunk.doc_id for h in candidates[:FACT_TABLE_DOCS]))
        have = {h.chunk.chunk_id for h in candidates}
        extra = [c for c in self.reader().table_chunks(docs) if c.chunk_id not in have]
        floor = min((h.score for h in candidates), default=0.0)
        return candidates + [Hit(c, floor, 0.0, 0) for c in extra]

    def with_continuations(self, hits: list[Hit]) -> list[Hit]:
        """When a top chunk ends inside a list that the next chunk continues, bring that one too."""
        out = list(hits)
        have = {h.chunk.chunk_id for h in hits}
        for h in hits[:2]:
            nxt = self.reader().neighbour(h.chunk, +1)
            if nxt and nxt.chunk_id not in have and h.chunk.text.split("\n")[-1].startswith("- "):
                lead = h.chunk.text.split("\n")[0]
                if nxt.text.split("\n")[0] == lead:
                    out.append(Hit(nxt, 0.0, h.dense, 0))
                    have.add(nxt.chunk_id)
        return out

    def idf(self, query: Query) -> dict[str, float]:
        reader = self.reader()
        terms = list(dict.fromkeys(query.focus + query.context))
        return idf_weights(terms, reader.keyword.doc_freq, reader.count())

    def supported(self, hits: list[Hit], draft: Draft) -> bool:
        if not hits or not draft.citations:
            return False
        if self.settings.retriever == "bm25":
            return draft.support >= MIN_SUPPORT
        dense = max(h.dense for h in hits)
        return (draft.support >= MIN_SUPPORT and dense >= MIN_DENSE) or (
            draft.support >= MIN_SUPPORT_WHEN_CLOSE and dense >= CLOSE_DENSE
        )

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> Prepared:
        query = self.condense(question, list(history))
        hits = self.retrieve(query)
        draft = compose(query, hits, self.idf(query))
        return Prepared(query, hits, draft)

    def suggest(self, prepared: Prepared) -> tuple[str, ...]:
        return suggest_follow_ups(
            prepared.query, prepared.hits, prepared.draft, self.searcher(), self.reader()
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
        early = self.check(question)
        if early is not None:
            yield from _spell(early)
            return
        yield Event("status", "Searching the sources…")
        prepared = self.prepare(question, history)
        if not self.supported(prepared.hits, prepared.draft):
            yield from _spell(self.refusal(prepared.query.text))
            return
        if self.generator is not None:
            answer = yield from self.generator.stream(prepared)
        else:
            answer = Answer(
                prepared.draft.text,
                prepared.draft.citations,
                (),
                False,
                prepared.query.text,
                cited_first(prepared),
            )
            yield from _spell(answer, final=False)
        if answer.refused:  # the model found no answer in the sources
            yield Event("answer", answer=self.refusal(prepared.query.text))
            return
        answer = Answer(
            answer.text,
            answer.citations,
            self.suggest(prepared),
            False,
            answer.question,
            answer.retrieved,
        )
        yield Event("answer", answer=answer)

    # -- the library: browsing and comparing (advisor/library.py) -------------------------
    def library(self) -> Library:
        """The live generation's grouped outline, facts tables and related careers; built once
        per index generation and shared by every caller."""
        return self.__dict__.setdefault("_libraries", LibraryCache()).get(self.reader())

    def compare(self, doc_ids: Sequence[str]) -> Comparison:
        """2-4 articles' facts tables side by side, every cell cited (ValueError otherwise)."""
        return self.library().compare(doc_ids)

    def comparison_answer(self, question: str) -> Answer | None:
        """A cited side-by-side table when `question` asks to compare 2-4 careers that have
        facts tables ("compare electricians and plumbers"), else None: answer it as usual.
        Route with `if (answer := advisor.comparison_answer(q)) is not None: ...` before
        retrieval, in `stream` (chat, CLI and `/ask` then all get it)."""
        doc_ids = self.library().comparison_request(question)
        return None if doc_ids is None else comparison_answer(self.compare(doc_ids), question)


def expand_query(query: Query) -> str:
    """The keyword side's words: the question's, plus the career-domain equivalents of its
    words (BM25 cannot know that "earn" is answered by "wage")."""
    extra = [eq for t in query.focus for eq in EQUIVALENTS.get(t, ())]
    return f"{query.text} {' '.join(dict.fromkeys(extra))}" if extra else query.text


def cited_first(prepared: Prepared) -> tuple[Chunk, ...]:
    """The final ranking: the chunks the answer quotes, in citation order, then the others.
    Composing is the last reranking stage; sources are shown in this order too."""
    cited = [c.chunk_id for c in prepared.draft.citations]
    chunks = {h.chunk.chunk_id: h.chunk for h in prepared.hits}
    rest = [h.chunk for h in prepared.hits if h.chunk.chunk_id not in cited]
    return tuple(chunks[c] for c in cited if c in chunks) + tuple(rest)


def _spell(answer: Answer, final: bool = True) -> Iterator[Event]:
    """Stream a finished text as word-sized tokens, so every backend streams the same way."""
    for token in re.findall(r"\S+\s*|\s+", answer.text):
        yield Event("token", token)
    if final:
        yield Event("answer", answer=answer)
