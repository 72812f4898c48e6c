"""Fit the unit-scoring weights and the refusal threshold on training questions and report them
on held-out ones, so overfitting shows. Candidates are retrieved once per question; scoring is
replayed offline for every weight setting.

    python -m advisor.evals.fit_weights --questions ../shared/evals/mixed-dev.jsonl \\
        --corpus corpus --corpus ../shared/corpus/seed --corpus ../shared/corpus/ooh/html

Training split: questions whose id hashes (crc32) odd; held-out: even. A unit is good when it
comes from one of the question's sources and contains one of its evidence phrases or a
`must_include` alternative. The fit maximises the mean reciprocal rank of the first good unit
(smoother than "the best unit is good" on ~90 questions a split); both are reported, and the
fit is repeated with the splits swapped, so weights that only suit one half show.
"""

from __future__ import annotations

import argparse
import itertools
import json
import zlib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from advisor.answer.scoring import FEATURES, Features, ScoredUnit
from advisor.answer.tuning import SUPPORT_MEANING, SUPPORT_WORDS, WEIGHTS, Weights
from advisor.evals.harness import build_index, load_questions
from advisor.settings import Settings
from advisor.text.textutil import normalize

CASES_VERSION = 6  # bump when a saved --cases file can no longer be read back (Features' type)
GRID = {
    "words": (0.3, 0.6, 1.0),
    "meaning": (1.2, 1.8, 2.4),
    "chunk": (0.5, 1.0, 1.5),
    "aspect": (0.0, 0.2, 0.4),
    "heading": (0.0, 0.2, 0.4),
    "subject": (0.1, 0.2, 0.4),
    "attribute": (0.15, 0.3),
    "continues": (0.0, -0.1, -0.2),
}


@dataclass
class Case:
    qid: str
    answerable: bool
    sources: tuple[str, ...]
    units: list[tuple[Features, bool]]  # every candidate unit's features, and whether it is good


def good_unit(text: str, doc_id: str, q: dict[str, Any]) -> bool:
    if q.get("sources") and doc_id not in q["sources"]:
        return False
    t = normalize(text)
    phrases = list(q.get("evidence") or []) + [a for g in q.get("must_include") or [] for a in g]
    return any(normalize(p) in t for p in phrases)


def collect(
    settings: Settings, questions: list[dict[str, Any]], separate: bool = False
) -> list[Case]:
    """Candidates and unit features per question. `separate` replaces the pooled unit vectors
    by each unit embedded on its own (the costlier alternative, for comparison)."""
    import numpy as np

    from advisor.advisor import Advisor

    advisor = Advisor(settings)
    cases = []
    for q in questions:
        history: list = []
        for turn in q.get("history") or []:
            history.append((turn, advisor.ask(turn, history)))
        query = advisor.condense(q["question"], history)
        analysis = advisor.analyse(query, history)  # as the serving path: subjects carried
        hits = advisor.gatherer().candidates(analysis)
        scored = advisor.score(analysis, hits, advisor.idf(analysis.query))
        if separate:
            qv = np.asarray(advisor.embed_query(query.text))
            scored = [
                replace(
                    s,
                    features=s.features._replace(
                        meaning=float(np.asarray(advisor.embed_query(s.text)) @ qv)
                    ),
                )
                for s in scored
            ]
        said = _said(scored)
        units = [
            (s.features, good_unit(said[i], hits[s.hit].chunk.doc_id, q))
            for i, s in enumerate(scored)
        ]
        sources = tuple(q.get("sources") or ())
        cases.append(Case(q["id"], q.get("answerable", True), sources, units))
    return cases


def _said(scored: list[ScoredUnit]) -> list[str]:
    """What each unit quotes when chosen: a lead-in brings its list's items along."""
    items: dict[tuple[int, int], list[str]] = {}
    for s in scored:
        if s.unit.kind == "item":
            items.setdefault((s.hit, s.unit.group), []).append(s.text)
    return [
        " ".join([s.text, *items.get((s.hit, s.unit.group), [])])
        if s.unit.kind == "lead"
        else s.text
        for s in scored
    ]


def top1(cases: list[Case], weights: Weights) -> float:
    """Share of answerable questions whose best-scoring unit is a good one."""
    scored = [c for c in cases if c.answerable and any(g for _, g in c.units)]
    hits = 0
    for c in scored:
        best = max(c.units, key=lambda u: u[0].score(weights))
        hits += best[1]
    return hits / len(scored) if scored else 0.0


def mrr(cases: list[Case], weights: Weights) -> float:
    """Mean reciprocal rank of the first good unit, over answerable questions that have one."""
    scored = [c for c in cases if c.answerable and any(g for _, g in c.units)]
    total = 0.0
    for c in scored:
        ranked = sorted(c.units, key=lambda u: u[0].score(weights), reverse=True)
        total += 1.0 / next(i for i, (_, good) in enumerate(ranked, 1) if good)
    return total / len(scored) if scored else 0.0


def support(features: Features) -> float:
    return SUPPORT_WORDS * features.words + SUPPORT_MEANING * max(0.0, features.meaning)


def refusal_curve(cases: list[Case], weights: Weights) -> list[tuple[float, float, float]]:
    """(threshold, refusal recall, false refusals) of the best unit's support measure."""
    best = [
        (
            c.answerable,
            support(max(c.units, key=lambda u: u[0].score(weights))[0]) if c.units else 0.0,
        )
        for c in cases
    ]
    answerable = [s for a, s in best if a] or [0.0]
    unanswerable = [s for a, s in best if not a] or [0.0]
    out = []
    for t in [x / 100 for x in range(20, 66, 3)]:
        recall = sum(s < t for s in unanswerable) / len(unanswerable)
        false = sum(s < t for s in answerable) / len(answerable)
        out.append((t, round(recall, 3), round(false, 3)))
    return out


def fit(train: list[Case]) -> Weights:
    best, best_score = WEIGHTS, mrr(train, WEIGHTS)
    names = list(GRID)
    for values in itertools.product(*(GRID[n] for n in names)):
        w = replace(WEIGHTS, **dict(zip(names, values, strict=True)))
        score = mrr(train, w)
        if score > best_score + 1e-9:
            best, best_score = w, score
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=Path, action="append", required=True)
    ap.add_argument("--corpus", type=Path, action="append", required=True)
    ap.add_argument("--json", type=Path, help="write the fitted weights and curves here")
    ap.add_argument(
        "--separate-units",
        action="store_true",
        help="also score with units embedded one by one (instead of pooled from their chunk)",
    )
    ap.add_argument("--cases", type=Path, help="keep the collected candidates here (pickle)")
    args = ap.parse_args()
    cases = _cases(args)
    train = [c for c in cases if zlib.crc32(c.qid.encode()) % 2 == 1]
    held = [c for c in cases if zlib.crc32(c.qid.encode()) % 2 == 0]
    fitted, swapped = fit(train), fit(held)
    report = {
        "current": _weights(WEIGHTS),
        "fitted": _weights(fitted),
        "fitted_on_held_out": _weights(swapped),
        "current_weights": _quality(train, held, WEIGHTS),
        "fitted_weights": _quality(train, held, fitted),
        "fitted_on_held_out_weights": _quality(train, held, swapped),
        "refusal_curve_train": refusal_curve(train, WEIGHTS),
        "refusal_curve_held_out": refusal_curve(held, WEIGHTS),
    }
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


def _weights(w: Weights) -> dict[str, float]:
    return {f.name: getattr(w, f.name) for f in fields(Weights)}


def _quality(train: list[Case], held: list[Case], w: Weights) -> dict[str, float]:
    return {
        "top1_train": round(top1(train, w), 3),
        "top1_held_out": round(top1(held, w), 3),
        "mrr_train": round(mrr(train, w), 3),
        "mrr_held_out": round(mrr(held, w), 3),
    }


def _cases(args: argparse.Namespace) -> list[Case]:
    """Collected once (retrieval is the slow part), or read back from --cases."""
    import pickle

    # the file is reused only for the same questions, corpus and features
    key = json.dumps(
        [
            sorted(map(str, args.questions)),
            sorted(map(str, args.corpus)),
            list(FEATURES),
            CASES_VERSION,
        ]
    )
    if args.cases and args.cases.exists() and not args.separate_units:
        saved_key, cases = pickle.loads(args.cases.read_bytes())
        if saved_key == key:
            return cases
    settings, _ = build_index(Settings.from_env(), args.corpus)
    questions = [q for path in args.questions for q in load_questions(path)]
    cases = collect(settings, questions)
    if args.separate_units:
        separate = collect(settings, questions, separate=True)
        print(json.dumps({"pooled": _whole(cases), "separate": _whole(separate)}))
    if args.cases:
        args.cases.write_bytes(pickle.dumps((key, cases)))
    return cases


def _whole(cases: list[Case]) -> dict[str, float]:
    """Top-1 and MRR over every question, with the current weights."""
    return {"top1": round(top1(cases, WEIGHTS), 3), "mrr": round(mrr(cases, WEIGHTS), 3)}


if __name__ == "__main__":
    main()
