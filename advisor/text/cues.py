"""What a question's words say it asks: which attribute (pay, duration, ...), which kind of
figure, whether it compares, whether it tries to change the advisor's instructions. The words
themselves are data in `advisor/text/lexicon.py`."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

from advisor.text.lexicon import (
    ANAPHORA,
    ASKING_VERBS,
    ATTRIBUTE_CUES,
    ATTRIBUTE_ORDER,
    CLAUSE_SUBJECTS,
    EARNING_ENDS,
    FIGURE_PHRASES,
    FIGURE_WORDS,
    INDEFINITES,
    INJECTION_PATTERNS,
)
from advisor.text.terms import fold, stem, words_of

_INJECTION = re.compile("|".join(f"(?:{p})" for p in INJECTION_PATTERNS))
# Words for the injection check: lower-case letters and digits, ':' kept (a "SYSTEM:" header).
_INJECTION_WORD = re.compile(r"[^\W_]+|:")


@lru_cache(maxsize=4096)
def looks_like_injection(text: str) -> bool:
    """The text tries to change or reveal the advisor's instructions (remembered: a quoted
    sentence is checked by both of a question's drafts, and again by later questions)."""
    words = " ".join(_INJECTION_WORD.findall(text.lower())).replace(" :", ":")
    return _INJECTION.search(words) is not None


def refers_back(words: Sequence[str]) -> bool:
    """The words (folded, in order) point back at something said before: "they", "that job",
    "is that a growing field?"; not a "that" that opens a clause of its own.

    >>> refers_back("what does a director do that a manager doesn't".split())
    False
    >>> refers_back("is that a growing field".split()), refers_back("do they need one".split())
    (True, True)
    >>> refers_back("anything that makes applying easier".split())
    False
    """
    return any(w in ANAPHORA and not _opens_clause(words, i) for i, w in enumerate(words))


def _opens_clause(words: Sequence[str], i: int) -> bool:
    if words[i] != "that" or i == 0:
        return False
    before, after = words[i - 1], words[i + 1] if i + 1 < len(words) else ""
    return before in INDEFINITES or (after in CLAUSE_SUBJECTS and before not in ASKING_VERBS)


def attribute_of(words: Iterable[str] | str) -> str | None:
    """The attribute a question asks for (pay, duration, cost, requirements, duties, outlook,
    steps, comparison, definition), from its words in order (or its text); None if no cue."""
    seq = words_of(words) if isinstance(words, str) else [fold(w) for w in words]
    return _attribute_of_words(tuple(seq))


@lru_cache(maxsize=8192)
def _attribute_of_words(seq: tuple[str, ...]) -> str | None:
    """attribute_of for folded words in order (remembered: suggestions ask it of the same
    headings again and again)."""
    stems = {stem(w) for w in seq}
    joined = f" {' '.join(seq)} "
    cues, phrases = _cues()
    for name in ATTRIBUTE_ORDER:
        if name == "pay" and seq and seq[-1] in EARNING_ENDS:
            return name
        if name == "duties" and _WHAT_DO.search(joined):
            return name
        if not cues[name].isdisjoint(stems) or any(p in joined for p in phrases[name]):
            return name
    return None


# "what does X do" asks for duties; "what does the path look like?" does not
_WHAT_DO = re.compile(r" what (?:does|do|did) (?:\S+ )*?do ")


@lru_cache(maxsize=1)
def _cues() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """Per attribute: the stems of its one-word cues, and its phrases as " word word "."""

    stems: dict[str, frozenset[str]] = {}
    phrases: dict[str, tuple[str, ...]] = {}
    for name, cues in ATTRIBUTE_CUES.items():
        split = [words_of(c) for c in cues]
        stems[name] = frozenset(stem(w[0]) for w in split if len(w) == 1)
        phrases[name] = tuple(f" {' '.join(w)} " for w in split if len(w) > 1)
    return stems, phrases


ATTRIBUTES: dict[str, frozenset[str]] = _cues()[0]  # attribute -> stems of its one-word cues


_FIGURE_PHRASES = tuple((re.compile(p, re.I), kind) for p, kind in FIGURE_PHRASES)

# A question comparing two or more subjects ("PMP vs CSM", "which pays more: X or Y?"); "tell
# me more about X" asks for more of one.
_COMPARISON_WORDS = re.compile(
    r"\b(?:vs|versus|compared?\s+(?:with|to)|comparison|difference between|better|worse|"
    r"more(?!\s+(?:about|on|info|information|details?)\b)|"
    r"less|higher|lower|faster|slower|longer|shorter|bigger|smaller)\b",
    re.I,
)
_OR_QUESTION = re.compile(r"\bor\b[^?]*\?", re.I)  # "X or Y?"
# "What does a director do that a manager doesn't?": a contrast of two subjects, the groups.
# Both sides are "a"/"an" + up to three words (not "I", "you" or "the company": "what skills
# does a manager need that I don't have?" compares nothing), the second side's verb negated;
# at most 40 characters between the first verb and "that".
_CONTRAST_VERBS = r"(?:do|does|did|have|has|need|needs|get|gets|earn|earns|make|makes|know|knows)"
_NEGATED = (
    r"(?:(?:do|does|did|can|could|will|would|is|are|has|have)(?:n[’']?t\b|\s+not\b)|cannot\b)"
)
CONTRAST = re.compile(
    rf"\ban?\s+((?:[\w-]+\s){{0,2}}?[\w-]+)\s(?:(?:can|could|will|would|should|must)\s)?"
    rf"{_CONTRAST_VERBS}\b[^?.]{{0,40}}?\bthat\s+an?\s((?:[\w-]+\s){{0,2}}?[\w-]+)\s{_NEGATED}",
    re.I,
)
_COMPARISON = re.compile(
    f"{_COMPARISON_WORDS.pattern}|{_OR_QUESTION.pattern}|{CONTRAST.pattern}", re.I
)


_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_MOVES_PAY = re.compile(
    r"\b(?:affects?|drives?|push(?:es)?|raises?|boosts?|increases?|determines?|influences?|"
    r"lowers?|decides?|factors?\s+(?:in|of|behind|for))\b(?:\s+\w+){0,2}?\s+"
    r"(?:pay|salary|salaries|wages?|income|compensation)\b",
    re.I,
)
# "where can you check the fees?", "who sets the pay?", "why is tuition so high?" ask for a
# place, a person or a reason, not an amount; unless they also ask how much, or compare
# ("who pays more for engineers, government or industry?")
_ASKS_NO_AMOUNT = re.compile(r"\s*(?:where|who|whom|why)\b", re.I)
_STILL_AMOUNT = re.compile(
    r"\bhow\s+(?:much|many)\b|\b(?:more|less|most|least|higher|highest|lower|lowest|best|top)\b",
    re.I,
)
_YES_NO = re.compile(
    r"\s*(?:is|are|was|were|am|do|does|did|can|could|should|would|will|has|have)\b"
    # a request in question form asks for the figure: "can you tell me the median salary?"
    r"(?!\s+(?:you|u)\s+(?:please\s+)?(?:tell|give|share|list|show|find|say)\b)"
    r"(?!\s+(?:you|u)\s+know\b)",
    re.I,
)


def asks_no_amount(text: str) -> bool:
    """A where, who or why question asks for a place, a person or a reason, not an amount.

    Every sentence must: "who runs the PMP exam? how much does it cost?" asks the cost.

    >>> asks_no_amount("Where can you check current PMI rules and fees?")
    True
    >>> asks_no_amount("what fees does PMI charge?"), asks_no_amount("who runs it? what's the fee?")
    (False, False)
    >>> asks_no_amount("who earns the highest salary among engineers?")
    False
    """
    parts = [q for q in _SENTENCES.split(text) if q.strip()]
    return bool(parts) and all(_sentence_asks_no_amount(q) for q in parts)


def _sentence_asks_no_amount(sentence: str) -> bool:
    return bool(_ASKS_NO_AMOUNT.match(sentence)) and not _STILL_AMOUNT.search(sentence)


def figure_asked(text: str, ignore: Collection[str] = ()) -> str | None:
    """money, number or time when the question asks for such a figure, else None; cue words
    whose stem is in `ignore` (the subjects' names) do not count.

    >>> figure_asked("what kind of money do analysts make?"), figure_asked("how long is the program")
    ('money', 'time')
    >>> figure_asked("what makes a good manager?") is None
    True
    >>> figure_asked("Where can you check current PMI rules and fees?") is None
    True
    """
    for pattern, kind in _FIGURE_PHRASES:
        if pattern.search(text):
            return kind
    # a yes/no question ("is it just a bump in pay?") asks whether, not how much, unless it
    # compares ("do electronics engineers get paid more than electrical engineers?"); and what
    # moves pay ("what pushes pay up?", "what affects salaries?") asks for causes, not amounts;
    # nor does a where, who or why question
    asked = " ".join(
        q
        for q in _SENTENCES.split(text)
        if (not _YES_NO.match(q) or _COMPARISON.search(q)) and not _sentence_asks_no_amount(q)
    )
    asked = _MOVES_PAY.sub(" ", asked)
    words = set(_INJECTION_WORD.findall(asked.lower()))
    if ignore:
        words = {w for w in words if stem(w) not in ignore}
    for kind, cues in FIGURE_WORDS.items():
        if words & cues:
            return kind
    return None


def is_comparing_word(word: str) -> bool:
    """A word that sets things against each other ("better", "vs", "more").

    >>> is_comparing_word("better"), is_comparing_word("tech")
    (True, False)
    """
    return bool(_COMPARISON_WORDS.fullmatch(word))


def compares_by_or_only(text: str) -> bool:
    """The only comparison cue is an "or" ("does NCEES send the EIT or is there a step?")."""
    return bool(_OR_QUESTION.search(text)) and not _COMPARISON_WORDS.search(text)


# A request to set careers side by side ("compare electricians and plumbers", "nurses vs
# physicians", "how do chefs and bakers compare?"), read on lower-case words: what it names.
_COMPARE_LEADS = (
    re.compile(
        r"^(?:(?:can|could) you |please |let's |lets )*(?:compare|contrast)\s+(?P<rest>.+)$"
    ),
    re.compile(r"^(?:show |give )?(?:me )?(?:a )?comparison (?:of|between)\s+(?P<rest>.+)$"),
    re.compile(r"^how (?:do|does|would) (?P<rest>.+?) compare\b.*$"),
    re.compile(r"^(?P<rest>.+\s(?:vs\.?|versus)\s.+)$"),
)


def compared_names(text: str) -> str | None:
    """What a request to compare names ("electricians and plumbers"), else None.

    >>> compared_names("Can you compare electricians and plumbers?")
    'electricians and plumbers'
    >>> compared_names("what do electricians earn?") is None
    True
    """
    text = " ".join((text or "").lower().replace("?", " ").replace("!", " ").split())
    return next((m["rest"] for p in _COMPARE_LEADS if (m := p.match(text))), None)


# "which one ...?", "which of them ...?": a choice between sides the question does not name
_WHICH_OF = re.compile(r"\bwhich\s+(?:one|of)\b", re.I)
# a clause that asks: a question word or a yes/no question's verb first
_ASKING_CLAUSE = re.compile(
    r"(?:^|[,.;:!?]\s*)(?:what|how|why|when|where|which|who|is|are|was|were|do|does|did|can|"
    r"could|should|would|will|has|have)\b",
    re.I,
)


def asks_which_of(text: str) -> bool:
    """The question compares and asks which one wins, without naming the sides: after two
    careers were talked of, it asks which of those two. Not "which cities pay more?" (which
    of something else) nor "which one is better, union or non-union?" (its own sides).

    >>> asks_which_of("which one is growing faster?"), asks_which_of("which of them pays more?")
    (True, True)
    >>> asks_which_of("is it growing faster than average?"), asks_which_of("which cities pay more?")
    (False, False)
    >>> asks_which_of("which one is better, union or non-union?")
    False
    """
    return (
        is_comparison(text) and _WHICH_OF.search(text) is not None and not _OR_QUESTION.search(text)
    )


def asking_ends(text: str) -> int:
    """Where the text first asks something: just after its first "?" or its first asking
    clause's question word (a question word or a yes/no question's verb after a clause
    boundary); past its end when it only remarks. A part of the text up to a clause boundary
    asks something exactly when it reaches this far, so the clauses of a long turn are read
    in one pass.

    >>> asking_ends("eh sounds boring. what about plumbers?"), asking_ends("thanks!")
    (22, 8)
    >>> asking_ends("ok, how long is it") < 18, asking_ends("do they need a license") < 22
    (True, True)
    """
    lead = len(text) - len(text.lstrip())
    ends = [text.index("?") + 1] if "?" in text else []
    if (m := _ASKING_CLAUSE.search(text.strip())) is not None:
        ends.append(lead + m.end())
    return min(ends, default=len(text) + 1)


def is_comparison(text: str) -> bool:
    """The question sets subjects against each other: the one recognizer of comparisons, for
    the quoted answer's sides and for the side-by-side facts table alike.

    >>> is_comparison("PMP vs CSM: which takes less time?"), is_comparison("what is the PMP?")
    (True, False)
    >>> is_comparison("compare electricians and plumbers")
    True
    >>> is_comparison("tell me more about PMP (PMI)"), is_comparison("which pays more?")
    (False, True)
    """
    return bool(_COMPARISON.search(text)) or compared_names(text) is not None
