"""The names a library gives its careers: each title's parts and head nouns, the names its parts
make, the initials people write for them, and the other names an article says its career is
called. Pure functions of titles and text; `advisor.index.inventory` builds on them.

>>> sorted(title_phrases("Film and Video Editors and Camera Operators"))[:2]
[('camera', 'oper'), ('film', 'editor')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from advisor.text.lexicon import ASPECT_WORDS, FRAME_WORDS
from advisor.text.terms import STOPWORDS, all_stems, stem, text_stems, words_of

Phrase = tuple[str, ...]
MAX_PHRASE_WORDS = 4  # the longest name a title or question phrase is matched by
# Title words that name what is said about a subject, not a subject ("Pay and Job Outlook")
_GENERIC_STEMS = frozenset(stem(w) for w in ASPECT_WORDS | FRAME_WORDS)

# Another name an article gives its occupation: "Industrial production managers, also called
# plant managers, ..."; "also known as marshals or court officers"; "Management analysts, often
# called management consultants, ..."; "Teacher assistants also are called teacher aides".
_ALIAS = re.compile(
    r"\b(?:also|often|sometimes|commonly) (?:are |is )?(?:called|known as|referred to as) "
    r"([^.,;:()“”\"—–]{3,80})",
    re.I,
)
_CLAUSE_START = re.compile(r"[.;:!?]\s")  # an alias's clause begins after the last of these
_ALIAS_SPLIT = re.compile(r"\s+(?:or|and)\s+|^(?:an?|the)\s+")
MAX_ALIAS_WORDS = 4


@lru_cache(maxsize=4096)
def title_stems(title: str) -> frozenset[str]:
    return frozenset(all_stems(title))


def other_titles(titles: dict[str, str]) -> dict[str, frozenset[str]]:
    """Per article, the stems the other articles' titles have."""
    counts = Counter(st for t in titles.values() for st in title_stems(t))
    return {
        doc: frozenset(st for st, n in counts.items() if n > (st in title_stems(t)))
        for doc, t in titles.items()
    }


def lone_names(title: str, others: frozenset[str], qualifying: set[str]) -> list[Phrase]:
    """A title's lone plurals that name its article (`lone_plurals`): not one its text writes
    before the last part's head ("promotions managers"), nor a word another title has
    ("Securities" is no "job security", "Athletes" no "athletic trainers")."""
    return [(a,) for a, _ in lone_plurals(title) if a not in qualifying and a not in others]


def initialled(title: str, lowered: set[str], expansions: dict[str, str]) -> list[Phrase]:
    """`title_initialisms` whose initials are no word the library writes in lower case ("is",
    "go") and stand for no other words already ("EM director" is no Emergency Management
    Director: "EM" is the engineering manager)."""
    return [p for p in title_initialisms(title) if p[0] not in lowered and p[0] not in expansions]


@lru_cache(maxsize=4096)
def title_names(title: str) -> tuple[Phrase, ...]:
    """`title_phrases`, worked out once per title (every chunk of an article has its title)."""
    return tuple(title_phrases(title))


@lru_cache(maxsize=4096)
def title_heads(title: str) -> frozenset[str]:
    return frozenset(part_heads(title))


def aliases(text: str, heads: frozenset[str] | None = None) -> list[Phrase]:
    """Stems of the other names a text gives its subject: plural noun phrases of two to four
    words after "also called" / "also known as" (a plural names people: "cost" or
    "meteorological data" do not; one word alone is too loose: "marshals" for bailiffs would
    make a federal air marshal covered).

    >>> aliases("Industrial production managers, also called plant managers, oversee plants.")
    [('plant', 'manag')]
    >>> aliases("Bailiffs, also known as marshals or court officers, keep order.")
    [('court', 'offic')]

    Given the heads of the article's title, the name must be given to them: the words before
    it in its clause name one ("Drones, commonly known as unmanned aerial vehicles" on the
    photographers' page names no photographer).

    >>> aliases("Drones, commonly known as unmanned aerial vehicles, fly.", frozenset({"photograph"}))
    []
    """
    out = []
    for match in _ALIAS.finditer(text):
        clause = _CLAUSE_START.split(text[: match.start()])[-1]
        if heads is not None and heads.isdisjoint(text_stems(clause)):
            continue
        for part in _ALIAS_SPLIT.split(match.group(1).strip()):
            ws = part.split()
            if 1 < len(ws) <= MAX_ALIAS_WORDS and ws[-1].lower().endswith("s"):
                out.append(tuple(text_stems(part)))
    return [p for p in out if p]


def aliases_no_title_takes(
    also_called: dict[Phrase, set[str]], titles: dict[str, str]
) -> dict[Phrase, set[str]]:
    """The aliases no name of another article's title holds: Construction Managers are "often
    called ... project managers", but "project managers" is in Project Management
    Specialists' name, so it stays that article's alone. By the title's names, not its words:
    "medical laboratory technicians" is in no name of "Dental and Ophthalmic Laboratory
    Technicians and Medical Appliance Technicians"."""
    names = {doc: [set(p) for p in title_names(t)] for doc, t in titles.items()}
    return {
        phrase: docs
        for phrase, docs in also_called.items()
        if not any(
            doc not in docs and any(set(phrase) <= n for n in ns) for doc, ns in names.items()
        )
    }


_CAPITALS = re.compile(r"\b([A-Z]{2,6})s?\b")
_BRACKETED = re.compile(r"\(([A-Z]{2,6})s?\)")


def title_acronyms(title: str) -> list[str]:
    """The initialisms a title names its article by, as written: in a run of coordinated parts
    (on either side of a colon) where one part is an initialism alone, every initialism of
    the run ("EIT, FE and PE: ..."; "PMP and CAPM Certifications": CAPM is named as PMP is),
    and one in brackets after the words it stands for. They name the article however many
    others mention them ("PE" is on every engineering page). Where no part stands alone, an
    initialism qualifies the head: "Radiologic and MRI Technologists" are not the MRI.

    >>> title_acronyms("EIT, FE and PE: The Path to Engineering Licensure")
    ['EIT', 'FE', 'PE']
    >>> title_acronyms("Engineering Licensure: A Guide for EIT, FE and PE")
    ['EIT', 'FE', 'PE']
    >>> title_acronyms("Master of Engineering Management (MEM) vs MBA")
    ['MBA', 'MEM']
    >>> title_acronyms("PMP and CAPM Certifications from the Project Management Institute")
    ['CAPM', 'PMP']
    >>> title_acronyms("Radiologic and MRI Technologists"), title_acronyms("Reports (PDF)")
    ([], [])
    """
    found = {
        m.group(1) for m in _BRACKETED.finditer(title) if _spelt_out(title[: m.start()], m.group(1))
    }
    for segment in title.split(":"):
        parts = [p.strip() for p in title_parts(segment)]
        if any(_CAPITALS.fullmatch(p) for p in parts):
            found.update(a for p in parts for a in _CAPITALS.findall(p))
    return sorted(found)


def _spelt_out(before: str, initials: str) -> bool:
    """The initials are the first letters of the last words before them, short words aside:
    "Master of Engineering Management" spells MEM."""
    ws = [w for w in words_of(before) if w not in STOPWORDS][-len(initials) :]
    return "".join(w[0] for w in ws) == initials.lower()


_COORDINATED = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|vs\.?|versus)\s+")


def title_parts(title: str) -> list[str]:
    """A title's coordinated parts: "Tool and Die Makers" -> "Tool", "Die Makers"."""
    return [p for p in _COORDINATED.split(title) if p]


def part_heads(title: str) -> list[str]:
    """The head noun of each part that may name someone, by its place: the last part's, and
    any other part's of two words or more that ends in a plural ("Industrial Machinery
    Mechanics, Machinery Maintenance Workers, and Millwrights" -> mechan, worker, millwright;
    "Administrative Services" is one too, and names its article as well). A lone word before
    the last part may qualify it: "Promotions" in "Advertising, Promotions, and Marketing
    Managers" names no one.

    >>> part_heads("Industrial Machinery Mechanics, Machinery Maintenance Workers, and Millwrights")
    ['mechan', 'worker', 'millwright']
    >>> part_heads("Advertising, Promotions, and Marketing Managers")
    ['manag']
    """
    parts = [w for w in map(words_of, title_parts(title)) if w]
    return [
        stem(w[-1])
        for k, w in enumerate(parts)
        if k == len(parts) - 1 or (len(w) > 1 and w[-1].endswith("s"))
    ]


def title_phrases(title: str) -> Iterable[Phrase]:
    """The names a title gives its article: each coordinated part with the shared head noun,
    and every tail of it of two words or more; one word alone only when it is the head
    ("Heavy and Tractor-trailer Truck Drivers" -> "heavy driver", "truck driver", "driver";
    "Licensed Practical and Licensed Vocational Nurses" -> "licensed practical nurses", ...).

    >>> sorted(title_phrases("Licensed Practical and Licensed Vocational Nurses"))[:3]
    [('licens', 'practic'), ('licens', 'practic', 'nurs'), ('licens', 'vocat', 'nurs')]
    >>> sorted(title_phrases("Painters, Construction and Maintenance"))
    [('painter',)]
    >>> sorted(set(title_phrases("Film and Video Editors and Camera Operators")))
    [('camera', 'oper'), ('film', 'editor'), ('oper',), ('video', 'editor')]
    """
    words = [
        w for w in ([x for x in words_of(p) if x not in STOPWORDS] for p in title_parts(title)) if w
    ]
    if not words:
        return
    stems = [[stem(x) for x in w] for w in words]
    plural = [w[-1].endswith("s") for w in words]
    head = stems[-1][-1]
    heads = _lone_heads(stems, words, plural) if len(stems[-1]) == 1 else {head}
    for k, (part, written) in enumerate(zip(stems, words, strict=True)):
        if len(part) == 1 and part[0] not in heads and part[0] != head:
            # "Electrical" and "Electronics Engineers", "Film" and "Video Editors", "Aircraft"
            # and "Avionics Equipment Mechanics": the head of the next part that names someone
            later = _next_head(stems[k + 1 :], plural[k + 1 :])
            part = [part[0], later or head] if later or len(stems[-1]) > 1 else part
        elif len(stems[-1]) > 1 and part[-1] != head and not written[-1].endswith("s"):
            yield from _tails([*part, head], heads)  # "Licensed Practical" and "... Nurses"
        yield from _tails(part, heads)


@lru_cache(maxsize=4096)
def lone_plurals(title: str) -> tuple[tuple[str, str], ...]:
    """A title's one-word plural parts before a last part of more words, each with the head
    of that last part: "Janitors" and "Building Cleaners" names janitors, unless the article
    writes the word before that head ("Promotions" in "Advertising, Promotions, and
    Marketing Managers": "promotions managers").

    >>> lone_plurals("Chefs and Head Cooks")
    (('chef', 'cook'),)
    >>> lone_plurals("Electrical and Electronics Engineers"), lone_plurals("Police and Detectives")
    ((), ())
    """
    parts = [
        w for w in ([x for x in words_of(p) if x not in STOPWORDS] for p in title_parts(title)) if w
    ]
    if len(parts) < 2 or len(parts[-1]) < 2:
        return ()
    head = stem(parts[-1][-1])
    return tuple(
        (stem(p[0]), head)
        for p in parts[:-1]
        if len(p) == 1 and p[0].endswith("s") and not p[0].endswith(("ss", "ics"))
    )


# where one noun phrase of a text ends: "Executive chefs, head cooks" sets "chefs" beside
# "head" with no phrase between them
_PHRASE_BREAK = re.compile(r"[,.;:()\[\]|/\n]+")


def qualifying(text: str, lone: tuple[tuple[str, str], ...]) -> set[str]:
    """The lone plurals (`lone_plurals`) the text writes right before their title's head, in
    one phrase (a comma or "and" between them ends it).

    >>> lone = (("promot", "manag"), ("chef", "cook"), ("buyer", "agent"))
    >>> text = "Promotions managers plan. Chefs, head cooks, and sous chefs. Buyers purchase."
    >>> sorted(qualifying(text, lone))
    ['promot']
    """
    pairs = set(lone)
    out = set()
    for phrase in _PHRASE_BREAK.split(text.lower()):
        stems = [stem(w) for w in words_of(phrase)]
        out |= {a for a, b in pairwise(stems) if (a, b) in pairs}
    return out


def title_initialisms(title: str) -> list[Phrase]:
    """A title's names with their words before the head written as initials, as people write
    them: "QC inspector", "OT assistants", "HR manager". Only from two words or more: one
    letter names nothing.

    >>> title_initialisms("Occupational Therapy Assistants and Aides")
    [('ot', 'assist')]
    >>> title_initialisms("Quality Control Inspectors")
    [('qc', 'inspector')]
    """
    phrases, heads = set(title_names(title)), title_heads(title)
    return sorted(
        ("".join(st[0] for st in p[:-1]), p[-1])
        for p in phrases
        if len(p) >= 3
        and all(p)
        and p[-1] in heads
        and not any(len(q) > len(p) and q[-len(p) :] == p for q in phrases)
    )


def _lone_heads(stems: list[list[str]], words: list[list[str]], plural: list[bool]) -> set[str]:
    """The heads of a title whose last part is one word: every part ending in a plural
    ("Accountants and Auditors"; "Safety Specialists", but not "Occupational Health"), and a
    lone word where no part is a plural or there are only two ("Police and Detectives",
    "Farming, Fishing, and Forestry"). In a longer title with a plural, a lone word qualifies
    it: "Construction" and "Maintenance" in "Painters, Construction and Maintenance" name no
    one."""
    lone_names = len(words) <= 2 or not any(plural)
    return {
        s[-1]
        for s, w, p in zip(stems, words, plural, strict=True)
        if p or (len(w) == 1 and lone_names)
    }


def _next_head(stems: list[list[str]], plural: list[bool]) -> str | None:
    """The head of the first part of two words or more that ends in a plural."""
    return next((s[-1] for s, p in zip(stems, plural, strict=True) if len(s) > 1 and p), None)


def _tails(part: list[str], heads: set[str]) -> Iterable[Phrase]:
    for i in range(max(0, len(part) - MAX_PHRASE_WORDS), len(part)):
        tail = tuple(part[i:])
        if (len(tail) > 1 or tail[0] in heads) and not set(tail) <= _GENERIC_STEMS:
            yield tail
