"""Fit the unit-scoring weights on labelled questions and report them on questions whose
articles the fit never saw, so overfitting shows. Candidates are retrieved once per question;
scoring is replayed offline for every weight setting.

    python -m advisor.evals.fit_weights --questions ../shared/evals/bank-train.jsonl \\
        --questions ../shared/evals/bank-train-2.jsonl --questions ../shared/evals/mixed-dev.jsonl \\
        --corpus corpus --corpus ../shared/corpus/seed --corpus ../shared/corpus/ooh/html

Folds split by document (`answerability.folds`: all of an article's questions in one fold).
Each fold's weights are fitted on the other folds by coordinate ascent from today's weights,
and both are scored on the held-out fold: mean reciprocal rank of the first good unit, and
"the best unit is good", per question set and pooled. Each set counts alike in the fit, so
the 352 templated ooh-dev questions do not outvote the realistic ones. A unit is good when it
comes from one of the question's sources and contains one of its evidence phrases or a
`must_include` alternative.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from advisor.answer.scoring import FEATURES, Features, ScoredUnit
from advisor.answer.tuning import SUPPORT_MEANING, SUPPORT_WORDS, WEIGHTS, Weights
from advisor.evals.answerability import FOLDS, folds
from advisor.evals.harness import build_index, load_questions
from advisor.settings import Settings
from advisor.text.textutil import normalize

CASES_VERSION = 7  # bump when a saved --cases file can no longer be read back (Case's fields)
# Coordinate ascent: each weight in turn tries these changes (added to it), keeping one only
# when the fitted folds' MRR rises by more than MIN_GAIN; ROUNDS passes over every weight.
STEPS = (-0.2, -0.1, -0.05, 0.05, 0.1, 0.2)
ROUNDS = 3
MIN_GAIN = 1e-4
# Weights the fit leaves alone: `rank` (retrieval order) is a tie-breaker, and `elsewhere`
# fires on 9 questions (tuning.py), too few for any fold to choose it.
FIXED = frozenset({"rank", "elsewhere"})


@dataclass
class Case:
    qid: str
    answerable: bool
    sources: tuple[str, ...]
    units: list[tuple[Features, bool]]  # every candidate unit's features, and whether it is good
    group: str = ""  # the question set it comes from: each set counts alike

    @property
    def id(self) -> str:  # what answerability.folds reads
        return self.qid


def good_unit(text: str, doc_id: str, q: dict[str, Any]) -> bool:
    if q.get("sources") and doc_id not in q["sources"]:
        return False
    t = normalize(text)
    phrases = list(q.get("evidence") or []) + [a for g in q.get("must_include") or [] for a in g]
    return any(normalize(p) in t for p in phrases)


def collect(settings: Settings, questions: list[dict[str, Any]]) -> list[Case]:
    """Candidates and unit features per question, as the serving path scores them."""
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
        said = _said(scored)
        units = [
            (s.features, good_unit(said[i], hits[s.hit].chunk.doc_id, q))
            for i, s in enumerate(scored)
        ]
        sources = tuple(q.get("sources") or ())
        answerable = q.get("answerable", True)
        cases.append(Case(q["id"], answerable, sources, units, q.get("group", "")))
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


@dataclass(frozen=True)
class Table:
    """Every unit of the answerable questions that have a good one, as one matrix, so a
    weight setting scores them all in one product."""

    x: np.ndarray  # (units, features)
    good: np.ndarray  # (units,) bool
    case: np.ndarray  # (units,) the question each unit belongs to
    weight: np.ndarray  # (questions,) each question set counts alike
    groups: tuple[str, ...]  # (questions,) the set of each

    @classmethod
    def of(cls, cases: Sequence[Case]) -> Table:
        used = [c for c in cases if c.answerable and any(g for _, g in c.units)]
        sizes = Counter(c.group for c in used)
        return cls(
            x=np.array([f for c in used for f, _ in c.units], dtype=np.float64).reshape(
                -1, len(FEATURES)
            ),
            good=np.array([g for c in used for _, g in c.units], dtype=bool),
            case=np.array([i for i, c in enumerate(used) for _ in c.units], dtype=np.int64),
            weight=np.array([1.0 / sizes[c.group] for c in used]),
            groups=tuple(c.group for c in used),
        )

    def ranks(self, w: np.ndarray) -> np.ndarray:
        """Per question, the rank of its best-scoring good unit (ties go to the good one)."""
        scores = self.x @ w
        best = np.full(len(self.weight), -np.inf)
        np.maximum.at(best, self.case[self.good], scores[self.good])
        above = (scores > best[self.case]) & ~self.good
        return 1 + np.bincount(self.case[above], minlength=len(self.weight))


def vector(weights: Weights) -> np.ndarray:
    return np.array([getattr(weights, f) for f in FEATURES], dtype=np.float64)


def mrr(table: Table, w: np.ndarray) -> float:
    """Mean reciprocal rank of the first good unit, each question set weighted alike."""
    return (
        float(np.average(1.0 / table.ranks(w), weights=table.weight)) if len(table.weight) else 0.0
    )


def fit(table: Table, start: Weights = WEIGHTS) -> Weights:
    """Coordinate ascent on MRR from `start`: each free weight in turn takes the step that
    raises the fitted questions' MRR most, ROUNDS times over."""
    w, best = vector(start), mrr(table, vector(start))
    free = [i for i, name in enumerate(FEATURES) if name not in FIXED]
    for _ in range(ROUNDS):
        moved = False
        for i in free:
            for step in STEPS:
                trial = w.copy()
                trial[i] += step
                score = mrr(table, trial)
                if score > best + MIN_GAIN:
                    w, best, moved = trial, score, True
        if not moved:
            break
    return replace(start, **{n: round(float(v), 3) for n, v in zip(FEATURES, w, strict=True)})


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


def held_out(cases: Sequence[Case], k: int = FOLDS) -> dict[str, Any]:
    """Per fold: weights fitted on the other folds; every question scored by the weights
    fitted without its articles, and by today's. Reported per question set and pooled."""
    fold = folds(cases, k)
    now_ranks: dict[str, float] = {}
    fitted_ranks: dict[str, float] = {}
    per_fold = []
    for f in range(k):
        train = Table.of([c for c, g in zip(cases, fold, strict=True) if g != f])
        test_cases = [c for c, g in zip(cases, fold, strict=True) if g == f]
        test = Table.of(test_cases)
        fitted = fit(train)
        used = [c for c in test_cases if c.answerable and any(g for _, g in c.units)]
        for c, now, new in zip(
            used, test.ranks(vector(WEIGHTS)), test.ranks(vector(fitted)), strict=True
        ):
            now_ranks[c.qid], fitted_ranks[c.qid] = float(now), float(new)
        per_fold.append(
            {
                "fold": f,
                "mrr_train": [
                    round(mrr(train, vector(WEIGHTS)), 3),
                    round(mrr(train, vector(fitted)), 3),
                ],
                "mrr_held_out": [
                    round(mrr(test, vector(WEIGHTS)), 3),
                    round(mrr(test, vector(fitted)), 3),
                ],
                "weights": _changed(fitted),
            }
        )
    whole = Table.of(cases)
    ids = [c.qid for c in cases if c.answerable and any(g for _, g in c.units)]
    return {
        "folds": per_fold,
        "held_out": {
            group: _summary(whole, ids, group, now_ranks, fitted_ranks)
            for group in [*sorted(set(whole.groups)), "pooled"]
        },
    }


def _summary(
    whole: Table, ids: list[str], group: str, now: dict[str, float], new: dict[str, float]
) -> dict[str, Any]:
    """Held-out MRR and top-1 of one set (or all, weighted alike): [today's, fitted]."""
    keep = [i for i, g in enumerate(whole.groups) if group in ("pooled", g)]
    weight = whole.weight[keep]
    out: dict[str, Any] = {"questions": len(keep)}
    for name, ranks in (("today", now), ("fitted", new)):
        r = np.array([ranks[ids[i]] for i in keep])
        out[f"mrr_{name}"] = round(float(np.average(1.0 / r, weights=weight)), 3)
        out[f"top1_{name}"] = round(float(np.average(r == 1, weights=weight)), 3)
    return out


def _changed(w: Weights) -> dict[str, float]:
    return {
        f.name: getattr(w, f.name)
        for f in fields(Weights)
        if getattr(w, f.name) != getattr(WEIGHTS, f.name)
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=Path, action="append", required=True)
    ap.add_argument("--corpus", type=Path, action="append", required=True)
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument("--json", type=Path, help="write the report (fitted weights, curves) here")
    ap.add_argument("--cases", type=Path, help="keep the collected candidates here (pickle)")
    args = ap.parse_args()
    cases = _cases(args)
    report = {
        "cross_validation": held_out(cases, args.folds),
        "fitted_on_every_question": _changed(fit(Table.of(cases))),
        "refusal_curve": refusal_curve(cases, WEIGHTS),
    }
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


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
    if args.cases and args.cases.exists():
        saved_key, cases = pickle.loads(args.cases.read_bytes())
        if saved_key == key:
            return cases
    settings, _ = build_index(Settings.from_env(), args.corpus)
    questions = [{**q, "group": path.stem} for path in args.questions for q in load_questions(path)]
    cases = collect(settings, questions)
    if args.cases:
        args.cases.write_bytes(pickle.dumps((key, cases)))
    return cases


if __name__ == "__main__":
    main()
