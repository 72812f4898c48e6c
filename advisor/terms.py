"""Words of a question or sentence: stop-word removal and light stemming, for matching."""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at
    be because been before being below between both but by can could did do
    does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves
    tell much many get got go going want know like also may might must
    shall one ones thing things help please""".split()  # noqa: SIM905
)
_TOKEN = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$.,%+&'-]*[A-Za-z0-9%+]|[A-Za-z0-9]")


def query_terms(text: str) -> list[str]:
    """Lower-cased content words of a question, in order, without duplicates."""
    terms: list[str] = []
    for raw in _TOKEN.findall(text):
        for tok in re.split(r"[^A-Za-z0-9]+", raw):
            low = tok.lower()
            if (
                low
                and low not in STOPWORDS
                and low not in terms
                and (len(low) > 1 or low.isdigit())
            ):
                terms.append(low)
    return terms


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("porter")  # the same algorithm as FTS5's porter tokenizer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def stems(text: str) -> list[str]:
    """Stemmed content words, in order, without duplicates."""
    out: list[str] = []
    for term in query_terms(text):
        s = stem(term)
        if s not in out:
            out.append(s)
    return out


_PARTS = re.compile(r"[^A-Za-z0-9]+")


def text_stems(text: str) -> list[str]:
    """Stemmed content words of a text with repeats, in order: what BM25 counts."""
    out: list[str] = []
    for raw in _TOKEN.findall(text):
        for tok in _PARTS.split(raw):
            low = tok.lower()
            if low and low not in STOPWORDS and (len(low) > 1 or low.isdigit()):
                out.append(stem(low))
    return out


def all_stems(text: str) -> set[str]:
    """Every stemmed word of a text (stop words included), for containment tests."""
    return {stem(t) for t in re.findall(r"[a-z0-9]+", text.lower())}


# Words people use interchangeably in career questions (porter stems). A question word that
# is missing from a source still counts when one of its equivalents is there.
_EQUIVALENTS = (
    ("earn", "salari", "pai", "wage", "compens", "incom", "make"),
    ("job", "role", "posit", "occup", "career"),
    ("long", "year", "month", "durat", "hour", "minut"),
    ("cost", "fee", "tuition", "price"),
    ("certif", "certifi", "credenti", "certific"),
    ("boss", "report"),
    ("renew", "laps", "expir", "maintain", "recertif"),
    ("issu", "award", "grant", "administ", "offer"),
    ("exam", "test", "assess"),
    ("grow", "growth", "outlook", "demand"),
)
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    word: tuple(w for w in group if w != word) for group in _EQUIVALENTS for word in group
}
