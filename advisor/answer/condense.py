"""Follow-up resolution without an LLM: turn "Who do they report to?" or "Tell me more about
the second one" into a standalone query, using the conversation so far.

The conversation is read turn by turn, keeping its current subject: a pronoun or a question
without a subject of its own carries it, an explicit new subject replaces it, "what about X?"
asks the previous question about X, and an ordinal picks an item of the previous answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.answer.tuning import CARRIED_WEIGHT, FRAME_WEIGHT, ITEM_NAMED_WORDS, SHARED_WEIGHT
from advisor.limits import MAX_ANSWER_CHARS
from advisor.records import CITATION_MARKER, Answer, Query, Turn, item_texts
from advisor.text.cues import asking_ends, attribute_of, figure_asked, refers_back
from advisor.text.lexicon import (
    ASPECT_WORDS,
    FRAME_WORDS,
    ORDINAL_NOUNS,
    ORDINALS,
    SAME_QUESTION_PHRASES,
    SWITCH_PHRASES,
)
from advisor.text.terms import STOPWORDS, Words, fold, read, stem, words_of

# History is clipped before any of it is read: a subject is carried across a few turns, and a
# turn longer than a question may be (ADVISOR_MAX_QUESTION_CHARS' default) names no subject.
MAX_TURNS = 6
MAX_TURN_CHARS = 2000
MAX_SUBJECT_WORDS = 8
MAX_SOURCES = 2  # articles of the previous answer a follow-up looks in first

# "the second one", "the 3rd option", "and the last?"; a bare "first" ("a teacher first",
# "is the first year hard?") is not a reference to a list.
_ORDINAL_REF = re.compile(
    r"\b(?:the\s{1,3})?(" + "|".join(ORDINALS) + r")\s{1,3}(?:"
    + "|".join(ORDINAL_NOUNS) + r")s?\b"
    # "the second?", not "the first year" nor "the first-time pass rate"
    r"|\bthe\s{1,3}(" + "|".join(ORDINALS) + r")\b(?!-|\s{0,3}[^\W_])",
    re.IGNORECASE,
)  # fmt: skip
# whole words of an item as written: "best-known" does not say "best"
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")
# "the braces one": an earlier list's item by a word it says
_DESCRIBED_REF = re.compile(r"\bthe\s{1,3}([^\W\d_][\w-]*)\s{1,3}ones?\b", re.IGNORECASE)
# The word lists as stems, once: "reporting" is the aspect "report".
_ASPECTS = frozenset(stem(w) for w in ASPECT_WORDS)
_FRAME = frozenset(stem(w) for w in FRAME_WORDS)
_NOT_SUBJECT = _ASPECTS | _FRAME
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)
# "and plumbers?", "plumbers too?": the one word beside a bare subject that asks the last
# question again about it (an article aside); "in texas?" qualifies, "seriously?" reacts
_LINKING_WORDS = frozenset({"and", "or", "also", "too", "for"})
_ARTICLES = frozenset({"a", "an", "the"})
# The words that say a turn moves on ("changing subject", "what about"): they name no subject.
_SWITCH_WORDS = frozenset(w for p in (*SWITCH_PHRASES, *SAME_QUESTION_PHRASES) for w in p.split())


@dataclass(frozen=True)
class _State:
    """What the conversation is about after a turn."""

    subject: tuple[str, ...] = ()  # subject words (folded), most specific first
    frame: tuple[str, ...] = ()  # aspect words of the last question ("become", "earn")
    figure: str = ""  # the kind of figure that question asked ("money": "how much ... earn?")

    @classmethod
    def own(cls, subject: Sequence[str], aspects: tuple[str, ...], question: str) -> _State:
        """A turn's state with its own aspect words as the frame, and the figure it asks."""
        return cls(tuple(subject), aspects, figure_asked(question) or "")

    def carried(self, subject: Sequence[str], aspects: tuple[str, ...], question: str) -> _State:
        """The state of a turn that asks the last question again about another subject: this
        frame when the turn names no aspect of its own, and with it the figure it asked (after
        "how much do electricians make?", "and plumbers?" asks an amount too)."""
        if aspects:
            return _State.own(subject, aspects, question)
        return _State(tuple(subject), self.frame, figure_asked(question) or self.figure)


def _answer_text(answer: Answer | str | None) -> str:
    if answer is None:
        return ""
    text = answer if isinstance(answer, str) else answer.text
    return text[:MAX_ANSWER_CHARS]


def list_items(answer: Answer | str | None) -> list[str]:
    """List items of an earlier answer, without citation markers: read from its passages,
    or, for an answer a client sent as text, from its "- " lines."""
    if isinstance(answer, Answer) and answer.table is not None:
        return list(answer.table.columns)  # "the second one": the second career compared
    if isinstance(answer, Answer) and answer.passages:
        return item_texts(answer.passages)
    items = []
    for line in _answer_text(answer).splitlines():
        if line.lstrip().startswith(("- ", "* ", "• ")):
            items.append(" ".join(CITATION_MARKER.sub(" ", line.strip()[2:]).split()))
    return items


def item_label(item: str) -> str:
    """The name part of a list item: 'Project management: This ...' -> 'Project management'."""
    head = item.split(":", 1)[0] if ":" in item[:80] else item
    words = head.split()
    return " ".join(words[:12]).rstrip(".")


def _resolve_reference(question: str, previous: Answer | str | None) -> str | None:
    """The question with "the second one" or "the braces one" replaced by the previous
    answer's item it points at; None when it points at none."""
    return _resolve_ordinal(question, previous) or _resolve_described(question, previous)


def _resolve_ordinal(question: str, previous: Answer | str | None) -> str | None:
    match = _ORDINAL_REF.search(question)
    if not match:
        return None
    items = list_items(previous)
    n = ORDINALS[(match.group(1) or match.group(2)).lower()]
    if not items or n > len(items):
        return None
    label = item_label(items[n - 1] if n > 0 else items[-1])
    return question[: match.start()] + label + question[match.end() :]


def _resolve_described(question: str, previous: Answer | str | None) -> str | None:
    """ "the braces one": the one item of the previous answer's list that says the word
    ("Orthodontists straighten teeth ... with braces ..."); none when no item or several do.

    >>> items = "- Orthodontists straighten teeth with braces.\\n- Periodontists treat gums."
    >>> _resolve_described("how long is training for the braces one?", items)
    'how long is training for Orthodontists straighten teeth with braces?'
    """
    items = list_items(previous)
    for match in _DESCRIBED_REF.finditer(question):
        said = [stem(w) for w in words_of(match.group(1))]
        if len(said) != 1 or said[0] in _NOT_SUBJECT or said[0] in _STOP_STEMS:
            continue  # "the best one", "the other one": no word an item is named by
        saying = [i for i in items if said[0] in {stem(w) for w in _WORD.findall(fold(i))}]
        if len(saying) == 1:
            return question[: match.start()] + item_label(saying[0]) + question[match.end() :]
    return None


def subject_words(asked: Words) -> list[str]:
    """Words that name what a question is about: content words that are neither filler nor
    an aspect asked about any subject ("how long", "license", "salary")."""
    words = [
        w
        for w, s in zip(asked.terms, asked.stems, strict=True)
        if s not in _NOT_SUBJECT and w not in ORDINALS and not w.isdigit()
    ]  # fmt: skip
    return words[:MAX_SUBJECT_WORDS]


def _named(asked: Words) -> list[str]:
    """A turn's own subject words, without the words that say it moves on ("what about",
    "changing subject"): those name no one."""
    return [w for w in subject_words(asked) if w not in _SWITCH_WORDS]


def _aspects(asked: Words) -> tuple[str, ...]:
    return tuple(w for w, s in zip(asked.terms, asked.stems, strict=True) if s in _ASPECTS)


def _has_phrase(words: list[str], phrases: Sequence[str], start_only: bool = False) -> bool:
    joined = " ".join(words)
    padded = f" {joined} "
    for phrase in phrases:
        if joined.startswith(phrase + " ") or joined == phrase:
            return True
        if not start_only and f" {phrase} " in padded:
            return True
    return False


def _moves_on(question: str, words: list[str]) -> bool:
    """The turn says it leaves the last question ("what about X?", see `_asked_again`) or the
    topic ("changing subject", "X instead")."""
    return _asked_again(question) is not None or _has_phrase(words, SWITCH_PHRASES)


def _asked_again(question: str) -> str | None:
    """The part of the turn from the clause that asks the last question again ("what about
    X?") to its end, or None. A remark may come first; a question may not ("do they need a
    license, what about plumbers?" asks both).

    >>> _asked_again("eh sounds boring. i've always loved weather, what about meteorologists?")
    'what about meteorologists?'
    >>> _asked_again("what about the pay?"), _asked_again("is demand for them growing?")
    ('what about the pay?', None)
    >>> _asked_again("do they need a license, what about plumbers?") is None
    True
    """
    asked = asking_ends(question)  # one pass: a 40,000-character turn has 2,000 clauses
    for start in [0, *(m.end() for m in _PHRASE_END.finditer(question))]:
        if start >= asked:
            return None
        # the phrase opens the clause: its first words are enough to read
        words = [w.lower() for w in words_of(question[start : start + _OPENING_CHARS])]
        if _has_phrase(words, SAME_QUESTION_PHRASES, start_only=True):
            return question[start:].strip()
    return None


def _names_only(question: str, asked: Words, own: Sequence[str]) -> bool:
    """A question that is a subject and one linking word ("and plumbers?", "plumbers too?")
    asks the last question again about it; "in texas?" or "remote?" qualifies the subject
    it had, and "what does a nurse do?" asks its own."""
    rest = [w for w in asked.words if w not in own and w not in _ARTICLES]
    linked = len(rest) == 1 and rest[0] in _LINKING_WORDS
    return linked and set(asked.terms) <= set(own) and question.rstrip().endswith("?")


def _names_an_item(asked: Words, previous: Answer | str | None) -> bool:
    """The turn names an item of the previous answer's list by most of its label's words, at
    least ITEM_NAMED_WORDS of them: it picks up what that answer said.

    >>> items = "- Saying yes to every request: it overloads the team.\\n- Staying the top coder"
    >>> _names_an_item(read("what's wrong with saying yes to everything?"), items)
    True
    >>> _names_an_item(read("what does a top engineer earn?"), items)
    False
    """
    said = set(asked.stems)
    for item in list_items(previous):
        label = set(read(item_label(item)).stems)
        shared = len(label & said)
        if shared >= ITEM_NAMED_WORDS and 2 * shared >= len(label):
            return True
    return False


def _shares_stem(words: Sequence[str], subject: Sequence[str]) -> bool:
    """The question names part of the subject again ("trucking school" after "truck driver")."""
    own = {stem(w) for w in words}
    return any(stem(w) in own for w in subject)


@dataclass(frozen=True)
class _Reading:
    """How one turn relates to the conversation's subject."""

    text: str
    carried: tuple[str, ...]  # words carried from before, for choosing sentences
    weight: float
    state: _State
    in_text: bool = True  # the carried words are added to the question's text too
    same_subject: bool = False  # the turn goes on about the conversation's subject


def _read(question: str, previous: Answer | str | None, state: _State) -> _Reading:
    """Resolve one turn against the state the conversation was in before it."""
    resolved = _resolve_reference(question, previous)
    if resolved is not None:  # "the second one" is the previous answer's second item
        asked = read(resolved)
        own = subject_words(asked) or list(state.subject)
        state = _State.own(own, _aspects(asked), resolved)
        return _Reading(resolved, (), 0.0, state, same_subject=True)
    asked = read(question)
    words = list(asked.words)
    own = _named(asked)
    aspects = _aspects(asked)
    if not (state.subject or state.frame):
        return _Reading(question, (), 0.0, _State.own(own, aspects, question))
    anaphoric = refers_back(words)
    again = _asked_again(question)
    if own and again and again != question:  # the remark before "what about X?" asks nothing
        return _read(again, previous, state)
    if own and (again is not None or _has_phrase(words, SWITCH_PHRASES)):  # `_moves_on`
        # "hmm, what about phlebotomy instead?": a new subject replaces the old one, and the
        # previous question's aspect comes along when this one names none; the figure it
        # asked, only when this one asks it again ("ok different thing. i'd rather design
        # products" keeps the words of "what do drafters make?", not its amount)
        frame = () if aspects else state.frame
        after = (
            state.carried(own, aspects, question)
            if again is not None
            else _State.own(own, aspects or frame, question)
        )
        return _Reading(question, frame, FRAME_WEIGHT, after)
    if own and _names_only(question, asked, own):
        # "and plumbers?": the last question again, about the subject it names; the earlier
        # subject stays behind it ("which one is growing faster?" next still has both)
        subject = _named_in_front(own, state.subject)
        return _Reading(question, state.frame, FRAME_WEIGHT, state.carried(subject, (), question))
    said = [s for s in asked.stems if s not in _FRAME]
    weight = CARRIED_WEIGHT if len(said) <= 1 else SHARED_WEIGHT
    if not own:  # "how long is the grad program for that?", "and the salary?"
        carried = state.subject or state.frame
        return _Reading(
            question,
            carried,
            weight,
            _State.own(state.subject, aspects, question),
            same_subject=True,
        )
    if anaphoric or _names_an_item(asked, previous):
        # "what credential do they get after the exam?": the subject, new words; "which one
        # is about Scrum?" after "which certifications ...?": the thing asked about; "what's
        # wrong with saying yes to everything?" after a list with "Saying yes to every
        # request": that list. What it names goes in front of the subject ("what do i need
        # for the PE after this?" after "just became an EIT ...": a later "who should those
        # be from?" is about the PE too)
        carried = state.subject or state.frame
        state = _State.own(_named_in_front(own, state.subject), aspects or state.frame, question)
        return _Reading(question, carried, weight, state, same_subject=True)
    if _shares_stem(own, state.subject):  # "trucking school" after "truck driver": named
        return _Reading(
            question,
            state.subject,
            SHARED_WEIGHT,
            _State.own(state.subject, aspects, question),
            in_text=False,
            same_subject=True,
        )
    # A subject of its own without a marker: the turn stands alone. A complete question
    # ("what does a registered nurse earn?") starts a new subject; a remark or a vaguer
    # question ("I'd like to work on defense projects though") puts its words in front of
    # the earlier subject, so a later "for that" keeps both.
    if question.endswith("?") and attribute_of(words) is not None:
        return _Reading(question, (), 0.0, _State.own(own, aspects, question))
    subject = _named_in_front(own, state.subject)
    return _Reading(question, (), 0.0, _State.own(subject, aspects, question), same_subject=True)


def switches_topic(question: str) -> bool:
    """The turn leaves the conversation's subject for one it names ("ok different question.
    my daughter wants to teach", "what about phlebotomy instead?"), as `_read` takes it.

    >>> switches_topic("eh nvm. i'm thinking about teaching 2nd grade instead")
    True
    >>> switches_topic("what about the pay?"), switches_topic("do they need a license?")
    (False, False)
    >>> switches_topic("ok changing subject, do they need a license?")
    False
    >>> switches_topic("sounds dull. i love weather, what about meteorologists?")
    True
    >>> switches_topic("ugh. what about the pay?")
    False
    """
    asked = read(_asked_again(question) or question)  # a remark before "what about" names no one
    return bool(_named(asked)) and _moves_on(question, list(asked.words))


def _named_in_front(own: Sequence[str], subject: Sequence[str]) -> tuple[str, ...]:
    """A turn's own subject words in front of the conversation's, as many as there is room
    for: the conversation's are kept ("registered nurse" is still the subject after three
    turns that each name a detail)."""
    new = [w for w in dict.fromkeys(own) if w not in subject]
    return (*new[: max(0, MAX_SUBJECT_WORDS - len(subject))], *subject)[:MAX_SUBJECT_WORDS]


def _clip(history: Sequence[Turn]) -> list[tuple[str, Answer | str | None]]:
    turns = []
    for turn in list(history)[-MAX_TURNS:]:
        user, answer = (turn[0], turn[1]) if len(turn) > 1 else (turn[0], None)
        user = user if isinstance(user, str) else ""
        turns.append((user[:MAX_TURN_CHARS], answer))
    return turns


def _state_after(history: Sequence[Turn]) -> tuple[_State, Answer | str | None]:
    """The conversation's subject after its last turn, and that turn's answer."""
    state, previous = _State(), None
    for user, answer in _clip(history):
        if user.strip():
            state = _read(user.strip(), previous, state).state
        previous = answer
    return state, previous


_WANTS = re.compile(
    r"\b(?:what|which)\s{1,3}(?:are\s{1,3}(?:the\s{1,3}|some\s{1,3})?|kinds?\s{1,3}of\s{1,3}"
    r"|types?\s{1,3}of\s{1,3}|other\s{1,3})?([a-z][a-z-]{0,40})",
    re.IGNORECASE,
)
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


# After "what are (the)", a noun phrase follows the copula; it runs to the first stop word or
# punctuation, and it names as many things as its head, its last word: "What are the common
# MEM specializations?" asks for specializations, "What are the job duties of X?" for duties.
_PHRASE_WORDS = 4
_PHRASE_END = re.compile(r"[,.;:!?()]")
# Longer than any phrase of SAME_QUESTION_PHRASES with the word after it: what `_asked_again`
# reads of a clause's opening
_OPENING_CHARS = 80


def answer_type(question: str) -> str:
    """The stem of the plural thing a question asks for, when it names one.

    >>> [answer_type(q) for q in ["What certifications help?", "Which jobs pay the most?",
    ...  "What are the common MEM specializations?", "What are the job duties of a chef?",
    ...  "Which career pays more?", "What is the PMP?", "What are the PMP eligibility rules?"]]
    ['certif', 'job', 'special', 'duti', '', '', 'rule']
    """
    match = _WANTS.search(question)
    if not match or match.group(1).lower() in _NOT_WANTS:
        return ""
    word = match.group(1).lower()
    if re.match(r"\s*(?:what|which)\s+are\b", question[match.start() :], re.I):
        rest = _PHRASE_END.split(question[match.start(1) :], maxsplit=1)[0].split()
        run: list[str] = []
        for w in rest[:_PHRASE_WORDS]:
            w = w.lower().strip("'’\"").removesuffix("'s").removesuffix("’s")
            if not w or w in STOPWORDS:
                break
            run.append(w)
        word = run[-1] if run else word
    return stem(word) if word.endswith("s") else ""


def _stems(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(stem(w) for w in words))


def condense(question: str, history: Sequence[Turn] = ()) -> Query:
    """Resolve a follow-up against the conversation; a self-contained question passes through."""
    question = question.strip()
    state, previous = _state_after(history) if history else (_State(), None)
    reading = _read(question, previous, state)
    focus = tuple(dict.fromkeys(read(reading.text).stems))
    if "how many" in " ".join(words_of(question)) and "number" not in focus:
        focus = (*focus, "number")  # "how many jobs" is answered by "Number of Jobs"
    carried = tuple(s for s in _stems(reading.carried) if s not in focus)
    text = reading.text
    if reading.carried and reading.in_text:
        text = f"{reading.text} ({' '.join(reading.carried)})"
    return Query(
        text=text,
        focus=focus,
        context=carried,
        follow_up=bool(reading.carried) or reading.text != question,
        context_weight=reading.weight if carried else 0.0,
        wants=answer_type(question),
        subject=" ".join(reading.state.subject),
        sources=_cited(previous) if reading.same_subject else (),
        asked=question,
        figure=reading.state.figure if reading.carried else "",
    )


def _cited(answer: Answer | str | None) -> tuple[str, ...]:
    """The articles an earlier answer cited, most cited first (at most MAX_SOURCES)."""
    if answer is None or isinstance(answer, str) or answer.refused:
        return ()
    counts: dict[str, int] = {}
    for c in answer.citations:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    return tuple(sorted(counts, key=lambda d: -counts[d])[:MAX_SOURCES])
