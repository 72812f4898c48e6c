"""Fit and check the answer-or-refuse decision (advisor/answer/answerable.py) on labelled
questions, with k-fold cross-validation whose folds are split by document: a fold's articles
are unseen when the model is fitted; unanswerable questions are spread at random.

    python -m advisor.evals.answerability --corpus corpus --corpus ../shared/corpus/seed \\
        --corpus ../shared/corpus/ooh/html --questions ../shared/evals/bank-train.jsonl ... \\
        [--folds 5] [--write]

prints the rules alone against the fitted decision, fold by fold (fitted folds and held-out
fold) and on the whole sets; `--write` stores the model fitted on every question, with the
versions it was fitted on, where the app loads it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.advisor import Advisor
from advisor.answer.answerable import (
    FEATURES,
    MODEL_FILE,
    STYLE,
    AnswerabilityModel,
    keeps_answer,
    keeps_refusal,
    model_versions,
)
from advisor.answer.answerer import Prepared
from advisor.answer.compose import compose
from advisor.evals.harness import build_index, load_questions
from advisor.evals.metrics import fact_coverage
from advisor.records import Answer
from advisor.settings import Settings

FOLDS = 5
SEED = 13
# The bar the threshold is chosen for: answerable questions refused at most this often on the
# folds the model was fitted on (issue: false refusals <= 0.05).
MAX_FALSE_REFUSALS = 0.05
# Inverse regularization. MEASURED: held-out (pooled) refusal recall / false refusals over the
# six sets at 0.1 / 0.5 / 2.0: 0.734 / 0.052, 0.718 / 0.051, 0.685 / 0.047 (bank sets alone
# 0.699 / 0.110, 0.677 / 0.106, 0.634 / 0.100); fact coverage flat.
C = 0.1
INNER_FOLDS = 4  # out-of-fold probabilities within the fitted folds choose the threshold
# Inverse regularization of the question-style model (the STYLE signal). MEASURED: held-out
# (pooled) refusal recall / false refusals with it fitted on every labelled question at C 0.3 /
# 1 / 3 / 10: 0.686 / 0.022, 0.686 / 0.023, 0.726 / 0.025, 0.726 / 0.023; fitted on the
# questions people wrote (a `kind`) at 1 / 5: 0.742 / 0.023 both, and bank-train's false
# refusals 0.057 at every C over 1. Without the signal 0.645 / 0.023. (Measured on the
# question's whole vector, before the signal read it beyond the nearest titles.)
STYLE_C = 1.0


@dataclass(frozen=True, kw_only=True)
class Case:
    """One labelled question as the pipeline saw it: its signals, and the two answers the
    decision chooses between (the rules' and the best answer without them)."""

    id: str
    kind: str
    answerable: bool
    sources: tuple[str, ...]
    must_include: list
    signals: dict[str, float]
    ruled_text: str
    ruled_refused: bool
    free_text: str
    fixed: bool  # answered without the decision (a facts table, an empty question)
    vector: tuple[float, ...] = ()  # what the STYLE signal reads (Advisor.style_vector)
    keeps_refusal: bool = False  # the rules' refusal stands whatever the model says (`decided`)
    keeps_answer: bool = False  # so does their answer: it quotes a section the question names


def collect(settings: Settings, files: Sequence[Path]) -> list[Case]:
    """Ask every question (history first) with the rules alone, and keep what the decision
    needs."""
    advisor = Advisor(settings)
    advisor._answerability = (None,)  # the rules alone: what the model learns to weigh
    advisor.warm()
    cases = []
    for path in files:
        for q in load_questions(path):
            history: list[tuple[str, Answer]] = []
            for turn in q.get("history") or []:
                history.append((turn, advisor.ask(turn, history)))
            seen: list[Prepared] = []
            answer = None
            for event in advisor.stream(q["question"], history, trace=seen.append):
                if event.kind == "answer":
                    answer = event.answer
            assert answer is not None
            prepared = seen[-1] if seen else None
            fixed = prepared is None or prepared.draft.table is not None or not prepared.signals
            free = "" if fixed else _free_text(prepared)
            cases.append(
                Case(
                    id=f"{path.stem}:{q.get('id', len(cases))}",
                    kind=q.get("kind", ""),
                    answerable=bool(q.get("answerable", True)),
                    sources=tuple(q.get("sources") or ()),
                    must_include=q.get("must_include") or [],
                    signals={} if fixed else dict(prepared.signals),
                    ruled_text=answer.text,
                    ruled_refused=answer.refused,
                    free_text=free,
                    fixed=fixed,
                    vector=() if fixed else tuple(advisor.style_vector(prepared.query)),
                    keeps_refusal=not fixed and keeps_refusal(prepared.draft, prepared.analysis),
                    keeps_answer=not fixed
                    and keeps_answer(
                        prepared.draft,
                        prepared.hits,
                        prepared.analysis,
                        advisor.reader().sections_by_heading(),
                    ),
                )
            )
    return cases


def _free_text(prepared: Prepared) -> str:
    if not prepared.scored:
        return ""
    free = compose(prepared.analysis, prepared.hits, prepared.scored, guarded=False)
    return free.text if free.verdict == "answer" else ""


def folds(cases: Sequence[Case], k: int = FOLDS, seed: int = SEED) -> list[int]:
    """A fold per case: answerable questions grouped by their first source article (all of an
    article's questions in one fold), groups dealt largest first to the smallest fold;
    unanswerable ones at random by their id. The order of the cases changes nothing (it did:
    the figures moved with the order of --questions)."""
    rng = random.Random(seed)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        if c.answerable:
            groups[c.sources[0] if c.sources else c.id].append(i)
    order = sorted(groups, key=lambda g: (-len(groups[g]), g))
    rng.shuffle(order)
    order.sort(key=lambda g: -len(groups[g]))  # stable: ties stay shuffled
    fold = [0] * len(cases)
    sizes = [0] * k
    for g in order:
        f = min(range(k), key=lambda j: (sizes[j], j))
        for i in groups[g]:
            fold[i] = f
        sizes[f] += len(groups[g])
    for i, c in enumerate(cases):
        if not c.answerable:  # by its id, so the split does not depend on the cases' order
            digest = hashlib.sha256(f"{seed}:{c.id}".encode()).digest()
            fold[i] = int.from_bytes(digest[:8], "big") % k
    return fold


def _matrix(cases: Sequence[Case]) -> Any:
    import numpy as np

    return np.array([[c.signals.get(f, 0.0) for f in FEATURES] for c in cases], dtype=float)


def _probabilities(train: Sequence[Case], test: Sequence[Case]) -> list[float]:
    model = _fit_raw(train)
    return [model.probability(c.signals) for c in test]


def _fit_raw(train: Sequence[Case], threshold: float = 0.5) -> AnswerabilityModel:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = _matrix(train)
    y = np.array([c.answerable for c in train], dtype=int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    lr.fit((x - mean) / scale, y)
    return AnswerabilityModel(
        features=FEATURES,
        mean=tuple(mean.tolist()),
        scale=tuple(scale.tolist()),
        coef=tuple(lr.coef_[0].tolist()),
        intercept=float(lr.intercept_[0]),
        threshold=threshold,
        versions={},
        fitted={},
    )


def choose_threshold(probs: Sequence[float], labels: Sequence[bool]) -> float:
    """The highest threshold whose false refusals stay within MAX_FALSE_REFUSALS: as many
    unanswerable questions refused as that bar allows."""
    answerable = sorted(p for p, a in zip(probs, labels, strict=True) if a)
    if not answerable:
        return 0.5
    allowed = int(MAX_FALSE_REFUSALS * len(answerable))  # refused answerable questions
    return answerable[allowed] if allowed < len(answerable) else answerable[-1]


def fit(cases: Sequence[Case], seed: int = SEED) -> AnswerabilityModel:
    """Fitted on `cases`; the threshold from out-of-fold probabilities within them. The cases
    are taken in the order of their ids: the solver's sums, and so a borderline threshold,
    would otherwise move with the order of the question files."""
    learn = sorted((c for c in cases if not c.fixed), key=lambda c: (c.id, c.kind, c.sources))
    inner = folds(learn, INNER_FOLDS, seed)
    # the STYLE signal each question is fitted with comes from a style model that never saw
    # its articles, as it will be for a new question (unanswerable questions are dealt to
    # folds at random, so a near-paraphrase of one may be in the fitted part: the held-out
    # figures may flatter the signal somewhat)
    style = [0.0] * len(learn)
    for f in range(INNER_FOLDS):
        weights = _fit_style([c for c, g in zip(learn, inner, strict=True) if g != f])
        for i in (i for i, g in enumerate(inner) if g == f):
            style[i] = _style(weights, learn[i].vector)
    learn = [replace(c, signals={**c.signals, STYLE: p}) for c, p in zip(learn, style, strict=True)]
    probs = [0.0] * len(learn)
    for f in range(INNER_FOLDS):
        train = [c for c, g in zip(learn, inner, strict=True) if g != f]
        test = [i for i, g in enumerate(inner) if g == f]
        for i, p in zip(test, _probabilities(train, [learn[i] for i in test]), strict=True):
            probs[i] = p
    # the bar holds on the questions written as people ask (they carry a `kind`), not on the
    # templated ones (ooh-dev, dev), which nearly never come close to it
    real = [i for i, c in enumerate(learn) if c.kind] or list(range(len(learn)))
    threshold = choose_threshold([probs[i] for i in real], [learn[i].answerable for i in real])
    coef, intercept = _fit_style(learn)
    return replace(_fit_raw(learn, threshold), style_coef=coef, style_intercept=intercept)


def _fit_style(cases: Sequence[Case]) -> tuple[tuple[float, ...], float]:
    """The question-style model's weights and intercept, fitted on the questions people wrote
    (they carry a `kind`; the templated ones would teach it that templates are answerable)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    people = [c for c in cases if c.kind and c.vector]
    if len({c.answerable for c in people}) < 2:
        return (), 0.0
    lr = LogisticRegression(C=STYLE_C, max_iter=3000, class_weight="balanced")
    lr.fit(np.array([c.vector for c in people]), np.array([c.answerable for c in people]))
    return tuple(lr.coef_[0].tolist()), float(lr.intercept_[0])


def _style(weights: tuple[tuple[float, ...], float], vector: Sequence[float]) -> float:
    coef, intercept = weights
    if not coef or not vector:
        return 0.0
    return AnswerabilityModel.style_of(coef, intercept, vector)


def outcome(case: Case, model: AnswerabilityModel | None) -> tuple[str, bool]:
    """(answer text, refused) as the app would give them with this model (None: rules)."""
    if model is None or case.fixed:
        return case.ruled_text, case.ruled_refused
    answers = case.keeps_answer or model.answers(model.with_style(case.signals, case.vector))
    if answers and case.ruled_refused and case.free_text and not case.keeps_refusal:
        return case.free_text, False
    if not answers and not case.ruled_refused:
        return "", True
    return case.ruled_text, case.ruled_refused


def score(
    cases: Sequence[Case], model: AnswerabilityModel | Mapping[str, AnswerabilityModel] | None
) -> dict[str, Any]:
    """Fact coverage, refusal recall and false refusals, overall and per kind; `model` one
    model for all, each case's own (by id), or None for the rules alone."""

    def decide(c: Case) -> tuple[str, bool]:
        return outcome(c, model.get(c.id) if isinstance(model, Mapping) else model)

    def summary(group: Sequence[Case]) -> dict[str, float | None]:
        answerable = [c for c in group if c.answerable]
        facts = [
            fact_coverage({"answer": decide(c)[0], "must_include": c.must_include})
            for c in answerable
        ]
        false = [decide(c)[1] for c in answerable]
        recall = [decide(c)[1] for c in group if not c.answerable]
        return {
            "n": len(group),
            "fact_coverage": _mean(facts),
            "refusal_recall": _mean(recall),
            "false_refusals": _mean(false),
        }

    kinds = sorted({c.kind for c in cases if c.kind})
    sets = sorted({c.id.split(":", 1)[0] for c in cases})
    return {
        "all": summary(cases),
        "by_kind": {k: summary([c for c in cases if c.kind == k]) for k in kinds},
        "by_set": {s: summary([c for c in cases if c.id.split(":", 1)[0] == s]) for s in sets},
    }


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def cross_validate(cases: Sequence[Case], k: int = FOLDS) -> dict[str, Any]:
    """Per fold: the rules and the fitted decision on the fitted folds and the held-out one;
    and every held-out outcome pooled (each question judged by a model that never saw its
    articles)."""
    fold = folds(cases, k)
    rows = []
    own: dict[str, AnswerabilityModel] = {}
    for f in range(k):
        train = [c for c, g in zip(cases, fold, strict=True) if g != f]
        test = [c for c, g in zip(cases, fold, strict=True) if g == f]
        model = fit(train)
        rows.append(
            {
                "fold": f,
                "threshold": round(model.threshold, 4),
                "rules_fitted": score(train, None)["all"],
                "model_fitted": score(train, model)["all"],
                "rules_held_out": score(test, None)["all"],
                "model_held_out": score(test, model)["all"],
            }
        )
        own |= {c.id: model for c in test}
    return {
        "folds": rows,
        "held_out_rules": score(cases, None),
        "held_out_model": score(cases, own),
        "cases": [_held_out(c, own[c.id]) for c in cases],
    }


def _held_out(case: Case, model: AnswerabilityModel) -> dict[str, Any]:
    """One question's held-out outcome, to read misses and diff two runs by question."""
    text, refused = outcome(case, model)
    facts = fact_coverage({"answer": text, "must_include": case.must_include})
    return {
        "id": case.id,
        "kind": case.kind,
        "answerable": case.answerable,
        "refused": refused,
        "fact_coverage": round(facts, 4) if case.answerable else None,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--write", action="store_true", help=f"store the model in {MODEL_FILE}")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    settings, _ = build_index(Settings.from_env(), args.corpus)
    cases = collect(settings, args.questions)
    report = {
        "questions": len(cases),
        "cross_validation": cross_validate(cases, args.folds),
        "whole_rules": score(cases, None),
    }
    model = fit(cases)
    report["whole_model"] = score(cases, model)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.write:
        stored = replace(
            model,
            versions=model_versions(settings),
            fitted={
                "by": "python -m advisor.evals.answerability --write",
                "questions": [str(q) for q in args.questions],
                "cases": len(cases),
                "folds": args.folds,
                "seed": SEED,
                "max_false_refusals": MAX_FALSE_REFUSALS,
                "held_out": report["cross_validation"]["held_out_model"]["all"],
            },
        )
        MODEL_FILE.write_text(stored.to_json() + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


def _print(report: dict[str, Any]) -> None:
    cv = report["cross_validation"]
    print(f"{report['questions']} questions, {len(cv['folds'])} folds split by document")
    print(
        "fold  rules fitted | model fitted | rules held out | model held out  (coverage/recall/false)"
    )

    def fmt(s: dict[str, Any]) -> str:
        return "/".join(
            "-" if s[m] is None else f"{s[m]:.2f}"
            for m in ("fact_coverage", "refusal_recall", "false_refusals")
        )

    for r in cv["folds"]:
        print(
            f"{r['fold']:>4}  {fmt(r['rules_fitted'])} | {fmt(r['model_fitted'])} | "
            f"{fmt(r['rules_held_out'])} | {fmt(r['model_held_out'])}"
        )
    print(
        f"held out, pooled: rules {fmt(cv['held_out_rules']['all'])}, model {fmt(cv['held_out_model']['all'])}"
    )
    for group in ("by_set", "by_kind"):
        for name, s in cv["held_out_model"][group].items():
            print(f"  {name:<14} rules {fmt(cv['held_out_rules'][group][name])}  model {fmt(s)}")
    print(
        f"whole sets: rules {fmt(report['whole_rules']['all'])}, model {fmt(report['whole_model']['all'])}"
    )


if __name__ == "__main__":
    main()
