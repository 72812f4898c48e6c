"""Score every quotable unit of the candidate chunks once, by words and by meaning, and rank the
chunks by their best unit. Every weight lives in `WEIGHTS`, with the reason for its value."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from advisor.analysis import Analysis, Subject
from advisor.inventory import Inventory, content_stems
from advisor.match import Matcher, query_weights
from advisor.retrieval import Hit
from advisor.terms import all_stems
from advisor.units import Unit, parse_units


@dataclass(frozen=True)
class Weights:
    """How much each feature adds to a unit's score. Fitted by `evals/fit_weights.py` on the
    training split (see README "Answer quality"); the reason for each value is beside it."""

    # Fitted by `evals/fit_weights.py` on half of mixed-dev + project + dev (175 questions,
    # split by id hash); "the best unit is a good one" 0.54 -> 0.58 on that half and 0.48 ->
    # 0.49 on the held-out half (hand-set weights before: 1.0 / 1.2 / 0.5 / 0.4 / 0.3).
    words: float = 0.6  # share of the question's rarity-weighted words the unit (and its list
    # lead-in or neighbour, at half weight) contains: exact wording still matters, less than meaning
    meaning: float = 1.8  # cosine of question and unit vector; it is what finds paraphrases
    # ("dying trade" ~ "projected to decline") that share no word with the question
    chunk: float = 1.0  # cosine of question and the whole chunk: the unit's context counts
    aspect: float = 0.0  # share of the question's words that are not its subjects' names
    # ("higher median" in "... which has the higher median?"). Measured by fit_weights: any
    # weight here lowers held-out quality (MRR 0.664 -> 0.649 at 0.3), as it counts the same
    # words twice; the composer uses it where units of one subject compete (comparison sides,
    # fact-table rows), so it is computed but weighs nothing in the score
    subject: float = 0.2  # the unit (or its article) is about every subject the question names
    # (the composer also filters by subject, so the score needs only a nudge)
    attribute: float = 0.15  # the unit carries the kind of figure asked for (money for pay);
    # the composer also requires one, so this only orders units that all carry one
    lead: float = 0.05  # a list answers more fully than one sentence: lists win ties
    wants: float = 0.3  # a lead-in naming the plural thing asked for ("certifications such as:")
    dangling: float = -0.3  # a lead-in whose list is not in this chunk answers nothing
    other_rows: float = -0.4  # rows of a table about other subjects (similar occupations,
    # employing industries), unless the question asks for those
    templated: float = -0.3  # a sentence the site repeats on many articles with only the name
    # changed ("Compare the job duties ... of actors with similar occupations."): page furniture
    # whose words fit many questions; a penalty, not a ban, as a repeated fact ("typically need
    # a bachelor's degree") can still be the answer
    rank: float = 0.04  # retrieval order as a tie-breaker


WEIGHTS = Weights()
# Chunk ranking: best unit, plus how the retrievers placed it, plus a title that names the
# question's words, plus (for prose) how close the chunk is in meaning to the best one.
RANK_FUSED = 0.5
RANK_TITLE = 0.3
RANK_DENSE = 2.0
RANK_SUBJECT_DOC = 0.4  # an article whose title names the subject beats pages that mention it

_FIGURES = {
    "money": re.compile(r"\$\s?\d"),
    # a count or an amount, not a year ("In May 2024, ..." holds no figure of its own)
    "number": re.compile(
        r"\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|"
        r"ten|dozens?|several|hundreds|thousands)\b",
        re.I,
    ),
    "time": re.compile(
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|several|few)[\s-]+"
        r"(?:to\s+\w+\s+)?(?:and\s+\w+\s+)?(year|month|week|day|hour|minute)s?\b",
        re.I,
    ),
    "percent": re.compile(r"\d\s?(%|percent)"),
}
_OTHER_SUBJECT_SECTIONS = frozenset(content_stems("similar occupations industries employers"))
_ASKS_OTHERS = frozenset(
    content_stems("similar related other industries industry employers employ")
)


_FEATURES = tuple(f.name for f in fields(Weights))


@dataclass(frozen=True, kw_only=True)
class Features:
    """What one unit has going for it; `score` is their weighted sum."""

    words: float
    meaning: float
    chunk: float
    aspect: float = 0.0
    subject: float
    attribute: float
    lead: float = 0.0
    wants: float = 0.0
    dangling: float = 0.0
    other_rows: float = 0.0
    templated: float = 0.0
    rank: float = 0.0

    def score(self, weights: Weights = WEIGHTS) -> float:
        return sum(getattr(self, name) * getattr(weights, name) for name in _FEATURES)


@dataclass(frozen=True, kw_only=True)
class ScoredUnit:
    unit: Unit
    hit: int  # index into the candidate hits
    features: Features
    score: float
    scope: frozenset[str]  # stems of the unit, its neighbours and its heading path

    @property
    def text(self) -> str:
        return self.unit.text


def figure_kind(text: str, kind: str) -> bool:
    return bool(_FIGURES[kind].search(text))


_VALUE = {
    "money": re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)"),
    "percent": re.compile(r"(-?\d+(?:\.\d+)?)\s?(?:%|percent)"),
    "number": re.compile(r"\b(?!(?:19|20)\d\d\b)(\d[\d,]*(?:\.\d+)?)\b"),
}
_DAYS = {"year": 365.0, "month": 30.0, "week": 7.0, "day": 1.0, "hour": 1 / 24, "minute": 1 / 1440}
_WORD_NUMBERS = dict(
    zip(
        ["a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        strict=True,
    )
)


def figure_value(text: str, kind: str) -> float | None:
    """The first figure of a kind as a number, durations in days; None when there is none.

    >>> figure_value("2024 Median Pay: $62,340 per year", "money")
    62340.0
    >>> figure_value("Number of Jobs, 2024: 818,700", "number")
    818700.0
    >>> figure_value("a time limit of 3 hours", "time")
    0.125
    """
    if kind == "time":
        m = _FIGURES["time"].search(text)
        if not m:
            return None
        amount = m.group(1).lower()
        n = float(amount) if amount.isdigit() else _WORD_NUMBERS.get(amount)
        return None if n is None else n * _DAYS[m.group(2).lower()]
    m = _VALUE[kind].search(text)
    return float(m.group(1).replace(",", "")) if m else None


@lru_cache(maxsize=16384)
def stems_of(text: str) -> frozenset[str]:
    """Every stem of a text (stop words included), cached: units and headings recur."""
    return frozenset(all_stems(text))


def in_scope(subject: Subject, scope: frozenset[str], doc_id: str) -> bool:
    """The unit is about the subject: its article is named by it, or the unit's own text,
    neighbours or heading path name it."""
    return doc_id in subject.docs or set(subject.stems) <= scope


def hit_in_scope(subject: Subject, hit: Hit) -> bool:
    """Some unit of the chunk can be about the subject."""
    chunk = hit.chunk
    return chunk.doc_id in subject.docs or set(subject.stems) <= stems_of(chunk.embed_text)


def _neighbours(u: Unit, group: Sequence[Unit]) -> list[Unit]:
    same = [v for v in group if v is not u]
    if u.kind == "lead":
        return same  # the list it introduces
    if u.listed:
        return [v for v in same if v.kind == "lead"]
    return [v for v in same if abs(v.order - u.order) == 1]


def score_units(
    analysis: Analysis,
    hits: Sequence[Hit],
    idf: Mapping[str, float],
    question_vector: Sequence[float] | None = None,
    unit_vectors: Mapping[str, np.ndarray] | None = None,
    weights: Weights = WEIGHTS,
    inventory: Inventory | None = None,
) -> list[ScoredUnit]:
    """Every unit of every hit, scored once; `inventory` knows the site's repeated sentences."""
    units = [(i, u) for i, h in enumerate(hits) for u in parse_units(h.chunk.text)]
    if not units:
        return []
    query = analysis.query
    headings = [stems_of(h.chunk.heading_path) for h in hits]
    match = Matcher.build(
        query_weights(query, idf), [stems_of(u.text) for _, u in units] + headings
    )
    qv = np.asarray(question_vector, dtype=np.float32) if question_vector is not None else None
    figure = analysis.figure
    asks_others = bool(_ASKS_OTHERS & set(content_stems(analysis.ask)))
    aspect = _aspect_matcher(match, analysis)
    groups: dict[tuple[int, int], list[Unit]] = {}
    for i, u in units:
        groups.setdefault((i, u.group), []).append(u)
    # one matrix product per chunk: the cosine of every unit with the question
    meanings = {
        h.chunk.chunk_id: vectors @ qv
        for h in hits
        if qv is not None and (vectors := (unit_vectors or {}).get(h.chunk.chunk_id)) is not None
    }
    out = []
    for i, u in units:
        hit = hits[i]
        own = stems_of(u.text)
        near = frozenset().union(*(stems_of(v.text) for v in _neighbours(u, groups[(i, u.group)])))
        local = stems_of(u.heading)
        scope = own | near | headings[i] | local
        vectors = (unit_vectors or {}).get(hit.chunk.chunk_id) if qv is not None else None
        meaning = _meaning(u, groups[(i, u.group)], meanings.get(hit.chunk.chunk_id), vectors, qv)
        covered = analysis.covered
        features = Features(
            words=_word_score(match, u, own, near, headings[i] | local),
            meaning=meaning,
            chunk=hit.dense,
            aspect=_aspect_score(aspect, own, near),
            subject=(
                sum(in_scope(s, scope, hit.chunk.doc_id) for s in covered) / len(covered)
                if covered
                else 1.0
            ),
            attribute=1.0 if figure and figure_kind(u.text, figure) else 0.0,
            lead=1.0 if u.kind == "lead" else 0.0,
            wants=(1.0 if u.kind == "lead" else 0.33)
            if query.wants and match.has(own, query.wants)
            else 0.0,
            dangling=1.0 if u.kind == "sentence" and u.text.endswith(":") else 0.0,
            # a row under "Similar Occupations", or listed by a lead-in about employers
            other_rows=1.0
            if u.kind == "row"
            and not asks_others
            and (headings[i] | near) & _OTHER_SUBJECT_SECTIONS
            else 0.0,
            templated=1.0
            if inventory is not None
            and u.kind == "sentence"
            and inventory.templated(u.text, hit.chunk.title)
            else 0.0,
            rank=(len(hits) - i) / len(hits),
        )
        out.append(
            ScoredUnit(unit=u, hit=i, features=features, score=features.score(weights), scope=scope)
        )
    return out


def _meaning(
    u: Unit,
    group: Sequence[Unit],
    sims: np.ndarray | None,
    vectors: np.ndarray | None,
    qv: np.ndarray | None,
) -> float:
    """Cosine of the unit with the question; a lead-in ("certifications such as:") means what
    its list says, so it takes the better of its own and its list's pooled vector."""
    if sims is None or u.order >= len(sims):
        return 0.0
    own = float(sims[u.order])
    if u.kind != "lead" or vectors is None or qv is None:
        return own
    rows = [v.order for v in group if v.order < len(vectors)]
    pooled = vectors[rows].astype(np.float32).mean(axis=0)
    norm = float(np.linalg.norm(pooled))
    return max(own, float(pooled @ qv) / norm) if norm else own


def _aspect_matcher(match: Matcher, analysis: Analysis) -> Matcher | None:
    """The words of what the question asks ("which one has the higher median?", not the
    context sentence before it) without its subjects' names; None when nothing is left."""
    named = {st for s in analysis.subjects for st in s.stems}
    asked = set(content_stems(analysis.ask))
    weights = {t: w for t, w in match.weights.items() if t in asked and t not in named}
    return Matcher(weights, match.exact, match.near) if weights else None


def _aspect_score(aspect: Matcher | None, own: frozenset[str], near: frozenset[str]) -> float:
    """Share of the aspect words in the unit, half credit for its list or neighbour."""
    if aspect is None:
        return 0.0
    mine = aspect.coverage(own)
    return min(1.0, (mine + 0.5 * (aspect.coverage(own | near) - mine)) / aspect.total)


def _word_score(
    match: Matcher, u: Unit, own: frozenset[str], near: frozenset[str], heading: frozenset[str]
) -> float:
    """Share of the question's weighted words found in the unit, half credit for its list or
    neighbour, 0.3 for its heading path (a table's caption counts in full for a row that
    itself answers part of the question: "Median Pay" under "Quick Facts: Electricians")."""
    total = match.total
    mine = match.coverage(own)
    extra = match.coverage(own | near) - mine
    inherited = match.coverage(own | near | heading) - mine - extra
    near_weight = 1.0 if u.kind == "row" and mine > 0 else 0.5
    return min(1.0, (mine + near_weight * extra + 0.3 * inherited) / total)


def rank_hits(
    analysis: Analysis, hits: Sequence[Hit], scored: Sequence[ScoredUnit], idf: Mapping[str, float]
) -> list[int]:
    """Candidate indices, best first: by their best unit, their fused retrieval score, a title
    that names the question's words or subject, and closeness in meaning."""
    if not hits:
        return []
    best = [-1e9] * len(hits)
    tabular = [False] * len(hits)
    for s in scored:
        if s.score > best[s.hit]:
            best[s.hit], tabular[s.hit] = s.score, s.unit.kind == "row"
    match = Matcher.build(
        query_weights(analysis.query, idf), [stems_of(h.chunk.title) for h in hits]
    )
    top_fused = max(h.score for h in hits) or 1.0
    top_dense = max(h.dense for h in hits)
    subject_docs = {d for s in analysis.covered for d in s.docs}

    def key(i: int) -> float:
        h = hits[i]
        return (
            best[i]
            + RANK_FUSED * h.score / top_fused
            + RANK_TITLE * match.coverage(stems_of(h.chunk.title)) / match.total
            + RANK_SUBJECT_DOC * (h.chunk.doc_id in subject_docs)
            # embeddings say little about a table, so a chunk answered by a row keeps its place
            + (0.0 if tabular[i] else RANK_DENSE * (h.dense - top_dense))
        )

    return sorted(range(len(hits)), key=key, reverse=True)
