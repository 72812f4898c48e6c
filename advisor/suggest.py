"""Suggested next questions: built from the answer's list items and the sections around the
answer, and offered only when retrieval finds a chunk that covers them."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.analysis import Analysis
from advisor.compose import Draft
from advisor.condense import Query, item_label, list_items
from advisor.index import IndexReader
from advisor.retrieval import Hit, Searcher
from advisor.terms import query_terms, stems

MAX_SUGGESTIONS = 3
_SKIP_SECTIONS = (
    "source",
    "contact",
    "more information",
    "summary",
    "key takeaways",
    "similar occupations",
    "state & area",
    "considering",
)


def _topic(section: str) -> str:
    last = section.split(" > ")[-1].strip().rstrip(":")
    return last


def _usable(section: str, seen: set[str]) -> bool:
    return (
        bool(section)
        and section not in seen
        and not any(s in section.lower() for s in _SKIP_SECTIONS)
    )


def _candidates(query: Query, hits: Sequence[Hit], draft: Draft, reader: IndexReader) -> list[str]:
    """Items of the answer's list, then the sections after the answer's, then other sources'."""
    out = [
        f"Tell me more about {label}"
        for item in list_items(draft.text)[:6]
        if 1 <= len((label := item_label(item)).split()) <= 6
    ]
    if not hits:
        return out
    top = hits[0].chunk
    seen = {top.section}
    sections = list(dict.fromkeys(c.section for c in reader.doc_chunks(top.doc_id)))
    if top.section in sections:
        i = sections.index(top.section)
        for section in sections[i + 1 :] + sections[:i][::-1]:
            if _usable(section, seen) and len(out) < 6:
                out.append(f"Tell me about {_topic(section)}")
                seen.add(section)
    for h in hits[1:]:
        if h.chunk.doc_id != top.doc_id and _usable(h.chunk.section, seen):
            out.append(f"Tell me about {_topic(h.chunk.section)}")
            seen.add(h.chunk.section)
    asked = set(query.focus)
    return [q for q in dict.fromkeys(out) if not set(stems(q)) <= asked]


def answerable(question: str, searcher: Searcher) -> bool:
    """Keyword retrieval finds a chunk that holds every content word of the question."""
    words = [w for w in query_terms(question) if w not in ("tell", "say")]
    return searcher.reader.keyword.contains_all(words)


# Questions people ask about a subject, by the kind of fact the question asked for.
_SUBJECT_QUESTIONS = {
    "pay": "How much do {t} make?",
    "duration": "How long does it take to become one of the {t}?",
    "requirements": "What do {t} need to qualify?",
    "outlook": "What is the job outlook for {t}?",
}
_DEFAULT_SUBJECT_QUESTION = "What do {t} do?"


def subject_follow_ups(
    analysis: Analysis, titles: Sequence[str], searcher: Searcher
) -> tuple[str, ...]:
    """Questions about the nearest subjects the library covers, after a refusal."""
    form = _SUBJECT_QUESTIONS.get(analysis.attribute or "", _DEFAULT_SUBJECT_QUESTION)
    return tuple(
        form.format(t=t.lower() if t[:1].isupper() and not t.isupper() else t)
        for t in titles[:MAX_SUGGESTIONS]
    )


def suggest_follow_ups(
    query: Query, hits: Sequence[Hit], draft: Draft, searcher: Searcher, reader: IndexReader
) -> tuple[str, ...]:
    picked: list[str] = []
    for candidate in _candidates(query, hits, draft, reader):
        if answerable(candidate, searcher):
            picked.append(candidate)
        if len(picked) >= MAX_SUGGESTIONS:
            break
    return tuple(picked)
