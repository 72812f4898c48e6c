"""The one word pipeline: Unicode-aware words (NFKC, accents folded: "résumé" -> "resume"),
stop words removed, Porter stems. BM25, the keyword table's queries, word rarity and matching
all take their words from here."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from advisor.text.lexicon import CASUAL_WORDS, EQUIVALENT_GROUPS, STOP_WORDS

STOPWORDS = STOP_WORDS  # the name other modules import
# Names this word pipeline; saved BM25 rankers carry it and are rebuilt when it changes.
# Change it whenever the words or stems of a text change (tokenizer, folding, stop words).
TOKENIZER = "words-2: NFKD, accents folded, letter-and-digit runs, porter stems"

# A word: a run of letters and digits. `_` is a separator, as in FTS5's unicode61 tokenizer,
# so the keyword table and this pipeline cut text at the same places. One character class
# with `+`: linear on any input.
_WORD = re.compile(r"[^\W_]+")
# Combining marks left by NFKD decomposition ("e" + U+0301): dropped to fold accents, as
# FTS5's remove_diacritics does.
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case, compatibility forms unified (NFKD: "ﬁ" -> "fi") and accents dropped."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).lower()


def words_of(text: str) -> list[str]:
    """Every word of a text, folded, in order (stop words included)."""
    return _WORD.findall(fold(text))


def surface_words(text: str) -> list[str]:
    """The same words as `words_of`, as typed (case and accents kept), for showing a user's
    own words back ("My sources don't cover Deloitte")."""
    return _WORD.findall(unicodedata.normalize("NFKC", text))


def _content(word: str) -> bool:
    """A word worth matching: not a stop word, and not a lone letter ("s" of "it's")."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def query_terms(text: str) -> list[str]:
    """Content words of a question, folded, in order, without duplicates; chat words
    ("actually", "kinda") say nothing about what is asked, so they are not matched."""
    return list(dict.fromkeys(w for w in words_of(text) if _content(w) and w not in CASUAL_WORDS))


_local = threading.local()


def _stemmer():
    """This thread's stemmer: a snowball stemmer keeps the word it is working on in itself, so
    one shared by the server's handler threads mixed their words up (wrong stems, IndexError)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        # the same algorithm as FTS5's porter tokenizer
        stemmer = _local.stemmer = snowballstemmer.stemmer("porter")
    return stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of one word (folded first)."""
    return _stemmer().stemWord(fold(word))


def stems(text: str) -> list[str]:
    """Stemmed content words, in order, without duplicates."""
    return list(dict.fromkeys(stem(w) for w in query_terms(text)))


class Words(NamedTuple):
    """One text read once: every word (folded, in order), its content words (`query_terms`)
    and their stems, so a stage that asks several things of a question reads it once.

    >>> read("What do nurses earn?")
    Words(words=('what', 'do', 'nurses', 'earn'), terms=('nurses', 'earn'), stems=('nurs', 'earn'))
    """

    words: tuple[str, ...]
    terms: tuple[str, ...]
    stems: tuple[str, ...]


def read(text: str) -> Words:
    terms = query_terms(text)
    return Words(tuple(words_of(text)), tuple(terms), tuple(stem(w) for w in terms))


def text_stems(text: str) -> list[str]:
    """Stemmed content words of a text with repeats, in order: what BM25 counts."""
    return [stem(w) for w in words_of(text) if _content(w)]


def all_stems(text: str) -> set[str]:
    """Every stemmed word of a text (stop words included), for containment tests."""
    return {stem(w) for w in words_of(text)}


def _equivalents() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Per stem, the stems and the words of its equivalents (stemmed once, here)."""
    by_stem: dict[str, tuple[str, ...]] = {}
    by_word: dict[str, tuple[str, ...]] = {}
    for group in EQUIVALENT_GROUPS:
        group_stems = list(dict.fromkeys(stem(w) for w in group))
        for word in group:
            own = stem(word)
            by_stem[own] = tuple(s for s in group_stems if s != own)
            by_word[own] = tuple(w for w in group if stem(w) != own)
    return by_stem, by_word


EQUIVALENTS, EQUIVALENT_WORDS = _equivalents()
"""EQUIVALENTS: stem -> stems of its equivalents, for matching stems against stems.
EQUIVALENT_WORDS: stem -> its equivalents as words, for query text that is stemmed later."""
