"""How much of a question a piece of text covers: question words weighted by rarity, matched
as stems, compounds ("scrum" in "scrummaster") and career-domain equivalents (pay ~ salary)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import mul

import numpy as np

from advisor.condense import Query
from advisor.terms import EQUIVALENTS

EQUIVALENT_CREDIT = 0.8


def idf_weights(
    terms: Sequence[str], doc_freq: Callable[[Sequence[str]], dict[str, int]], total: int
) -> dict[str, float]:
    """Inverse document frequency of stems. A word the corpus never uses weighs like its rarest
    word: it may be a paraphrase ("teach") as easily as an off-topic subject ("nurse")."""
    df = doc_freq(list(terms)) if terms else {}
    known = [df[t] for t in terms if df.get(t)]
    floor = min(known, default=1)
    return {t: math.log(1 + (total + 1) / (df.get(t) or floor)) for t in terms}


def query_weights(query: Query, idf: dict[str, float]) -> dict[str, float]:
    """This turn's words at full weight; words carried from earlier turns scaled down."""
    weights = {t: idf.get(t, 1.0) for t in query.focus}
    for t in query.context:
        weights.setdefault(t, idf.get(t, 1.0) * query.context_weight)
    return weights


def _matching(term: str, vocabulary: list[str], vocab_set: set[str]) -> set[str]:
    """Stems of the vocabulary that count as `term`: itself, longer compounds, or a stem of
    five letters or more that `term` extends."""
    found = {term} & vocab_set
    if len(term) >= 4:
        i = bisect.bisect_left(vocabulary, term)
        while i < len(vocabulary) and vocabulary[i].startswith(term):
            found.add(vocabulary[i])
            i += 1
        found |= {term[:n] for n in range(5, len(term))} & vocab_set
    return found


@dataclass(frozen=True)
class Matcher:
    """Question words with their weights and, per word, the stems that match it."""

    weights: dict[str, float]
    exact: dict[str, frozenset[str]]
    near: dict[str, frozenset[str]]
    _memo: dict[frozenset[str], tuple[float, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # stem -> (word index, credit) for every stem that matches some question word
    _by_stem: dict[str, list[tuple[int, float]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0

    @classmethod
    def build(cls, weights: dict[str, float], stem_sets: Iterable[frozenset[str]]) -> Matcher:
        vocab_set: set[str] = set().union(*stem_sets)
        vocabulary = sorted(vocab_set)
        exact = {t: frozenset(_matching(t, vocabulary, vocab_set)) for t in weights}
        near = {
            t: frozenset().union(
                *(_matching(e, vocabulary, vocab_set) for e in EQUIVALENTS.get(t, ()))
            )
            for t in weights
        }
        return cls(weights, exact, near)

    def has(self, stems: frozenset[str], term: str) -> bool:
        return not stems.isdisjoint(self.exact.get(term, frozenset({term})))

    def credits(self, stems: frozenset[str]) -> tuple[float, ...]:
        """Per question word, in `weights` order: 1 when the stems contain it, 0.8 when they
        contain an equivalent, else 0. Remembered per stem set: headings and lead-ins recur.
        The credits of a union of sets are the per-word maxima of theirs."""
        got = self._memo.get(stems)
        if got is None:
            by_stem = self._stem_credits()
            credit = [0.0] * len(self.weights)
            for st in stems & by_stem.keys():  # most stems of a unit match no question word
                for i, c in by_stem[st]:
                    credit[i] = max(credit[i], c)
            got = self._memo[stems] = tuple(credit)
        return got

    def holding(self, postings: Mapping[str, tuple[int, ...]], term: str, n: int) -> np.ndarray:
        """1 for each of n stem sets that holds `term` (see `has`), given the postings."""
        out = np.zeros(n)
        for st in self.exact.get(term, frozenset({term})):
            at = postings.get(st)
            if at is not None:
                out[list(at)] = 1.0
        return out

    def credit_rows(
        self, parts: Sequence[tuple[frozenset[str], Sequence[Mapping[str, tuple[int, ...]]], int]]
    ) -> list[np.ndarray]:
        """`credits` of many stem sets at once, one row per set, for each family of sets.
        `parts` are consecutive blocks of rows, each with its vocabulary, per family which of
        its rows hold each stem, and its number of rows. Only the stems that match a question
        word are looked up, and each family's credits are written in one call at the end."""
        kinds = len(parts[0][1]) if parts else 0
        n = sum(size for _, _, size in parts)
        by_stem = self._stem_credits()
        rows: list[list[int]] = [[] for _ in range(kinds)]
        cols: list[list[int]] = [[] for _ in range(kinds)]
        credit: list[list[float]] = [[] for _ in range(kinds)]
        offset = 0
        for vocabulary, postings, size in parts:
            found = [(st, i, c) for st in vocabulary & by_stem.keys() for i, c in by_stem[st]]
            for kind, at in enumerate(postings):
                for st, i, c in found:
                    sets = at.get(st)
                    if sets is not None:
                        rows[kind] += [offset + k for k in sets]
                        cols[kind] += [i] * len(sets)
                        credit[kind] += [c] * len(sets)
            offset += size
        out = []
        for kind in range(kinds):
            m = np.zeros((n, len(self.weights)))
            np.maximum.at(m, (np.asarray(rows[kind], dtype=np.intp), cols[kind]), credit[kind])
            out.append(m)
        return out

    def _stem_credits(self) -> dict[str, list[tuple[int, float]]]:
        if not self._by_stem:
            for i, t in enumerate(self.weights):
                for st in self.exact[t]:
                    self._by_stem.setdefault(st, []).append((i, 1.0))
                for st in self.near[t]:
                    self._by_stem.setdefault(st, []).append((i, EQUIVALENT_CREDIT))
        return self._by_stem

    def coverage(self, stems: frozenset[str]) -> float:
        """Sum of the weights of the question words the stems contain (equivalents at 0.8)."""
        return sum(map(mul, self.weights.values(), self.credits(stems)))
