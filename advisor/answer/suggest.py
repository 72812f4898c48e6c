"""Suggested next questions, worded as people ask them ("How much do electricians make?"): made
from the sections around the answer by small wording rules, never a repeat of the question, and
offered only when the keyword index holds a chunk with every content word of the question."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.answer.analysis import Analysis
from advisor.answer.compose import Draft
from advisor.answer.condense import item_label, list_items
from advisor.answer.figures import figure_kind
from advisor.index.generations import IndexReader
from advisor.index.retrieval import Searcher
from advisor.records import Hit, Query, item_texts
from advisor.text.cues import ATTRIBUTES, attribute_of, figure_asked
from advisor.text.lexicon import (
    FRAME_WORDS,
    SUGGESTION_FRAME_WORDS,
    SUGGESTION_SKIP_HEADINGS,
    SUGGESTION_VERBS,
)
from advisor.text.terms import query_terms, stem, stems, words_of

MAX_SUGGESTIONS = 3
# Candidate questions checked per answer: each check is one FTS lookup (well under a
# millisecond); past this many the three offered almost never change.
MAX_CANDIDATES = 12
MAX_ITEM_WORDS = 5  # a longer list item is a sentence, not a name to ask about


# -- names ---------------------------------------------------------------------------------

_KEEP_CASE = re.compile(r"[A-Z].*[A-Z]|[0-9*]")  # EMTs, O*NET, PMP, 3D keep their capitals
_PLURAL_END = re.compile(r"(?<![su])s$", re.I)  # "Nurses" yes; "Business", "Bus" no


def lower_title(title: str) -> str:
    """A title as it reads inside a sentence: ordinary words lower-cased, acronyms kept.

    >>> lower_title("Heavy and Tractor-trailer Truck Drivers")
    'heavy and tractor-trailer truck drivers'
    >>> lower_title("EMTs and Paramedics")
    'EMTs and paramedics'
    >>> lower_title("Computer and Information Research Scientists")
    'computer and information research scientists'
    """
    return " ".join(
        w if _KEEP_CASE.search(w[1:] or "-") or (w.isupper() and len(w) > 1) else w.lower()
        for w in title.split()
    )


def _singular_word(word: str) -> str:
    low = word.lower()
    if low.endswith("men"):
        return word[:-3] + ("man" if word[-3:].islower() else "MAN")
    if not _PLURAL_END.search(word):
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def singular(title: str) -> str:
    """One member of an occupation title, as the OOH writes it ("How to Become a Physician or
    Surgeon"): the last word of each listed kind made singular, "and" made "or".

    >>> singular("Electricians")
    'Electrician'
    >>> singular("Heavy and Tractor-trailer Truck Drivers")
    'Heavy or Tractor-trailer Truck Driver'
    >>> singular("Elementary, Middle, and High School Principals")
    'Elementary, Middle, or High School Principal'
    >>> singular("Accountants and Auditors")
    'Accountant or Auditor'
    >>> singular("Physicians and Surgeons")
    'Physician or Surgeon'
    >>> singular("Athletes, Coaches, Umpires, and Related Workers")
    'Athlete, Coach, Umpire, or Related Worker'
    >>> singular("Secretaries and Administrative Assistants")
    'Secretary or Administrative Assistant'
    >>> singular("Police and Detectives")
    'Police or Detective'
    """
    words = title.split()
    out = []
    for i, word in enumerate(words):
        core = word.rstrip(",")
        last = i + 1 == len(words) or word.endswith(",") or words[i + 1].lower() in ("and", "or")
        if core.lower() == "and":
            out.append(word.replace("and", "or").replace("And", "Or"))
        elif last:
            out.append(_singular_word(core) + word[len(core) :])
        else:
            out.append(word)
    return " ".join(out)


def indefinite(phrase: str) -> str:
    """The phrase with "a" or "an" before it, by how its first word sounds.

    >>> indefinite("electrician")
    'an electrician'
    >>> indefinite("heavy or tractor-trailer truck driver")
    'a heavy or tractor-trailer truck driver'
    >>> indefinite("EMT")
    'an EMT'
    >>> indefinite("university professor")
    'a university professor'
    """
    first = phrase.split()[0] if phrase.split() else ""
    if first.isupper() and len(first) > 1:
        vowel = first[0] in "AEFHILMNORSX"  # letter names that start with a vowel sound
    else:
        low = first.lower()
        vowel = low[:1] in "aeio" or (low[:1] == "u" and not low.startswith(("uni", "use", "usu")))
        vowel = vowel or low.startswith(("hour", "honest", "honor"))
    return f"{'an' if vowel else 'a'} {phrase}"


@dataclass(frozen=True)
class Occupation:
    """An Occupational Outlook Handbook page's subject, in the forms questions need."""

    many: str  # "electricians"
    one: str  # "an electrician"

    @classmethod
    def of(cls, title: str, sections: Iterable[str] = ()) -> Occupation | None:
        """The page's occupation when its sections are the OOH's ("What Electricians Do",
        "How to Become an Electrician"), else None. The page's own "How to Become" heading
        gives the singular when it has one.

        >>> Occupation.of("Physicians and Surgeons", ["Summary", "How to Become a Physician or Surgeon > Training"])
        Occupation(many='physicians and surgeons', one='a physician or surgeon')
        >>> Occupation.of("Electricians", ["What Electricians Do > Duties"])
        Occupation(many='electricians', one='an electrician')
        >>> Occupation.of("PMP and CAPM Certifications", ["Who the PMP certification is for"]) is None
        True
        """
        tops = [s.split(" > ")[0].strip() for s in sections]
        become = next((t for t in tops if t.lower().startswith("how to become ")), None)
        if become is None and f"What {title} Do" not in tops:
            return None
        one = (
            re.sub(r"^how to become (an? )?", "", become, flags=re.I) if become else singular(title)
        )
        return cls(many=lower_title(title), one=indefinite(lower_title(one)))


# -- section headings to questions -----------------------------------------------------------

# OOH sections (the top heading, then a subsection) and the question each answers; {many} is
# "electricians", {one} "an electrician". None: the section is not something people ask.
_OOH_QUESTIONS: tuple[tuple[str, str | None], ...] = (
    (r"what .* do$", "What do {many} do?"),
    (r"what .* do > duties$", "What do {many} do?"),
    (r"work environment > injuries", "Is the work of {one} dangerous?"),
    (r"work environment > work schedules", "What hours do {many} work?"),
    (r"work environment", "Where do {many} work?"),
    (r"how to become .* > education", "What education do {many} need?"),
    (r"how to become .* > training", "What training do {many} need?"),
    (r"how to become .* > licenses", "What licenses or certifications do {many} need?"),
    (r"how to become .* > advancement", "How can {many} advance?"),
    (r"how to become .* > important qualities", "What qualities do {many} need?"),
    (r"how to become .* > work experience", "What work experience do {many} need?"),
    (r"how to become ", "How do you become {one}?"),
    (r"pay\b", "How much do {many} make?"),
    (r"job outlook > employment", "What affects demand for {many}?"),
    (r"job outlook", "What is the job outlook for {many}?"),
    (r"summary", None),
    (r"state & area|similar occupations|contacts|more information", None),
)


@lru_cache(maxsize=8192)
def question_for_section(
    title: str, section: str, occupation: Occupation | None = None
) -> str | None:
    """The question a section answers, as a person would ask it; None when it answers none
    worth offering. OOH pages use their standard sections, other articles their heading.

    >>> jobs = Occupation.of("Electricians", ["How to Become an Electrician"])
    >>> question_for_section("Electricians", "How to Become an Electrician", jobs)
    'How do you become an electrician?'
    >>> question_for_section("Electricians", "Pay > Electricians", jobs)
    'How much do electricians make?'
    >>> question_for_section("Electricians", "Work Environment > Work Schedules", jobs)
    'What hours do electricians work?'
    >>> question_for_section("Electricians", "Similar Occupations", jobs) is None
    True
    >>> question_for_section("PMP and CAPM", "Keeping the PMP active: renewal and PDUs")
    'How do you keep the PMP active?'
    """
    if occupation is not None:
        low = section.lower()
        for pattern, form in _OOH_QUESTIONS:
            if re.match(pattern, low):
                return form.format(many=occupation.many, one=occupation.one) if form else None
        return None
    return question_for_heading(section.split(" > ")[-1])


# Embedded questions ("Who the PMP certification is for") turned direct by moving the verb.
_AUXILIARIES = ("is", "are", "can", "cannot", "should", "will", "may", "must", "has", "have")
_WH = ("what", "who", "why", "how", "when", "where", "which")
# A heading word in -ing is a verb ("Keeping the PMP active") when one of these follows it, and
# a noun otherwise ("Engineering manager", "Hiring and team building").
_GERUND_OBJECT = frozenset(
    ["the", "a", "an", "your", "whether", "between", "into", "from", "through", "up"]
)
_LABEL_NOUN = re.compile(r"^(scope|focus|a note on|overview of)\b", re.I)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_acronym(word: str) -> bool:
    core = word.strip("()'’s,")
    return len(core) > 1 and core.isupper()


def _first_lower(text: str) -> str:
    """The first word lower-cased unless it is an acronym or starts a name (a capitalised,
    non-acronym word follows within three words): "The PMP" -> "the PMP", "Common MEM
    specializations" -> "common MEM specializations", "Lean Six Sigma" as it is."""
    words = text.split()
    if not words:
        return text
    first = words[0]
    determiner = first.lower() in ("the", "a", "an", "each", "your")
    name = any(w[:1].isupper() and not _is_acronym(w) for w in words[1:4])
    if not determiner and (_KEEP_CASE.search(first[1:] or "-") or _is_acronym(first) or name):
        return text
    return " ".join([first.lower(), *words[1:]])


def base_verb(gerund: str) -> str:
    """The verb of an -ing word, for "Keeping the PMP active" -> "keep".

    >>> [base_verb(w) for w in ["keeping", "renewing", "choosing", "moving", "planning",
    ...  "deciding", "passing", "developing", "taking", "managing", "being", "calling"]]
    ['keep', 'renew', 'choose', 'move', 'plan', 'decide', 'pass', 'develop', 'take', 'manage', 'be', 'call']
    """
    root = gerund.lower()[:-3]
    if len(root) >= 3 and root[-1] == root[-2] and root[-1] not in "slfz":
        return root[:-1]  # planning -> plan, getting -> get
    one_vowel_group = len(re.findall(r"[aeiou]+", root)) == 1
    if re.search(r"[^aeiou][aeiou][bcdgkmnprstvz]$", root) and one_vowel_group:
        return root + "e"  # taking -> take, deciding (decid) handled below
    if (
        re.search(r"(?:v|[^aeiou]c|[aeiou]g|oos|ai[sz]|[^aeiou]id|[^aeiou][ai]r)$", root)
        or root == "us"
    ):
        return root + "e"  # moving, producing, managing, choosing, raising, deciding, comparing
    return root


def _direct(words: list[str]) -> str | None:
    """A direct question from an embedded one: ["who", "the", "PMP", ..., "is", "for"]."""
    wh, rest = words[0].lower(), words[1:]
    if not rest:
        return None
    if wh in ("how", "where", "when") and rest[0].lower() == "to":
        helper = {"how": "do you", "where": "can you", "when": "should you"}[wh]
        return f"{_sentence_case(wh)} {helper} {' '.join(rest[1:])}?"
    if rest[0].lower() in ("long", "much", "many"):  # "How long each step ... takes"
        wh, rest = f"{wh} {rest[0].lower()}", rest[1:]
    low = [w.lower() for w in rest]
    aux = next((i for i, w in enumerate(low) if w in _AUXILIARIES), None)
    if aux == 0 or (
        rest[0][:1].islower()
        and rest[0].lower().endswith("s")
        and aux is None
        and rest[0].lower() not in ("this", "its")
    ):
        return f"{_sentence_case(wh)} {' '.join(rest)}?"  # "Who issues ...", "What drives ..."
    if aux is not None:
        verb = "can" if low[aux] == "cannot" else low[aux]
        negation = ["not"] if low[aux] == "cannot" else []
        subject = rest[:aux]
        return f"{_sentence_case(wh)} {verb} {_first_lower(' '.join(subject + negation + rest[aux + 1 :]))}?"
    verb_at = next((i for i in range(1, len(rest)) if _verb_like(low[i])), None)
    if verb_at is None:
        return None
    verb = low[verb_at]
    does = "does" if verb.endswith("s") and not verb.endswith("ss") else "do"
    verb = verb[:-1] if does == "does" else verb
    subject = " ".join(rest[:verb_at])
    tail = " ".join(rest[verb_at + 1 :])
    return (
        f"{_sentence_case(wh)} {does} {_first_lower(subject)} {verb}{' ' + tail if tail else ''}?"
    )


def _verb_like(word: str) -> bool:
    return word in SUGGESTION_VERBS or (word.endswith("s") and word[:-1] in SUGGESTION_VERBS)


def question_for_heading(heading: str) -> str | None:
    """The question an article heading answers, or None when no rule reads naturally.

    >>> question_for_heading("Keeping the PMP active: renewal and PDUs")
    'How do you keep the PMP active?'
    >>> question_for_heading("Who the CAPM certification is for")
    'Who is the CAPM certification for?'
    >>> question_for_heading("How long each step of the engineering ladder takes")
    'How long does each step of the engineering ladder take?'
    >>> question_for_heading("Why a PE license matters")
    'Why does a PE license matter?'
    >>> question_for_heading("How MEM specializations work")
    'How do MEM specializations work?'
    >>> question_for_heading("What Lean Six Sigma is")
    'What is Lean Six Sigma?'
    >>> question_for_heading("What drives engineering manager pay")
    'What drives engineering manager pay?'
    >>> question_for_heading("How to earn the CSM")
    'How do you earn the CSM?'
    >>> question_for_heading("Where to check current licensure rules")
    'Where can you check current licensure rules?'
    >>> question_for_heading("CSM versus PSM I")
    'What is the difference between CSM and PSM I?'
    >>> question_for_heading("Management track versus technical track")
    'What is the difference between the management track and the technical track?'
    >>> question_for_heading("MEM and MBA at a glance")
    'How do MEM and MBA compare?'
    >>> question_for_heading("Skills to build for engineering management")
    'What are the skills to build for engineering management?'
    >>> question_for_heading("What engineering licensure means in the United States")
    'What does engineering licensure mean in the United States?'
    >>> question_for_heading("Who engineering managers and directors work with")
    'Who do engineering managers and directors work with?'
    >>> question_for_heading("Cost and return on investment") is None
    True
    >>> question_for_heading("PMP eligibility requirements")
    'What are the PMP eligibility requirements?'
    >>> question_for_heading("The PMP exam format")
    'What is the PMP exam format?'
    >>> question_for_heading("Renewing the CSM")
    'How do you renew the CSM?'
    >>> question_for_heading("Planning & Scheduling Professional (PSP) from AACE International")
    'What is the Planning & Scheduling Professional (PSP)?'
    >>> question_for_heading("Scope: one team versus multiple teams") is None
    True

    A noun phrase agrees with its head, the last word of it; a clause joined to the phrase
    ("and where they work") is a second question, and a bracket that only adds detail is no
    part of the name:

    >>> question_for_heading("Systems engineering specialization")
    'What is the systems engineering specialization?'
    >>> question_for_heading("Number of engineering manager jobs and where they work")
    'What is the number of engineering manager jobs?'
    >>> question_for_heading("Advanced Leadership Roles (Engineering Manager to Director)") is None
    True
    """
    text = heading.strip().rstrip(".:?")
    if (
        not text
        or _LABEL_NOUN.match(text)
        or any(w in text.lower() for w in SUGGESTION_SKIP_HEADINGS)
    ):
        return None
    if _title_case(text) and not _NAMED_ACRONYM.search(
        text
    ):  # "Education & Early Steps": the capitals are style, not names
        text = _sentence_case(lower_title(text))
    if ":" in text:  # "Keeping the PMP active: renewal and PDUs": the part before the colon asks
        text = text.split(":", 1)[0].strip()
    words = text.split()
    first = words[0].lower()
    if first in _WH:
        return _direct(words)
    if first.endswith("ing") and len(words) > 1 and words[1].lower() in _GERUND_OBJECT:
        return f"How do you {base_verb(first)} {' '.join(words[1:])}?"
    return _noun_question(_JOINED_CLAUSE.sub("", text))


def _title_case(text: str) -> bool:
    """Every longer word capitalised, the last word too ("Entry-Level Roles & Mid-Level
    Growth"); "What Lean Six Sigma is" is sentence case around a name."""
    words = text.split()
    words = [w.lstrip("(\"'“") for w in words]  # "(Engineering Manager to Director)" too
    long = [w for w in words[1:] if len(w) > 3 and not _is_acronym(w)]
    return len(long) >= 2 and all(w[:1].isupper() for w in long) and words[-1][:1].isupper()


_NAMED_ACRONYM = re.compile(r"\([A-Z][A-Z0-9 ]+\)")  # "Professional Scrum Master (PSM I)": a name
# A question clause joined to a noun phrase ("Number of jobs and where they work") asks a
# second thing: the phrase alone makes the question
_JOINED_CLAUSE = re.compile(r"\s+(?:and|or)\s+(?:where|what|how|why|when|who|which)\b.*$", re.I)

_VERSUS = re.compile(r"^(.+?)\s+(?:versus|vs\.?)\s+(.+?)(?:\s+at a glance)?$", re.I)
_GLANCE = re.compile(r"^(.+?)\s+at a glance$", re.I)
_ORIGIN = re.compile(r"\s+from\s+[A-Z].*$")  # "... (CSM) from Scrum Alliance": who issues it


def _noun_question(text: str) -> str | None:
    """Questions for noun-phrase headings: comparisons, names, "X requirements", "X format".
    A phrase joining two singular things ("Cost and return on investment") reads badly as
    "What is ...?" and gets None."""
    if m := _VERSUS.match(text):
        return f"What is the difference between {_the(m[1])} and {_the(m[2])}?"
    if m := _GLANCE.match(text):
        return f"How do {_the(m[1])} compare?"
    phrase = _first_lower(_ORIGIN.sub("", text))
    if phrase.startswith("the "):
        phrase = phrase[4:]
    words = phrase.split()
    named = bool(re.match(r"[A-Z]", phrase))  # starts with a name: "PMP eligibility requirements"
    head = words if named else _HEAD_END.split(phrase)[0].split()
    if len(head) > (MAX_NAME_WORDS if named else MAX_HEAD_WORDS) or _PAIR.search(" ".join(head)):
        return None  # "The order people often take certifications", "Cost and return ..."
    if not named and len(words) <= 2 and not _PLURAL_END.search(words[-1]):
        return None  # "Budget responsibility": too bare to ask about on its own
    # a noun phrase is as many as its head, its last word: "Fundamentals of Engineering (FE)
    # exam" is one, and so is "Systems engineering specialization"
    plural = bool(_PLURAL_END.search(head[-1])) and not head[-1].endswith("is")
    article = "" if re.match(r"\S+['’]s\b", phrase) else "the "  # "PMI's certifications"
    return f"{'What are' if plural else 'What is'} {article}{phrase}?"


MAX_NAME_WORDS = 8  # names run longer: "Fundamentals of Engineering (FE) exam"
MAX_HEAD_WORDS = 4  # a longer head noun phrase is a clause, not a thing to ask "what is" about
# Two things joined in the head ("Senior and principal engineer roles") read badly after
# "What is"; joined names ("Principles and Practice of Engineering") are one thing.
_PAIR = re.compile(r"(?:\band\b|\bor\b|&)\s+(?![A-Z][a-z])")
# Where a heading's head noun phrase ends: "Skills | to build for ...", "Signs | you may be ...".
_HEAD_END = re.compile(
    r"\s(?:to|for|of|in|on|by|from|at|with|before|after|between|that|you|as|where)\s"
)
_DETERMINERS = ("the ", "a ", "an ", "each ", "your ")


def _the(phrase: str) -> str:
    """ "management track" -> "the management track"; names and determined phrases as they are."""
    phrase = _first_lower(phrase.strip())
    if phrase[:1].isupper() or phrase.lower().startswith(_DETERMINERS):
        return phrase
    return f"the {phrase}"


# -- candidates and checks -----------------------------------------------------------------------


def question_for_item(label: str) -> str | None:
    """A question about a credential or program the answer listed, when the item names one
    by its acronym; other items (table rows, phrases, "Business Environment") get None.

    >>> question_for_item("Certified ScrumMaster (CSM)")
    'What is the Certified ScrumMaster (CSM)?'
    >>> question_for_item("CAPM (PMI)")
    'What is the CAPM?'
    >>> question_for_item("Certified ScrumMaster (CSM, Scrum Alliance)")
    'What is the Certified ScrumMaster?'
    >>> [question_for_item(x) for x in ["Project planning", "Business Environment", "Number of Jobs, 2024"]]
    [None, None, None]
    >>> question_for_item("PSP (AACE International) or PMI-SP (PMI)") is None
    True

    An item that is a step or a phrase says "a" or "the" where a name would not:

    >>> [question_for_item(x) for x in ["Take a CSM course", "Pass the CSM exam"]]
    [None, None]
    >>> question_for_item("Advanced Certified ScrumMaster (A-CSM)")
    'What is the Advanced Certified ScrumMaster (A-CSM)?'
    """
    words = label.split()
    if not 1 <= len(words) <= MAX_ITEM_WORDS or re.search(r"[0-9]|\b(?:or|and)\b", label):
        return None
    if re.search(r"(?<!\S)(?:a|an|the)(?!\S)", label, re.I):  # a word, not "A-" of "A-CSM"
        return None
    if _is_acronym(words[0]) and len(words) > 1 and words[1].startswith("("):
        return f"What is the {words[0]}?"  # "CAPM (PMI)": the issuer in brackets is no part of the name
    if not any(_is_acronym(w) for w in words):
        return None
    # a bracket that only adds detail ("(CSM, Scrum Alliance)") is dropped; "(CSM)" is the name's
    name = re.sub(r"\s*\((?![A-Z][A-Z0-9-]*\))[^)]*\)", "", label).strip()
    return f"What is the {name}?"


def answerable(question: str, searcher: Searcher) -> bool:
    """Keyword retrieval finds a chunk that holds every content word of the question (the
    words that frame a question, "how long", "make", "do", need not occur)."""
    words = [
        w for w in query_terms(question) if w not in FRAME_WORDS and w not in SUGGESTION_FRAME_WORDS
    ]
    return searcher.reader.keyword.contains_all(words)


def _repeats(question: str, query: Query) -> bool:
    """The suggestion asks what the user just asked: no word the question lacks, or the same
    kind of fact ("How much do electricians make?" after "electrician salary?") about no
    subject the question lacks."""
    asked = set(query.focus) | _stem_set(query.text)
    words = _stem_set(question)
    if words <= asked:
        return True
    kind = attribute_of(question)
    if kind is None or kind != attribute_of(query.text):
        return False
    framing = ATTRIBUTES[kind] | _FRAME_STEMS
    return words - framing <= asked


_FRAME_STEMS = frozenset(stem(w) for w in FRAME_WORDS | SUGGESTION_FRAME_WORDS)


# Follow-up questions are made from section headings: a library has a few thousand, and each
# question's stems and figure kind are worked out once (a few hundred bytes each)
MAX_SECTION_QUESTIONS = 8192


@lru_cache(maxsize=MAX_SECTION_QUESTIONS)
def _stem_set(text: str) -> frozenset[str]:
    """Stems of a text, remembered: the same section questions come up again and again."""
    return frozenset(stems(text))


@lru_cache(maxsize=MAX_SECTION_QUESTIONS)
def _figure_of(question: str) -> str | None:
    return figure_asked(question)


def _fits(question: str, text: str) -> bool:
    """A question that asks for a figure ("How much do electricians make?", but also "How do
    you earn the CSM?", which reads as pay) is offered only when its section holds one."""
    kind = _figure_of(question)
    return kind is None or figure_kind(text, kind)


def _section_questions(reader: IndexReader, hit: Hit, skip: set[str], around: bool) -> list[str]:
    """Questions for the sections of the hit's article: with `around`, those after the hit's
    section, then those before it (nearest first); else the hit's own section's."""
    chunks = reader.doc_chunks(hit.chunk.doc_id)
    text: dict[str, str] = {}
    for c in chunks:
        text[c.section] = text.get(c.section, "") + "\n" + c.text
    sections = list(text)
    job = Occupation.of(hit.chunk.title, sections)
    if around:
        i = sections.index(hit.chunk.section) if hit.chunk.section in sections else 0
        order = sections[i + 1 :] + sections[:i][::-1]
    else:
        order = [hit.chunk.section]
    out = []
    for section in order:
        q = None if section in skip else question_for_section(hit.chunk.title, section, job)
        if q and _fits(q, text.get(section, hit.chunk.text)):
            out.append(q)
    return out


def _candidates(query: Query, hits: Sequence[Hit], draft: Draft, reader: IndexReader) -> list[str]:
    """Names listed in the answer, then the sections around the answer's, then the other
    sources' own sections."""
    out = [
        q
        for item in (item_texts(draft.passages) or list_items(draft.text))
        if (q := question_for_item(item_label(item)))
    ]
    if not hits:
        return out
    top = hits[0].chunk
    quoted = {c.section for c in draft.citations if c.doc_id == top.doc_id}
    out += _section_questions(reader, hits[0], quoted | {top.section}, around=True)
    for h in hits[1:]:
        if h.chunk.doc_id != top.doc_id:
            out += _section_questions(reader, h, set(), around=False)
    return [q for q in dict.fromkeys(out) if not _repeats(q, query)]


def suggest_follow_ups(
    query: Query, hits: Sequence[Hit], draft: Draft, searcher: Searcher, reader: IndexReader
) -> tuple[str, ...]:
    picked: list[str] = []
    for candidate in _candidates(query, hits, draft, reader)[:MAX_CANDIDATES]:
        if answerable(candidate, searcher):
            picked.append(candidate)
        if len(picked) >= MAX_SUGGESTIONS:
            break
    return tuple(picked)


# -- after a refusal -------------------------------------------------------------------------

# What people ask about an occupation, by the kind of fact the refused question asked for.
_OCCUPATION_QUESTIONS = {
    "pay": "How much do {many} make?",
    "cost": "How do you become {one}?",
    "duration": "How do you become {one}?",
    "requirements": "How do you become {one}?",
    "outlook": "What is the job outlook for {many}?",
    "count": "How many jobs do {many} hold?",
    "schedule": "What hours do {many} work?",
}
_DEFAULT_OCCUPATION_QUESTION = "What do {many} do?"


def subject_question(occupation: Occupation, attribute: str | None) -> str:
    """The question about a covered occupation that fits what the refused question asked.

    >>> subject_question(Occupation.of("Electricians", ["What Electricians Do"]), "pay")
    'How much do electricians make?'
    >>> subject_question(Occupation.of("Physicians and Surgeons", ["What Physicians and Surgeons Do"]), None)
    'What do physicians and surgeons do?'
    """
    form = _OCCUPATION_QUESTIONS.get(attribute or "", _DEFAULT_OCCUPATION_QUESTION)
    return form.format(many=occupation.many, one=occupation.one)


def _article_question(title: str, sections: Sequence[str], attribute: str | None) -> str | None:
    """For an article: the question of its first section whose heading names the attribute's
    words, else of its first section that reads as a question."""
    signal = set(ATTRIBUTES.get(attribute or "", ()))
    asked = [q for s in sections if (q := question_for_section(title, s))]
    fitting = [q for q in asked if signal & set(stems(q))]
    return (fitting or asked or [None])[0]


def subject_follow_ups(
    analysis: Analysis, titles: Sequence[str], searcher: Searcher
) -> tuple[str, ...]:
    """Questions about the nearest subjects the library covers, after a refusal (see
    `subject_questions`)."""
    return tuple(q for _title, q in subject_questions(analysis, titles, searcher))


def subject_questions(
    analysis: Analysis, titles: Sequence[str], searcher: Searcher
) -> tuple[tuple[str, str], ...]:
    """(title, question) for the nearest subjects the library covers, after a refusal: for an
    occupation the question that fits the asked attribute ("How much do electricians make?"),
    for an article one of its own sections' questions; a subject no question answers is left
    out."""
    wanted = set(titles[:MAX_SUGGESTIONS])
    sections: dict[str, list[str]] = {t: [] for t in wanted}
    for _doc, title, section, _url in searcher.reader.outline():
        if title in wanted:
            sections[title].append(section)
    out: list[tuple[str, str]] = []
    # as typed: the query's text may carry the library's words for its initials ("PMI")
    taken = [_said(analysis.query.asked or analysis.query.text)]
    for title in titles[:MAX_SUGGESTIONS]:
        job = Occupation.of(title, sections[title])
        q = (
            subject_question(job, analysis.attribute)
            if job
            else _article_question(title, sections[title], analysis.attribute)
        )
        # never the question just refused, word for word ("Where can you check current PMI
        # rules and fees?" offered itself); a narrower one is worth offering ("How much do
        # electricians make?" after "... in australia?")
        if q and _said(q) not in taken and answerable(q, searcher):
            out.append((title, q))
            taken.append(_said(q))
    return tuple(out)


def _said(question: str) -> tuple[str, ...]:
    """A question's words, in order, whatever its case and punctuation.

    >>> _said("Where can you check current PMI rules?") == _said("where can you check current pmi rules")
    True
    """
    return tuple(words_of(question))
