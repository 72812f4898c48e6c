"""The default answerer: choose the sentences and list items of the retrieved chunks that answer
the question and compose a short answer in which each one carries its [n] citation.

Nothing is generated: every cited sentence is quoted from its source, so a citation always
supports the sentence it ends. A lead-in keeps its list; figures from different sources stay
side by side, each with its own citation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.condense import Query
from advisor.lexicon import FIGURE_QUESTION_WORDS
from advisor.match import Matcher, query_weights
from advisor.records import Chunk, Citation
from advisor.retrieval import Hit
from advisor.terms import all_stems
from advisor.textutil import split_sentences

MAX_ITEMS = 10
LEAD_BONUS = 0.05
WANTS_LEAD = 0.3  # bonus of a lead-in that names what the question asks for
# rerank: weights of the title match and of cosine similarity (per 1.0 cosine)
RERANK_TITLE = 0.3
RERANK_DENSE = 2.0
COMPOSE_DENSE = (
    0.0  # per 1.0 cosine inside the answer: helps paraphrases, costs templated questions
)
MAX_SENTENCES = 3
_ANAPHOR_START = re.compile(r"^(This|These|That|Those|It|They|Such|Their|Its)\b")
# A figure: money, a percentage, a count or a duration; a bare year ("as of 2025") is not one.
_FIGURE = re.compile(
    r"\$\s?\d[\d,]*(?:\.\d+)?\+?|-?\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent)"
    r"|\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\s(?:million|billion|thousand)\b"
    r"|\b(?!(?:19|20)\d\d\b)\d+(?:\.\d+)?\b(?!-\d)"
)
_FIGURE_QUESTION = re.compile(
    r"\b(?:" + "|".join(map(re.escape, FIGURE_QUESTION_WORDS)) + r")\b", re.I
)


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a chunk: a sentence, a list lead-in, a list item or a table row."""

    text: str
    hit: int  # index into the hits
    kind: str  # sentence | lead | item | row
    group: int  # units of one list (lead + items) share a group; sentences of one paragraph too
    order: int  # position inside the chunk
    stems: frozenset[str]
    heading: str = ""  # a '## Heading' inside the chunk (merged small sections) above the unit


@dataclass(frozen=True)
class Draft:
    """What the composer decided: the answer text and its citations (empty when unsupported)."""

    text: str
    citations: tuple[Citation, ...]
    support: float  # 0..1: how much of the question the best quoted unit covers


def units_of(chunk: Chunk, hit_index: int) -> list[Unit]:
    """Split a chunk's lines into quotable units; a lead-in and its items share a group."""
    return [
        Unit(text, hit_index, kind, group, order, _heading_stems(text), heading)
        for text, kind, group, order, heading in _parse(chunk.text)
    ]


@lru_cache(maxsize=8192)
def _parse(text: str) -> tuple[tuple[str, str, int, int, str], ...]:
    """(text, kind, group, order, heading) per unit; cached, as hot chunks recur across questions."""
    out: list[tuple[str, str, int, int, str]] = []
    group, heading = 0, ""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("## "):
            heading = line[3:]
            group += 1
        elif line.startswith(("- ", "| ")):
            out.append((line[2:], "item" if line[0] == "-" else "row", group, len(out), heading))
            if not nxt.startswith(line[:2]):
                group += 1
        elif nxt.startswith(("- ", "| ")):
            out.append((line, "lead", group, len(out), heading))
        else:
            base = len(out)  # sentences of one paragraph are numbered consecutively
            for k, sentence in enumerate(split_sentences(line)):
                out.append((sentence, "sentence", group, base + k, heading))
            group += 1
    return tuple(out)


def matcher_for(
    query: Query, idf: dict[str, float], units: list[Unit], hits: Sequence[Hit]
) -> Matcher:
    sets = [u.stems for u in units] + [_heading_stems(h.chunk.heading_path) for h in hits]
    return Matcher.build(query_weights(query, idf), sets)


@lru_cache(maxsize=4096)
def _heading_stems(text: str) -> frozenset[str]:
    return frozenset(all_stems(text))


def score_units(
    units: list[Unit], hits: Sequence[Hit], query: Query, match: Matcher
) -> list[float]:
    """How much of the question a unit answers, 0..1: its own words, half of its neighbours'
    (a list's items for its lead-in, the sentence before for "This ..."), a little of its
    heading path, and a bonus for figures when the question asks for one."""
    total = match.total
    headings = [_heading_stems(h.chunk.heading_path) for h in hits]
    local = {u.heading: _heading_stems(u.heading) for u in units}
    wants_figure = bool(_FIGURE_QUESTION.search(query.text)) and not query.wants
    top_dense = max(h.dense for h in hits)
    groups: dict[tuple[int, int], list[Unit]] = {}
    for u in units:
        groups.setdefault((u.hit, u.group), []).append(u)
    scores = []
    for u in units:
        own = match.coverage(u.stems)
        near = frozenset().union(*(v.stems for v in _neighbours(u, groups[(u.hit, u.group)])))
        extra = match.coverage(u.stems | near) - own
        inherited = (
            match.coverage(u.stems | near | headings[u.hit] | local[u.heading]) - own - extra
        )
        # a table's caption names the subject of every row, so it counts in full for a row
        # that itself answers part of the question ("Median Pay: ..." under "Quick Facts: X")
        near_weight = 1.0 if u.kind == "row" and own > 0 else 0.5
        score = min(1.0, (own + near_weight * extra + 0.3 * inherited) / total)
        if u.kind == "lead":  # a list answers more fully than one sentence: lists win ties
            score += LEAD_BONUS
        if query.wants and match.has(u.stems, query.wants):  # names what was asked for, above
            score += (
                WANTS_LEAD if u.kind == "lead" else 0.1
            )  # all a lead-in: "certifications such as:"
        if wants_figure and _FIGURE.search(u.text):
            score += 0.25
        if u.kind == "sentence" and u.text.endswith(":"):
            score -= 0.3  # a lead-in whose list is not in this chunk answers nothing
        if u.kind != "row":  # the chunk's meaning as a whole, where embeddings say something
            score += COMPOSE_DENSE * (hits[u.hit].dense - top_dense)
        scores.append(score + 0.04 * (len(hits) - u.hit) / len(hits))
    return scores


def _neighbours(u: Unit, group: list[Unit]) -> list[Unit]:
    same = [v for v in group if v is not u]
    if u.kind == "lead":
        return same  # the list it introduces
    if u.kind in ("item", "row"):
        return [v for v in same if v.kind == "lead"]
    return [v for v in same if abs(v.order - u.order) == 1]


def _similar(a: Unit, b: Unit) -> bool:
    if not a.stems or not b.stems:
        return False
    return len(a.stems & b.stems) / len(a.stems | b.stems) > 0.6


def _select(units: list[Unit], scores: list[float], query: Query) -> list[Unit]:
    """The units to quote, in the order they should be shown."""
    best = max(range(len(units)), key=scores.__getitem__)
    top = units[best]
    same_group = [i for i, u in enumerate(units) if u.hit == top.hit and u.group == top.group]
    listed = [i for i in same_group if units[i].kind in ("item", "row")]
    if top.kind in ("lead", "item", "row") and listed:
        ranked = sorted(listed, key=scores.__getitem__, reverse=True)
        first = scores[ranked[0]]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if first >= 1.5 * second + 0.05 and first >= 0.6 * scores[best]:
            # one item or row answers it ("Which one is about Scrum?", "2024 Median Pay: ...")
            lead = [i for i in same_group if units[i].kind == "lead"]
            return [units[i] for i in (lead if top.kind == "lead" else [])] + [units[ranked[0]]]
        if top.kind in ("lead", "item"):
            return _whole_list(units, same_group)[: MAX_ITEMS + 1]
    chosen = [best]
    # a sentence that begins "This ..." needs the one before it, and elaborations follow it
    prev = best - 1
    if (
        top.kind == "sentence"
        and _ANAPHOR_START.match(top.text)
        and prev >= 0
        and units[prev].hit == top.hit
        and units[prev].group == top.group
    ):
        chosen.insert(0, prev)
    nxt = best + 1
    if (
        nxt < len(units)
        and units[nxt].hit == top.hit
        and units[nxt].group == top.group
        and units[nxt].kind == "sentence"
        and _ANAPHOR_START.match(units[nxt].text)
    ):
        chosen.append(nxt)
    for i in sorted(range(len(units)), key=scores.__getitem__, reverse=True):
        if len(chosen) >= MAX_SENTENCES:
            break
        if i in chosen or units[i].kind in ("lead",) or scores[i] < 0.75 * scores[best]:
            continue
        if any(_similar(units[i], units[j]) for j in chosen):
            continue
        chosen.append(i)
    return [units[i] for i in chosen]


def _whole_list(units: list[Unit], group: list[int]) -> list[Unit]:
    """A list's lead-in and items, continued from other chunks that repeat the same lead-in."""
    chosen = [units[i] for i in group]
    lead = next((u for u in chosen if u.kind == "lead"), None)
    if lead is None:
        return chosen
    seen = {u.text for u in chosen}
    for u in units:
        if u.hit != lead.hit and u.kind == "item" and u.text not in seen:
            first = next((v for v in units if v.hit == u.hit and v.group == u.group), None)
            if first is not None and first.kind == "lead" and first.text == lead.text:
                chosen.append(u)
                seen.add(u.text)
    return chosen


def rerank(query: Query, hits: Sequence[Hit], idf: dict[str, float], k: int) -> list[Hit]:
    """Reorder fused candidates by how well their best sentence, item or list answers the
    question, keeping the retriever's order as the tie-breaker."""
    if not hits:
        return []
    units = [u for i, h in enumerate(hits) for u in units_of(h.chunk, i)]
    match = matcher_for(query, idf, units, hits)
    scores = score_units(units, hits, query, match)
    best = [0.0] * len(hits)
    tabular = [False] * len(hits)
    for u, sc in zip(units, scores, strict=True):
        if sc > best[u.hit]:
            best[u.hit], tabular[u.hit] = sc, u.kind == "row"
    top_fused = max(h.score for h in hits) or 1.0
    top_dense = max(h.dense for h in hits)
    # questions about X prefer the article about X over pages that mention X
    titles = [match.coverage(_heading_stems(h.chunk.title)) / match.total for h in hits]

    def key(i: int) -> float:
        return (
            best[i]
            + 0.5 * hits[i].score / top_fused
            + RERANK_TITLE * titles[i]
            # embeddings say little about a table, so a chunk answered by a row keeps its place
            + (0.0 if tabular[i] else RERANK_DENSE * (hits[i].dense - top_dense))
        )

    order = sorted(range(len(hits)), key=key, reverse=True)
    return [hits[i] for i in order[:k]]


def _structured_fact(
    units: list[Unit], scores: list[float], chosen: list[Unit], hits: Sequence[Hit]
) -> list[Unit]:
    """Prose answers gain the matching table row of the same document ("Number of Jobs, 2024:
    1,579,800" beside "held about 1.6 million jobs"): the exact figure, with its own citation."""
    if any(u.kind == "row" for u in chosen):
        return chosen
    doc = hits[chosen[0].hit].chunk.doc_id
    best = max(scores)
    rows = [
        (s, u)
        for u, s in zip(units, scores, strict=True)
        if u.kind == "row"
        and hits[u.hit].chunk.doc_id == doc
        and s >= 0.6 * best
        and _FIGURE.search(u.text)
    ]
    return [*chosen, max(rows, key=lambda p: p[0])[1]] if rows else chosen


def _figures_side_by_side(
    units: list[Unit], scores: list[float], chosen: list[Unit], hits: Sequence[Hit], query: Query
) -> list[Unit]:
    """For pay-like questions, add the best figure from each other source that is on topic."""
    if not _FIGURE_QUESTION.search(query.text):
        return chosen
    have_docs = {hits[u.hit].chunk.doc_id for u in chosen}
    best_score = max(scores)
    extra: dict[str, tuple[float, Unit]] = {}
    for u, s in zip(units, scores, strict=True):
        doc = hits[u.hit].chunk.doc_id
        if doc in have_docs or not _FIGURE.search(u.text) or s < 0.7 * best_score:
            continue
        if doc not in extra or s > extra[doc][0]:
            extra[doc] = (s, u)
    picks = sorted(extra.values(), key=lambda p: p[0], reverse=True)[:2]
    return chosen + [u for _, u in picks]


def _section(section: str, local: set[str]) -> str:
    """The chunk's section, narrowed to a merged subsection when every quote sits under it."""
    if len(local) == 1 and (heading := next(iter(local))):
        return f"{section} > {heading}" if section else heading
    return section


def _snippet(chunk: Chunk, limit: int = 700) -> str:
    return (
        chunk.text if len(chunk.text) <= limit else chunk.text[: limit - 1].rsplit(" ", 1)[0] + "…"
    )


def render(chosen: list[Unit], hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with [n] markers, and the citations they point to (n by first use)."""
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    local: dict[int, set[str]] = {}
    parts: list[str] = []
    for u in chosen:
        n = numbers.setdefault(u.hit, len(numbers) + 1)
        quotes.setdefault(u.hit, []).append(u.text)
        local.setdefault(u.hit, set()).add(u.heading)
        text = f"{u.text} [{n}]"
        parts.append(f"- {text}" if u.kind in ("item", "row") and len(chosen) > 1 else text)
    lines: list[str] = []
    for part, u in zip(parts, chosen, strict=True):
        if u.kind in ("item", "lead", "row") or not lines or lines[-1].startswith("- "):
            lines.append(part)
        else:
            lines[-1] = f"{lines[-1]} {part}"
    docs = {hits[u.hit].chunk.doc_id for u in chosen}
    if len(docs) > 1 and any(_FIGURE.search(u.text) for u in chosen):
        lines.append("These figures come from different sources and years; see each citation.")
    citations = tuple(
        Citation(
            n=n,
            doc_id=hits[h].chunk.doc_id,
            title=hits[h].chunk.title,
            section=_section(hits[h].chunk.section, local[h]),
            url=hits[h].chunk.url,
            published=hits[h].chunk.published,
            snippet=_snippet(hits[h].chunk),
            source=hits[h].chunk.source,
            quote=" … ".join(quotes[h]),
            chunk_id=hits[h].chunk.chunk_id,
        )
        for h, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return "\n".join(lines), citations


def compose(query: Query, hits: Sequence[Hit], idf: dict[str, float]) -> Draft:
    """Pick and render the quoted answer; `support` tells the caller whether to trust it."""
    units = [u for i, h in enumerate(hits) for u in units_of(h.chunk, i)]
    if not units:
        return Draft("", (), 0.0)
    scores = score_units(units, hits, query, matcher_for(query, idf, units, hits))
    chosen = _select(units, scores, query)
    if _FIGURE_QUESTION.search(query.text):
        chosen = _structured_fact(units, scores, chosen, hits)
    chosen = _figures_side_by_side(units, scores, chosen, hits, query)
    text, citations = render(chosen, hits)
    return Draft(text, citations, min(1.0, max(scores)))
