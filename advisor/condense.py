"""Follow-up resolution without an LLM: turn "Who do they report to?" or "Tell me more about
the second one" into a standalone query, using the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.records import Answer
from advisor.terms import query_terms, stem

# A turn of history: the user's words, and the advisor's reply when there was one.
Turn = tuple[str, "Answer | str | None"]

_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "last": -1,
}  # fmt: skip
_ORDINAL_REF = re.compile(
    r"\b(?:the\s+)?(" + "|".join(_ORDINALS) + r")(?:\s+(?:one|item|option|point|step|role|"
    r"certification|specialization|path|thing)s?)?\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(they|them|their|theirs|it|its|this|that|these|those|he|she|his|her|one|ones|there)\b",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"^\s*(and|also|so|but|what about|how about|and what|what else|more)\b", re.IGNORECASE
)
# Words that frame a question rather than name its subject.
_FRAME = frozenset(
    [
        "tell",
        "more",
        "explain",
        "describe",
        "detail",
        "details",
        "question",
        "answer",
        "lead",
        "leads",
        "role",
        "roles",
        "report",
        "reports",
        "pay",
        "pays",
        "paid",
        "earn",
        "earns",
        "salary",
        "salaries",
        "cost",
        "costs",
        "take",
        "takes",
        "long",
        "need",
        "needs",
        "require",
        "requires",
        "required",
        "requirement",
        "requirements",
        "difference",
        "different",
    ]
)


@dataclass(frozen=True)
class Query:
    """A question made standalone, with the words that came from this turn and from before."""

    text: str  # standalone question: what retrieval embeds and the user is shown
    focus: tuple[str, ...]  # content words the user typed this turn
    context: tuple[str, ...] = ()  # content words carried from earlier turns
    follow_up: bool = False
    context_weight: float = 0.0  # how much carried words count when choosing sentences
    wants: str = ""  # stem of the kind of thing asked for: "What certifications ..." -> certif


def _answer_text(answer: Answer | str | None) -> str:
    if answer is None:
        return ""
    return answer if isinstance(answer, str) else answer.text


def _previous_question(history: Sequence[Turn]) -> str:
    """The last standalone question asked (the resolved one when the Answer carries it)."""
    for user, answer in reversed(history):
        if isinstance(answer, Answer) and answer.question and not answer.refused:
            return answer.question
        if user.strip():
            return user
    return ""


def list_items(answer_text: str) -> list[str]:
    """Bullet items of an earlier answer, without citation markers."""
    items = []
    for line in answer_text.splitlines():
        if line.lstrip().startswith(("- ", "* ", "• ")):
            items.append(re.sub(r"\s*\[\d+\]", "", line.strip()[2:]).strip())
    return items


def item_label(item: str) -> str:
    """The name part of a list item: 'Project management: This ...' -> 'Project management'."""
    head = item.split(":", 1)[0] if ":" in item[:80] else item
    words = head.split()
    return " ".join(words[:12]).rstrip(".")


def _resolve_ordinal(question: str, history: Sequence[Turn]) -> str | None:
    match = _ORDINAL_REF.search(question)
    if not match or not history:
        return None
    items = list_items(_answer_text(history[-1][1]))
    n = _ORDINALS[match.group(1).lower()]
    if not items or n > len(items):
        return None
    label = item_label(items[n - 1] if n > 0 else items[-1])
    return question[: match.start()] + label + question[match.end() :]


def _subject_words(question: str) -> list[str]:
    """Content words of an earlier question (without a carried '(…)' tail of its own)."""
    base = re.sub(r"\s*\([^)]*\)\s*$", "", question)
    return [w for w in query_terms(base) if w not in _FRAME][:8]


_WANTS = re.compile(
    r"\b(?:what|which)\s+(?:are\s+(?:the\s+|some\s+)?|kinds?\s+of\s+|types?\s+of\s+|other\s+)?([a-z][a-z-]+)",
    re.IGNORECASE,
)
NUMBER_HINT = True
_NOT_WANTS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "one",
        "ones",
        "the",
        "a",
        "an",
        "about",
    ]
)


def answer_type(question: str) -> str:
    """The stem of the plural thing a question asks for, when it names one."""
    match = _WANTS.search(question)
    if not match or match.group(1).lower() in _NOT_WANTS:
        return ""
    word = match.group(1).lower()
    return stem(word) if word.endswith("s") else ""


def condense(question: str, history: Sequence[Turn] = ()) -> Query:
    """Resolve a follow-up against the conversation; a self-contained question passes through."""
    query = _condense(question, history)
    focus = query.focus
    if (
        NUMBER_HINT
        and re.search(r"\bhow many\b", question, re.IGNORECASE)
        and "number" not in focus
    ):
        focus = (*focus, "number")  # "how many jobs" is answered by "Number of Jobs"
    return Query(
        query.text,
        focus,
        query.context,
        query.follow_up,
        query.context_weight,
        answer_type(question),
    )


def _condense(question: str, history: Sequence[Turn] = ()) -> Query:
    """Resolve a follow-up against the conversation; a self-contained question passes through."""
    question = question.strip()
    focus = tuple(dict.fromkeys(stem(w) for w in query_terms(question)))
    if not history:
        return Query(question, focus)
    resolved = _resolve_ordinal(question, history)
    if resolved is not None:
        return Query(
            resolved, tuple(dict.fromkeys(stem(w) for w in query_terms(resolved))), follow_up=True
        )
    previous = _previous_question(history)
    subject = _subject_words(previous)
    own = [w for w in query_terms(question) if w not in _FRAME]
    anaphoric = bool(_ANAPHORA.search(question)) or len(own) == 0
    continuing = bool(_CONTINUATION.search(question))
    if not subject or not (anaphoric or continuing):
        return Query(question, focus)
    carried = tuple(dict.fromkeys(stem(w) for w in subject if stem(w) not in focus))
    # "Who do they report to?" is about the old subject; "What about X?" brings a new one.
    weight = 1.0 if anaphoric and len(own) <= 1 else 0.4
    text = f"{question} ({' '.join(subject)})"
    return Query(text, focus, carried, follow_up=True, context_weight=weight)
