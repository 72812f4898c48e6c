"""Subject scope: whether a unit, its neighbours, its heading path or its article are about a
subject the question names."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from advisor.answer.analysis import Subject
from advisor.answer.tuning import NAME_SLACK
from advisor.records import Hit
from advisor.text.terms import all_stems


@lru_cache(maxsize=16384)
def stems_of(text: str) -> frozenset[str]:
    """Every stem of a text (stop words included), cached: units and headings recur."""
    return frozenset(all_stems(text))


def in_scope(subject: Subject, scope: frozenset[str], doc_id: str) -> bool:
    """The unit is about the subject: its article is named by it, or the unit's own text,
    neighbours or heading path name it."""
    return doc_id in subject.docs or scope.issuperset(subject.stems)


def names_together(words: Sequence[str], stems: Sequence[str]) -> bool:
    """The content stems `words` name a name of several words as one: its stems all within a
    run of NAME_SLACK more words than it has ("civil and construction engineers" names "civil
    engineers"; "Nursery and greenhouse managers oversee ... plants" does not name "plant
    managers").

    >>> from advisor.text.terms import text_stems
    >>> names_together(text_stems("Paths for civil and construction engineers"), ("civil", "engin"))
    True
    >>> names_together(text_stems("Nursery managers oversee trees and plants"), ("plant", "manag"))
    False
    """
    if len(stems) < 2:
        return True
    want, span = set(stems), len(stems) + NAME_SLACK
    return any(want <= set(words[i : i + span]) for i in range(max(1, len(words) - span + 1)))


def hit_in_scope(subject: Subject, hit: Hit) -> bool:
    """Some unit of the chunk can be about the subject."""
    chunk = hit.chunk
    return chunk.doc_id in subject.docs or set(subject.stems) <= stems_of(chunk.embed_text)
