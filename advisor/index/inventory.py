"""What the library is about: the subjects it names (article titles and their specific parts,
short headings, acronyms) and the words it uses, built once per index generation so a question
can be checked against it ("does the library cover sommeliers at all?").

>>> text = "The PMP exam has 180 questions; questions vary, and so do the questions' topics."
>>> inv = Inventory.build([("pmp", "PMP and CAPM", "Exam", text)])
>>> sorted(inv.phrases), sorted(inv.titled)
([('capm',), ('exam',), ('pmp',)], [('capm',), ('pmp',)])
>>> inv.knows("questions"), inv.knows("sommelier"), inv.correct("qestions")
(True, False, 'questions')
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from advisor.text.lexicon import ASPECT_WORDS, COMMON_CAPITALS, FRAME_WORDS
from advisor.text.terms import STOPWORDS, all_stems, stem, text_stems, words_of
from advisor.text.units import parse_units

INVENTORY_VERSION = 30
# A title word or phrase shared by more articles than this is a family ("engineers",
# "managers"), not a subject that picks out articles.
MAX_PHRASE_DOCS = 4
# An acronym stays specific across more articles ("MEM" in every article on management degrees).
MAX_ACRONYM_DOCS = 10
MAX_PHRASE_WORDS = 4
# HAND-SET: the shortest clipped head noun a loose match reads as the title's ("rep", "tech";
# two letters would read "an" as analysts)
MIN_CLIPPED_HEAD = 3
# Headings of this many content words or fewer name a thing ("Green Belt", "Scrum Master").
MAX_HEADING_WORDS = 3
# Words seen this often count as known when a typo is one letter away from them.
MIN_TYPO_TARGET_COUNT = 3
MIN_TYPO_LENGTH = 5
MIN_RESPELL_LENGTH = 6  # a question word searched under the library's spelling
# HAND-SET (read off the labelled questions' unknown words): from this length on, a word one
# edit from a library word (a letter too many, swapped or changed: "liscense", "conceirges",
# "seperate") and not in the dictionary is that word misspelt. Shorter ones are as often real
# words neither knows ("realtor" is one letter from "reactor", "drift" from "draft").
MIN_EDITED_LENGTH = 8
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
# HAND-SET: the headings of this many articles name a term ("Engineering manager", "Engineering
# managers and directors") for its initials to count as a word the library knows. One page's
# headings repeating its own title ("Information Clerks") make no initialism people use: "IC"
# is an individual contributor. Nor does a heading on most pages (MIN_TEMPLATE_DOCS: "Job
# Outlook", "Important Qualities": "IQ").
MIN_INITIALISM_DOCS = 2
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]?[A-Z]{1,5}s?\b")
_LOWER_WORD = re.compile(r"\b[a-z]{2,}\b")
# "pmi.org", "https://www.bls.gov/ooh/...": an address writes a name in lower case, prose does not
_WEB_ADDRESS = re.compile(r"https?://\S+|\bwww\.\S+|\b[\w.-]+\.(?:org|com|gov|edu|net)\b\S*")
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

# A sentence a site repeats on this many articles with only the article's name changed ("Compare
# the job duties, education, job growth, and pay of actors with similar occupations.") is page
# furniture: its words and meaning fit many questions, and it answers none of them.
MIN_TEMPLATE_DOCS = 20
# Shorter sentences ("Most actors work part time.") say something, however often repeated.
MIN_TEMPLATE_STEMS = 5
_DIGIT = re.compile(r"\d")
# web addresses and calendar dates hold digits but are no figures: a suggested citation
# ("..., at https://www.bls.gov/ooh/... (visited February 26, 2026).") is page furniture too
_ADDRESSES_AND_DATES = re.compile(
    r"https?://\S+|\bwww\.\S+|\b(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\s+\d{1,2},\s*\d{4}"
)

_TITLE_TAIL = re.compile(r":|\s(?:for|in|of|to|from|with|at|by|on)\s", re.I)

Phrase = tuple[str, ...]
# Title words that name what is said about a subject, not a subject ("Pay and Job Outlook")
_GENERIC_STEMS = frozenset(stem(w) for w in ASPECT_WORDS | FRAME_WORDS)


def words(text: str) -> list[str]:
    """Folded words, by the one word pipeline."""
    return words_of(text)


def initialism(word: str) -> str | None:
    """The initials a capitalised word stands for, plural "s" dropped, lower case; None for
    other words.

    >>> initialism("EMs"), initialism("AWS"), initialism("Scrum")
    ('em', 'aws', None)
    """
    base = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
    return base.lower() if len(base) >= 2 and base.isupper() else None


@lru_cache(maxsize=4096)
def _title_stems(title: str) -> frozenset[str]:
    return frozenset(all_stems(title))


@lru_cache(maxsize=32768)
def template_key(text: str, title: str) -> str | None:
    """A sentence's words without its article's name, as a key shared by its copies on other
    articles; None for a sentence with figures or too few words to be page furniture.

    >>> template_key("For a career video on actors, visit", "Actors")
    'a career for on video visit'
    >>> template_key("For a career video on actors, visit", "Actors") == template_key(
    ...     "For a career video on welders, visit", "Welders")
    True
    >>> template_key("Bureau of Labor Statistics, Handbook, Actors, at https://x.gov/a.htm "
    ...              "(visited May 2, 2026).", "Actors")
    'at bureau handbook labor of statist visit'
    """
    if _DIGIT.search(text):
        text = _ADDRESSES_AND_DATES.sub(" ", text)
        if _DIGIT.search(text):
            return None
    rest = set(all_stems(text)) - _title_stems(title)
    return " ".join(sorted(rest)) if len(rest) >= MIN_TEMPLATE_STEMS else None


def _deletions(word: str) -> list[str]:
    """The word without one of its letters, in letter order (an order that never depends on
    the process's hash seed, so a correction is the same in every process)."""
    return list(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


@dataclass
class Inventory:
    """Subject phrases (stem tuples) with the articles they name, and the library's words."""

    phrases: dict[Phrase, list[str]] = field(default_factory=dict)
    expansions: dict[str, str] = field(default_factory=dict)  # "em" -> "engineering manager"
    titled: dict[Phrase, list[str]] = field(default_factory=dict)  # phrase -> articles it titles
    vocabulary: Counter[str] = field(default_factory=Counter)
    titles: dict[str, str] = field(default_factory=dict)
    templates: frozenset[str] = frozenset()  # template_key of sentences repeated site-wide
    # English words beyond the library's (the embedding model's vocabulary, given by the
    # index reader, never saved): never read as misspellings of the library's words
    dictionary: frozenset[str] = field(default=frozenset(), repr=False)
    _typos: dict[str, str] | None = field(default=None, repr=False)
    _by_head: dict[str, list[tuple[frozenset[str], str]]] | None = field(default=None, repr=False)
    _head_order: list[str] = field(default_factory=list, repr=False)  # _by_head's keys, sorted

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, str]]) -> Inventory:
        """From (doc_id, title, section, text) rows of the chunk table."""
        names: dict[Phrase, set[str]] = {}
        titled: dict[Phrase, set[str]] = {}
        acronyms: set[Phrase] = set()
        phrases_seen: dict[tuple[str, str], set[str]] = {}  # heading initialism -> articles
        defined: Counter[tuple[str, str]] = Counter()  # "registered nurses (RNs)"
        vocabulary: Counter[str] = Counter()
        titles: dict[str, str] = {}
        template_docs: dict[str, set[str]] = {}
        lowered: set[str] = set()  # words the library writes in lower case
        capitals: dict[str, set[str]] = {}  # acronym candidates and their articles
        also_called: dict[Phrase, set[str]] = {}  # aliases(): phrase -> the articles giving it
        qualifiers: set[tuple[str, str]] = set()  # (article, a lone plural its text qualifies by)
        for doc_id, title, section, text in rows:
            titles[doc_id] = title
            for unit in parse_units(text):
                if unit.kind == "sentence" and (key := template_key(unit.text, title)):
                    template_docs.setdefault(key, set()).add(doc_id)
            whole = f"{title} {section} {text}"
            vocabulary.update(words(whole))
            # "M.D.", "Ph.D." are also written "MD", "PhD"; a term's initials ("EM" for
            # "engineering manager") name it as well
            vocabulary.update(m.replace(".", "").lower() for m in _DOTTED.findall(whole))
            for pair in _initialisms(section):
                phrases_seen.setdefault(pair, set()).add(doc_id)
            defined.update(_defined_initialisms(text))
            for phrase in _title_names(title):
                names.setdefault(phrase, set()).add(doc_id)
                titled.setdefault(phrase, set()).add(doc_id)
            for phrase in aliases(text, _title_heads(title)):
                also_called.setdefault(phrase, set()).add(doc_id)
            if lone := _lone_plurals(title):
                qualifiers.update((doc_id, a) for a in _qualifying(text, lone))
            for heading in section.split(" > "):
                stems = text_stems(heading)
                if 0 < len(stems) <= MAX_HEADING_WORDS:
                    names.setdefault(tuple(stems), set()).add(doc_id)
            lowered.update(_LOWER_WORD.findall(_WEB_ADDRESS.sub(" ", whole)))
            for acronym in _ACRONYM.findall(whole):
                if acronym not in COMMON_CAPITALS:
                    capitals.setdefault(acronym, set()).add(doc_id)
        expansions = _expansions(phrases_seen, defined, vocabulary, titles)
        others = _other_titles(titles)
        for doc_id, title in titles.items():
            for phrase in (
                *_lone_names(title, others[doc_id], {a for d, a in qualifiers if d == doc_id}),
                *_initialled(title, lowered, expansions),
            ):
                names.setdefault(phrase, set()).add(doc_id)
                titled.setdefault(phrase, set()).add(doc_id)
        for phrase, docs in _aliases_no_title_takes(also_called, titles).items():
            names.setdefault(phrase, set()).update(docs)
            titled.setdefault(phrase, set()).update(docs)
        lowered_stems = {stem(w) for w in lowered}
        for acronym, docs in capitals.items():
            # a word the library also writes in lower case is shouted, not an acronym: the
            # OOH tables' "2024 MEDIAN PAY" would make "pay" a subject of a small library; so
            # is one it writes as a lower-case word of the same stem ("CAT scanners" beside
            # "cats and dogs": "kinds of vets besides the ones for cats" names no CAT)
            key = (stem(acronym.lower().removesuffix("s")),)
            if acronym.lower() in lowered or key[0] in lowered_stems:
                continue
            names.setdefault(key, set()).update(docs)
            acronyms.add(key)
        phrases = {
            p: sorted(d)
            for p, d in names.items()
            if len(d) <= (MAX_ACRONYM_DOCS if p in acronyms else MAX_PHRASE_DOCS)
        }
        named = {p: sorted(titled[p]) for p in phrases if p in titled}
        templates = frozenset(k for k, d in template_docs.items() if len(d) >= MIN_TEMPLATE_DOCS)
        return cls(phrases, expansions, named, vocabulary, titles, templates)

    def templated(self, text: str, title: str) -> bool:
        """The sentence is one the site repeats on many articles with only the name changed."""
        return bool(self.templates) and template_key(text, title) in self.templates

    # -- questions against the library --------------------------------------------------
    def knows(self, word: str) -> bool:
        """The library uses this word, or a word of the same stem, or it is an initialism of
        the library's ("EMs")."""
        initials = initialism(word)
        word = word.lower()
        return (
            word in self.vocabulary
            or stem(word) in self._stems()
            or (initials is not None and initials in self.expansions)
            or self._starts_a_word(word)
        )

    def _starts_a_word(self, word: str) -> bool:
        """Part of a compound the library writes as one word ("Scrum" in "ScrumMaster")."""
        if len(word) < MIN_TYPO_LENGTH:
            return False
        if not hasattr(self, "_sorted"):
            self._sorted = sorted(self.vocabulary)
        i = bisect.bisect_left(self._sorted, word)
        return i < len(self._sorted) and self._sorted[i].startswith(word)

    def count(self, phrase: str) -> int:
        """How often the library uses the rarest word of a name (0: known only by its stem
        or another spelling, "MDs" for "M.D.")."""
        return min((self.vocabulary.get(w, 0) for w in words(phrase)), default=0)

    def respell(self, word: str) -> str | None:
        """The library's word that this one is with a letter dropped ("clases" -> "classes"),
        for words of MIN_RESPELL_LENGTH letters or more, or one edit away (`correct`) for
        words of MIN_EDITED_LENGTH or more that the dictionary does not know; a word the
        dictionary knows is never respelt, and without a dictionary only a dropped letter is
        read (a shorter word with a letter more than a library word is as often a real word
        the library does not use: "heard", "hard").

        >>> text = "Mediation, a license: the license exam, mediation, the license, mediation."
        >>> inv = Inventory.build([("d", "Licenses", "Licenses", text)])
        >>> inv.respell("licnse"), inv.respell("liscense"), inv.respell("meditation")
        ('license', None, None)
        >>> inv.dictionary = frozenset({"meditation", "license"})
        >>> inv.respell("lisence"), inv.respell("liscense"), inv.respell("meditation")
        (None, 'license', None)
        """
        word = word.lower()
        if word in self.dictionary:
            return None
        if len(word) >= MIN_EDITED_LENGTH and self.dictionary:
            return self.correct(word)
        return self._typo_index().get(word) if len(word) >= MIN_RESPELL_LENGTH else None

    def correct(self, word: str) -> str | None:
        """The library's word one letter away from a misspelt one ("managment")."""
        word = word.lower()
        if len(word) < MIN_TYPO_LENGTH:
            return None
        typos = self._typo_index()
        if word in typos:  # a letter dropped
            return typos[word]
        deletions = _deletions(word)
        for variant in deletions:  # a letter too many: the library's word itself
            if self.vocabulary.get(variant, 0) >= MIN_TYPO_TARGET_COUNT:
                return variant
        # a letter changed or two swapped: both lose a letter to the same string
        return next((typos[v] for v in deletions if v in typos), None)

    def loose_match(self, stems: list[str]) -> list[tuple[int, int, Phrase, list[str]]]:
        """Runs of 2-4 question stems that end in an article title's head noun and whose words
        all occur in that title, when at most MAX_PHRASE_DOCS titles take them: (start, end,
        run, articles). People name an occupation by part of its title: "water treatment
        operator" for "Water and Wastewater Treatment Plant and System Operators"."""
        found = []
        for end in range(len(stems), 1, -1):
            titles = self._headed(stems[end - 1])
            for n in range(min(MAX_PHRASE_WORDS, end), 1, -1):
                run = stems[end - n : end]
                # a title two of whose heads the clipped word begins is one article
                docs = list(dict.fromkeys(doc for words, doc in titles if set(run[:-1]) <= words))
                if docs and len(docs) <= MAX_PHRASE_DOCS:
                    found.append((end - n, end, tuple(run), docs))
                    break
        return found

    def unnamed_kind(self, head: str, word: str) -> bool:
        """`word` `head` is a kind of a head noun two articles' titles or more share
        ("managers", "aides"), a kind none of those titles names ("restaurant", "teacher's")."""
        titles = self._headed(head)
        return len({doc for _, doc in titles}) > 1 and all(word not in words for words, _ in titles)

    def _headed(self, last: str) -> list[tuple[frozenset[str], str]]:
        """The titles whose head noun is `last`, else those whose head it shortens ("civil
        engineering tech" for Civil Engineering Technologists and Technicians, "sales rep"
        for Sales Representatives): people clip the head, not the words before it."""
        heads = self._heads()
        if last in heads or len(last) < MIN_CLIPPED_HEAD:
            return heads.get(last, [])
        order = self._head_order  # the heads sorted: the ones `last` begins are a range
        start = bisect.bisect_left(order, last)
        end = bisect.bisect_left(order, last + "\uffff", lo=start)
        return [t for head in order[start:end] for t in heads[head]]

    def _heads(self) -> dict[str, list[tuple[frozenset[str], str]]]:
        """Title head noun -> (the title's content stems, its article), built once."""
        if self._by_head is None:
            index: dict[str, list[tuple[frozenset[str], str]]] = {}
            for doc, title in self.titles.items():
                # the head is the last word before a preposition or colon: "Certifications
                # for Engineers" names certifications, not engineers
                named = _TITLE_TAIL.split(title, maxsplit=1)[0]
                words = frozenset(text_stems(named))
                # each part's head: "industrial maintenance mechanics" is headed by the
                # first part's "Mechanics", not the title's last word ("Millwrights")
                for head in dict.fromkeys(_part_heads(named)):
                    if head in words:
                        index.setdefault(head, []).append((words, doc))
            self._by_head = index
            self._head_order = sorted(index)
        return self._by_head

    def match(self, stems: list[str]) -> list[tuple[int, int, Phrase]]:
        """Longest subject phrases in a stem sequence: (start, end, phrase), left to right."""
        found, i = [], 0
        while i < len(stems):
            for n in range(min(MAX_PHRASE_WORDS, len(stems) - i), 0, -1):
                phrase = tuple(stems[i : i + n])
                if phrase in self.phrases:
                    found.append((i, i + n, phrase))
                    i += n
                    break
            else:
                i += 1
        return found

    def _stems(self) -> set[str]:
        if not hasattr(self, "_stem_set"):
            self._stem_set = {stem(w) for w in self.vocabulary}
        return self._stem_set

    def _typo_index(self) -> dict[str, str]:
        if self._typos is None:
            index: dict[str, str] = {}
            # the most used word claims a shared misspelling, whatever the vocabulary's order
            words = sorted(self.vocabulary.items(), key=lambda wn: (-wn[1], wn[0]))
            for w, n in words:
                if n >= MIN_TYPO_TARGET_COUNT and len(w) >= MIN_TYPO_LENGTH and w.isalpha():
                    for d in _deletions(w):
                        index.setdefault(d, w)
            self._typos = index
        return self._typos

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        data = {
            "version": INVENTORY_VERSION,
            "phrases": [[list(p), d] for p, d in self.phrases.items()],
            "titled": [[list(p), d] for p, d in self.titled.items()],
            "expansions": self.expansions,
            "vocabulary": dict(self.vocabulary),
            "titles": self.titles,
            "templates": sorted(self.templates),
        }
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Inventory:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != INVENTORY_VERSION:
            raise ValueError("inventory written by another version")
        phrases = {tuple(p): d for p, d in data["phrases"]}
        titled = {tuple(p): d for p, d in data["titled"]}
        return cls(
            phrases,
            data["expansions"],
            titled,
            Counter(data["vocabulary"]),
            data["titles"],
            frozenset(data["templates"]),
        )


def _expansions(
    headings: dict[tuple[str, str], set[str]],
    defined: Counter[tuple[str, str]],
    vocabulary: Counter[str],
    titles: dict[str, str],
) -> dict[str, str]:
    """Initials -> the library's words for them: a term the headings of MIN_INITIALISM_DOCS
    articles name (not page furniture), then the initials a text defines in brackets."""
    expansions: dict[str, str] = {}
    by_reach = sorted(headings.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for (initials, phrase), docs in by_reach:
        if (
            MIN_INITIALISM_DOCS <= len(docs) < MIN_TEMPLATE_DOCS
            and initials not in vocabulary
            and initials not in expansions
        ):
            expansions[initials] = phrase
    in_titles = {initialism(w) for t in titles.values() for w in t.split()} - {None}
    for (initials, phrase), _ in defined.most_common():
        # the text says what the initials stand for: no count needed, and a word the
        # library writes ("rns" is in its vocabulary because it writes "RNs") is no bar;
        # but initials a title uses ("PMP and CAPM Certifications") name that article.
        # MEASURED: only initials of an article's name ("RNs", not "PDUs") held out
        # 0.8319 / 0.750 / 0.022 against 0.8333 / 0.774 / 0.020 for all of them
        if initials not in in_titles:
            expansions.setdefault(initials, phrase)
    return expansions


def _other_titles(titles: dict[str, str]) -> dict[str, frozenset[str]]:
    """Per article, the stems the other articles' titles have."""
    counts = Counter(st for t in titles.values() for st in _title_stems(t))
    return {
        doc: frozenset(st for st, n in counts.items() if n > (st in _title_stems(t)))
        for doc, t in titles.items()
    }


def _lone_names(title: str, others: frozenset[str], qualifying: set[str]) -> list[Phrase]:
    """A title's lone plurals that name its article (`_lone_plurals`): not one its text writes
    before the last part's head ("promotions managers"), nor a word another title has
    ("Securities" is no "job security", "Athletes" no "athletic trainers")."""
    return [(a,) for a, _ in _lone_plurals(title) if a not in qualifying and a not in others]


def _initialled(title: str, lowered: set[str], expansions: dict[str, str]) -> list[Phrase]:
    """`_title_initialisms` whose initials are no word the library writes in lower case ("is",
    "go") and stand for no other words already ("EM director" is no Emergency Management
    Director: "EM" is the engineering manager)."""
    return [p for p in _title_initialisms(title) if p[0] not in lowered and p[0] not in expansions]


@lru_cache(maxsize=4096)
def _title_names(title: str) -> tuple[Phrase, ...]:
    """`_title_phrases`, worked out once per title (every chunk of an article has its title)."""
    return tuple(_title_phrases(title))


@lru_cache(maxsize=4096)
def _title_heads(title: str) -> frozenset[str]:
    return frozenset(_part_heads(title))


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


def _aliases_no_title_takes(
    also_called: dict[Phrase, set[str]], titles: dict[str, str]
) -> dict[Phrase, set[str]]:
    """The aliases no name of another article's title holds: Construction Managers are "often
    called ... project managers", but "project managers" is in Project Management
    Specialists' name, so it stays that article's alone. By the title's names, not its words:
    "medical laboratory technicians" is in no name of "Dental and Ophthalmic Laboratory
    Technicians and Medical Appliance Technicians"."""
    names = {doc: [set(p) for p in _title_names(t)] for doc, t in titles.items()}
    return {
        phrase: docs
        for phrase, docs in also_called.items()
        if not any(
            doc not in docs and any(set(phrase) <= n for n in ns) for doc, ns in names.items()
        )
    }


# "Licensed practical nurses (LPNs)": words, then their initials in brackets
_DEFINED = re.compile(r"((?:[A-Za-z][A-Za-z-]* ){2,6})\(([A-Z]{2,6})s?\)")


def _defined_initialisms(text: str) -> list[tuple[str, str]]:
    """(initials, words) of every initialism the text defines: the words just before it in
    brackets whose first letters spell it.

    >>> _defined_initialisms("Licensed practical nurses (LPNs) work with registered nurses (RNs).")
    [('lpn', 'licensed practical nurses'), ('rn', 'registered nurses')]
    >>> _defined_initialisms("They often work in teams (ICU).")
    []
    """
    out = []
    for m in _DEFINED.finditer(text):
        initials = m.group(2).lower()
        ws = m.group(1).split()[-len(initials) :]
        if len(ws) == len(initials) and "".join(w[0].lower() for w in ws) == initials:
            out.append((initials, " ".join(w.lower() for w in ws)))
    return out


def _initialisms(heading: str) -> list[tuple[str, str]]:
    """(initials, words) of every two-word run of a heading path's content words.

    >>> _initialisms("Engineering managers > Pay")
    [('em', 'engineering managers')]
    """
    out = []
    for part in heading.split(" > "):
        ws = [w for w in words_of(part) if w not in STOPWORDS]
        out += [(ws[i][0] + ws[i + 1][0], f"{ws[i]} {ws[i + 1]}") for i in range(len(ws) - 1)]
    return out


_COORDINATED = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|vs\.?|versus)\s+")


def _parts(title: str) -> list[str]:
    """A title's coordinated parts: "Tool and Die Makers" -> "Tool", "Die Makers"."""
    return [p for p in _COORDINATED.split(title) if p]


def _part_heads(title: str) -> list[str]:
    """The head noun of each part that may name someone, by its place: the last part's, and
    any other part's of two words or more that ends in a plural ("Industrial Machinery
    Mechanics, Machinery Maintenance Workers, and Millwrights" -> mechan, worker, millwright;
    "Administrative Services" is one too, and names its article as well). A lone word before
    the last part may qualify it: "Promotions" in "Advertising, Promotions, and Marketing
    Managers" names no one.

    >>> _part_heads("Industrial Machinery Mechanics, Machinery Maintenance Workers, and Millwrights")
    ['mechan', 'worker', 'millwright']
    >>> _part_heads("Advertising, Promotions, and Marketing Managers")
    ['manag']
    """
    parts = [w for w in map(words_of, _parts(title)) if w]
    return [
        stem(w[-1])
        for k, w in enumerate(parts)
        if k == len(parts) - 1 or (len(w) > 1 and w[-1].endswith("s"))
    ]


def _title_phrases(title: str) -> Iterable[Phrase]:
    """The names a title gives its article: each coordinated part with the shared head noun,
    and every tail of it of two words or more; one word alone only when it is the head
    ("Heavy and Tractor-trailer Truck Drivers" -> "heavy driver", "truck driver", "driver";
    "Licensed Practical and Licensed Vocational Nurses" -> "licensed practical nurses", ...).

    >>> sorted(_title_phrases("Licensed Practical and Licensed Vocational Nurses"))[:3]
    [('licens', 'practic'), ('licens', 'practic', 'nurs'), ('licens', 'vocat', 'nurs')]
    >>> sorted(_title_phrases("Painters, Construction and Maintenance"))
    [('painter',)]
    >>> sorted(set(_title_phrases("Film and Video Editors and Camera Operators")))
    [('camera', 'oper'), ('film', 'editor'), ('oper',), ('video', 'editor')]
    """
    words = [
        w for w in ([x for x in words_of(p) if x not in STOPWORDS] for p in _parts(title)) if w
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
def _lone_plurals(title: str) -> tuple[tuple[str, str], ...]:
    """A title's one-word plural parts before a last part of more words, each with the head
    of that last part: "Janitors" and "Building Cleaners" names janitors, unless the article
    writes the word before that head ("Promotions" in "Advertising, Promotions, and
    Marketing Managers": "promotions managers").

    >>> _lone_plurals("Chefs and Head Cooks")
    (('chef', 'cook'),)
    >>> _lone_plurals("Electrical and Electronics Engineers"), _lone_plurals("Police and Detectives")
    ((), ())
    """
    parts = [
        w for w in ([x for x in words_of(p) if x not in STOPWORDS] for p in _parts(title)) if w
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


def _qualifying(text: str, lone: tuple[tuple[str, str], ...]) -> set[str]:
    """The lone plurals (`_lone_plurals`) the text writes right before their title's head, in
    one phrase (a comma or "and" between them ends it).

    >>> lone = (("promot", "manag"), ("chef", "cook"), ("buyer", "agent"))
    >>> text = "Promotions managers plan. Chefs, head cooks, and sous chefs. Buyers purchase."
    >>> sorted(_qualifying(text, lone))
    ['promot']
    """
    pairs = set(lone)
    out = set()
    for phrase in _PHRASE_BREAK.split(text.lower()):
        stems = [stem(w) for w in words_of(phrase)]
        out |= {a for a, b in pairwise(stems) if (a, b) in pairs}
    return out


def _title_initialisms(title: str) -> list[Phrase]:
    """A title's names with their words before the head written as initials, as people write
    them: "QC inspector", "OT assistants", "HR manager". Only from two words or more: one
    letter names nothing.

    >>> _title_initialisms("Occupational Therapy Assistants and Aides")
    [('ot', 'assist')]
    >>> _title_initialisms("Quality Control Inspectors")
    [('qc', 'inspector')]
    """
    phrases, heads = set(_title_names(title)), _title_heads(title)
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
