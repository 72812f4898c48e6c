"""How much of a question a piece of text covers: question words weighted by rarity, matched
as stems, compounds ("scrum" in "scrummaster") and career-domain equivalents (pay ~ salary)."""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import mul
from typing import NamedTuple

import numpy as np

from advisor.answer.tuning import EQUIVALENT_CREDIT
from advisor.records import Query
from advisor.text.terms import EQUIVALENTS

# Stems as small integers, the same for the life of the process: numpy looks them up
_STEM_IDS: dict[str, int] = {}
_STEM_IDS_LOCK = threading.Lock()  # for adding; reading needs none, as nothing is ever removed


def stem_ids(stems: Iterable[str]) -> list[int]:
    """The id of each stem, new stems numbered on first sight.

    >>> a, b = stem_ids(["pay", "salari"]); stem_ids(["salari", "pay"]) == [b, a]
    True
    """
    with _STEM_IDS_LOCK:  # a number taken twice would make two stems one
        return [_STEM_IDS.setdefault(st, len(_STEM_IDS)) for st in stems]


class StemIndex(NamedTuple):
    """Which rows of a block of stem sets hold which stems: one entry per (family of sets,
    row, stem), as parallel arrays. Built once per chunk; a question looks up its stems."""

    family: np.ndarray  # which family of sets (the unit's own words, its neighbours', ...)
    row: np.ndarray  # which set of the family
    stem: np.ndarray  # the stem's id (`stem_ids`)


def _entries(
    blocks: Sequence[tuple[StemIndex, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The blocks' entries as one index (rows numbered on from block to block), and the number
    of rows."""
    sizes = [size for _, size in blocks]
    if not blocks:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, np.int32), 0
    family = np.concatenate([b.family for b, _ in blocks])
    row = np.concatenate([b.row for b, _ in blocks])
    row += np.repeat(np.cumsum([0, *sizes[:-1]]), [len(b.row) for b, _ in blocks])
    return family, row, np.concatenate([b.stem for b, _ in blocks]), sum(sizes)


def stem_index(families: Sequence[Sequence[frozenset[str]]]) -> StemIndex:
    """The entries of every set of every family.

    >>> ix = stem_index([[frozenset({"pay"})], [frozenset(), frozenset({"pay"})]])
    >>> ix.family.tolist(), ix.row.tolist()
    ([0, 1], [0, 1])
    """
    entries = [
        (f, r, st) for f, sets in enumerate(families) for r, s in enumerate(sets) for st in s
    ]
    family, row, stems = zip(*entries, strict=True) if entries else ((), (), ())
    return StemIndex(
        np.asarray(family, dtype=np.intp),
        np.asarray(row, dtype=np.intp),
        np.asarray(stem_ids(stems), dtype=np.int32),
    )


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

    def holding(
        self, blocks: Sequence[tuple[StemIndex, int]], family: int, term: str
    ) -> np.ndarray:
        """1 for each row of the blocks whose set of `family` holds `term` (see `has`)."""
        family_of, row, stem, n = _entries(blocks)
        ids = [i for i in map(_STEM_IDS.get, self.exact.get(term, (term,))) if i is not None]
        out = np.zeros(n)
        out[row[(family_of == family) & np.isin(stem, ids)]] = 1.0
        return out

    def credit_rows(self, blocks: Sequence[tuple[StemIndex, int]], kinds: int) -> np.ndarray:
        """`credits` of many stem sets at once: (kinds, rows, question words). `blocks` are
        consecutive blocks of rows, each with the index of which of its rows hold which stems
        (per family of sets) and its number of rows. The stems that match a question word are
        found by one array lookup over every block's entries."""
        family, row, stem, n = _entries(blocks)
        out = np.zeros((kinds, n, len(self.weights)))
        ids, table = self._credit_table()
        if not len(ids) or not len(stem):
            return out
        at = np.full(max(int(stem.max()), int(ids.max())) + 1, -1)
        at[ids] = np.arange(len(ids))  # stem id -> its row of the credit table, or -1
        at = at[stem]
        hit = np.flatnonzero(at >= 0)
        entry, word = np.nonzero(table[at[hit]])
        entry = hit[entry]
        credit = table[at[entry], word]
        # written value by value, lowest first, so a cell that several stems credit keeps the
        # highest (two values: 1 and EQUIVALENT_CREDIT), without the slow `np.maximum.at`
        for value in np.unique(credit):
            k = credit == value
            out[family[entry[k]], row[entry[k]], word[k]] = value
        return out

    def _credit_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the stems that match a question word, and per stem the credit it gives
        each word (1 for the word, 0.8 for an equivalent)."""
        # a stem no chunk was indexed with has no id, and no row can hold it
        by_stem = {st: c for st, c in self._stem_credits().items() if st in _STEM_IDS}
        ids = np.asarray([_STEM_IDS[st] for st in by_stem], dtype=np.int32)
        table = np.zeros((len(ids), len(self.weights)))
        for k, credits in enumerate(by_stem.values()):
            for i, c in credits:
                table[k, i] = max(table[k, i], c)
        return ids, table

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
