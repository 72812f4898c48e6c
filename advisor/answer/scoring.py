"""Score every quotable unit of the candidate chunks once, by words and by meaning, and rank the
chunks by their best unit. Every weight lives in tuning.py, with the reason for its value."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from operator import attrgetter, mul
from typing import NamedTuple

import numpy as np

from advisor.answer.analysis import Analysis, Subject
from advisor.answer.aspects import names_its_rows, unit_labels
from advisor.answer.figures import figure_kind, stated_figures
from advisor.answer.match import Matcher, StemIndex, query_weights, stem_index
from advisor.answer.scope import in_scope, names_together, stems_of
from advisor.answer.tuning import (
    HEADING_CREDIT,
    NEAR_CREDIT,
    OPENING_WORDS,
    RANK_DENSE,
    RANK_FUSED,
    RANK_PREVIOUS_SOURCE,
    RANK_SUBJECT_DOC,
    RANK_TITLE,
    ROW_SECTION,
    WEIGHTS,
    Weights,
)
from advisor.index.inventory import _ACRONYM, Inventory
from advisor.records import Hit
from advisor.text.cues import attribute_of
from advisor.text.lexicon import (
    ASKS_OTHERS_WORDS,
    COMMON_CAPITALS,
    CONTINUATION_OPENERS,
    OTHER_SUBJECT_WORDS,
)
from advisor.text.terms import stem, text_stems, words_of
from advisor.text.units import Unit, parse_units

# The questions a sentence that opens with their topic answers best: "what does X do?". Not
# "what is X?": the sentence that spells the name out answers that, wherever it stands.
_OPENING_ATTRIBUTES = frozenset({"duties"})

# "In addition to salaries, ..." stands on its own: only the opener followed by a comma adds
_CONTINUES = re.compile(rf"(?:{'|'.join(CONTINUATION_OPENERS)}),", re.I)
# A heading or lead-in about other subjects (lexicon.OTHER_SUBJECT_WORDS), or the BLS lead-in "a
# list of occupations with job duties that are similar to those of X"
_OTHER_SUBJECTS_NAMED = re.compile(
    rf"\b(?:{'|'.join(OTHER_SUBJECT_WORDS)})\b|\boccupations\b.*\bsimilar\b", re.I
)
_ASKS_OTHERS = re.compile(rf"\b(?:{'|'.join(ASKS_OTHERS_WORDS)})\b", re.I)


FEATURES = tuple(f.name for f in fields(Weights))
_VALUES = attrgetter(*FEATURES)  # every feature (or weight) as a tuple, in one call


class Features(NamedTuple):
    """What one unit has going for it, in the order of `Weights`; `score` is their weighted
    sum. A tuple: one is made for every candidate unit of every question, from a row of the
    feature table, in one call (a dataclass took five times as long)."""

    words: float
    meaning: float
    chunk: float
    aspect: float
    heading: float
    section: float
    subject: float
    source: float
    attribute: float
    lead: float
    wants: float
    dangling: float
    other_rows: float
    templated: float
    continues: float
    opens: float
    elsewhere: float
    headline: float
    rank: float

    def score(self, weights: Weights = WEIGHTS) -> float:
        return sum(map(mul, self, _VALUES(weights)))


assert Features._fields == FEATURES  # a feature for every weight, in the same order


@dataclass(frozen=True, kw_only=True, slots=True)
class ScoredUnit:
    unit: Unit
    hit: int  # index into the candidate hits
    features: Features
    score: float
    scope: frozenset[str]  # stems of the unit, its neighbours and its heading path

    @property
    def text(self) -> str:
        return self.unit.text

    def moved(self, hit: int) -> ScoredUnit:
        """The same unit under another candidate index (`dataclasses.replace`, without its
        field-by-field introspection: every unit of every question is moved once)."""
        return ScoredUnit(
            unit=self.unit, hit=hit, features=self.features, score=self.score, scope=self.scope
        )


def _neighbours(u: Unit, group: Sequence[Unit]) -> list[Unit]:
    same = [v for v in group if v is not u]
    if u.kind == "lead":
        return same  # the list it introduces
    if u.listed:
        return [v for v in same if v.kind == "lead"]
    return [v for v in same if abs(v.order - u.order) == 1]


@dataclass(frozen=True, eq=False)
class ChunkUnits:
    """What scoring needs of a chunk that no question changes, worked out once per chunk."""

    units: tuple[Unit, ...]
    # stems of the unit, of its list (a lead-in), lead-in (an item) or neighbouring sentences,
    # and of the chunk's heading path and the unit's heading: what the unit can be about
    scope: tuple[frozenset[str], ...]
    group: tuple[tuple[int, ...], ...]  # orders of the units of its list or paragraph
    rows: np.ndarray  # which units are table rows (bool per unit)
    lead: np.ndarray  # which units are list lead-ins
    sentence: np.ndarray  # which units are sentences of prose
    dangling: np.ndarray  # sentences ending in ":" (a lead-in whose list is elsewhere)
    continues: np.ndarray  # sentences that open by adding to the one before ("In addition,")
    other_table: np.ndarray  # lead-ins that only introduce a table about other subjects ("In
    # May 2024, the median annual wages for machinists in the top industries ... were:")
    words: tuple[str, ...]  # the content stems of the heading path and text, in order
    other_section: np.ndarray  # under a heading or lead-in about other subjects (similar
    # occupations, employing industries)
    vocabulary: frozenset[str]  # every stem of the chunk's units and headings
    # which units' stem sets hold which stems, for the families below: a question's words are
    # looked up in every candidate's index at once, not by walking every unit's stems
    stems: StemIndex


# The families of a unit's stem sets (`ChunkUnits.stems`), by number
OWN = 0  # the unit's own words
NEAR = 1  # its list (a lead-in), lead-in (an item) or neighbouring sentences
CONTEXT = 2  # the chunk's heading path and the unit's heading
OPENING = 3  # the unit's first OPENING_WORDS words
FAMILIES = 4


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False  # shared by every question that meets the chunk
    return a


# ~32 KB a chunk (tracemalloc over 1,000 chunks of the mixed library, stem sets and stem index
# included; 37 KB with per-family posting dicts): 2,048 hold the hot part of a large library in
# ~66 MB (all 8,143 would take ~260 MB)
@lru_cache(maxsize=2048)
def chunk_units(text: str, heading_path: str) -> ChunkUnits:
    """The units of a chunk with their stems, neighbours and headings (cached: hot chunks
    recur across questions)."""
    units = parse_units(text)
    groups: dict[int, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    path = stems_of(heading_path)
    neighbours = [_neighbours(u, groups[u.group]) for u in units]
    own = tuple(stems_of(u.text) for u in units)
    near = tuple(frozenset().union(*(stems_of(v.text) for v in nb)) for nb in neighbours)
    context = tuple(path | stems_of(u.heading) for u in units)
    opening = tuple(stems_of(" ".join(words_of(u.text)[:OPENING_WORDS])) for u in units)
    return ChunkUnits(
        units=units,
        scope=tuple(o | n | c for o, n, c in zip(own, near, context, strict=True)),
        group=tuple(tuple(v.order for v in groups[u.group]) for u in units),
        rows=_mask(u.kind == "row" for u in units),
        lead=_mask(u.kind == "lead" for u in units),
        sentence=_mask(u.kind == "sentence" for u in units),
        dangling=_mask(u.kind == "sentence" and u.text.endswith(":") for u in units),
        continues=_mask(
            u.kind == "sentence" and _CONTINUES.match(u.text) is not None for u in units
        ),
        other_section=_mask(
            any(
                _OTHER_SUBJECTS_NAMED.search(t)
                for t in (heading_path, u.heading, *(v.text for v in nb))
            )
            for u, nb in zip(units, neighbours, strict=True)
        ),
        other_table=_mask(
            u.kind == "lead"
            and any(v.kind == "row" for v in groups[u.group])
            and _OTHER_SUBJECTS_NAMED.search(u.text) is not None
            # "Fashion designers held about 25,700 jobs. The largest employers were as
            # follows:" states a fact of its own before it introduces the table
            and not figure_kind(u.text, "number")
            for u in units
        ),
        words=tuple(text_stems(f"{heading_path} {text}")),
        vocabulary=frozenset().union(*own, *context),
        stems=stem_index((own, near, context, opening)),  # in the order of OWN ... OPENING
    )


def _mask(flags: Iterable[bool]) -> np.ndarray:
    return _frozen(np.fromiter(flags, dtype=bool))


def score_units(
    analysis: Analysis,
    hits: Sequence[Hit],
    idf: Mapping[str, float],
    question_vector: Sequence[float] | None = None,
    unit_vectors: Mapping[str, np.ndarray] | None = None,
    weights: Weights = WEIGHTS,
    inventory: Inventory | None = None,
) -> list[ScoredUnit]:
    """Every unit of every hit, scored once; `inventory` knows the site's repeated sentences.
    Each feature is one column over all the candidates' units, and the scores one product."""
    chunks = [chunk_units(h.chunk.text, h.chunk.heading_path) for h in hits]
    if not any(c.units for c in chunks):
        return []
    match = Matcher.build(query_weights(analysis.query, idf), [c.vocabulary for c in chunks])
    question = _Question(
        analysis=analysis,
        match=match,
        scale=_WordScale(match, _aspect_weights(match, analysis, hits), _named_by(analysis)),
        vector=np.asarray(question_vector, dtype=np.float32)
        if question_vector is not None
        else None,
        asks_others=_ASKS_OTHERS.search(analysis.ask) is not None,
        inventory=inventory,
    )
    columns = question.columns(hits, chunks, unit_vectors or {})
    table = np.stack([columns[f] for f in FEATURES])  # features x units
    scores = (np.asarray(_VALUES(weights)) @ table).tolist()
    features = list(map(Features._make, table.T.tolist()))
    owners = (i for i, c in enumerate(chunks) for _ in c.units)
    units = ((u, scope) for c in chunks for u, scope in zip(c.units, c.scope, strict=True))
    return [
        ScoredUnit(unit=u, hit=i, features=f, score=sc, scope=scope)
        for (u, scope), i, f, sc in zip(units, owners, features, scores, strict=True)
    ]


@dataclass(frozen=True)
class _Question:
    """What scoring the candidates' units needs to know of the question, worked out once."""

    analysis: Analysis
    match: Matcher
    scale: _WordScale
    vector: np.ndarray | None
    asks_others: bool  # the question asks for similar occupations or employers
    inventory: Inventory | None

    def columns(
        self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits], vectors: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Each feature of every unit of the candidate chunks, in order: one array per feature."""
        a, query = self.analysis, self.analysis.query
        sizes = [len(c.units) for c in chunks]
        n = sum(sizes)
        zeros = np.zeros(n)
        docs = [h.chunk.doc_id for h in hits]
        words, aspect, heading, opens = self.scale.shares(chunks, docs)
        texts = [u.text for c in chunks for u in c.units]
        lead = _joined(chunks, "lead")
        return {
            "words": words,
            "meaning": np.asarray(self._unit_meanings(hits, chunks, vectors), dtype=float),
            "chunk": _per_chunk([h.dense for h in hits], sizes),
            "aspect": aspect,
            "heading": heading,
            "section": self._section_aspects(hits, chunks),
            "subject": np.asarray(self._subject_shares(chunks, docs), dtype=float),
            "attribute": self._asked_figures(hits, chunks) if a.figure else zeros,
            "source": _per_chunk([d in query.sources for d in docs], sizes),
            "lead": lead.astype(float),
            "wants": np.where(lead, 1.0, 0.33) * self._wants(chunks, lead)
            if query.wants
            else zeros,
            "dangling": _joined(chunks, "dangling").astype(float),
            "other_rows": self._other_rows(chunks),
            "templated": np.asarray(
                self._templated(texts, _joined(chunks, "sentence"), hits, sizes)
            ),
            "continues": _joined(chunks, "continues").astype(float),
            "opens": opens if a.attribute in _OPENING_ATTRIBUTES else zeros,
            "elsewhere": self._elsewhere(hits, chunks),
            "headline": self._headline(hits, chunks),
            "rank": _per_chunk([(len(hits) - i) / len(hits) for i in range(len(hits))], sizes),
        }

    def _asked_figures(self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits]) -> np.ndarray:
        """Per unit, 1 when it states a figure of the kind asked. A percentage that measures
        growth or pay (by its section or row, or by its own words) answers only a question
        about that: "what percent of electricians are self-employed?" is answered neither by
        their 9% projected growth nor by "the lowest 10% earned less than $39,430"."""
        figure, asked = self.analysis.figure or "", self.analysis.attribute
        return np.fromiter(
            (
                figure_kind(u.text, figure)
                and (figure != "percent" or _measures(u.text, label) in (None, asked))
                for h, c in zip(hits, chunks, strict=True)
                for u, label in zip(
                    c.units,
                    unit_labels(h.chunk.section, tuple(u.text for u in c.units)),
                    strict=True,
                )
            ),
            float,
            sum(len(c.units) for c in chunks),
        )

    def _section_aspects(self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits]) -> np.ndarray:
        """Per unit: the aspect model's probability that the question asks what the unit's
        section answers (its OOH section, a Quick Facts row's name, or its heading's cue): "is
        that job shrinking though?" reads as outlook, and "Job Outlook" answers outlook."""
        n = sum(len(c.units) for c in chunks)
        asked = dict(self.analysis.aspects)
        if not asked:
            return np.zeros(n)
        return np.fromiter(
            (
                asked.get(label or "", 0.0)
                for h, c in zip(hits, chunks, strict=True)
                for label in unit_labels(h.chunk.section, tuple(u.text for u in c.units))
            ),
            float,
            n,
        )

    def _elsewhere(self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits]) -> np.ndarray:
        """1 for a unit under a parallel section about another acronym: its heading is a
        sibling's with the question's acronym swapped for another ("CAPM eligibility
        requirements" beside "PMP eligibility requirements", "Keeping the CAPM active" beside
        "Keeping the PMP active: renewal and PDUs") when the question names the sibling's."""
        n = sum(len(c.units) for c in chunks)
        asked = _acronyms(self.analysis.ask)  # one no heading names has no parallel sections
        if not asked:
            return np.zeros(n)
        headings = [
            [(h.chunk.doc_id, u.heading or h.chunk.section.rsplit(" > ", 1)[-1]) for u in c.units]
            for h, c in zip(hits, chunks, strict=True)
        ]
        # the frames of the headings that name an asked acronym, by article
        frames: dict[str, list[frozenset[str]]] = {}
        for doc, heading in {x for hs in headings for x in hs}:
            named = _acronyms(heading)
            if named & asked:
                frames.setdefault(doc, []).append(_frame(heading, named))
        seen: dict[tuple[str, str], float] = {}
        out = np.zeros(n)
        for k, key in enumerate(x for hs in headings for x in hs):
            if key not in seen:
                doc, heading = key
                named = _acronyms(heading)
                rest = _frame(heading, named)
                seen[key] = float(
                    bool(named)
                    and not named & asked
                    and bool(rest)
                    and any(rest <= other for other in frames.get(doc, ()))
                )
            out[k] = seen[key]
        return out

    def _headline(self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits]) -> np.ndarray:
        """Per sentence of a subject's article, the asked probability of the article's
        fact-table row whose figure it repeats, when the figure is of the kind asked (the rows
        come from the candidates: the leading articles' fact tables join them). Only the
        subjects' articles, and none when the question names no subject the library titles:
        another article's headline is not the answer."""
        n = sum(len(c.units) for c in chunks)
        asked = dict(self.analysis.aspects)
        subject_docs = {d for s in self.analysis.covered for d in s.docs}
        figure = self.analysis.figure
        rows: dict[tuple[str, str], float] = {}  # (article, figure) -> the row's probability
        for h, c in zip(hits, chunks, strict=True):
            doc = h.chunk.doc_id
            if not asked or doc not in subject_docs or not names_its_rows(h.chunk.section):
                continue
            labels = unit_labels(h.chunk.section, tuple(u.text for u in c.units))
            for u, label in zip(c.units, labels, strict=True):
                for value, kind in stated_figures(u.text) if u.kind == "row" else ():
                    if figure is None or kind == figure:
                        key = (doc, value)
                        rows[key] = max(rows.get(key, 0.0), asked.get(label or "", 0.0))
        if not rows:
            return np.zeros(n)
        return np.fromiter(
            (
                max(
                    (rows.get((h.chunk.doc_id, v), 0.0) for v, _ in stated_figures(u.text)),
                    default=0.0,
                )
                if u.kind == "sentence"
                else 0.0
                for h, c in zip(hits, chunks, strict=True)
                for u in c.units
            ),
            float,
            n,
        )

    def _other_rows(self, chunks: Sequence[ChunkUnits]) -> np.ndarray:
        """1 for the rows of a table about other subjects, and for a lead-in that only
        introduces one when no figure is asked (for "which pays more?" the wages by industry
        are the subject's own); none when the question asks for those other subjects."""
        if self.asks_others:
            return np.zeros(sum(len(c.units) for c in chunks))
        rows = _joined(chunks, "rows") & _joined(chunks, "other_section")
        if self.analysis.figure is None:
            rows |= _joined(chunks, "other_table")
        return rows.astype(float)

    def _unit_meanings(
        self, hits: Sequence[Hit], chunks: Sequence[ChunkUnits], vectors: Mapping[str, np.ndarray]
    ) -> list[float]:
        qv = self.vector
        duties = self.analysis.attribute in _OPENING_ATTRIBUTES
        out: list[float] = []
        for h, c in zip(hits, chunks, strict=True):
            v = vectors.get(h.chunk.chunk_id) if qv is not None else None
            if v is None and qv is not None:
                # no unit vectors here (a replica that rebuilt its chunk table from a Chroma
                # server: they are made at ingest and kept beside the ingesting machine's
                # table): each unit means what its chunk does, not nothing
                out += [h.dense] * len(c.units)
                continue
            out += _meanings(c, v @ qv if v is not None else None, v, qv, duties)
        return out

    def _wants(self, chunks: Sequence[ChunkUnits], lead: np.ndarray) -> np.ndarray:
        """1 for a unit that names the plural thing asked for, or a lead-in whose heading does:
        "Certifications for moving into project management" above "The options are these:"."""
        wanted = self.analysis.query.wants
        blocks = [(c.stems, len(c.units)) for c in chunks]
        named = self.match.holding(blocks, OWN, wanted)
        return np.maximum(named, self.match.holding(blocks, CONTEXT, wanted) * lead)

    def _subject_shares(self, chunks: Sequence[ChunkUnits], docs: Sequence[str]) -> list[float]:
        """Per unit, the share of the question's covered subjects it is about."""
        covered = self.analysis.covered
        if not covered:
            return [1.0] * sum(len(c.units) for c in chunks)
        # a subject the library titles (it has articles of its own) is about a unit of another
        # article only where that chunk names it as one, not where its words stand apart
        return [
            sum(
                in_scope(s, scope, doc)
                and (doc in s.docs or not s.docs or names_together(c.words, s.stems))
                for s in covered
            )
            / len(covered)
            for c, doc in zip(chunks, docs, strict=True)
            for scope in c.scope
        ]

    def _templated(
        self, texts: list[str], sentence: np.ndarray, hits: Sequence[Hit], sizes: Sequence[int]
    ) -> list[float]:
        """Per unit, 1 for a sentence the site repeats on many articles."""
        inv = self.inventory
        if inv is None or not inv.templates:
            return [0.0] * len(texts)
        titles = (h.chunk.title for h, size in zip(hits, sizes, strict=True) for _ in range(size))
        return [
            float(is_sentence and inv.templated(t, title))
            for t, is_sentence, title in zip(texts, sentence.tolist(), titles, strict=True)
        ]


@lru_cache(maxsize=8192)
def _acronyms(text: str) -> frozenset[str]:
    """The acronyms a text names, as stems ("CAPM" -> capm, "EMs" -> em). Acronyms, not
    title phrases: those share stems with common words ("execution" ~ "Top Executives")."""
    return frozenset(
        stem(a.lower().removesuffix("s"))
        for a in _ACRONYM.findall(text)
        if a not in COMMON_CAPITALS
    )


def _frame(heading: str, named: frozenset[str]) -> frozenset[str]:
    """A heading's content stems without the acronyms it names: what it says of them."""
    return frozenset(text_stems(heading)) - named


def _per_chunk(values: Sequence[float], sizes: Sequence[int]) -> np.ndarray:
    """Each chunk's value repeated for its units."""
    return np.repeat(np.asarray(values, dtype=float), sizes)


def _joined(chunks: Sequence[ChunkUnits], mask: str) -> np.ndarray:
    """One of the chunks' per-unit masks, over all their units in order."""
    return np.concatenate([getattr(c, mask) for c in chunks])


def _meanings(
    c: ChunkUnits,
    sims: np.ndarray | None,
    vectors: np.ndarray | None,
    qv: np.ndarray | None,
    duties: bool = False,
) -> list[float]:
    """Cosine of each unit with the question. A lead-in is quoted with its list, so it means
    half what it says and half what it and its list say together (pooled): "Career advancement
    frequently involves obtaining certifications such as:" shares "career progression"'s
    meaning, its list of credentials does not. fit_weights' cases, against the better of the
    two: MRR 0.679 -> 0.695 train, 0.673 -> 0.678 held out (the pooled vector alone: 0.681 /
    0.674, and a lead-in that states a fact itself, "X held 25,700 jobs. The largest employers
    were:", loses it). For "what does X do?" (`duties`) the better of the two: "Dental
    hygienists typically do the following:" says what is asked, and its terse duties ("Remove
    tartar, stains, and plaque") read far from the question; halved, the list lost to prose
    in 8 of 180 such questions."""
    n = len(c.units)
    if sims is None or vectors is None or qv is None:
        return [0.0] * n
    out = sims[:n].tolist() + [0.0] * (n - len(sims))
    leads, pooled = _pooled_leads(c, vectors)
    if leads:
        for k, cos in zip(leads, (pooled @ qv).tolist(), strict=True):
            out[k] = max(out[k], cos) if duties else (out[k] + cos) / 2
    return out


# id(unit vectors) -> (a weak reference to them, their chunk's lead-ins, the lead-ins' pooled
# vectors): the reader keeps one array per chunk, so this is worked out once per chunk, not
# per question. Weak, so that a chunk the reader lets go is not kept alive here.
_POOLED: dict[int, tuple[weakref.ref, list[int], np.ndarray]] = {}
MAX_POOLED = 4096  # a few KB each


def _pooled_leads(c: ChunkUnits, vectors: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The chunk's lead-ins (that have vectors) and, per lead-in, the normalised mean of its
    own and its items' vectors."""
    got = _POOLED.get(id(vectors))
    if got is not None and got[0]() is vectors:
        return got[1], got[2]
    leads = [k for k in np.flatnonzero(c.lead).tolist() if k < len(vectors)]
    rows = [vectors[[o for o in c.group[k] if o < len(vectors)]].mean(axis=0) for k in leads]
    pooled = np.asarray(rows, dtype=np.float32).reshape(len(leads), vectors.shape[1])
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    if len(_POOLED) >= MAX_POOLED:
        _POOLED.clear()
    _POOLED[id(vectors)] = (weakref.ref(vectors), leads, pooled)
    return leads, pooled


def _aspect_weights(match: Matcher, analysis: Analysis, hits: Sequence[Hit]) -> tuple[float, ...]:
    """The question's word weights kept for the words of what it asks ("which one has the
    higher median?", not the context sentence before it) that do not name its subjects: their
    names as typed, and the titles of the articles about them ("water" and "operators" beside
    "treatment plant": every unit of that article says them)."""
    titles = {h.chunk.doc_id: h.chunk.title for h in hits}
    named = {st for s in analysis.subjects for st in s.stems}
    named |= {
        st for s in analysis.covered for d in s.docs if d in titles for st in stems_of(titles[d])
    }
    asked = set(text_stems(analysis.ask))
    return tuple(w if t in asked and t not in named else 0.0 for t, w in match.weights.items())


def _named_by(analysis: Analysis) -> dict[str, frozenset[str]]:
    """Per article a covered subject was resolved to, the stems of that subject's name: the
    article is named by them as by its title, whether the name is the title's words or an alias
    or a reading by meaning ("HVAC technicians" for Heating, Air Conditioning, and Refrigeration
    Mechanics and Installers, whose pay sentences never say "HVAC")."""
    named: dict[str, frozenset[str]] = {}
    for s in analysis.covered:
        for d in s.docs:
            named[d] = named.get(d, frozenset()) | frozenset(s.stems)
    return named


class _WordScale:
    """The word and aspect shares of a chunk's units, from the matcher's per-word credits."""

    def __init__(
        self,
        match: Matcher,
        aspect: tuple[float, ...],
        named_by: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.match = match
        # per article, which question words its title stands for (`_named_by`), as a column mask
        self.named_by = {
            d: np.fromiter(
                (t in stems for t in match.weights), dtype=bool, count=len(match.weights)
            )
            for d, stems in (named_by or {}).items()
        }
        self.weights = np.asarray(tuple(match.weights.values()), dtype=np.float64)
        self.total = match.total
        self.aspect = np.asarray(aspect, dtype=np.float64)
        self.aspect_total = float(self.aspect.sum())

    def shares(
        self, chunks: Sequence[ChunkUnits], docs: Sequence[str] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per unit of all the chunks, in order: the share of the question's weighted words
        found in it, NEAR_CREDIT for its list or neighbour, HEADING_CREDIT for its heading path
        (a table's caption counts in full for a row that itself answers part of the question:
        "Median Pay" under "Quick Facts: Electricians"); the share of the aspect words, with
        NEAR_CREDIT for the list or neighbour; the share of the aspect words its heading path
        says, whether or not the unit does ("Number of engineering manager jobs and where they
        work" asks what the count's sentence answers); and the share of the question's words
        among its first words. The credits of a union are the per-word maxima of its parts'."""
        n = sum(len(c.units) for c in chunks)
        if not n or not len(self.weights):
            return np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        credits = self.match.credit_rows([(c.stems, len(c.units)) for c in chunks], FAMILIES)
        own, near, heading, opening = (credits[f] for f in (OWN, NEAR, CONTEXT, OPENING))
        heading = self._with_names(heading, chunks, docs)
        near = np.maximum(own, near)
        every = np.maximum(near, heading)
        mine = own @ self.weights
        extra = near @ self.weights - mine
        inherited = every @ self.weights - mine - extra
        rows = np.concatenate([c.rows for c in chunks])
        near_weight = np.where(rows & (mine > 0), 1.0, NEAR_CREDIT)
        word = (mine + near_weight * extra + HEADING_CREDIT * inherited) / self.total
        opens = opening @ self.weights / self.total
        if not self.aspect_total:
            return np.minimum(1.0, word), np.zeros(n), np.zeros(n), opens
        a_own = own @ self.aspect
        a_near = near @ self.aspect - a_own
        aspect = np.minimum(1.0, (a_own + NEAR_CREDIT * a_near) / self.aspect_total)
        said = np.minimum(1.0, heading @ self.aspect / self.aspect_total)
        return np.minimum(1.0, word), aspect, said, opens

    def _with_names(
        self, heading: np.ndarray, chunks: Sequence[ChunkUnits], docs: Sequence[str]
    ) -> np.ndarray:
        """The heading credits with the subject's name said by its own article's headings."""
        if not self.named_by or not docs:
            return heading
        masks = [self.named_by.get(d) for d in docs]
        if not any(m is not None for m in masks):
            return heading
        said = np.concatenate(
            [
                np.broadcast_to(m if m is not None else False, (len(c.units), heading.shape[1]))
                for c, m in zip(chunks, masks, strict=True)
            ]
        )
        return np.maximum(heading, said.astype(heading.dtype))


def _section_names(hit: Hit, subjects: Sequence[Subject]) -> bool:
    """The chunk's section, in an article whose title does not name them, names one of the
    subjects: "Leadership paths for civil and construction engineers" in a guide to
    engineering careers is about civil engineers as much as their own article is."""
    section, title = stems_of(hit.chunk.section), stems_of(hit.chunk.title)
    return any(section.issuperset(s.stems) and not title.issuperset(s.stems) for s in subjects)


# What a percentage can measure beside a share of workers: projected growth, pay percentiles
RATES = frozenset({"outlook", "pay"})


def _measures(text: str, label: str | None) -> str | None:
    """The rate a unit's percentage measures, by its section's (or row's) aspect, else by its
    own words; None for a share ("Self-employed workers: 8%").

    >>> _measures("Employment of nurses is projected to grow 5%", None)
    'outlook'
    >>> _measures("About 60% of them work in hospitals", "environment") is None
    True
    """
    if label in RATES:
        return label
    said = attribute_of(text)
    return said if said in RATES else None


def rank_hits(
    analysis: Analysis, hits: Sequence[Hit], scored: Sequence[ScoredUnit], idf: Mapping[str, float]
) -> list[int]:
    """Candidate indices, best first: by their best unit, their fused retrieval score, a title
    that names the question's words or subject, and closeness in meaning."""
    if not hits:
        return []
    best = [-1e9] * len(hits)
    tabular = [False] * len(hits)
    for s in scored:
        if s.score > best[s.hit]:
            best[s.hit], tabular[s.hit] = s.score, s.unit.kind == "row"
    match = Matcher.build(
        query_weights(analysis.query, idf), [stems_of(h.chunk.title) for h in hits]
    )
    top_fused = max(h.score for h in hits) or 1.0
    top_dense = max(h.dense for h in hits)
    subject_docs = {d for s in analysis.covered for d in s.docs}
    # a comparison's sides each have their sections everywhere: only whole articles count
    covered = () if analysis.comparison else analysis.covered

    def key(i: int) -> float:
        h = hits[i]
        return (
            best[i]
            + RANK_FUSED * h.score / top_fused
            + RANK_TITLE * match.coverage(stems_of(h.chunk.title)) / match.total
            + RANK_SUBJECT_DOC * (h.chunk.doc_id in subject_docs or _section_names(h, covered))
            + RANK_PREVIOUS_SOURCE * (h.chunk.doc_id in analysis.query.sources)
            # embeddings say little about a table, so a chunk answered by a row keeps its place
            + (0.0 if tabular[i] else RANK_DENSE * (h.dense - top_dense))
        )

    return sorted(range(len(hits)), key=key, reverse=True)


def asked_row(s: ScoredUnit, hit: Hit) -> bool:
    """A fact-table row, named by what it states, that the aspect model finds asked."""
    return (
        s.unit.kind == "row"
        and s.features.section >= ROW_SECTION
        and names_its_rows(hit.chunk.section)
    )
