"""The library as something to browse: articles grouped by topic with their sections, a filter
by title and section words, facts tables compared side by side, and related careers. Built
once per index generation from the index alone; the UI, CLI and `/ask` only render its records.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from advisor.ingest.loaders.common import LoadError, decode_text
from advisor.ingest.loaders.markdown import split_front_matter
from advisor.limits import MAX_CELL_LINES
from advisor.records import Chunk, Citation, Table, TableCell
from advisor.text.cues import compared_names
from advisor.text.lexicon import STOP_WORDS
from advisor.text.terms import stem, words_of

MIN_COMPARE, MAX_COMPARE = 2, 4  # more than four columns no longer fit a chat bubble
LEAD_CHUNKS = 3  # an article's summary for "nearest in meaning": its first chunks
NEAREST = 5  # related articles shown by meaning
SIMILAR_MATCH = 0.6  # word overlap (Jaccard) for a "similar occupation" name to count as a title
MAX_LABEL_CHARS = 60  # a facts row's label is short ("Typical Entry-Level Education")
SQL_BATCH = 500  # documents per query: stays under SQLite's bound on query parameters
MISSING = "not stated"
# The filter's example word: a title word at least this long (it names something), matching
# titles but under this share of them (so typing it narrows the list).
EXAMPLE_MIN_CHARS, EXAMPLE_MAX_SHARE = 4, 0.5
# A request names at most 4 careers; a title splits into at most ~5 parts at its commas and
# "and"s ("Heating, Air Conditioning, and Refrigeration Mechanics and Installers"). Longer lists
# are not comparison requests, and the bound keeps matching linear in the question's length.
MAX_TITLE_PARTS = 6
MAX_PARTS = MAX_COMPARE * 4
MARKDOWN_SUFFIXES = (".md", ".markdown")
OTHER = "Other"

_FACTS_CAPTION = re.compile(r"\bfacts\b", re.IGNORECASE)
_SIMILAR_SECTION = re.compile(r"\b(similar occupations|related (careers|occupations))\b", re.I)
_FACT_ROW = re.compile(rf"^\| (?P<label>[^:;|]{{2,{MAX_LABEL_CHARS}}}): (?P<value>.+)$")
_MULTI_FIELD = re.compile(r"; [^;:]{2,40}: ")  # "Occupation: X; Job Duties: Y" is not a fact
_PERIOD = re.compile(r"\s*,?\s*\b(?:19|20)\d\d(?:\s*[–-]\s*\d{2,4})?\b\s*,?\s*")
# A facts value's figures: an amount with its unit words ("$29.98 per hour"), and where another
# amount may begin after one ("$62,350 per year $29.98 per hour").
_FIGURE = re.compile(r"^[$€£]?\d[\d,.]*%?(?: [^\d$€£]+)?$")
_NEXT_AMOUNT = re.compile(r" (?=[$€£]\d)")
_SMALL_WORDS = frozenset("a an and as at by for in of on or the to with".split())  # noqa: SIM905
# Words that say what to compare rather than whom: "compare the pay of electricians and ..."
_FILLER = frozenset(
    stem(w)
    for w in """career careers job jobs occupation occupations role roles profession work pay
    salary salaries wage wages earnings outlook education being becoming become working""".split()  # noqa: SIM905
)
_SEPARATORS = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b|\bvs\b\.?|\bversus\b|\bwith\b|\bto\b)\s*")
_LEADING_FILLER = re.compile(r"^(?:the |a |an |between |careers? (?:of )?|jobs? (?:of )?)+")


# -- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Article:
    """One article of the library as the Explore tab lists it."""

    doc_id: str
    title: str
    url: str
    group: str
    sections: tuple[str, ...]  # heading paths ("Pay > Electricians") in document order
    has_facts: bool = False


@dataclass(frozen=True)
class Group:
    """Articles that share a topic, titles in alphabetical order."""

    name: str
    doc_ids: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.doc_ids)


@dataclass(frozen=True)
class Listing:
    """What a filter leaves: the groups that still have articles, each narrowed to them."""

    query: str
    groups: tuple[Group, ...]
    matched: int
    total: int


@dataclass(frozen=True)
class Fact:
    """One row of an article's facts table, as the article states it."""

    label: str  # as written: "2024 Median Pay"
    key: str  # comparable across articles: "median pay"
    value: str


@dataclass(frozen=True)
class FactsTable:
    """An article's facts table ("Quick Facts") and the chunk it was read from."""

    doc_id: str
    title: str
    section: str
    url: str
    chunk_id: str
    facts: tuple[Fact, ...]
    published: str = ""
    source: str = ""

    def get(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)

    @property
    def text(self) -> str:
        return "\n".join(f"{f.label}: {f.value}" for f in self.facts)


@dataclass(frozen=True)
class Cell:
    """One article's value for one row; `value` None means its facts table does not state it
    (it is never filled from another article)."""

    doc_id: str
    value: str | None
    section: str = ""
    url: str = ""
    n: int = 0  # the number of its citation in the comparison; 0 when missing
    lines: tuple[str, ...] = ()  # the value's figures apart, when it holds several (`figures`)

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Comparison:
    """Rows x articles; every present cell cites its article's facts section."""

    articles: tuple[Article, ...]
    rows: tuple[Row, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class RelatedCareer:
    """A career related to an article; doc_id is "" when the library has no page for it."""

    title: str
    doc_id: str
    score: float = 0.0  # cosine similarity of the summaries (nearest in meaning only)


@dataclass(frozen=True)
class Related:
    similar: tuple[RelatedCareer, ...]  # the article's own "similar occupations"
    nearest: tuple[RelatedCareer, ...]  # articles whose summaries are nearest in meaning


# -- grouping ----------------------------------------------------------------------------------
def title_case(words: Sequence[str]) -> str:
    """Words as a heading: each lower-case word capitalized but the small ones inside ("and",
    "of"); a word with capitals of its own is kept as spelled ("PE", "iOS")."""
    return " ".join(
        w if w != w.lower() or (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def label_of_slug(slug: str) -> str:
    """construction-and-extraction -> Construction and Extraction."""
    return title_case([w.lower() for w in re.split(r"[-_\s]+", slug) if w])


def url_category(url: str) -> str:
    """The site section a page sits in, from its path: /ooh/management/x.htm -> Management.
    Only below a first level ("/blog/x" says nothing about the topic)."""
    try:
        parts = [p for p in urlsplit(url or "").path.split("/") if p]
    except ValueError:
        return ""
    folders = parts[:-1]
    return label_of_slug(folders[-1]) if len(folders) >= 2 else ""


def _cased(topic: str, title: str) -> str:
    """A front-matter topic in title case, its words spelled as the title spells them ("pe
    license" in "EIT, FE and PE: ..." -> "PE License")."""
    spelled = {w.lower(): w for w in re.findall(r"[A-Za-z0-9]+", title)}
    return title_case([spelled.get(w.lower(), w.lower()) for w in topic.split()]) or topic


def topic_key(name: str) -> str:
    """What spellings of one topic share: the stems of its words ("Engineering Manager" and
    "engineering management" are one topic, "engin manag")."""
    return " ".join(stem(w) for w in _words(name) if w not in _SMALL_WORDS) or name.lower()


def group_candidates(meta: Mapping[str, Any], url: str, title: str = "") -> tuple[str, ...]:
    """Where an article may be listed, first choice first: its front matter's topics, else the
    category in its URL, else the folder it was ingested from."""
    topics = [str(t).strip() for t in meta.get("topics") or () if str(t).strip()]
    if topics:
        return tuple(_cased(t, title) for t in topics)
    if category := url_category(url):
        return (category,)
    folder = Path(str(meta.get("path", ""))).parent.name
    return (label_of_slug(folder) if folder else OTHER,)


def assign_groups(candidates: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """One group per article: repeatedly take the topic that most unplaced articles share, so
    an article with several topics joins the largest group it can. Ties go to the topic listed
    earliest by some article (authors list the main one first), then alphabetically. Spellings
    of one topic (`topic_key`) are one group, named by its spelling with most capitals, then the one most articles use."""
    spellings: dict[str, dict[str, int]] = {}
    keyed: dict[str, list[str]] = {}
    for doc_id, cands in candidates.items():
        keys = []
        for c in cands or (OTHER,):
            key = topic_key(c)
            counts = spellings.setdefault(key, {})
            counts[c] = counts.get(c, 0) + 1
            keys.append(key)
        keyed[doc_id] = list(dict.fromkeys(keys))
    # the spelling with most capitals keeps acronyms ("PMP", not "pmp"); then the most used
    names = {
        k: min(c, key=lambda s: (-sum(map(str.isupper, s)), -c[s], s)) for k, c in spellings.items()
    }
    out: dict[str, str] = {}
    left = set(keyed)
    while left:
        counts: dict[str, int] = {}
        rank: dict[str, int] = {}
        for d in left:
            for i, k in enumerate(keyed[d]):
                counts[k] = counts.get(k, 0) + 1
                rank[k] = min(rank.get(k, i), i)
        best = min(counts, key=lambda k: (-counts[k], rank[k], names[k].lower()))
        for d in [d for d in left if best in keyed[d]]:
            out[d] = names[best]
            left.discard(d)
    return out


# -- facts tables ------------------------------------------------------------------------------
def fact_key(label: str) -> str:
    """Labels compare without their period: "Job Outlook, 2024–34" -> "job outlook"."""
    return " ".join(words_of(_PERIOD.sub(" ", label)))


def figures(value: str) -> tuple[str, ...]:
    """A facts value's figures, apart. The pages set two figures in one cell on lines of their
    own ("$62,350 per year<br>$29.98 per hour"), and the indexed text keeps them as one line
    (retrieval was tuned on it), so they are told apart here: before each amount, when every
    piece is an amount with its unit words and none but the last ends on a joining word
    ("$40,000 to $50,000" is one range). Anything else is one figure.

    >>> figures("$62,350 per year $29.98 per hour")
    ('$62,350 per year', '$29.98 per hour')
    >>> figures("$40,000 to $50,000"), figures("Less than $5")
    (('$40,000 to $50,000',), ('Less than $5',))
    """
    parts = tuple(_NEXT_AMOUNT.split(value.strip()))
    whole = all(_FIGURE.match(p) for p in parts)
    joined = any(p.split()[-1].lower() in _SMALL_WORDS for p in parts[:-1])
    if len(parts) < 2 or len(parts) > MAX_CELL_LINES or not whole or joined:
        return (value,)
    return parts


def _fact(line: str) -> Fact | None:
    m = _FACT_ROW.match(line)
    if not m or _MULTI_FIELD.search(line):
        return None
    label, value = m["label"].strip(), m["value"].strip()
    key = fact_key(label)
    return Fact(label, key, value) if key and value else None


def facts_table(chunks: Iterable[Chunk]) -> FactsTable | None:
    """The first facts table of an article: "Label: value" rows after a caption (or under a
    heading) that says "facts". Rows repeated in a continuation chunk count once."""
    facts: dict[str, Fact] = {}
    first: Chunk | None = None
    for chunk in sorted(chunks, key=lambda c: c.position):
        if first is not None and chunk.section != first.section:
            break
        # a table that began in the previous chunk goes on here (after its repeated lead-in)
        armed = bool(facts) or bool(_FACTS_CAPTION.search(chunk.section.split(" > ")[-1]))
        rows_here = over = False
        for line in chunk.text.split("\n"):
            fact = _fact(line) if line.startswith("| ") else None
            if fact is None:
                over = rows_here  # anything after this chunk's facts ends the table
                if over:
                    break
                armed = armed or bool(_FACTS_CAPTION.search(line))
            elif armed:
                first, rows_here = first or chunk, True
                facts.setdefault(fact.key, fact)
        if over:
            break
    if first is None:
        return None
    return FactsTable(
        first.doc_id,
        first.title,
        first.section,
        first.url,
        first.chunk_id,
        tuple(facts.values()),
        first.published,
        first.source,
    )


def similar_names(chunks: Iterable[Chunk]) -> tuple[str, ...]:
    """The occupations an article's "Similar Occupations" table names (first field of a row)."""
    names: list[str] = []
    for chunk in sorted(chunks, key=lambda c: c.position):
        if not _SIMILAR_SECTION.search(chunk.section):
            continue
        for line in chunk.text.split("\n"):
            if not line.startswith("| "):
                continue
            first = re.split(r"; | \| ", line[2:])[0]
            name = first.split(": ", 1)[1] if ": " in first else first
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return tuple(names)


# -- matching words ----------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    """The one word pipeline's words ("Résumé" -> "resume"), so the filter and titles agree."""
    return words_of(text or "")


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _words(text) if w not in _SMALL_WORDS)


class _PrefixIndex:
    """Which documents hold a word starting with a given prefix (sorted vocabulary + bisect)."""

    def __init__(self, words_by_doc: Mapping[int, Iterable[str]]) -> None:
        postings: dict[str, set[int]] = {}
        for doc, words in words_by_doc.items():
            for w in words:
                postings.setdefault(w, set()).add(doc)
        self.vocabulary = sorted(postings)
        self.postings = {w: frozenset(d) for w, d in postings.items()}

    def docs(self, prefix: str) -> set[int]:
        out: set[int] = set()
        i = bisect.bisect_left(self.vocabulary, prefix)
        while i < len(self.vocabulary) and self.vocabulary[i].startswith(prefix):
            out |= self.postings[self.vocabulary[i]]
            i += 1
        return out

    def all_of(self, prefixes: Sequence[str], universe: int) -> set[int]:
        found = set(range(universe))
        for p in prefixes:
            found &= self.docs(p)
            if not found:
                break
        return found


# -- the library -------------------------------------------------------------------------------
@dataclass
class Library:
    """One generation's browsable library. Read-only once built; safe to share across threads."""

    generation: str
    articles: dict[str, Article]
    groups: tuple[Group, ...]
    facts: dict[str, FactsTable] = field(default_factory=dict)
    similar: dict[str, tuple[str, ...]] = field(default_factory=dict)
    vectors: np.ndarray | None = None  # normalized summary vector per article, in `order`
    order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.order = self.order or tuple(self.articles)
        self._row = {d: i for i, d in enumerate(self.order)}
        arts = [self.articles[d] for d in self.order]
        self._title_index = _PrefixIndex({i: _words(a.title) for i, a in enumerate(arts)})
        self._all_index = _PrefixIndex(
            {i: _words(" ".join((a.title, *a.sections))) for i, a in enumerate(arts)}
        )
        self._title_stems = {a.doc_id: _stems(a.title) for a in arts}
        self._by_title = {" ".join(_words(a.title)): a.doc_id for a in arts}

    # -- browsing ------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self.articles)

    def article(self, doc_id: str) -> Article | None:
        return self.articles.get(doc_id)

    def filter(self, text: str = "") -> Listing:
        """Articles whose title or section words start with every word typed (the last one may
        be half typed), grouped; within a group, title matches come first."""
        words = _words(text)
        if not words:
            return Listing(text, self.groups, self.size, self.size)
        hits = self._all_index.all_of(words, len(self.order))
        in_title = self._title_index.all_of(words, len(self.order)) & hits
        groups = []
        for g in self.groups:
            kept = [d for d in g.doc_ids if self._row[d] in hits]
            if kept:
                kept.sort(key=lambda d: self._row[d] not in in_title)  # stable: titles stay sorted
                groups.append(Group(g.name, tuple(kept)))
        return Listing(text, tuple(groups), len(hits), self.size)

    def filter_example(self) -> str:
        """A word to show as the filter's example, from the library's own titles: the one in
        most titles while in under EXAMPLE_MAX_SHARE of them (ties go alphabetically); "" for
        an empty library."""
        counts: dict[str, int] = {}
        for a in self.articles.values():
            for w in set(_words(a.title)):
                if len(w) >= EXAMPLE_MIN_CHARS and w not in STOP_WORDS:
                    counts[w] = counts.get(w, 0) + 1
        fitting = [w for w, n in counts.items() if n < EXAMPLE_MAX_SHARE * self.size] or counts
        return min(fitting, key=lambda w: (-counts[w], w), default="")

    def comparable(self) -> tuple[Article, ...]:
        """Articles that carry a facts table, by title."""
        return tuple(
            sorted((a for a in self.articles.values() if a.has_facts), key=lambda a: a.title)
        )

    # -- titles --------------------------------------------------------------------------
    def find(self, name: str) -> str | None:
        """The article a career name means: its exact title, else the most specific title that
        holds every word of the name ("plumbers" -> "Plumbers, Pipefitters, and Steamfitters")."""
        exact = self._by_title.get(" ".join(_words(name)))
        if exact:
            return exact
        wanted = _stems(name) - _FILLER
        if not wanted:
            return None
        fits = [d for d, s in self._title_stems.items() if wanted <= s]
        typed = set(_words(name))

        def rank(d: str) -> tuple:  # fewest other words; then words as typed ("physicians")
            title = self.articles[d].title
            return (len(self._title_stems[d]), -len(typed & set(_words(title))), title)

        return min(fits, key=rank, default=None)

    def closest_title(self, name: str) -> str | None:
        """For names written by another page: the title sharing most words, if close enough."""
        exact = self._by_title.get(" ".join(_words(name)))
        if exact:
            return exact
        wanted = _stems(name)
        best, score = None, 0.0
        for d, s in self._title_stems.items():
            j = len(wanted & s) / (len(wanted | s) or 1)
            if j > score:
                best, score = d, j
        return best if score >= SIMILAR_MATCH else None

    def comparison_request(self, question: str) -> tuple[str, ...] | None:
        """The doc_ids a request like "compare electricians and plumbers" (or "nurses vs
        physicians", "how do actors and dancers compare") names, when each part names an article
        with a facts table and 2-4 distinct articles result; otherwise None, and the question is
        answered as usual."""
        rest = compared_names(question)
        return None if rest is None else self.compared_docs(rest)

    def compared_docs(self, names: str) -> tuple[str, ...] | None:
        """The doc_ids of the careers a request names ("electricians and plumbers", as
        `cues.compared_names` reads them): each part an article with a facts table, 2-4 in all."""
        rest = names
        parts = [
            p
            for p in (_LEADING_FILLER.sub("", s.strip(" .")) for s in _SEPARATORS.split(rest))
            if p
        ]
        if len(parts) > MAX_PARTS:
            return None
        found: list[str] = []
        i = 0
        while i < len(parts):
            # the longest run of parts that names one title
            for j in range(min(len(parts), i + MAX_TITLE_PARTS), i, -1):
                doc_id = self.find(" ".join(parts[i:j]))
                if doc_id:
                    break
            else:
                return None
            if doc_id not in found:
                found.append(doc_id)
            i = j
        ok = all(d in self.facts for d in found)
        return tuple(found) if ok and MIN_COMPARE <= len(found) <= MAX_COMPARE else None

    # -- comparing -----------------------------------------------------------------------
    def compare(self, doc_ids: Sequence[str]) -> Comparison:
        """Facts tables side by side. Raises ValueError unless 2-4 distinct known articles."""
        ids = list(dict.fromkeys(doc_ids))
        unknown = [d for d in ids if d not in self.articles]
        if unknown:
            raise ValueError(f"not in the library: {', '.join(unknown)}")
        if not MIN_COMPARE <= len(ids) <= MAX_COMPARE:
            raise ValueError(f"compare {MIN_COMPARE} to {MAX_COMPARE} articles, not {len(ids)}")
        tables = [self.facts.get(d) for d in ids]
        numbers: dict[str, int] = {}
        for t in tables:
            if t is not None and t.facts:
                numbers[t.doc_id] = len(numbers) + 1
        labels: dict[str, str] = {}
        for t in tables:
            for f in t.facts if t else ():
                labels.setdefault(f.key, f.label)
        rows = tuple(
            Row(
                label,
                key,
                tuple(_cell(d, t, key, label, numbers) for d, t in zip(ids, tables, strict=True)),
            )
            for key, label in labels.items()
        )
        citations = tuple(
            _citation(t, numbers[t.doc_id]) for t in tables if t and t.doc_id in numbers
        )
        return Comparison(tuple(self.articles[d] for d in ids), rows, citations)

    # -- related careers -----------------------------------------------------------------
    def related(self, doc_id: str, k: int = NEAREST) -> Related:
        similar = tuple(
            RelatedCareer(name, self.closest_title(name) or "")
            for name in self.similar.get(doc_id, ())
        )
        return Related(similar, self.nearest(doc_id, k))

    def nearest(self, doc_id: str, k: int = NEAREST) -> tuple[RelatedCareer, ...]:
        """Articles whose summaries are closest in meaning (cosine of mean lead-chunk vectors)."""
        if self.vectors is None or doc_id not in self._row:
            return ()
        i = self._row[doc_id]
        if not self.vectors[i].any():
            return ()
        sims = self.vectors @ self.vectors[i]
        sims[i] = -np.inf
        best = np.argsort(-sims)[:k]
        return tuple(
            RelatedCareer(self.articles[self.order[j]].title, self.order[j], float(sims[j]))
            for j in best
            if np.isfinite(sims[j]) and self.vectors[j].any()
        )


def _cell(doc_id: str, table: FactsTable | None, key: str, label: str, numbers: dict) -> Cell:
    fact = table.get(key) if table else None
    if fact is None or table is None:
        return Cell(doc_id, None)
    value, lines = fact.value, figures(fact.value)
    if fact.label != label:  # the row's label is another article's: say which this one states
        value, lines = f"{value} ({fact.label})", (*lines[:-1], f"{lines[-1]} ({fact.label})")
    return Cell(doc_id, value, table.section, table.url, numbers[doc_id], lines)


def _citation(table: FactsTable, n: int) -> Citation:
    return Citation(
        n=n,
        doc_id=table.doc_id,
        title=table.title,
        section=table.section,
        url=table.url,
        published=table.published,
        snippet=table.text,
        source=table.source,
        quote="",
        chunk_id=table.chunk_id,
    )


# -- building ----------------------------------------------------------------------------------
def build_library(
    generation: str,
    outline: Iterable[tuple[str, str, str, str]],
    manifest_docs: Mapping[str, Mapping[str, Any]],
    table_chunks: Iterable[Chunk] = (),
    vectors: Mapping[str, Sequence[float]] | None = None,
) -> Library:
    """A library from what the index keeps: the outline (doc_id, title, section, url), the
    manifest's documents (topics, path), the table chunks and a summary vector per article."""
    titles: dict[str, str] = {}
    urls: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    for doc_id, title, section, url in outline:
        titles.setdefault(doc_id, title)
        urls.setdefault(doc_id, url)
        bucket = sections.setdefault(doc_id, [])
        if section and section not in bucket:
            bucket.append(section)
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in table_chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    facts = {d: t for d, cs in by_doc.items() if d in titles and (t := facts_table(cs)) and t.facts}
    similar = {d: names for d, cs in by_doc.items() if d in titles and (names := similar_names(cs))}
    groups_of = assign_groups(
        {d: group_candidates(manifest_docs.get(d, {}), urls[d], titles[d]) for d in titles}
    )
    articles = {
        d: Article(d, titles[d], urls[d], groups_of[d], tuple(sections[d]), d in facts)
        for d in sorted(titles, key=lambda d: (titles[d].lower(), d))
    }
    members: dict[str, list[str]] = {}
    for a in articles.values():
        members.setdefault(a.group, []).append(a.doc_id)
    groups = tuple(
        Group(g, tuple(ids)) for g, ids in sorted(members.items(), key=lambda kv: kv[0].lower())
    )
    order = tuple(articles)
    return Library(generation, articles, groups, facts, similar, _matrix(order, vectors), order)


def _matrix(
    order: Sequence[str], vectors: Mapping[str, Sequence[float]] | None
) -> np.ndarray | None:
    if not vectors:
        return None
    dim = len(next(iter(vectors.values())))
    out = np.zeros((len(order), dim), dtype=np.float32)
    for i, d in enumerate(order):
        if d in vectors:
            v = np.asarray(vectors[d], dtype=np.float32)
            norm = float(np.linalg.norm(v))
            out[i] = v / norm if norm else 0.0
    return out


def summary_vectors(reader: Any, n: int = LEAD_CHUNKS) -> dict[str, np.ndarray]:
    """Mean vector of each article's first n chunks, from the vectors already in the store."""
    ids_by_doc = reader.leading_chunks(n)
    wanted = [cid for ids in ids_by_doc.values() for cid in ids]
    got = reader.vectors(wanted)
    out = {}
    for doc_id, ids in ids_by_doc.items():
        vs = [got[c] for c in ids if c in got]
        if vs:
            out[doc_id] = np.mean(np.asarray(vs, dtype=np.float32), axis=0)
    return out


def with_topics(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """Indexes written before the manifest kept topics: read them from the Markdown file when
    it is still there (once per generation, a few KB per article); else leave the entry be."""
    path = Path(str(meta.get("path", "")))
    if "topics" in meta or path.suffix.lower() not in MARKDOWN_SUFFIXES:
        return meta
    try:
        front, _body = split_front_matter(decode_text(path.read_bytes()))
    except (OSError, LoadError):
        return meta
    topics = front.get("topics") or ()
    topics = [t.strip() for t in topics.split(",")] if isinstance(topics, str) else topics
    return {**meta, "topics": [str(t) for t in topics]}


def library_from_reader(reader: Any) -> Library:
    """Everything the library needs, read from one index generation."""
    outline = reader.outline()
    docs = reader.index.manifest(reader.generation).get("docs", {})
    manifest = {d: with_topics(m) for d, m in docs.items()}
    doc_ids = list(dict.fromkeys(row[0] for row in outline))
    chunks: list[Chunk] = []
    for start in range(0, len(doc_ids), SQL_BATCH):
        chunks += reader.table_chunks(doc_ids[start : start + SQL_BATCH])
    return build_library(reader.generation, outline, manifest, chunks, summary_vectors(reader))


# -- a comparison as a cited answer --------------------------------------------------------------
COMPARISON_INTRO = "Side by side, each figure from the career's own facts table:"
COMPARISON_NOTE = f'"{MISSING}": that article\'s facts table does not give it.'


def _table_cell(cell: Cell) -> TableCell:
    if len(cell.lines) < 2:
        return TableCell(text=cell.value or "", cite=cell.n)
    return TableCell(text="; ".join(cell.lines), cite=cell.n, lines=cell.lines)


def comparison_table(comparison: Comparison) -> Table:
    """The comparison as a table record: a column per career, each present cell cited."""
    rows = tuple(
        (
            row.label,
            tuple(TableCell(text=MISSING) if c.missing else _table_cell(c) for c in row.cells),
        )
        for row in comparison.rows
    )
    missing = any(c.missing for r in comparison.rows for c in r.cells) or not comparison.rows
    return Table(
        caption=COMPARISON_INTRO,
        columns=tuple(a.title for a in comparison.articles),
        rows=rows,
        note=COMPARISON_NOTE if missing else "",
    )
