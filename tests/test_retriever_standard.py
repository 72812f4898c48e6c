"""LangChain's standard retriever suite, run against our HybridRetriever on a real index."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from advisor.advisor import Advisor
from advisor.index.langchain_retriever import HybridRetriever

pytestmark = pytest.mark.slow


class TestHybridRetriever(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, project_advisor: Advisor) -> None:
        type(self).searcher = project_advisor.searcher()

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"searcher": type(self).searcher, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return "Which certifications help an engineer move into management?"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_modes_find_acronyms_and_titles(project_index, mode):
    advisor = Advisor(project_index.with_(retriever=mode))
    for query, expected in [
        ("PMP", "PMP"),
        ("CSM", "ScrumMaster"),
        ("EIT", "EIT"),
        ("MEM specializations", "specializ"),
    ]:
        docs = HybridRetriever(searcher=advisor.searcher(), k=5).invoke(query)
        assert any(
            expected.lower() in (d.page_content + d.metadata["heading_path"]).lower() for d in docs
        ), (mode, query)
        assert all({"doc_id", "title", "section", "chunk_id"} <= d.metadata.keys() for d in docs)
