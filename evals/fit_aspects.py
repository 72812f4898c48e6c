"""Fit the aspect model (advisor/answer/aspects.py): what each labelled question asks, read off
the section that holds its evidence, predicted from the question's embedding; cross-validated
with folds split by document, against the word cues on the same labels.

    python -m advisor.evals.fit_aspects --corpus corpus --corpus ../shared/corpus/seed \\
        --corpus ../shared/corpus/ooh/html --questions ../shared/evals/bank-train.jsonl ... \\
        [--write]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.advisor import Advisor
from advisor.answer.aspects import (
    CUE_LABEL,
    GENERIC,
    MODEL_FILE,
    AspectModel,
    label_of,
    names_its_rows,
)
from advisor.evals.answerability import folds
from advisor.evals.harness import build_index, load_questions
from advisor.settings import Settings
from advisor.text.cues import attribute_of
from advisor.text.textutil import normalize

FOLDS = 5
C = 4.0  # inverse regularisation; MEASURED (session 17): held-out accuracy of the model alone
# 0.848 / 0.844 / 0.839 at 2 / 4 / 8, used beside the cues 0.803 / 0.817 / 0.820 (a few questions)
THRESHOLD = 0.6  # a label is used at this probability or above (held-out precision below)
# What a comparison compares, at this probability or above. MEASURED (5 folds by document, the
# 58 labelled comparisons of session 16): held-out accuracy of the model beside the cues 0.621 /
# 0.724 / 0.776 / 0.776 at 0.6 / 0.5 / 0.4 / 0.3; the model's precision where used 0.889 / 0.914
# / 0.837 / 0.818 (27 / 35 / 49 / 55 used). Elsewhere a lower bar costs precision (0.689 at 0.6,
# 0.603 at 0.4 over 234 questions), so only comparisons get it. Session 17 (labels from Quick
# Facts rows, 60 comparisons): 0.767 / 0.867 / 0.867 / 0.883 at 0.5 / 0.4 / 0.35 / 0.3.
COMPARED_THRESHOLD = 0.4


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    document: str  # the first source: the fold's unit
    label: str


def cases_of(advisor: Advisor, questions: Sequence[dict]) -> list[Case]:
    """Answerable labelled questions whose evidence is found in a source's chunk, labelled by
    the most common label of their evidence's sections."""
    rows = advisor.reader().keyword.rows_with_docs()
    by_doc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, section, text in rows:
        by_doc[doc_id].append((section, normalize(text)))
    out = []
    for q in questions:
        if not q.get("answerable", True) or not q.get("sources"):
            continue
        labels = []
        for evidence in map(normalize, q.get("evidence") or []):
            if label := _label(evidence, [c for d in q["sources"] for c in by_doc.get(d, [])]):
                labels.append(label)
        if labels:
            label = min(Counter(labels).items(), key=lambda kv: (-kv[1], kv[0]))[0]
            out.append(Case(q["id"], q["question"], q["sources"][0], label))
    return sorted(out, key=lambda c: c.id)


def _label(evidence: str, chunks: Sequence[tuple[str, str]]) -> str | None:
    """The label of the section that holds the evidence. A Quick Facts row names what its figure
    is, so it wins over other sections that repeat the figure ("301,400" is the Summary's
    "Number of Jobs" and also a cell of the Job Outlook section's projections table); else the
    first section found that has a label."""
    held = [(names_its_rows(s), label_of(s, t, evidence)) for s, t in chunks if evidence in t]
    return next((label for row, label in held if row and label), None) or next(
        (label for _, label in held if label), None
    )


def cue_label(question: str) -> str:
    return CUE_LABEL.get(attribute_of(question) or "", "other")


def cross_validate(advisor: Advisor, cases: Sequence[Case], k: int = FOLDS) -> dict:
    """Held-out accuracy of the model, the word cues, and both as the app combines them (the
    model only where the cues find nothing specific, at THRESHOLD)."""
    import numpy as np

    x = np.asarray([advisor.embed_query(c.question) for c in cases], dtype=np.float64)
    y = np.asarray([c.label for c in cases])
    fold = np.asarray(folds([_FoldCase(c) for c in cases], k))
    predicted = np.empty(len(cases), dtype=object)
    prob = np.zeros(len(cases))
    for f in range(k):
        model = _fit(x[fold != f], y[fold != f])
        p = model.predict_proba(x[fold == f])
        predicted[fold == f] = model.classes_[p.argmax(1)]
        prob[fold == f] = p.max(1)
    cues = np.asarray([cue_label(c.question) for c in cases])
    generic = np.asarray([attribute_of(c.question) in GENERIC for c in cases])
    compared = np.asarray([attribute_of(c.question) == "comparison" for c in cases])
    used = generic & (prob >= np.where(compared, min(THRESHOLD, COMPARED_THRESHOLD), THRESHOLD))
    combined = np.where(used, predicted, cues)
    realistic = np.asarray([not c.id.startswith(("ooh", "dev")) for c in cases])

    def acc(pred, mask=None):
        mask = np.ones(len(cases), bool) if mask is None else mask
        return round(float((pred[mask] == y[mask]).mean()), 3)

    return {
        "model": acc(predicted),
        "cues": acc(cues),
        "combined": acc(combined),
        "realistic_model": acc(predicted, realistic),
        "realistic_cues": acc(cues, realistic),
        "realistic_combined": acc(combined, realistic),
        "comparisons": int(compared.sum()),
        "comparisons_combined": acc(combined, compared) if compared.any() else None,
        "comparisons_cues": acc(cues, compared) if compared.any() else None,
        "used": int(used.sum()),
        "used_precision": acc(predicted, used) if used.any() else None,
        "cues_precision_there": acc(cues, used) if used.any() else None,
    }


@dataclass(frozen=True)
class _FoldCase:
    """What `answerability.folds` reads of a case."""

    case: Case

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.case.document,)

    answerable = True


def _fit(x, y):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000).fit(x, y)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    parser.add_argument("--write", action="store_true", help=f"store the model in {MODEL_FILE}")
    args = parser.parse_args(argv)
    settings, _ = build_index(Settings.from_env(), args.corpus)
    advisor = Advisor(settings)
    questions = [q for path in args.questions for q in load_questions(path)]
    cases = cases_of(advisor, questions)
    print(
        f"{len(cases)} labelled questions:", dict(sorted(Counter(c.label for c in cases).items()))
    )
    report = cross_validate(advisor, cases)
    print(json.dumps(report, indent=1))
    if args.write:
        import numpy as np

        x = np.asarray([advisor.embed_query(c.question) for c in cases], dtype=np.float64)
        model = _fit(x, np.asarray([c.label for c in cases]))
        stored = AspectModel(
            classes=tuple(str(c) for c in model.classes_),
            coef=tuple(tuple(round(float(w), 5) for w in row) for row in model.coef_),
            intercept=tuple(round(float(b), 5) for b in model.intercept_),
            threshold=THRESHOLD,
            compared_threshold=COMPARED_THRESHOLD,
            versions=advisor.aspect_versions(),
            fitted={
                "by": "python -m advisor.evals.fit_aspects --write",
                "questions": [str(q) for q in args.questions],
                "cases": len(cases),
                "C": C,
                "held_out": report,
            },
        )
        MODEL_FILE.write_text(stored.to_json() + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
