"""Hybrid retrieval: dense (Chroma) and keyword (bm25s BM25) results fused by weighted
reciprocal rank. LangChain users get a `BaseRetriever` over it in advisor.index.langchain_retriever."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from advisor.index.generations import IndexReader
from advisor.records import Hit

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60
CANDIDATES = 30  # per side, before fusion
# The keyword side runs beside the dense one: the query embedding (most of a question's time)
# leaves the interpreter free while the model runs, so BM25 costs almost nothing extra. Twice
# the UI's default concurrency (4), so a search never waits for another one's thread.
_KEYWORD_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="keyword")


def rrf(rankings: list[list[str]], weights: list[float], k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of w / (k + rank) over the lists an id appears in."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return scores


class Searcher:
    """Runs one query against an index generation in the chosen mode."""

    def __init__(
        self, reader: IndexReader, embed_query: Callable[[str], list[float]], mode: str = "hybrid"
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"retriever must be one of {', '.join(MODES)}, got {mode!r}")
        self.reader, self.embed_query, self.mode = reader, embed_query, mode

    def dense(self, query: str, n: int = CANDIDATES) -> list[tuple[str, float]]:
        return self.reader.dense(self.embed_query(query), n)

    def keyword(self, query: str, n: int = CANDIDATES) -> list[tuple[str, float]]:
        return self.reader.keyword_search(query, n)

    def _both(
        self, query: str, keyword_query: str
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The dense and keyword results the mode asks for; in hybrid mode, side by side."""
        if self.mode == "dense":
            return self.dense(query), []
        if self.mode == "bm25":
            return [], self.keyword(keyword_query)
        try:
            pending = _KEYWORD_POOL.submit(self.keyword, keyword_query)
        except RuntimeError:  # the interpreter is shutting down: no new threads
            return self.dense(query), self.keyword(keyword_query)
        return self.dense(query), pending.result()

    def search(self, query: str, k: int = 5, keyword_query: str | None = None) -> list[Hit]:
        """Top-k chunks for `query`; `keyword_query` lets callers give BM25 other words."""
        dense, kw = self._both(query, keyword_query or query)
        dense_ids = [cid for cid, _ in dense]
        kw_ids = [cid for cid, _ in kw]
        if self.mode == "dense":
            fused = {cid: s for cid, s in dense}
        elif self.mode == "bm25":
            fused = {cid: s for cid, s in kw}
        else:
            fused = rrf([dense_ids, kw_ids], [1.0, 1.0])
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        chunks = self.reader.chunks(top)
        sims = dict(dense)
        kw_rank = {cid: i for i, cid in enumerate(kw_ids, start=1)}
        return [
            Hit(
                chunk=chunks[cid],
                score=fused[cid],
                dense=sims.get(cid, 0.0),
                keyword_rank=kw_rank.get(cid, 0),
            )
            for cid in top
            if cid in chunks
        ]
