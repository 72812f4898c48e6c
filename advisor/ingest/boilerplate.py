"""Site boilerplate: paragraphs a site repeats word for word on most of its pages (data notes,
"where to find state data", citation lines). Each is indexed once, in one of those pages (the
smallest doc_id), so the text stays findable while hundreds of copies neither cost embedding
time nor crowd the pages' own text out of search results.

Whether a paragraph is boilerplate depends on the whole corpus, so ingest keeps each page's
candidate hashes in the manifest and re-chunks a page when its set of skipped paragraphs changes.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace

from advisor.records import Document

MIN_WORDS = 8  # shorter lines ("3%", "Total, all occupations") are table cells, not templates
MIN_DOCS = 20  # a paragraph on fewer pages than this is never boilerplate


def _key(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:16]


def _candidates(doc: Document) -> dict[int, str]:
    """block index -> hash, for the paragraphs that could be boilerplate: long enough, and not
    a list's lead-in (a lead-in stays with its list, whatever it says)."""
    found = {}
    for i, block in enumerate(doc.blocks):
        nxt = doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None
        lead_in = nxt is not None and nxt.kind in ("item", "row")
        if block.kind == "paragraph" and not lead_in and len(block.text.split()) >= MIN_WORDS:
            found[i] = _key(block.text)
    return found


def candidates(doc: Document) -> list[str]:
    """The document's boilerplate candidates, as stored in the manifest."""
    return sorted(set(_candidates(doc).values()))


def skipped(
    docs: Mapping[str, tuple[str, list[str]]],
    share: float,
    frozen: Mapping[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """doc_id -> the boilerplate paragraphs it leaves out, from doc_id -> (site, candidates).

    A paragraph is boilerplate when at least `share` of its site's pages (and MIN_DOCS pages)
    carry it. One page keeps it: a `frozen` page that already does (frozen pages cannot be
    re-chunked in this run: doc_id -> what they skip now), else the smallest doc_id."""
    frozen = frozen or {}
    out = {d: list(frozen.get(d, [])) for d in docs}
    if share <= 0:
        return out
    by_site: dict[str, list[str]] = defaultdict(list)
    for doc_id, (site, _) in docs.items():
        by_site[site].append(doc_id)
    for doc_ids in by_site.values():
        threshold = max(MIN_DOCS, share * len(doc_ids))
        counts = Counter(k for d in doc_ids for k in docs[d][1])
        common = {k for k, n in counts.items() if n >= threshold}
        keeper: dict[str, str] = {}
        for doc_id in sorted(d for d in doc_ids if d in frozen):
            for k in (set(docs[doc_id][1]) & common) - set(frozen[doc_id]):
                keeper.setdefault(k, doc_id)
        for doc_id in sorted(d for d in doc_ids if d not in frozen):
            for k in docs[doc_id][1]:
                if k in common:
                    if k in keeper:
                        out[doc_id].append(k)
                    else:
                        keeper[k] = doc_id
    return out


def without(doc: Document, skip: list[str]) -> Document:
    """The document minus the listed boilerplate paragraphs."""
    if not skip:
        return doc
    drop = set(skip)
    gone = {i for i, k in _candidates(doc).items() if k in drop}
    return replace(doc, blocks=tuple(b for i, b in enumerate(doc.blocks) if i not in gone))
