"""Domain word lists, written as words, each with what it is for. Stemmed once at import where
matching works on stems.

>>> from advisor.inventory import content_stems
>>> attribute_of(content_stems("what kind of money do analysts make"))
'pay'
>>> attribute_of(content_stems("how long is the grad program for that"))
'duration'
>>> is_comparison("PMP vs CSM: which takes less time?")
True
"""

from __future__ import annotations

import re

from advisor.terms import stem

# Chat words that are neither subjects nor content: an unknown one of these is not a name the
# library lacks ("kinda worried", "tbh").
CASUAL_WORDS = frozenset(
    """ok okay hmm hey hi hello thanks thank pls plz kinda sorta gonna wanna gotta tbh imo idk
    lol btw yeah yep nope anyway anyways basically actually really realistically honestly
    literally super pretty stuff thing things guys folks curious wondering""".split()
)

# Verbs and nouns that frame a question rather than name its subject: never a subject the
# library lacks, even when a small library never uses them.
FRAME_WORDS = frozenset(
    """tell explain describe detail details question answer make makes made become becoming
    need needs get gets work works working job jobs career careers do does doing know learn
    start starting usually typically typical actually good best worth""".split()
)

# What a question asks for, by the words that signal it. Order matters: the first attribute
# whose words occur wins ("how much does the exam cost" is a cost, not a count).
ATTRIBUTE_WORDS: dict[str, str] = {
    "cost": "cost costs fee fees price tuition expensive cheap afford",
    "pay": "pay pays paid salary salaries earn earns earning earnings wage wages income money "
    "compensation paycheck",
    "age": "age ages minimum-age",
    "count": "openings number",
    "duration": "long duration months weeks",
    "outlook": "outlook growth grow growing demand prospects projected shrinking dying future",
    "schedule": "hours schedule shifts nights weekends overtime",
    "requirements": "require requires required requirement requirements need needs license "
    "licence licensed degree qualify eligible eligibility prerequisite prerequisites "
    "certification credential",
    "duties": "duties responsibilities day-to-day",
    "figure": "average median typical percentage percent rate share",
}
ATTRIBUTES: dict[str, frozenset[str]] = {
    name: frozenset(stem(w) for w in text.split()) for name, text in ATTRIBUTE_WORDS.items()
}
# Phrases that set the attribute before single words do.
_ATTRIBUTE_PHRASES = (
    (re.compile(r"\bhow much\b.*\b(make|earn|paid|pay|get)\b", re.I), "pay"),
    (re.compile(r"\bhow much\b.*\b(cost|fee|charge)\b", re.I), "cost"),
    (re.compile(r"\bhow many\b", re.I), "count"),
    (re.compile(r"\bhow long\b|\bhow much time\b|\btakes?\s+(?:\w+\s+){0,2}time\b", re.I), "duration"),
    (re.compile(r"\bhow old\b", re.I), "age"),
)
# Attributes answered by a figure of one kind: the answer must quote such a figure.
FIGURE_ATTRIBUTES = {
    "pay": "money",
    "cost": "money",
    "count": "number",
    "age": "number",
    "duration": "time",
    "figure": "number",
}

# Attempts to change the instructions. Kept narrow: "should I act as a tech lead first?" and
# "can I override my manager's rules?" are ordinary questions.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:your|the|my|previous|prior|above|these)\s+"
    r"(?:\w+\s+){0,2}?(instruction|instructions|prompt|rules|guidelines)\b"
    r"|\b(system prompt|developer message|jailbreak|you are now|DAN mode|system update)\b"
    r"|\b(?:rules|instructions|guidelines)\b[^.?!]{0,40}\b(?:suspended|disabled|lifted|no longer apply)\b",
    re.IGNORECASE,
)

_COMPARISON = re.compile(
    r"\b(vs\.?|versus|compared?\s+(?:with|to)|comparison|difference between|better|worse|more|less|"
    r"higher|lower|faster|slower|longer|shorter|bigger|smaller)\b|\bor\b.*\?",
    re.I,
)


def attribute_of(stems: list[str], text: str = "") -> str | None:
    """The kind of fact a question asks for, or None."""
    for pattern, name in _ATTRIBUTE_PHRASES:
        if text and pattern.search(text):
            return name
    present = set(stems)
    for name, signal in ATTRIBUTES.items():
        if present & signal:
            return name
    return None


def looks_like_injection(text: str) -> bool:
    """An attempt to change the advisor's instructions rather than a career question."""
    return bool(_INJECTION.search(text))


def is_comparison(text: str) -> bool:
    return bool(_COMPARISON.search(text))


# -- Suggested follow-ups (advisor/suggest.py) ------------------------------------------------

# Words the follow-up templates add to frame a question ("How long does the PMP exam take?",
# "Is the work of an electrician dangerous?"); a source that answers need not use them.
SUGGESTION_FRAME_WORDS = frozenset(
    [
        "long", "take", "takes", "hold", "dangerous", "difference", "compare", "like", "cover", "covers",
        "article", "say",
    ]
)

# Verbs of embedded-question headings ("Why a PE license matters", "How MEM specializations
# work"): the word the direct question builds its "do/does" around.
SUGGESTION_VERBS = frozenset(
    [
        "work", "matter", "differ", "mean", "take", "pay", "change", "compare", "vary", "grow",
        "fit", "apply", "cost", "require", "need", "last", "help", "lead", "affect", "earn",
        "start", "end", "happen", "look", "count", "belong", "move", "report", "relate",
    ]
)

# Headings that introduce or close an article rather than answer a question.
SUGGESTION_SKIP_HEADINGS = ("key takeaways", "summary", "considering", "source", "contact",
                            "more information", "related", "introduction", "conclusion")
