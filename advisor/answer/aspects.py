"""What a question asks about (pay, outlook, requirements, duties, ...), predicted from its
embedding by a small fitted model (`evals/fit_aspects.py`, labels from the sections that hold
each labelled question's evidence), for questions whose words name no aspect the cues know."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from advisor.answer.analysis import Analysis
from advisor.answer.fitted import ModelMismatch, load_fitted, read_fitted
from advisor.text.cues import attribute_of

MODEL_FILE = Path(__file__).with_name("aspects.json")
# The labels that are attributes the rest of the pipeline knows; "environment", "count" and
# "other" are learned (so they are not forced into another class) but change nothing.
ATTRIBUTE_OF_LABEL = {
    "pay": "pay",
    "cost": "cost",
    "outlook": "outlook",
    "requirements": "requirements",
    "duties": "duties",
}
# Two careers' pay are compared by amount ("which one makes more money?"), their outlooks by
# projected growth ("which has the better job outlook?": 29% against -4%).
COMPARED_FIGURE = {"pay": "money", "outlook": "percent"}
# An OOH page's Quick Facts row names what its figure is: the row holding the evidence labels it
SUMMARY_ROWS = (
    ("median pay", "pay"),
    ("entry-level education", "requirements"),
    ("work experience", "requirements"),
    ("on-the-job training", "requirements"),
    ("number of jobs", "count"),
    ("job outlook", "outlook"),
    ("employment change", "outlook"),
)
# OOH's standard sections, by their first words; other headings are read by the word cues
OOH_SECTIONS = (
    ("pay", "pay"),
    ("job outlook", "outlook"),
    ("how to become", "requirements"),
    ("work environment", "environment"),
    ("what ", "duties"),  # "What Electricians Do"
)
UNLABELLED = ("similar occupations", "state & area data", "more information", "contacts")
# Other headings are labelled by the word cues' attribute, read as a label
CUE_LABEL = {**ATTRIBUTE_OF_LABEL, "steps": "requirements", "duration": "requirements"}


# The word cues' attributes that say nothing specific: "what is ...?", none at all, or a
# comparison (which says how, not what: "bank teller vs receptionist, which one has better job
# security going forward?" compares outlooks).
GENERIC = (None, "definition", "comparison")


@dataclass(frozen=True, kw_only=True)
class AspectModel:
    """Multinomial logistic regression over the question's embedding: P(label) = softmax(W v +
    b); a label is used when its probability reaches `threshold`, or `compared_threshold` for
    what a comparison compares (its words say how, not what, and the model's best label is then
    right more often: evals/fit_aspects.py)."""

    classes: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]  # one row per class, one column per vector dimension
    intercept: tuple[float, ...]
    threshold: float
    versions: dict[str, str]
    fitted: dict[str, object]  # how: data, folds, measured figures (for the record)
    compared_threshold: float = 1.0  # 1.0: a comparison at `threshold`, like any question

    def probabilities(self, vector: Sequence[float]) -> tuple[tuple[str, float], ...]:
        """Every label with its probability, in the model's order."""
        coef, intercept = self._arrays
        z = coef @ np.asarray(vector, dtype=np.float64) + intercept
        e = np.exp(z - z.max())
        return tuple(zip(self.classes, (e / e.sum()).tolist(), strict=True))

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The weights as arrays, made once: a question's probabilities are one product."""
        return np.asarray(self.coef, dtype=np.float64), np.asarray(self.intercept, np.float64)

    def predict(self, vector: Sequence[float]) -> tuple[str, float]:
        """The most probable label and its probability.

        >>> m = AspectModel(classes=("pay", "other"), coef=((1.0, 0.0), (0.0, 1.0)),
        ...                 intercept=(0.0, 0.0), threshold=0.5, versions={}, fitted={})
        >>> label, p = m.predict([2.0, 0.0]); label, round(p, 3)
        ('pay', 0.881)
        """
        return max(self.probabilities(vector), key=lambda lp: lp[1])

    def to_json(self) -> str:
        saved = {f.name: getattr(self, f.name) for f in fields(self)}  # not the cached arrays
        return json.dumps(saved, indent=0, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, versions: Mapping[str, str]) -> AspectModel:
        raw = read_fitted(text, versions)
        model = cls(
            classes=tuple(raw["classes"]),
            coef=tuple(tuple(float(w) for w in row) for row in raw["coef"]),
            intercept=tuple(float(b) for b in raw["intercept"]),
            threshold=float(raw["threshold"]),
            compared_threshold=float(raw.get("compared_threshold", 1.0)),
            versions=dict(raw["versions"]),
            fitted=dict(raw.get("fitted") or {}),
        )
        widths = {len(row) for row in model.coef}
        if len(model.coef) != len(model.classes) or len(model.intercept) != len(model.classes):
            raise ModelMismatch("classes, weights and intercepts do not line up")
        if len(widths) != 1:
            raise ModelMismatch("weight rows of different widths")
        return model


def load_aspect_model(versions: Mapping[str, str], path: Path = MODEL_FILE) -> AspectModel | None:
    """The shipped model, or None (the word cues decide alone) when there is none or it was
    fitted on another embedding model."""
    return load_fitted(path, versions, AspectModel.from_json)


def with_learned_attribute(
    analysis: Analysis,
    aspects: tuple[tuple[str, float], ...],
    threshold: float,
    compared_threshold: float = 1.0,
) -> Analysis:
    """The analysis with the predicted attribute where the word cues found none specific
    ("how much more do preschool/daycare center directors make than the preschool teachers?"
    reads as pay; "which one has better job security going forward?" as outlook), at
    `compared_threshold` in a comparison ("microbiologist vs biological technician, who earns
    more?" compares pay); a comparison of pay or outlook that names no figure compares the
    figure that measures it.

    >>> from advisor.records import Query
    >>> a = Analysis(query=Query(text="x", focus=()), ask="x")
    >>> with_learned_attribute(a, (("pay", 0.9), ("other", 0.1)), 0.6).attribute
    'pay'
    >>> with_learned_attribute(a, (("pay", 0.5), ("other", 0.5)), 0.6).attribute is None
    True
    >>> with_learned_attribute(replace(a, attribute="cost"), (("pay", 0.9),), 0.6).attribute
    'cost'
    >>> with_learned_attribute(replace(a, comparison=True), (("outlook", 0.9),), 0.6).figure
    'percent'
    >>> compared = replace(a, comparison=True, attribute="comparison")
    >>> with_learned_attribute(compared, (("pay", 0.5), ("other", 0.5)), 0.6, 0.4).figure
    'money'
    """
    analysis = replace(analysis, aspects=aspects)
    label, probability = max(aspects, key=lambda lp: lp[1], default=("", 0.0))
    attribute = ATTRIBUTE_OF_LABEL.get(label)
    # the comparisons the bar was fitted on: those the word cues read as one
    compares = analysis.attribute == "comparison"
    bar = min(threshold, compared_threshold) if compares else threshold
    if attribute is not None and probability >= bar and analysis.attribute in GENERIC:
        analysis = replace(analysis, attribute=attribute)
    compared = COMPARED_FIGURE.get(analysis.attribute or "")
    if analysis.comparison and analysis.figure is None and compared:
        analysis = replace(analysis, figure=compared)
    return analysis


def label_of(section: str, text: str = "", evidence: str = "") -> str | None:
    """What a section answers, from its heading; in an OOH Summary, from the Quick Facts row
    that holds the evidence (the whole lower-cased `text` without one).

    >>> label_of("Summary", "quick facts: x 2024 median pay: $62,350 per year", "$62,350")
    'pay'
    >>> label_of("Summary", "number of jobs, 2024: 818,700")
    'count'
    >>> label_of("How to Become an Electrician > Licenses")
    'requirements'
    >>> label_of("PMP eligibility requirements")
    'requirements'
    >>> label_of("Similar Occupations") is None
    True
    """
    top = section.split(" > ")[0].strip().lower()
    if top != "summary":
        return _section_label(top, section.split(" > ")[-1])
    at = text.find(evidence) if evidence else 0
    end = at + len(evidence) if evidence else len(text)
    before = text[max(0, at - 60) : end] if at >= 0 else ""
    rows = [(before.rfind(name), label) for name, label in SUMMARY_ROWS if name in before]
    return max(rows)[1] if rows else None


# a chunk's labels recur with the chunk (the unit texts are `chunk_units`' cached strings, so
# their hashes are too): as many as the cached chunks
@lru_cache(maxsize=2048)
def unit_labels(section: str, texts: tuple[str, ...]) -> tuple[str | None, ...]:
    """`label_of` for each unit of a chunk: one per section, but per row in an OOH Summary.

    >>> unit_labels("Pay > Electricians", ("a", "b"))
    ('pay', 'pay')
    >>> unit_labels("Summary", ("2024 Median Pay: $62,350", "Number of Jobs, 2024: 818,700"))
    ('pay', 'count')
    """
    if not names_its_rows(section):
        return (label_of(section),) * len(texts)
    return tuple(label_of(section, t.lower()) for t in texts)


def names_its_rows(section: str) -> bool:
    """Each row of this section's table says what it states by its own name (an OOH Summary's
    Quick Facts: "Job Outlook, 2024-34: -6% (Decline)"), unlike a data table's rows
    ("Computer programmers: 15-1251 121,200 113,900 -6 -7,200")."""
    return section.split(" > ")[0].strip().lower() == "summary"


@lru_cache(maxsize=4096)
def _section_label(top: str, last: str) -> str | None:
    if top.startswith(UNLABELLED):
        return None
    for start, label in OOH_SECTIONS:
        if top.startswith(start) and (start != "what " or top.endswith(" do")):
            return label
    return CUE_LABEL.get(attribute_of(last) or "", "other")
