"""Why the advisor answered as it did: the question analysis, the refusal measure, and per
unit the features and score that chose it, as plain data for `ask --explain`."""

from __future__ import annotations

from typing import Any

from advisor.answer.answerer import Prepared
from advisor.answer.compose import support_of
from advisor.answer.scoring import ScoredUnit

SHOWN_CANDIDATES = 5


def _unit(prepared: Prepared, s: ScoredUnit) -> dict[str, Any]:
    chunk = prepared.hits[s.hit].chunk
    return {
        "text": s.text,
        "kind": s.unit.kind,
        "source": f"{chunk.title} > {chunk.section}" if chunk.section else chunk.title,
        "score": round(s.score, 3),
        "support": round(support_of(s), 3),
        "features": {k: round(v, 3) for k, v in s.features._asdict().items()},
    }


def _decision(prepared: Prepared) -> dict[str, Any] | None:
    d = prepared.decision
    if d is None:
        return None  # no fitted model for this index, or nothing to quote: the rules decided
    return {
        "answerable": round(d.probability, 3),
        "threshold": round(d.threshold, 3),
        "strongest_signals": dict(d.pulls),
        "named_section": d.named_section,
    }


def explain(prepared: Prepared) -> dict[str, Any]:
    """The analysis, the verdict, the quoted units and the best units that were not quoted."""
    a, draft = prepared.analysis, prepared.draft
    chosen = {(s.hit, s.unit.order) for s in draft.chosen}
    others = sorted(
        (s for s in prepared.scored if (s.hit, s.unit.order) not in chosen),
        key=lambda s: s.score,
        reverse=True,
    )[:SHOWN_CANDIDATES]
    return {
        "question": prepared.query.text,
        "ask": a.ask,
        "subjects": [
            {"name": s.name, "known": s.known, "articles": list(s.docs)} for s in a.subjects
        ],
        "attribute": a.attribute,
        "comparison": a.comparison,
        "verdict": draft.verdict,
        "support": round(draft.support, 3),
        "decision": _decision(prepared),
        "quoted": [_unit(prepared, s) for s in draft.chosen],
        "next_best": [_unit(prepared, s) for s in others],
    }
