"""A LangChain `BaseRetriever` over the advisor's hybrid search, for LangChain users; the
advisor itself never imports LangChain on its answering path."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from advisor.records import Hit


def to_lc_document(hit: Hit) -> LCDocument:
    c = hit.chunk
    return LCDocument(
        page_content=c.text,
        id=c.chunk_id,
        metadata={
            **c.metadata(),
            "chunk_id": c.chunk_id,
            "heading_path": c.heading_path,
            "score": hit.score,
        },
    )


class HybridRetriever(BaseRetriever):
    """LangChain retriever over a Career Advisor index (hybrid, dense or bm25)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LCDocument]:
        return [to_lc_document(h) for h in self.searcher.search(query, k or self.k)]
