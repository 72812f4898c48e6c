"""Question analysis without an LLM: what the question asks about (its subjects, named by the
library's own inventory or by the user), what it asks for (pay, duration, ...), and which of
its names the library has never heard of. The result is a typed record the answerer reads.

Only names the user capitalised ("Deloitte", "PgMP") count as subjects the library may lack:
the library's formal prose never uses many everyday words ("cheap", "worried"), so an unknown
lower-case word says little; the refusal measure weighs it instead."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from advisor.answer.condense import condense, switches_topic
from advisor.answer.tuning import MAX_HISTORY_SUBJECT_TURNS, SHARED_WEIGHT
from advisor.index.inventory import Inventory, initialism
from advisor.records import Query, Turn
from advisor.text.cues import (
    CONTRAST,
    asks_no_amount,
    asks_which_of,
    attribute_of,
    compares_by_or_only,
    figure_asked,
    is_comparing_word,
    is_comparison,
    refers_back,
)
from advisor.text.lexicon import (
    ASPECT_WORDS,
    CASUAL_WORDS,
    COMMON_CAPITALS,
    CONTRACTION_PIECES,
    FRAME_WORDS,
)
from advisor.text.terms import STOPWORDS, fold, stem, surface_words, text_stems, words_of

# A sentence of the question that speaks about the user ("I'm a civil engineer at a state
# DOT", "i wear glasses") is context: its names do not have to be in the answer.
_FIRST_PERSON = re.compile(r"^\s*(?:i|i'm|im|i've|ive|i'd|my|me|we|we're|our)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\s+-\s+|\s*;\s*")
_NAME = re.compile(r"\b(?:[A-Z][\w&'’.-]*(?:\s+(?:of\s+)?[A-Z][\w&'’.-]*)*)")
NOT_SUBJECTS = CASUAL_WORDS | FRAME_WORDS | ASPECT_WORDS
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A capitalised name the library uses more often than this is part of its everyday language
# ("US", "RN"); rarer ones ("Deloitte", "Boeing") must be in the answer's own text.
MAX_NAME_COUNT = 12
# A job named where a question names its occupation, used at most this often (singular and
# plural) in the library, is mentioned in passing, not covered: "marshals" occurs twice in the
# 354 articles of the mixed library, "nurse" 361 times.
MAX_SLOT_COUNT = 12


@dataclass(frozen=True, kw_only=True)
class Subject:
    """A thing the question asks about."""

    name: str  # as the user wrote it (a misspelt word as the library spells it)
    stems: tuple[str, ...]
    docs: tuple[str, ...] = ()  # articles whose title names it (they are about it)
    known: bool = True  # the library uses these words at all
    carried: bool = False  # named by an earlier turn only, not by this question
    typed: tuple[str, ...] = ()  # the stems the question used for it, when not `stems` ("em")

    @property
    def as_typed(self) -> tuple[str, ...]:
        return self.typed or self.stems


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """The question as the answerer sees it."""

    query: Query
    ask: str  # the part of the question that asks (context sentences about the user removed)
    subjects: tuple[Subject, ...] = ()
    attribute: str | None = None  # pay, cost, duration, requirements, ... (lexicon.ATTRIBUTE_CUES)
    figure: str | None = None  # money, number or time: the kind of figure the answer must quote
    comparison: bool = False
    constraints: tuple[str, ...] = ()  # years and places the answer must be about
    # what the question's meaning asks, as (label, probability) (answer/aspects.py), or ()
    aspects: tuple[tuple[str, float], ...] = ()

    @property
    def missing(self) -> tuple[Subject, ...]:
        return tuple(s for s in self.subjects if not s.known)

    @property
    def covered(self) -> tuple[Subject, ...]:
        return tuple(s for s in self.subjects if s.known)


def ask_part(question: str) -> str:
    """The sentences that ask; first-person context sentences are dropped when others remain."""
    parts = [p for p in _SENTENCE.split(question) if p.strip()]
    asking = [p for p in parts if not _FIRST_PERSON.match(p) or "?" in p]
    return " ".join(asking or parts)


def questions_in(text: str) -> str:
    """The sentences that end in a question mark, or the whole text when none does: "Trying
    to decide if it's worth the money" frames a question without asking for an amount."""
    asked = [p for p in _SENTENCE.split(text) if p.strip().endswith("?")]
    return " ".join(asked) or text


_VERSUS = re.compile(r"([^.?!:;,]{1,80}?)\s+(?:vs\.?|versus)\s+([^.?!:;,]{1,80})", re.I)
# "X or Y" in a question that compares ("which pays better, X or Y?"): a side each
_EITHER = re.compile(r"([^.?!:;,]{1,80}?)\s+or\s+([^.?!:;,]{1,80})", re.I)
# "the difference between an EM and a senior EM" (80 characters a side, as for "vs")
_BETWEEN = re.compile(
    r"\bdiff\w*\s+between\s+(?:an?\s+|the\s+)?([^.?!:;,]{1,80}?)\s+and\s+(?:an?\s+|the\s+)?"
    r"([^.?!:;,]{1,80})",
    re.I,
)
# Where a compared side's name ends and the rest of the question begins: "nurse practitioners
# in pay", "plumbers when it comes to pay", "mechanical engineers salary-wise"
_SIDE_END = re.compile(
    r"\s+(?:in|for|when|as|with|which|who|whose|that|if|at|on|to|from|by|about|regarding|"
    r"or|and|but|so)\b|\s*\b\w+-wise\b|\s[-–—]\s",
    re.I,
)
# The words of a compared side kept as its name: "green belt vs black belt".
MAX_SIDE_WORDS = 3


def _acronym_sides(text: str) -> list[list[tuple[str, str]]]:
    """ "PE or PMP", "CSM or the PSM": acronyms on both sides of an "or" in a question that
    compares ("does the PE or a PMP matter more?"); other "or"s join anything at all."""
    if not is_comparison(text) or compares_by_or_only(text):
        return []
    for m in re.finditer(r"\bor\b", text, re.I):
        before, after = _content_tokens(text[: m.start()]), _content_tokens(text[m.end() :])
        if before and after and _acronym(before[-1][0]) and _acronym(after[0][0]):
            return [[before[-1]], [after[0]]]
    return []


def _compared_sides(text: str) -> list[list[tuple[str, str]]]:
    """The two sides of "X vs Y", "the difference between X and Y" or "what does X do that
    Y doesn't?", as content tokens (at most three words each, nearest the "vs"): they are the
    subjects of a comparison even when no title names them."""
    text = " ".join(text.split())  # runs of spaces or tabs would make the patterns backtrack
    m = _VERSUS.search(text) or _BETWEEN.search(text) or CONTRAST.search(text)
    return _sides_of(m) if m else []


def _either_sides(text: str) -> list[list[tuple[str, str]]]:
    """The two sides of "X or Y" in a question that compares them ("diesel mechanic or car
    mechanic, which makes more?"); other "or"s join anything at all.

    >>> [[w for w, _ in side] for side in _either_sides("welder or sheet metal worker, which pays more?")]
    [['welder'], ['sheet', 'metal', 'worker']]
    >>> _either_sides("do I need a degree or can I learn on the job?")
    []
    """
    if not is_comparison(text) or compares_by_or_only(text):
        return []
    m = _EITHER.search(" ".join(text.split()))
    return _sides_of(m) if m else []


def _sides_of(m: re.Match[str]) -> list[list[tuple[str, str]]]:
    """A side each of the match's two groups: the words nearest the word that joins them."""
    left = _content_tokens(_SIDE_END.split(m.group(1))[-1])[-MAX_SIDE_WORDS:]
    right = _content_tokens(_SIDE_END.split(m.group(2))[0])[:MAX_SIDE_WORDS]
    return [side for side in (left, right) if side]


# Where questions put the occupation they ask about ("how much does a locksmith make",
# "how do I become a sommelier", "salary of a ..."): an unknown word there is the subject.
_SLOTS = re.compile(
    r"\bhow much (?:does|do|did|would|will|can) (?:an? |the )?((?:[a-z]+ ){0,2}[a-z]+) "
    r"(?:make|earn|get paid|charge)\b"
    r"|\b(?:become|becoming|work as|job as|career as) an? ((?:[a-z]+ ){0,2}[a-z]+)"
    r"|\b(?:salary|salaries|pay|wages?|income) (?:of|for) (?:an? |the )?((?:[a-z]+ ){0,1}[a-z]+)",
    re.I,
)


def _slot_words(text: str) -> list[tuple[str, str, bool]]:
    """Content words in the places a question names its occupation, each with whether it is
    the last, the head noun of the phrase ("marshal" in "a federal air marshal")."""
    out = []
    for m in _SLOTS.finditer(text):
        tokens = _content_tokens(next(g for g in m.groups() if g))
        out += [(w, st, i == len(tokens) - 1) for i, (w, st) in enumerate(tokens)]
    return out


def _acronym(word: str) -> bool:
    """ "PMP", "SREs", "PgMP": capitals beyond the first letter."""
    return sum(c.isupper() for c in word) >= 2


def _names(text: str) -> list[str]:
    """Capitalised names the user typed (not sentence-initial words, not "I")."""
    out = []
    for m in _NAME.finditer(text):
        name = m.group(0).strip(".'’-")
        start = m.start()
        before = text[:start].rstrip()
        initial = not before or before[-1] in ".?!:\"'-"
        tokens = name.split()
        if initial and tokens[0].lower() in STOPWORDS | CASUAL_WORDS:
            tokens = tokens[1:]
        name = " ".join(tokens)
        if (
            name
            and name.lower() not in STOPWORDS | {"i"}
            and not (initial and len(tokens) == 1 and not _acronym(name))
        ):
            out.append(name)
    return out


def _content_tokens(text: str) -> list[tuple[str, str]]:
    """(word as typed, stem) of the content words, by the one word pipeline (advisor.text.terms)."""
    return [
        (w, stem(w))
        for w in surface_words(text)
        if fold(w) not in STOPWORDS and fold(w) not in CONTRACTION_PIECES
    ]


def family_runs(
    ask: str, inventory: Inventory, used: frozenset[str]
) -> list[tuple[str, tuple[str, str]]]:
    """Two words side by side that name a job by a head noun two titles or more share
    ("managers", "aides") and a word none of those titles has: "restaurant management",
    which no title's words make, may still mean one article (the caller asks the titles'
    meanings). Not a word already read as a subject, nor two words of a longer name
    ("construction project manager"): (name as the library spells it, stems)."""
    runs = []
    for sentence in _SENTENCE.split(ask):
        words = [  # "teacher's aide": the possessive's "s" is no word between them
            _library_spelling(w, inventory) for w in surface_words(sentence) if fold(w) != "s"
        ]
        for before, word, head in zip([None, *words], words, words[1:], strict=False):
            if not _names_a_kind(word) or (before is not None and _names_a_kind(before)):
                continue
            stems = (stem(word), stem(head))
            if stems[0] not in used and inventory.unnamed_kind(stems[1], stems[0]):
                runs.append((f"{word} {head}", stems))
    return runs


def _names_a_kind(word: str) -> bool:
    """A word that can say what kind of job: not filler, nor a word of what is asked."""
    folded = fold(word)
    return (
        folded not in STOPWORDS and folded not in CONTRACTION_PIECES and folded not in NOT_SUBJECTS
    )


def _library_spelling(word: str, inventory: Inventory) -> str:
    """The word as the library spells it, for its meaning: "managment" shares a stem with
    "management" (so the inventory knows it), not its meaning to the embedding model."""
    return word if word.lower() in inventory.vocabulary else inventory.respell(word) or word


def _expansions(tokens: list[tuple[str, str]], inventory: Inventory) -> list[str]:
    """The library's words for the question's initialisms ("EM" -> "engineering manager")."""
    return [
        inventory.expansions[initials]
        for w, _ in tokens
        if (initials := initialism(w)) is not None and initials in inventory.expansions
    ]


def _corrections(tokens: list[tuple[str, str]], inventory: Inventory) -> list[tuple[str, str]]:
    """(misspelt stem, the library's spelling) for question words it does not know ("clases"
    -> "classes"): matching and keywords then find them."""
    return [
        (st, fixed)
        for w, st in tokens
        if not inventory.knows(w) and (fixed := inventory.respell(w)) is not None
        if stem(fixed) != st
    ]


def _clippings(tokens: list[tuple[str, str]], inventory: Inventory) -> list[tuple[str, str, str]]:
    """(clipped stem, the library's whole word, the name it makes with its neighbour) for
    question words the library never writes that begin one of its words naming an article
    beside a neighbour ("eng manager" -> "engineering", "engineering manager"; "network
    admin" -> "administrators", "network administrators")."""
    stems = [None, *(st for _, st in tokens), None]
    words = ["", *(w for w, _ in tokens), ""]
    out = []
    for k, (w, st) in enumerate(tokens):
        if (whole := inventory.unclipped(w, stems[k], stems[k + 2])) is not None:
            leads = inventory.unclipped(w, None, stems[k + 2]) == whole
            name = f"{whole} {words[k + 2]}" if leads else f"{words[k]} {whole}"
            out.append((st, whole, name))
    return out


@dataclass(frozen=True)
class _Reading:
    """A question's content words and the library's readings of them, worked out once: the
    misspelt ones respelt (`_corrections`), the clipped ones whole (`_clippings`)."""

    tokens: list[tuple[str, str]]
    respelt: list[tuple[str, str]]
    clips: list[tuple[str, str, str]]

    @classmethod
    def of(cls, tokens: list[tuple[str, str]], inventory: Inventory) -> _Reading:
        return cls(tokens, _corrections(tokens, inventory), _clippings(tokens, inventory))


def _expanded(query: Query, reading: _Reading, inventory: Inventory) -> Query:
    """The question with the library's words for its initialisms ("EM" -> "engineering
    managers"), misspellings and clippings, so retrieval and matching find what the library
    calls it."""
    tokens, respelt, clips = reading.tokens, reading.respelt, reading.clips
    fixes = respelt + [(st, whole) for st, whole, _ in clips]
    # a clipped word is searched with its neighbour: "veterinary assistant", not "veterinary"
    extra = (
        _expansions(tokens, inventory)
        + [fixed for _, fixed in respelt]
        + [name for _, _, name in clips]
    )
    if not extra:
        return query
    wrong = {st for st, _ in fixes}  # a misspelt stem matches nothing: it would only dilute
    added = tuple(dict.fromkeys(stem(w) for e in extra for w in e.split()))
    fixed = {st: stem(w) for st, w in fixes}
    return replace(
        query,
        text=f"{query.text} ({', '.join(dict.fromkeys(extra))})",
        focus=tuple(dict.fromkeys((*[t for t in query.focus if t not in wrong], *added))),
        wants=fixed.get(query.wants, query.wants),  # "what clases ...?" asks for classes
    )


def _titled_docs(inventory: Inventory, phrase: tuple[str, ...]) -> tuple[str, ...]:
    """The articles a phrase titles, else those its longest titled tail of two words or more
    titles ("electrical electronics engineering" -> Electrical and Electronics Engineers)."""
    tails = [phrase] + [phrase[i:] for i in range(1, len(phrase) - 1)]
    return tuple(next((inventory.titled[t] for t in tails if t in inventory.titled), ()))


def _named_docs(inventory: Inventory, phrase: tuple[str, ...]) -> tuple[str, ...]:
    """The articles a name the library gives titles (`_titled_docs`), else, of the articles
    that give it, those its first or last word titles: the headings "How to Become a
    Geographer" and "PMP eligibility requirements" name Geographers and the PMP's article.

    >>> inv = Inventory(
    ...     phrases={("becom", "geograph"): ["geo"], ("nurs", "assist", "orderli"): ["na"]},
    ...     titled={("geograph",): ["geo"], ("nurs",): ["rn"], ("orderli",): ["na"]},
    ... )
    >>> _named_docs(inv, ("becom", "geograph")), _named_docs(inv, ("nurs", "assist", "orderli"))
    (('geo',), ('na',))
    """
    found = _titled_docs(inventory, phrase)
    if found or len(phrase) < 2:
        return found
    own = inventory.phrases.get(phrase, ())
    for end in (phrase[:1], phrase[-1:]):
        if docs := tuple(d for d in inventory.titled.get(end, ()) if d in own):
            return docs
    return ()


def _loosely_titled(inventory: Inventory, phrase: tuple[str, ...]) -> tuple[str, ...]:
    """The articles a loose match of the whole phrase titles ("civil engineering tech")."""
    whole = [
        docs for i, j, _, docs in inventory.loose_match(list(phrase)) if (i, j) == (0, len(phrase))
    ]
    return tuple(whole[0]) if whole else ()


def _sides_named(ask: str, subjects: list[Subject]) -> bool:
    """An "or" compares only when subjects stand on both sides of it ("PE or PMP?", not "does
    NCEES send the EIT, or is there another step?"); other cues ("vs", "more") always do."""
    if not compares_by_or_only(ask):
        return True
    for m in re.finditer(r"\bor\b", ask, re.I):
        before = {st for _, st in _content_tokens(ask[: m.start()])}
        after = {st for _, st in _content_tokens(ask[m.end() :])}
        named = [(set(s.as_typed) <= before, set(s.as_typed) <= after) for s in subjects]
        if any(b for b, _ in named) and any(a for _, a in named):
            return True
    return False


@dataclass
class _Found:
    """Subjects found so far in a question, and the stems they account for."""

    subjects: list[Subject] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def add(self, subject: Subject) -> None:
        self.subjects.append(subject)
        self.used.update(subject.stems)
        self.used.update(subject.typed)  # the words as typed ("dev" of "web dev") are read too


def analyse(query: Query, inventory: Inventory) -> Analysis:
    """Subjects, attribute and constraints of a (condensed) question."""
    ask = ask_part(query.text)
    tokens = _content_tokens(ask)
    found = _Found()
    reading = _phrase_subjects(found, query, tokens, inventory)
    _name_subjects(found, ask, inventory)
    _slot_subjects(found, ask, inventory)
    _side_subjects(found, query.text, inventory)
    _initialism_subjects(found, reading.tokens, inventory)
    query = _expanded(query, reading, inventory)
    constraints = tuple(y for y in _YEAR.findall(ask) if not inventory.knows(y))
    # what is asked is not whom about: "job outlook" ends a title but names no career
    subjects = [s for s in found.subjects if not _asks_only(s.name)]
    subjects += [
        Subject(name=y, stems=(y,), known=False) for y in constraints if y not in found.used
    ]
    context = _context_cues(ask, query.text)
    ignore = _names_not_cues(subjects, inventory)
    comparison = is_comparison(ask) and len(subjects) >= 2 and _sides_named(ask, subjects)
    return Analysis(
        query=query,
        ask=ask,
        subjects=distinct_sides(subjects) if comparison else tuple(subjects),
        attribute=_attribute(ask, subjects) or (attribute_of(context) if context else None),
        figure=figure_asked(questions_in(ask), ignore=ignore)
        or (figure_asked(context, ignore=ignore) if context else None)
        or _carried_figure(query),
        comparison=comparison,
        constraints=constraints,
    )


def _carried_figure(query: Query) -> str | None:
    """The figure a follow-up asks with the aspect it carries ("and plumbers?" after "how
    much do electricians make?": an amount); none when its own words name an aspect ("what
    do they do all day?")."""
    if not (query.follow_up and query.figure) or attribute_of(query.asked) is not None:
        return None
    return query.figure


def distinct_sides(subjects: Sequence[Subject]) -> tuple[Subject, ...]:
    """The sides of a comparison are different things: a side's article that another side
    names alone is that side's. Stems join "engineer" and "engineering", so "aerospace
    engineer" titles Aerospace Engineers and Aerospace Engineering ... Technicians; beside
    "aerospace technician" (the technicians' alone) it is the engineers'.

    >>> a = Subject(name="aerospace engineer", stems=("a", "e"), docs=("eng", "tech"))
    >>> b = Subject(name="aerospace technician", stems=("a", "t"), docs=("tech",))
    >>> [s.docs for s in distinct_sides([a, b])]
    [('eng',), ('tech',)]
    """
    out = []
    for x in subjects:
        alone = {y.docs[0] for y in subjects if y is not x and len(y.docs) == 1}
        own = tuple(d for d in x.docs if d not in alone)
        out.append(replace(x, docs=own) if own and own != x.docs else x)
    return tuple(out)


def _asks_only(name: str) -> bool:
    """A name of several words, each saying what is asked rather than about whom ("job
    outlook"); one such word alone ("certification") may be what the question is about.

    >>> _asks_only("job outlook"), _asks_only("engineering manager pay"), _asks_only("certificate")
    (True, False, False)
    """
    words = name.split()
    return len(words) >= 2 and all(fold(w) in NOT_SUBJECTS for w in words)


def _phrase_subjects(
    found: _Found, query: Query, tokens: list[tuple[str, str]], inventory: Inventory
) -> _Reading:
    """The library's subject phrases in the ask, else in the whole question ("i've heard
    chemical engineers and ... make 120k. which one ...?"), each word as the library spells
    it ("hotel conceirges" names Concierges); returns the words searched, as read."""
    reading = _Reading.of(tokens, inventory)
    spelt, focus = _spelt(reading, query)
    matched = inventory.match([st for _, st in spelt])
    if not matched:
        reading = _Reading.of(_content_tokens(query.text), inventory)
        tokens = reading.tokens
        spelt, focus = _spelt(reading, query)
        matched = inventory.match([st for _, st in spelt])
    for i, j, phrase in matched:
        found.add(
            Subject(
                name=" ".join(w for w, _ in spelt[i:j]),
                stems=phrase,
                docs=_named_docs(inventory, phrase),
                carried=not set(phrase) & focus,
                typed=_typed(tokens[i:j], spelt[i:j]),
            )
        )
    taken = {k for i, j, _ in matched for k in range(i, j)}
    for i, j, run, docs in inventory.loose_match([st for _, st in spelt]):
        if taken.isdisjoint(range(i, j)) and not set(run) <= found.used:
            name = " ".join(w for w, _ in spelt[i:j])
            carried = not set(run) & focus
            typed = _typed(tokens[i:j], spelt[i:j])
            found.add(Subject(name=name, stems=run, docs=tuple(docs), carried=carried, typed=typed))
            taken.update(range(i, j))
    return reading


def _spelt(reading: _Reading, query: Query) -> tuple[list[tuple[str, str]], set[str]]:
    """The tokens and the question's focus, misspelt words as the library spells them (a
    subject is named as the library writes it: "microbiologist", not "microbiologst")."""
    tokens, fixes = reading.tokens, dict(reading.respelt)
    clips = {st: whole for st, whole, _ in reading.clips}
    whole = fixes | clips
    # a misspelt word is named as the library spells it, a clipped one as typed ("vet tech")
    spelt = [(fixes.get(st, w), stem(whole[st])) if st in whole else (w, st) for w, st in tokens]
    return spelt, {stem(whole[s]) if s in whole else s for s in query.focus}


def _typed(tokens: list[tuple[str, str]], spelt: list[tuple[str, str]]) -> tuple[str, ...]:
    """The stems as typed, when a misspelling was read ("conceirge or a receptionist" has
    its sides where the question put them); none when the spelling was the library's."""
    return () if tokens == spelt else tuple(st for _, st in tokens)


def _name_subjects(found: _Found, ask: str, inventory: Inventory) -> None:
    """Capitalised names the user typed: unknown ones are missing ("PMI's PgMP": the library
    knows PMI, never heard of PgMP); rare known ones must be named by the answer."""
    for name in _names(ask):
        name_tokens = [
            (w, st)
            for w, st in _content_tokens(name)
            if w not in COMMON_CAPITALS and fold(w) not in CONTRACTION_PIECES
        ]
        fresh = [(w, st) for w, st in name_tokens if st not in found.used]
        if not fresh:
            continue
        unknown = [w for w, _ in fresh if not inventory.knows(w)]
        stems = tuple(st for _, st in fresh)
        if unknown:
            found.add(Subject(name=" ".join(unknown), stems=stems, known=False))
        elif len(fresh) == len(name_tokens) and 0 < inventory.count(name) <= MAX_NAME_COUNT:
            found.add(Subject(name=" ".join(w for w, _ in fresh), stems=stems))
        found.used.update(stems)


def _slot_subjects(found: _Found, ask: str, inventory: Inventory) -> None:
    """The job in the place a question names its occupation: missing when the library never
    uses the word ("a locksmith"); a rare name the answer must name when the library uses it
    only in passing ("a federal air marshal": "marshals" twice in 350 articles)."""
    for w, st, head in _slot_words(ask):
        if st in found.used or fold(w) in NOT_SUBJECTS:
            continue
        if not inventory.knows(w) and inventory.correct(w) is None:
            found.add(Subject(name=w, stems=(st,), known=False))
        elif head and _rare_job(w, inventory):
            found.add(Subject(name=w, stems=(st,)))


def _rare_job(word: str, inventory: Inventory) -> bool:
    """The library uses the word (or its plural) at least once and at most MAX_SLOT_COUNT
    times; "-ly" words ("become a nurse quickly") are how, not who."""
    if word.lower().endswith("ly") or not inventory.knows(word):
        return False
    uses = inventory.count(word) + inventory.count(word + "s")
    return 0 < uses <= MAX_SLOT_COUNT


def _side_subjects(found: _Found, text: str, inventory: Inventory) -> None:
    """Both sides of "X vs Y" (or of "PE or PMP"), replacing the parts of a side found alone
    ("VP" in "VP of engineering"); an initialism on a side stands for the library's words for
    it ("senior EM" is the senior engineering manager)."""
    sides = (
        _named_sides(found, _compared_sides(text), inventory)
        or _acronym_sides(text)
        or _careers_either(found, text, inventory)
    )
    expanded = [_expanded_side(side, inventory) for side in sides]
    for k, (side, side_stems) in enumerate(zip(sides, expanded, strict=True)):
        # a common capitalised name ("PE") is not a subject alone, but a compared side is
        named = any(set(side_stems) <= set(x.stems) for x in found.subjects)
        if not side_stems or named or not all(inventory.knows(w) for w, _ in side):
            continue
        docs = _titled_docs(inventory, side_stems) or _loosely_titled(inventory, side_stems)
        others = [set(e) for j, e in enumerate(expanded) if j != k]
        typed = tuple(st for _, st in side)
        # the side as typed counts too once it names an article: "RN" found alone is part
        # of the side it spells out (an "OT" of "OT school" that names none still searches)
        whole = tuple(dict.fromkeys((*side_stems, *typed))) if docs else side_stems
        found.subjects = [x for x in found.subjects if not _part_of_side(x, whole, docs, others)]
        found.add(
            Subject(
                name=" ".join(w for w, _ in side),
                stems=side_stems,
                docs=docs,
                typed=typed if typed != side_stems else (),
            )
        )


def _named_sides(
    found: _Found, sides: list[list[tuple[str, str]]], inventory: Inventory
) -> list[list[tuple[str, str]]]:
    """Each side of "X vs Y" without its last words when they say what is asked and the
    words before them name a subject the question has or an article: "pmp vs capm test"
    compares the PMP and the CAPM, not the "capm test"; "counseling vs social work" keeps
    "social work"."""
    if len(sides) != 2:
        return sides
    return [_asked_words_cut(side, found, inventory) for side in sides]


def _asked_words_cut(
    side: list[tuple[str, str]], found: _Found, inventory: Inventory
) -> list[tuple[str, str]]:
    """The side, in reading order, without its trailing words that say what is asked, when
    the side as written names no article and the rest names a found subject or an article."""
    keep = len(side)
    while keep > 1 and fold(side[keep - 1][0]) in NOT_SUBJECTS:
        keep -= 1
    if keep == len(side) or _names_article(side, found, inventory):
        return side
    rest = side[:keep]
    stems = set(_expanded_side(rest, inventory))
    named = any(set(x.stems) == stems for x in found.subjects)
    return rest if named or _names_article(rest, found, inventory) else side


def _careers_either(found: _Found, text: str, inventory: Inventory) -> list[list[tuple[str, str]]]:
    """The sides of "X or Y, which ... more?" when each names a career (`_career_words`) and
    one of them names an article ("diesel mechanic or regular car mechanic"); not two options
    of one career ("with a 2 year degree or do they want more?"), nor a word no title names
    ("nurse or teacher": which teacher?)."""
    sides = _either_sides(text)
    if len(sides) != 2:
        return []
    left = _career_words(sides[0][::-1], found, inventory)[::-1]
    right = _career_words(sides[1], found, inventory)
    if not left or not right or not (_holds_article(left, found) or _holds_article(right, found)):
        return []
    return [left, right]


def _holds_article(words: list[tuple[str, str]], found: _Found) -> bool:
    """A subject found with an article is among the words ("cybersecurity analyst")."""
    stems = {st for _, st in words}
    return any(s.docs and set(s.stems) <= stems for s in found.subjects)


def _career_words(
    side: list[tuple[str, str]], found: _Found, inventory: Inventory
) -> list[tuple[str, str]]:
    """The words of a side, nearest the "or" first, that name a career: up to a word that
    compares ("vet tech better paid"), the most that name an article ("plumbers make
    money" -> "plumbers"), else all of them when two or more (a name read by meaning)."""
    words = []
    for w, st in side:
        if is_comparing_word(w):
            break
        words.append((w, st))
    named = _longest_run(words, lambda run: _names_article(run, found, inventory))
    return named or (words if len(words) >= 2 else [])


def _longest_run(
    words: list[tuple[str, str]], names: Callable[[list[tuple[str, str]]], bool]
) -> list[tuple[str, str]]:
    """The most of the words, from the first, that `names` accepts; none when no run is."""
    for n in range(len(words), 0, -1):
        if names(words[:n]):
            return words[:n]
    return []


def _names_article(words: list[tuple[str, str]], found: _Found, inventory: Inventory) -> bool:
    """The words (in either order) title an article, or are a found subject's that does."""
    ordered = [_expanded_side(words, inventory), _expanded_side(words[::-1], inventory)]
    titled = [set(s.stems) for s in found.subjects if s.docs]
    return any(_titled_docs(inventory, o) or set(o) in titled for o in ordered)


def _part_of_side(
    x: Subject, side: tuple[str, ...], docs: tuple[str, ...], others: list[set[str]]
) -> bool:
    """A subject found alone that the side's name contains ("VP" in "VP of engineering"); not
    when the other side names it too, nor when it titles articles and the side does not (the
    side may have run on: "nurse practitioners pay")."""
    return set(x.stems) < set(side) and set(x.stems) not in others and (bool(docs) or not x.docs)


def _expanded_side(side: list[tuple[str, str]], inventory: Inventory) -> tuple[str, ...]:
    """A compared side's stems, its initialisms and clipped words replaced by the library's
    words for them ("senior EM", "vet tech")."""
    out: list[str] = []
    clips = {st: whole for st, whole, _ in _clippings(side, inventory)}
    for w, st in side:
        initials = initialism(w)
        if initials is not None and initials in inventory.expansions:
            out += [stem(x) for x in inventory.expansions[initials].split()]
        else:
            out.append(stem(clips[st]) if st in clips else st)
    return tuple(dict.fromkeys(out))


def _initialism_subjects(
    found: _Found, tokens: list[tuple[str, str]], inventory: Inventory
) -> None:
    """ "EM": the engineering manager, when the library's phrases name the expansion. A phrase
    inside it, touching neither end, names a part, not the thing: "development" in
    "professional development units" is no name of a PDU (it titled Software Developers);
    "adult basic" of "adult basic education" is ABE's."""
    for w, st in tokens:
        initials = initialism(w)
        if initials is None or initials not in inventory.expansions:
            continue
        expansion = inventory.expansions[initials]
        words = [stem(x) for x in expansion.split()]
        for start, end, phrase in inventory.match(words):
            if (start == 0 or end == len(words)) and not set(phrase) <= found.used:
                docs = _titled_docs(inventory, phrase)
                # the initialism found as a name of its own ("RN") is this subject
                if len(phrase) > 1:  # "accountant" alone is less than what "CPA" names
                    found.subjects = [x for x in found.subjects if x.stems != (st,) or x.docs]
                found.add(Subject(name=expansion, stems=phrase, docs=docs, typed=(st,)))


def _context_cues(ask: str, text: str) -> str:
    """The whole question, for its attribute and figure when the ask has no cue of its own,
    but only when the ask points back at its context ("both make around 120k. which one has
    the higher median?"); empty otherwise ("My salary is $90k. Should I get the PMP?" asks no
    amount)."""
    asked = questions_in(ask)
    points_back = refers_back(words_of(asked))
    return text if points_back and text != asked else ""


AMOUNTS = ("pay", "cost")  # the attributes an amount answers


def _attribute(ask: str, subjects: Sequence[Subject]) -> str | None:
    """What the question asks for, read from its words with those inside a subject's name set
    aside: "earn" in "earn CSM" (a heading phrase: "How to earn the CSM") names the
    credential and asks no pay. A name's last word still asks ("engineering manager pay"),
    and its articles' titles are no part of what was typed ("vs" in "Engineering Manager vs
    Director"). A set-aside word leaves a gap, so its neighbours make no phrase of their own.

    >>> earn = Subject(name="earn CSM", stems=("earn", "csm"))
    >>> _attribute("how do you earn the csm", [earn]) is None, _attribute("what do nurses earn", [])
    (True, 'pay')
    >>> _attribute("where can you check the fees?", []) is None  # a place, not an amount
    True
    """
    inside = {st for s in subjects for st in s.stems[:-1]}
    asked = attribute_of(["_" if stem(w) in inside else w for w in words_of(ask)])
    return None if asked in AMOUNTS and asks_no_amount(ask) else asked


def _names_not_cues(subjects: Sequence[Subject], inventory: Inventory) -> frozenset[str]:
    """Stems that name a subject rather than ask for a figure: the words of its phrase and its
    articles' titles ("compensation" in "compensation, benefits, and job analysis
    specialists"), except the phrase's head, its last word ("pay" in "engineering manager pay"
    asks for pay)."""
    named = {st for s in subjects for st in s.stems}
    named |= {
        st
        for s in subjects
        for d in s.docs
        for _, st in _content_tokens(inventory.titles.get(d, ""))
    }
    return frozenset(named - {s.stems[-1] for s in subjects if s.stems})


def one_per_article(subjects: Sequence[Subject], compared: bool = False) -> tuple[Subject, ...]:
    """The subjects, each article's once: names that title the same articles are one subject
    ("bank teller" and "teller"; "civil engineer" and "civil engineering"), kept in the
    fewest words (units that name it in those words are about it) that are not part of
    another subject's name ("property manager", not the "real estate" of "real estate
    agent"). A comparison then has as many sides as it names careers. Initials typed in
    capitals stay apart: "PMP or CAPM?" compares two credentials one article titles; so, in a
    comparison (`compared`), do names that share no word: "do tool and die makers make more
    than machinists?" (elsewhere, "a taxi driver, shuttle driver, or chauffeur" is one title's
    one subject).

    >>> a = Subject(name="teller", stems=("teller",), docs=("tellers",))
    >>> b = Subject(name="receptionist", stems=("receptionist",), docs=("receptionists",))
    >>> c = Subject(name="bank teller", stems=("bank", "teller"), docs=("tellers",))
    >>> [s.name for s in one_per_article([c, b, a])]
    ['bank teller', 'receptionist']
    >>> pmp = Subject(name="PMP", stems=("pmp",), docs=("certs",))
    >>> [s.name for s in one_per_article([pmp, replace(pmp, name="CAPM", stems=("capm",))])]
    ['PMP', 'CAPM']

    >>> die = Subject(name="die makers", stems=("die", "maker"), docs=("machinists",))
    >>> both = [die, replace(die, name="machinists", stems=("machinist",))]
    >>> [s.name for s in one_per_article(both, compared=True)], len(one_per_article(both))
    (['die makers', 'machinists'], 1)
    """

    def vaguer(s: Subject) -> tuple[bool, int]:  # part of another's name, then longer
        return any(set(s.stems) < set(o.stems) for o in subjects), len(s.stems)

    def apart(s: Subject) -> bool:
        if s.name.isupper() and len(s.stems) == 1:
            return True  # initials: a thing of their own
        if not compared:
            return False
        # compared names sharing no word: "tool and die makers" and "machinists" are two
        # careers of "Machinists and Tool and Die Makers"
        same = [o for o in subjects if o is not s and o.docs == s.docs and not o.carried]
        return bool(same) and all(set(o.stems).isdisjoint(s.stems) for o in same)

    kept: dict[tuple[str, ...] | Subject, Subject] = {}
    for s in subjects:
        key = s.docs if s.docs and s.known and not s.carried and not apart(s) else s
        if key not in kept or vaguer(s) < vaguer(kept[key]):
            kept[key] = s
    return tuple(dict.fromkeys(kept.values()))


def conversation_subjects(
    history: Sequence[Turn],
    inventory: Inventory,
    by_meaning: Callable[[str], str | None] | None = None,
    read: Callable[[Query], Analysis] | None = None,
    sides: int = 1,
) -> tuple[Subject, ...]:
    """The subjects the library titles that the conversation was last about: those of the
    newest earlier turn that named a subject (its standalone question, as answered), read by
    the library's own titles and aliases rather than by the words the user happened to type
    (`read`, by default `analyse`), or else by `by_meaning` (the article whose title the turn
    means, see answer/titles.py); none when that turn's subject has no article of its own.
    With `sides` 2 (a follow-up that asks which of them: "which one is growing faster?"), the
    turns before it add theirs until two subjects are named (by name: two careers of one
    article count as two), never past a turn that switches topic."""
    read = read or (lambda query: analyse(query, inventory))
    found: list[Subject] = []
    for user, _answer in reversed(list(history)[-MAX_HISTORY_SUBJECT_TURNS:]):
        turn = _turn_subjects(user, inventory, by_meaning, read)
        if turn is None:
            break  # a subject with no article, or no title: the ones before it are left behind
        named = {s.stems for s in found}
        found += [s for s in turn if s.stems not in named]
        # sides by name, not article: nurse practitioners and nurse anesthetists are two
        if len({s.stems for s in found}) >= sides or (turn and switches_topic(user)):
            break
    return tuple(found)


def _turn_subjects(
    user: str,
    inventory: Inventory,
    by_meaning: Callable[[str], str | None] | None,
    read: Callable[[Query], Analysis],
) -> tuple[Subject, ...] | None:
    """The titled subjects one earlier turn named, as carried; () when it named none; None when
    it named one without an article, or moved to a subject no title names."""
    if not user.strip():
        return ()
    # what the user typed: a resolved question also carries words from the turns before
    covered = read(condense(user)).covered
    if covered:  # the newest subject named, whether or not the library titles it
        return tuple(replace(s, carried=True) for s in covered if s.docs) or None
    doc = by_meaning(user) if by_meaning else None
    if doc in inventory.titles:  # a new subject in words no title uses replaces the old
        title = inventory.titles[doc]
        return (Subject(name=title, stems=tuple(text_stems(title)), docs=(doc,), carried=True),)
    return None if switches_topic(user) else ()


def with_conversation_subjects(
    analysis: Analysis, carried: Sequence[Subject], sides: int = 1
) -> Analysis:
    """The analysis of a follow-up with the conversation's subjects carried in: named in the
    standalone question (what retrieval embeds), their stems as context, their articles
    searched (as `Subject.docs`). With `sides` 2 (`sides_asked`) and two articles carried,
    it compares them."""
    if not carried:
        return analysis
    query = analysis.query
    names = [s.name for s in carried if s.name.lower() not in query.text.lower()]
    stems = tuple(st for s in carried for st in s.stems if st not in query.focus)
    query = replace(
        query,
        text=f"{query.text} ({', '.join(names)})" if names else query.text,
        context=tuple(dict.fromkeys((*query.context, *stems))),
        context_weight=query.context_weight or SHARED_WEIGHT,
        follow_up=True,
    )
    have = {s.stems for s in analysis.subjects}
    subjects = (*analysis.subjects, *(s for s in carried if s.stems not in have))
    # "which one is growing faster?" after two careers compares them, side by side
    compares = sides == 2 and len({d for s in subjects for d in s.docs}) >= 2
    return replace(
        analysis, query=query, subjects=subjects, comparison=analysis.comparison or compares
    )


def sides_asked(analysis: Analysis) -> int:
    """How many of the conversation's subjects a follow-up that names none of its own is
    about: two when it asks which of them wins ("which one is growing faster?"), else one."""
    return 2 if not analysis.covered and asks_which_of(analysis.ask) else 1
