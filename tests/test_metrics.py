"""The eval metrics on hand-made records: each can fail."""

from __future__ import annotations

from advisor.evals.metrics import citation_checks, fact_coverage, first_support_rank, summarize


def record(**kw):
    base = {
        "id": "q",
        "question": "?",
        "history": [],
        "answerable": True,
        "evidence": ["five and eight years"],
        "sources": ["seed"],
        "must_include": [["five and eight years", "5-8 years"]],
        "retrieved": [
            {"doc_id": "other", "section": "", "text": "between five and eight years"},
            {"doc_id": "seed", "section": "", "text": "It can take between five and eight years."},
        ],
        "answer": "It can take between five and eight years. [1]",
        "citations": [
            {
                "n": 1,
                "doc_id": "seed",
                "snippet": "It can take between five and eight years.",
                "chunk_text": "It can take between five and eight years.",
            }
        ],
        "refused": False,
        "latency_ms": 10.0,
    }
    base.update(kw)
    return base


def test_support_needs_the_right_source():
    assert first_support_rank(record()) == 2


def test_fact_coverage_and_citations():
    r = record()
    assert fact_coverage(r) == 1.0 and citation_checks(r) == [True]
    bad = record(answer="Directors earn more. [1] And more [2]")
    assert fact_coverage(bad) == 0.0 and citation_checks(bad) == [False, False]


def test_summary_counts_refusals():
    s = summarize([record(), record(answerable=False, refused=True), record(refused=True)])
    assert (
        s["refusal_recall"] == 1.0
        and s["false_refusal_rate"] == 0.5
        and s["hit_at_1"] == 0.0
        and s["hit_at_3"] == 1.0
    )
