"""Small pure text helpers shared by loaders, chunking and answering."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
# A sentence ends at . ! ? followed by space and an upper-case letter, digit, quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9$])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|Mrs|St|U\.S|No|approx)\.$", re.IGNORECASE)


def clean_ws(text: str) -> str:
    """Collapse runs of whitespace to one space and strip."""
    return _WS.sub(" ", text).strip()


def normalize(text: str) -> str:
    """Case-fold, straighten quotes, collapse whitespace: the form used for text matching."""
    return clean_ws(unicodedata.normalize("NFKC", text).translate(_QUOTES)).lower()


def straighten(text: str) -> str:
    return text.translate(_QUOTES)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking common abbreviations."""
    groups: list[list[str]] = []
    prev = ""
    for part in _SENTENCE_END.split(clean_ws(text)):
        # the abbreviation ends the previous part, so only that part is searched, and each
        # sentence is joined once (re-searching a growing sentence was quadratic)
        if groups and _ABBREV.search(prev):
            groups[-1].append(part)
        else:
            groups.append([part])
        prev = part
    return [s for s in (" ".join(g) for g in groups) if s]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
