"""The quoted answer as text: each chosen unit with its [n] marker, one citation per article
section (numbered by first use), and a label line naming whose facts follow when the quoted
text does not say."""

from __future__ import annotations

import re
from collections.abc import Sequence

from advisor.answer.scoring import ScoredUnit
from advisor.records import Citation, Hit
from advisor.text.terms import text_stems

SNIPPET_CHARS = 700
_ANY_FIGURE = re.compile(r"\$\s?\d|\d\s?(%|percent)|\b\d{1,3}(,\d{3})+\b")


def _needs_label(s: ScoredUnit, hit: Hit) -> bool:
    """A figure or table row whose text does not say whose it is."""
    if s.unit.kind != "row" and not _ANY_FIGURE.search(s.text):
        return False
    title = set(text_stems(hit.chunk.title))
    return not title <= set(text_stems(s.text))


def render(
    chosen: Sequence[ScoredUnit], hits: Sequence[Hit], labels: bool = False
) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with [n] markers, one citation per article section (n by first use), and a
    label line naming whose facts follow when the quoted text does not say."""
    key_of = {s.hit: (hits[s.hit].chunk.doc_id, hits[s.hit].chunk.section) for s in chosen}
    numbers: dict[tuple[str, str], int] = {}
    members: dict[tuple[str, str], list[int]] = {}
    quotes: dict[tuple[str, str], list[str]] = {}
    lines: list[str] = []
    listed = len(chosen) > 1
    last_label = ""
    for s in chosen:
        key = key_of[s.hit]
        n = numbers.setdefault(key, len(numbers) + 1)
        if s.hit not in members.setdefault(key, []):
            members[key].append(s.hit)
        quotes.setdefault(key, []).append(s.text)
        title = hits[s.hit].chunk.title
        if (labels or _needs_label(s, hits[s.hit])) and title != last_label:
            lines.append(f"{title}:")
            last_label = title
        part = f"{s.text} [{n}]"
        if s.unit.kind in ("item", "row") and listed:
            lines.append(f"- {part}")
        elif (
            s.unit.kind == "lead"
            or not lines
            or lines[-1].startswith("- ")
            or lines[-1].endswith(":")
        ):
            lines.append(part)
        else:
            lines[-1] = f"{lines[-1]} {part}"
    docs = {k[0] for k in numbers}
    if len(docs) > 1 and any(_ANY_FIGURE.search(s.text) for s in chosen):
        lines.append("These figures come from different sources and years; see each citation.")
    citations = tuple(
        _citation(n, [hits[i] for i in members[key]], quotes[key])
        for key, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return "\n".join(lines), citations


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
