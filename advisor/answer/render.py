"""The quoted answer as text: each chosen unit with its [n] marker, one citation per article
section (numbered by first use), and a label line naming whose facts follow when the quoted
text does not say."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from advisor.answer.scoring import ScoredUnit
from advisor.answer.tuning import MAX_LIST_WORDS
from advisor.records import Citation, Hit, Passage, Quote, paragraph
from advisor.text.terms import text_stems
from advisor.text.textutil import split_sentences

SNIPPET_CHARS = 700
MIXED_SOURCES = "These figures come from different sources and years; see each citation."
_ANY_FIGURE = re.compile(r"\$\s?\d|\d\s?(%|percent)|\b\d{1,3}(,\d{3})+\b")


def _needs_label(s: ScoredUnit, hit: Hit) -> bool:
    """A figure or table row whose text does not say whose it is."""
    if s.unit.kind != "row" and not _ANY_FIGURE.search(s.text):
        return False
    title = set(text_stems(hit.chunk.title))
    return not title <= set(text_stems(s.text))


def render(
    chosen: Sequence[ScoredUnit], hits: Sequence[Hit], labels: bool = False
) -> tuple[tuple[Passage, ...], tuple[Citation, ...]]:
    """The chosen units as passages, each quote with its [n] (one citation per article
    section, n by first use), and a label line naming whose facts follow when the quoted text
    does not say."""
    key_of = {s.hit: (hits[s.hit].chunk.doc_id, hits[s.hit].chunk.section) for s in chosen}
    numbers: dict[tuple[str, str], int] = {}
    members: dict[tuple[str, str], list[int]] = {}
    quotes: dict[tuple[str, str], list[str]] = {}
    lines: list[Passage] = []
    listed = len(chosen) > 1
    last_label = ""
    said = _shortened(chosen)
    for s in chosen:
        key = key_of[s.hit]
        n = numbers.setdefault(key, len(numbers) + 1)
        if s.hit not in members.setdefault(key, []):
            members[key].append(s.hit)
        quotes.setdefault(key, []).append(said[s.unit.order, s.hit])
        title = hits[s.hit].chunk.title
        if (labels or _needs_label(s, hits[s.hit])) and title != last_label:
            lines.append(paragraph(f"{title}:"))
            last_label = title
        quote = Quote(text=said[s.unit.order, s.hit], cite=n)
        if s.unit.kind in ("item", "row") and listed:
            lines.append(Passage(kind="item", quotes=(quote,)))
        elif s.unit.kind == "lead" or not lines or _ends_block(lines[-1]):
            lines.append(Passage(kind="paragraph", quotes=(quote,)))
        else:  # a sentence goes on in the paragraph before it
            lines[-1] = replace(lines[-1], quotes=(*lines[-1].quotes, quote))
    # figures from articles of different publishers or dates may measure different years; two
    # pages of one edition (the OOH's electricians and plumbers, both 2025-08-28) do not
    origins = {(hits[s.hit].chunk.source, hits[s.hit].chunk.published) for s in chosen}
    if len(origins) > 1 and any(_ANY_FIGURE.search(s.text) for s in chosen):
        lines.append(paragraph(MIXED_SOURCES))
    citations = tuple(
        _citation(n, [hits[i] for i in members[key]], quotes[key])
        for key, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return tuple(lines), citations


def _shortened(chosen: Sequence[ScoredUnit]) -> dict[tuple[int, int], str]:
    """Each unit's quoted text by (order, hit): the items of a list over MAX_LIST_WORDS keep
    their first sentence; anything else is quoted whole."""
    whole = {(s.unit.order, s.hit): s.text for s in chosen}
    listed = [s for s in chosen if s.unit.kind in ("lead", "item")]
    if sum(len(s.text.split()) for s in listed) <= MAX_LIST_WORDS:
        return whole
    for s in listed:
        if s.unit.kind == "item":
            whole[s.unit.order, s.hit] = (split_sentences(s.text) or [s.text])[0]
    return whole


def _ends_block(passage: Passage) -> bool:
    """A list item or a label line ("Electricians:") ends a paragraph."""
    return passage.kind == "item" or passage.text.endswith(":")


def _citation(n: int, parts: list[Hit], quotes: list[str]) -> Citation:
    """One source entry for the chunks of one article section the answer quotes."""
    first = parts[0].chunk
    text = "\n".join(h.chunk.text for h in parts)
    snippet = (
        text
        if len(text) <= SNIPPET_CHARS * len(parts)
        else text[: SNIPPET_CHARS * len(parts) - 1].rsplit(" ", 1)[0] + "…"
    )
    return Citation(
        n=n,
        doc_id=first.doc_id,
        title=first.title,
        section=first.section,
        url=first.url,
        published=first.published,
        snippet=snippet,
        source=first.source,
        quote=" … ".join(quotes),
        chunk_id=first.chunk_id,
        chunk_ids=tuple(h.chunk.chunk_id for h in parts),
    )
