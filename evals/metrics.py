"""Eval metrics over question records, computable again from the JSON the harness writes.

Matching is case-insensitive with whitespace collapsed and curly quotes straightened. A chunk
supports a question when it contains an evidence phrase and, if `sources` is set, comes from
one of those documents.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Any

from advisor.records import CITATION_MARKER
from advisor.text.textutil import normalize


def supports(chunk: dict[str, Any], question: dict[str, Any]) -> bool:
    sources = question.get("sources") or []
    if sources and chunk["doc_id"] not in sources:
        return False
    text = normalize(chunk["text"])
    return any(normalize(e) in text for e in question.get("evidence") or [])


def first_support_rank(record: dict[str, Any]) -> int | None:
    for rank, chunk in enumerate(record["retrieved"], start=1):
        if supports(chunk, record):
            return rank
    return None


def evidence_recall_at_5(record: dict[str, Any]) -> float:
    evidence = record.get("evidence") or []
    if not evidence:
        return 1.0
    texts = [normalize(c["text"]) for c in record["retrieved"][:5] if supports(c, record)]
    return sum(1 for e in evidence if any(normalize(e) in t for t in texts)) / len(evidence)


def fact_coverage(record: dict[str, Any]) -> float:
    groups = record.get("must_include") or []
    if not groups:
        return 1.0
    answer = normalize(record["answer"])
    return sum(1 for alts in groups if any(normalize(a) in answer for a in alts)) / len(groups)


def sentences_with_markers(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer's text into (sentence, markers that end it): for answers given as text
    only (an LLM's)."""
    out = []
    for line in answer.splitlines():
        line = line.strip().removeprefix("- ")
        for piece in re.split(r"(?<=\])\s+(?=[^\[])", line):
            markers = [int(m) for m in CITATION_MARKER.findall(piece)]
            text = CITATION_MARKER.sub("", piece).strip()
            if text:
                out.append((text, markers))
    return out


def quotes_with_markers(record: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """(quoted words, [n]) per cited quote of the answer's passages; the text split into
    sentences when it has none."""
    passages = record.get("passages") or []
    if not passages:
        return sentences_with_markers(record["answer"])
    return [(q["text"], [q["cite"]]) for p in passages for q in p["quotes"] if q["cite"]]


def citation_checks(record: dict[str, Any]) -> list[bool]:
    """One bool per [n] marker: it resolves to a citation whose chunk contains the sentence."""
    by_n = {c["n"]: c for c in record.get("citations") or []}
    checks = []
    for sentence, markers in quotes_with_markers(record):
        for n in markers:
            cited = by_n.get(n)
            ok = cited is not None and normalize(sentence) in normalize(
                cited.get("chunk_text") or cited["snippet"]
            )
            checks.append(ok)
    return checks


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in records if r.get("answerable", True)]
    unanswerable = [r for r in records if not r.get("answerable", True)]
    ranks = [first_support_rank(r) for r in answerable]
    checks = [ok for r in records for ok in citation_checks(r)]
    latencies = [r["latency_ms"] for r in records]
    return {
        "questions": len(records),
        "answerable": len(answerable),
        "hit_at_1": _mean([1.0 if r == 1 else 0.0 for r in ranks]),
        "hit_at_3": _mean([1.0 if r and r <= 3 else 0.0 for r in ranks]),
        "hit_at_5": _mean([1.0 if r and r <= 5 else 0.0 for r in ranks]),
        "mrr_at_10": _mean([1.0 / r if r and r <= 10 else 0.0 for r in ranks]),
        "evidence_recall_at_5": _mean([evidence_recall_at_5(r) for r in answerable]),
        "fact_coverage": _mean([fact_coverage(r) for r in answerable]),
        "citation_validity": _mean([1.0 if ok else 0.0 for ok in checks]) if checks else 1.0,
        "refusal_recall": _mean([1.0 if r["refused"] else 0.0 for r in unanswerable])
        if unanswerable
        else None,
        "false_refusal_rate": _mean([1.0 if r["refused"] else 0.0 for r in answerable]),
        "latency_p50_ms": _pct(latencies, 50),
        "latency_p95_ms": _pct(latencies, 95),
    }


PER_KIND = ("hit_at_5", "fact_coverage", "refusal_recall", "false_refusal_rate")


def summarize_by_kind(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The main metrics per question `kind` (paraphrase, conversation, near-miss, ...)."""
    kinds = sorted({r["kind"] for r in records if r.get("kind")})
    out = {}
    for kind in kinds:
        summary = summarize([r for r in records if r.get("kind") == kind])
        out[kind] = {"questions": summary["questions"], **{m: summary[m] for m in PER_KIND}}
    return out
