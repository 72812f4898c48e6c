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
from pathlib import Path

from advisor.index.names import (
    MAX_PHRASE_WORDS,
    Phrase,
    aliases,
    aliases_no_title_takes,
    initialled,
    lone_names,
    lone_plurals,
    other_titles,
    part_heads,
    qualifying,
    title_acronyms,
    title_heads,
    title_names,
    title_stems,
)
from advisor.text.lexicon import COMMON_CAPITALS
from advisor.text.terms import STOPWORDS, all_stems, stem, text_stems, words_of
from advisor.text.units import parse_units

INVENTORY_VERSION = 31
# A title word or phrase shared by more articles than this is a family ("engineers",
# "managers"), not a subject that picks out articles.
MAX_PHRASE_DOCS = 4
# An acronym stays specific across more articles ("MEM" in every article on management degrees).
MAX_ACRONYM_DOCS = 10
# HAND-SET: the shortest clipped word read as the library's whole word: a head noun in a loose
# match ("rep", "tech") or a word beside one ("eng manager"); two letters would read "an" as
# analysts
MIN_CLIPPED = 3
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
    rest = set(all_stems(text)) - title_stems(title)
    return " ".join(sorted(rest)) if len(rest) >= MIN_TEMPLATE_STEMS else None


def _letter(stem: str) -> bool:
    return len(stem) == 1 and stem.isalpha()


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
            for phrase in title_names(title):
                names.setdefault(phrase, set()).add(doc_id)
                titled.setdefault(phrase, set()).add(doc_id)
            for phrase in aliases(text, title_heads(title)):
                also_called.setdefault(phrase, set()).add(doc_id)
            if lone := lone_plurals(title):
                qualifiers.update((doc_id, a) for a in qualifying(text, lone))
            for heading in section.split(" > "):
                stems = text_stems(heading)
                if 0 < len(stems) <= MAX_HEADING_WORDS:
                    names.setdefault(tuple(stems), set()).add(doc_id)
            lowered.update(_LOWER_WORD.findall(_WEB_ADDRESS.sub(" ", whole)))
            for acronym in _ACRONYM.findall(whole):
                if acronym not in COMMON_CAPITALS:
                    capitals.setdefault(acronym, set()).add(doc_id)
        expansions = _expansions(phrases_seen, defined, vocabulary, titles)
        others = other_titles(titles)
        for doc_id, title in titles.items():
            for phrase in (
                *lone_names(title, others[doc_id], {a for d, a in qualifiers if d == doc_id}),
                *initialled(title, lowered, expansions),
            ):
                names.setdefault(phrase, set()).add(doc_id)
                titled.setdefault(phrase, set()).add(doc_id)
        for phrase, docs in aliases_no_title_takes(also_called, titles).items():
            names.setdefault(phrase, set()).update(docs)
            titled.setdefault(phrase, set()).update(docs)
        lowered_stems = {stem(w) for w in lowered}
        title_initials = _title_initials(titles, lowered, lowered_stems)
        for phrase, docs in title_initials.items():
            titled.setdefault(phrase, set()).update(docs)
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
        # a title's initialism names its articles, however many others mention it
        for p in sorted(title_initials):
            phrases.setdefault(p, sorted(titled[p]))
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
        return len(word) >= MIN_TYPO_LENGTH and bool(self._words_from(word))

    def _words_from(self, prefix: str) -> list[str]:
        """The library's words that begin with `prefix`, in order."""
        if not hasattr(self, "_sorted"):
            self._sorted = sorted(self.vocabulary)
        start = bisect.bisect_left(self._sorted, prefix)
        return self._sorted[start : bisect.bisect_left(self._sorted, prefix + "\uffff", lo=start)]

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

    def unclipped(self, word: str, before: str | None, after: str | None) -> str | None:
        """The library's word that a clipped one begins, when the library never writes the
        clipped word and the whole word, with the stem after it (else before it), titles an
        article: people shorten the words of a title, not only its head. None when two whole
        words would title different articles ("comp manager": computer or compensation?).

        >>> rows = [("em", "Engineering Managers", "Pay", "Network administrators."),
        ...         ("na", "Network Administrators", "Pay", "Engineering managers.")]
        >>> inv = Inventory.build(rows)
        >>> inv.unclipped("eng", None, "manag"), inv.unclipped("admin", "network", None)
        ('engineering', 'administrators')
        >>> inv.unclipped("eng", "pay", None), inv.unclipped("manager", None, "pay")
        (None, None)
        """
        word = word.lower()
        if len(word) < MIN_CLIPPED or not word.isalpha() or stem(word) in self._stems():
            return None
        # the most used whole word first, so the same clipping reads the same in every process
        wholes = sorted(self._words_from(word), key=lambda w: (-self.vocabulary[w], w))
        # a clipped word says which kind of the head after it ("eng manager"); only a clipped
        # head ("network admin") leans on the word before
        for pair in ((lambda full: (full, after)), (lambda full: (before, full))):
            named: dict[tuple[str, ...], str] = {}  # articles -> the most used word naming them
            for whole in wholes:
                if None not in pair(stem(whole)) and (docs := self._pair_docs(*pair(stem(whole)))):
                    named.setdefault(docs, self._title_word(docs, whole))
            if named:
                return next(iter(named.values())) if len(named) == 1 else None
        return None

    def _title_word(self, docs: tuple[str, ...], whole: str) -> str:
        """The word of the same stem as the articles' title writes it ("engineering" for
        "engineers" in Architectural and Engineering Managers), else `whole`."""
        titles = (words(self.titles.get(d, "")) for d in docs)
        return next((w for t in titles for w in t if stem(w) == stem(whole)), whole)

    def _pair_docs(self, first: str, second: str) -> tuple[str, ...]:
        """The articles two stems title, whole or as a loose match of the title."""
        if docs := self.titled.get((first, second)):
            return tuple(docs)
        loose = [d for i, j, _, d in self.loose_match([first, second]) if (i, j) == (0, 2)]
        return tuple(loose[0]) if loose else ()

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
        if last in heads or len(last) < MIN_CLIPPED:
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
                for head in dict.fromkeys(part_heads(named)):
                    if head in words:
                        index.setdefault(head, []).append((words, doc))
            self._by_head = index
            self._head_order = sorted(index)
        return self._by_head

    def match(self, stems: list[str]) -> list[tuple[int, int, Phrase]]:
        """Longest subject phrases in a stem sequence: (start, end, phrase), left to right.

        >>> inv = Inventory(phrases={("o",): ["p"], ("comput", "programm"): ["p"], ("2",): ["k"]})
        >>> inv.match(["20", "y", "o", "comput", "programm", "kind", "2"])
        [(3, 5, ('comput', 'programm')), (6, 7, ('2',))]
        """
        found, i = [], 0
        while i < len(stems):
            for n in range(min(MAX_PHRASE_WORDS, len(stems) - i), 0, -1):
                phrase = tuple(stems[i : i + n])
                # single letters name nothing ("o" of "20 y/o", though a page heads a list
                # "O"); a digit may ("Kind 1 Welders" beside "Kind 2 Welders")
                if phrase in self.phrases and not all(_letter(st) for st in phrase):
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


# "Licensed practical nurses (LPNs)": words, then their initials in brackets
_DEFINED = re.compile(r"((?:[A-Za-z][A-Za-z-]* ){2,6})\(([A-Z]{2,6})s?\)")


def _title_initials(
    titles: dict[str, str], lowered: set[str], lowered_stems: set[str]
) -> dict[Phrase, set[str]]:
    """Each initialism a title names its article by (`names.title_acronyms`) and the articles,
    unless the library also writes it as a lower-case word ("ACT" beside "they act"), or it
    stems to one letter or a stopword ("US", "IT")."""
    out: dict[Phrase, set[str]] = {}
    for doc_id, title in sorted(titles.items()):
        for acronym in title_acronyms(title):
            key = stem(acronym.lower())
            shouted = acronym.lower() in lowered or key in lowered_stems
            if len(key) >= 2 and key not in STOPWORDS and not shouted:
                out.setdefault((key,), set()).add(doc_id)
    return out


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
