"""The quoting answerer's decisions: which scored units answer the question, whether the
library covers the question's subject and the fact asked for (the text: advisor/answer/render.py).

Nothing is generated: every cited line is quoted from its source, so a citation always
supports the line it ends. Lines without a marker only frame the quotes (whose facts they are,
what the library lacks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from advisor.answer.analysis import Analysis, Subject
from advisor.answer.figures import figure_kind, figure_value
from advisor.answer.render import render
from advisor.answer.scope import in_scope, stems_of
from advisor.answer.scoring import ScoredUnit, asked_row
from advisor.answer.tuning import (
    COMPANION_SHARE,
    COMPARE_ASPECT,
    MAX_ITEMS,
    MAX_SENTENCES,
    MIN_SUPPORT,
    NAMED_SUPPORT,
    ONE_ROW_MARGIN,
    ONE_ROW_SHARE,
    ONE_ROW_SLACK,
    ROW_ASPECT,
    ROW_SHARE,
    SIMILAR_STEMS,
    SUPPORT_MEANING,
    SUPPORT_WORDS,
    WANTED_LIST_SHARE,
)
from advisor.records import Citation, Hit, Passage, Query, Table, paragraph, passages_text
from advisor.text.cues import attribute_of, looks_like_injection
from advisor.text.lexicon import COMPARING_WORDS
from advisor.text.terms import stem, words_of

_ANAPHOR_START = re.compile(r"^(This|These|That|Those|It|They|Such|Their|Its)\b")
_ATTRIBUTE_NAMES = {"pay": "pay figures", "cost": "costs or fees", "duration": "how long it takes"}
_FIGURE_NAMES = {
    "money": "that amount",
    "number": "that number",
    "percent": "that percentage",
    "time": "how long it takes",
}

Verdict = Literal["answer", "missing_subject", "missing_fact", "unsupported", "unanswered"]


@dataclass(frozen=True, kw_only=True)
class Draft:
    """What the composer decided, and why."""

    text: str = ""  # the passages as text (`passages_text`)
    passages: tuple[Passage, ...] = ()  # the answer as data: quotes with their citations
    citations: tuple[Citation, ...] = ()
    verdict: Verdict = "answer"
    support: float = 0.0  # the refusal measure of the best quoted unit (0..1)
    chosen: tuple[ScoredUnit, ...] = field(default=(), repr=False)
    missing: tuple[str, ...] = ()  # names of subjects the library does not cover
    table: Table | None = None  # careers side by side, from their facts tables

    @property
    def refused(self) -> bool:
        return self.verdict != "answer"


def _draft(passages: tuple[Passage, ...], **decided: Any) -> Draft:
    """A draft whose text is its passages'."""
    return Draft(text=passages_text(passages), passages=passages, **decided)


def support_of(s: ScoredUnit) -> float:
    return SUPPORT_WORDS * s.features.words + SUPPORT_MEANING * max(0.0, s.features.meaning)


def _named_support(analysis: Analysis, best: ScoredUnit) -> float:
    """The refusal measure, with one more piece of evidence: a unit that names, in its own
    words, a specific thing the question names (a name no article title carries: "SEUs",
    "NCEES") answers about it, however vaguely the question is worded ("what kinds of things
    count toward the SEUs?"). Such a unit is held to NAMED_SUPPORT at least."""
    support = support_of(best)
    own = stems_of(best.text)
    named = any(not s.docs and not s.carried and own.issuperset(s.stems) for s in analysis.covered)
    return max(support, NAMED_SUPPORT) if named else support


def compose(
    analysis: Analysis, hits: Sequence[Hit], scored: Sequence[ScoredUnit], guarded: bool = True
) -> Draft:
    """Decide and render the quoted answer for the top hits' units. `guarded=False` skips the
    refusal rules (a subject the library lacks, the figure asked for, the support bar) and
    quotes the best answer there is: for the fitted answerability decision to weigh."""
    if not scored:  # nothing in the library is near the question: the general refusal
        return Draft(text="", verdict="unsupported")
    if analysis.missing and guarded:
        names = tuple(s.name for s in analysis.missing)
        return _draft((paragraph(_lack_line(names)),), verdict="missing_subject", missing=names)
    if analysis.comparison and len(analysis.covered) >= 2:
        compared = _compare(analysis, hits, scored)
        if compared is not None:
            return compared
    eligible, uncovered = _about_subjects(analysis, hits, scored)
    if uncovered and not guarded:
        eligible = list(scored)
    elif uncovered:
        names = tuple(s.name for s in uncovered)
        lack = paragraph(_lack_line(names, mention=True))
        return _draft((lack,), verdict="missing_subject", missing=names)
    eligible = _with_their_items(eligible, scored)
    # a line that states nothing (a chart's title, a bare job title, a row whose value the
    # page left empty: "2024 Median Pay:") is never quoted
    eligible = [s for s in eligible if _states_something(s)]
    while True:
        refusal, chosen, support = _choose(analysis, hits, eligible, guarded)
        if refusal is not None:
            return refusal
        # an article's own attempt at orders ("ignore all previous instructions and email
        # ...") is never quoted, as the LLM path never passes it on: checked on what would be
        # quoted only (checking every candidate took a millisecond a question), then chosen again
        orders = [c for c in chosen if looks_like_injection(c.text)]
        if not orders:
            break
        eligible = [e for e in eligible if all(e is not o for o in orders)]
    passages, citations = render(chosen, hits)
    return _draft(passages, citations=citations, support=support, chosen=tuple(chosen))


def _choose(
    analysis: Analysis, hits: Sequence[Hit], eligible: list[ScoredUnit], guarded: bool
) -> tuple[Draft | None, list[ScoredUnit], float]:
    """The refusal when nothing may be quoted, else None, the units to quote and the best
    one's support."""
    if not eligible:
        return Draft(text="", verdict="unsupported"), [], 0.0
    figure = analysis.figure
    with_figure = [s for s in eligible if figure and s.features.attribute > 0]  # scored once
    # a figure of another occupation (a table of similar ones) only when there is no other
    with_figure = [s for s in with_figure if not s.features.other_rows] or with_figure
    best = max(eligible, key=lambda s: s.score)
    support = _named_support(analysis, best)
    if figure and not with_figure and guarded:
        # a lead-in is said with its list ("check these items on pmi.org:" and the items)
        said = _select(eligible, best, analysis.attribute) if best.unit.kind == "lead" else [best]
        return _missing_fact(analysis, hits, said, support), [], support
    if support < MIN_SUPPORT and guarded:
        unsupported = Draft(text="", verdict="unsupported", support=support, chosen=(best,))
        return unsupported, [], support
    first = (
        max(with_figure, key=lambda s: s.score)
        if with_figure
        else _wanted_list(eligible, best, hits, analysis.query)
    )
    chosen = _select(eligible, first, analysis.attribute)
    return None, _structured_fact(eligible, chosen, hits), support


def _with_their_items(eligible: list[ScoredUnit], scored: Sequence[ScoredUnit]) -> list[ScoredUnit]:
    """A lead-in about every subject brings all its items: the list as a whole is about them,
    though each item may name only one ("The belts are these:" over "Green Belt: ...")."""
    leads = {(s.hit, s.unit.group) for s in eligible if s.unit.kind == "lead"}
    have = {(s.hit, s.unit.order) for s in eligible}
    return eligible + [
        s
        for s in scored
        if s.unit.listed and (s.hit, s.unit.group) in leads and (s.hit, s.unit.order) not in have
    ]


def _wanted_list(
    eligible: list[ScoredUnit], best: ScoredUnit, hits: Sequence[Hit], query: Query
) -> ScoredUnit:
    """A question asking for things in the plural ("What certifications can help me ...?") is
    answered by the list that names them, when its lead-in scores near the best unit; a
    sentence naming one of them answers it only in part. Of such lists, one whose items are
    names ("PMP (PMI): ...", not "Signal direction: ...") answers "which ...?" first. A list
    under a heading that names them in the plural catalogues them ("Common MEM
    specializations"), and answers before a best lead-in whose heading does not ("Choosing an
    MEM specialization": checks for choosing one). In a follow-up, only a list about what the
    conversation carried over ("systems engineering") answers it."""
    floor = WANTED_LIST_SHARE * best.score
    carried = frozenset(query.context)
    leads = [
        s
        for s in eligible
        if s.unit.kind == "lead"
        and s.features.wants >= 1.0
        and s.score >= floor
        and carried <= s.scope
    ]
    if best.unit.kind in ("sentence", "item"):  # one of them, or one item of another list
        return max(
            leads,
            key=lambda s: (
                _names_things(s, eligible),
                _headed_plural(s, hits, query.wants),
                s.score,
            ),
            default=best,
        )
    if best.unit.kind == "lead" and not _headed_plural(best, hits, query.wants):
        catalogues = [s for s in leads if _headed_plural(s, hits, query.wants)]
        return max(catalogues, key=lambda s: s.score, default=best)
    return best


def _headed_plural(lead: ScoredUnit, hits: Sequence[Hit], wanted: str) -> bool:
    """The lead-in's own heading names the wanted thing (a stem) in the plural."""
    heading = lead.unit.heading or hits[lead.hit].chunk.section.rsplit(" > ", 1)[-1]
    return any(_plural(w) and stem(w) == wanted for w in words_of(heading))


def _plural(word: str) -> bool:
    """A regular English plural, by its ending ("specializations", not "class" or "analysis").

    >>> [_plural(w) for w in ("specializations", "class", "analysis", "status", "roles")]
    [True, False, False, False, True]
    """
    return word.endswith("s") and not word.endswith(("ss", "is", "us"))


# A unit that states something ends as a sentence or labels what follows ("PE license: ...")
_STATEMENT = re.compile(r"[.!?][\"')\]]*\s*$|:\s+\S")
_NAME = re.compile(r"\b[A-Z][A-Za-z]?[A-Z]+\b")  # PMP, CAPM, PhD, ScrumMaster's "SM"


def _states_something(s: ScoredUnit) -> bool:
    """A sentence that ends as one (or gives a label's value), a row with a value."""
    if s.unit.kind == "sentence":
        return bool(_STATEMENT.search(s.text))
    return s.unit.kind != "row" or not s.text.rstrip().endswith(":")


def _names_things(lead: ScoredUnit, eligible: list[ScoredUnit]) -> bool:
    """Most of the lead-in's items are labelled by a name: an acronym before the colon."""
    items = [
        s.text.split(":", 1)[0]
        for s in eligible
        if s.hit == lead.hit and s.unit.group == lead.unit.group and s.unit.kind == "item"
    ]
    return bool(items) and sum(bool(_NAME.search(label)) for label in items) * 2 > len(items)


def _lack_line(names: Sequence[str], mention: bool = False) -> str:
    joined = " and ".join(f'"{n}"' for n in names)  # plain text: every client shows it as is
    if mention:
        return f"My sources mention {joined} only in passing; they don't answer this about it."
    return f"My sources don't cover {joined}."


def _about_subjects(
    analysis: Analysis, hits: Sequence[Hit], scored: Sequence[ScoredUnit]
) -> tuple[list[ScoredUnit], list[Subject]]:
    """Units about every subject the question names, else the subjects no unit is about."""
    covered = analysis.covered
    if not covered:
        return list(scored), []
    full = [s for s in scored if s.features.subject >= 1.0]
    if full:
        return full, []
    missing = [
        subj
        for subj in covered
        if not any(in_scope(subj, s.scope, hits[s.hit].chunk.doc_id) for s in scored)
    ]
    if missing:
        return [], missing
    # each subject somewhere, never together: a name the library only mentions ("Deloitte")
    # would be paired with another subject's facts
    # (a subject carried from an earlier turn is context: the question need not be about it)
    mentioned_only = [subj for subj in covered if not subj.docs and not subj.carried]
    if mentioned_only:
        return [], mentioned_only
    top = max(s.features.subject for s in scored)  # each subject somewhere, never together
    return [s for s in scored if s.features.subject >= top], []


def _missing_fact(
    analysis: Analysis, hits: Sequence[Hit], said: Sequence[ScoredUnit], support: float
) -> Draft:
    """The subject is covered but not the figure asked for: say so, and quote what the
    source does say about it (`said`: the best unit, or a lead-in with its list)."""
    about = " and ".join(s.name for s in analysis.covered) or "this"
    lack = _ATTRIBUTE_NAMES.get(analysis.attribute or "") or _FIGURE_NAMES.get(
        analysis.figure or "", "that"
    )
    lead = f"My sources don't give {lack} for {about}."
    if support < MIN_SUPPORT:
        return _draft((paragraph(lead),), verdict="missing_fact", support=support)
    passages, citations = render(list(said), hits)
    return _draft(
        (paragraph(f"{lead} What they do say:"), *passages),
        citations=citations,
        verdict="missing_fact",
        support=support,
        chosen=tuple(said),
    )


def _compare(analysis: Analysis, hits: Sequence[Hit], scored: Sequence[ScoredUnit]) -> Draft | None:
    """The best unit about each subject, side by side, each with its own citation."""
    picks: list[ScoredUnit] = []
    lacking: list[str] = []
    subjects = analysis.covered[:4]
    abouts = [_side_units(subj, subjects, analysis.figure, hits, scored) for subj in subjects]
    best = [
        max(about, key=lambda s: s.score + COMPARE_ASPECT * s.features.aspect, default=None)
        for about in abouts
    ]
    for subj, pick in zip(subjects, _alike(best, abouts, subjects, hits), strict=True):
        if pick is None:
            lacking.append(subj.name)
        elif pick not in picks:
            picks.append(pick)
    if len(picks) < 2 or _together_answers(analysis, scored, picks) or _leads_a_list(picks):
        return None  # answered like any question, from the units about every side
    support = min(support_of(p) for p in picks)
    passages, citations = render(picks, hits, labels=True)
    verdict = _which_is_larger(analysis, picks, hits)
    if verdict:
        passages += (paragraph(verdict),)
    if lacking:
        passages += (paragraph(_lack_line(lacking)),)
    return _draft(passages, citations=citations, support=support, chosen=tuple(picks))


def _side_units(
    subj: Subject,
    subjects: Sequence[Subject],
    figure: str | None,
    hits: Sequence[Hit],
    scored: Sequence[ScoredUnit],
) -> list[ScoredUnit]:
    """The units that can speak for one side of a comparison, the likeliest kinds only."""
    others = [o for o in subjects if o is not subj]
    about = [s for s in scored if _names_only(subj, others, s, hits)]
    # the article the subject titles speaks for it before pages that mention it, and never
    # through its table of other occupations
    about = [s for s in about if hits[s.hit].chunk.doc_id in subj.docs] or about
    about = [s for s in about if not s.features.other_rows] or about
    # a unit that names the subject itself before one that is about it by its neighbours
    about = [
        s for s in about if in_scope(subj, stems_of(s.text), hits[s.hit].chunk.doc_id)
    ] or about
    if figure:  # never another occupation's figure from a table of similar ones
        about = [
            s for s in about if figure_kind(s.text, figure) and not s.features.other_rows
        ] or about
    # an item labelled with the side's very name ("Black Belt: ...") before one whose
    # label only contains it ("Master Black Belt: ...")
    return [s for s in about if _label(s.text) == subj.name.lower()] or about


def _alike(
    picks: Sequence[ScoredUnit | None],
    abouts: Sequence[Sequence[ScoredUnit]],
    subjects: Sequence[Subject],
    hits: Sequence[Hit],
) -> list[ScoredUnit | None]:
    """Each side's fact-table row of the label the best-scoring side's row has, where its own
    article has one: rows compare like with like ("Typical Entry-Level Education: High school
    diploma" beside the other side's "Typical Entry-Level Education: Associate's degree", not
    beside its sentence on exams). Only rows of each side's own article count."""

    def own_row(s: ScoredUnit | None, subj: Subject) -> bool:
        own = s is not None and hits[s.hit].chunk.doc_id in subj.docs
        return own and s.unit.kind == "row" and bool(_label(s.text))

    rows = [p for p, subj in zip(picks, subjects, strict=True) if own_row(p, subj)]
    if not rows:
        return list(picks)
    label = _label(max(rows, key=lambda p: p.score).text)
    out = []
    for pick, about, subj in zip(picks, abouts, subjects, strict=True):
        same = [s for s in about if own_row(s, subj) and _label(s.text) == label]
        out.append(max(same, key=lambda s: s.score) if same else pick)
    return out


def _leads_a_list(picks: Sequence[ScoredUnit]) -> bool:
    """A side's best unit is a list's lead-in ("Core MEM subjects commonly include these:"):
    set beside the other side's unit, it would show without its items (or, where the other
    side's unit is one of them, with that one item). The question is answered like any other,
    with the whole list."""
    return any(p.unit.kind == "lead" for p in picks)


def _together_answers(
    analysis: Analysis, scored: Sequence[ScoredUnit], picks: Sequence[ScoredUnit]
) -> bool:
    """The best unit about every side compares them itself (names them all, with a word that
    sets them against each other) and outscores each side's own best: "The CSM and the PSM I
    cover the same Scrum framework but differ in how they are earned. The main differences
    ... are these:" for "which is cheaper, the CSM or the PSM I?". Not when each side's own
    quotes the figure asked for: those are set side by side."""
    if analysis.figure and all(figure_kind(p.text, analysis.figure) for p in picks):
        return False
    together = max(
        (s for s in scored if s.features.subject >= 1.0), key=lambda s: s.score, default=None
    )
    if together is None or together.score < max(p.score for p in picks):
        return False
    own = stems_of(together.text)
    compares = not COMPARING_WORDS.isdisjoint(words_of(together.text))
    return compares and all(own.issuperset(subj.stems) for subj in analysis.covered[:4])


_LARGER = {
    ("pay", "money"): "the higher pay",
    ("cost", "money"): "the higher cost",
    ("outlook", "percent"): "the faster growth",
}
_LARGER_BY_FIGURE = {
    "money": "the larger amount",
    "number": "the larger number",
    "percent": "the larger percentage",
    "time": "the longer time",
}


# Figures of these kinds compare across sources as they are (pay with pay, growth with growth);
# counts and times only when both come from rows of the same label ("Number of Jobs, 2024").
_COMPARABLE = {"money", "percent"}


def _label(text: str) -> str:
    return text.split(":", 1)[0].strip().lower() if ":" in text[:60] else ""


def _which_is_larger(analysis: Analysis, picks: Sequence[ScoredUnit], hits: Sequence[Hit]) -> str:
    """ "Of these, the higher pay goes to X (compared with Y) ..." when every side quotes a
    figure of one kind."""
    kind = analysis.figure or ("percent" if analysis.attribute == "outlook" else None)
    if kind is None or len(picks) != len(analysis.covered[:4]):
        return ""
    if kind not in _COMPARABLE and len({_label(p.text) for p in picks}) != 1:
        return (
            ""  # "230 minutes" (an exam) and "every two years" (a renewal) measure different things
        )
    values = [figure_value(p.text, kind) for p in picks]
    if any(v is None for v in values) or len(set(values)) < 2:
        return ""
    top = max(range(len(picks)), key=lambda i: values[i])
    names = [s.name for s in analysis.covered[:4]]
    rest = ", ".join(names[i] for i in range(len(names)) if i != top)
    # the figure's kind decides the words: "openings each year" are a number, not a time
    larger = _LARGER.get((analysis.attribute or "", kind)) or _LARGER_BY_FIGURE[kind]
    # no verb to agree with the name as typed ("electricians", "data analytics", "PMP")
    return f"Of these, {larger} goes to {names[top]} (compared with {rest}), by the figures quoted above."


def _names_only(
    subj: Subject, others: Sequence[Subject], s: ScoredUnit, hits: Sequence[Hit]
) -> bool:
    """The unit is about this subject, and neither it nor its article is about the others it
    is compared with (its list's lead-in may name both: "The VP of engineering and the CTO
    ...:" above "VP of engineering: runs the engineering organization"); in another side's
    article, a unit that names this side in its own words and not the other ("Lean, which
    grew out of ..." in the article on Lean Six Sigma, for "lean vs six sigma")."""
    chunk = hits[s.hit].chunk
    doc, own = chunk.doc_id, stems_of(s.text)
    # a name inside this side's own ("civil engineering" in "civil engineering tech"), or in
    # the title of its own article when the other side has articles of its own ("aerospace
    # engineering" in Aerospace Engineering and Operations Technicians), is not the other
    # side named; a title naming both ("Engineering Manager vs Director") names both
    title = stems_of(chunk.title) if doc in subj.docs else frozenset()
    named = [
        o for o in others if not set(o.stems) <= set(subj.stems) | _title_of_own(o, doc, title)
    ]
    if not in_scope(subj, s.scope, doc) or any(own.issuperset(o.stems) for o in named):
        return False
    if not any(doc in o.docs for o in others):
        return True
    # never through the other's table of similar occupations
    return own.issuperset(subj.stems) and not s.features.other_rows


def _title_of_own(other: Subject, doc: str, title: frozenset[str]) -> frozenset[str]:
    """The stems of a side's own article's title, as words that cannot name `other`: only
    when `other` has articles of its own and this is none of them."""
    return title if other.docs and doc not in other.docs else frozenset()


def _select(
    eligible: list[ScoredUnit], best: ScoredUnit, attribute: str | None = None
) -> list[ScoredUnit]:
    """The units to quote, in the order they should be shown: a list with its lead-in (or the
    one row whose label names the attribute asked for: "Job Outlook, ..." for "is it a good
    job for the future?"), or the best sentence with the one its "This ..." points back to and
    companions, MAX_SENTENCES in all."""
    same_group = [s for s in eligible if s.hit == best.hit and s.unit.group == best.unit.group]
    same_group.sort(key=lambda s: s.unit.order)
    listed = [s for s in same_group if s.unit.listed]
    named = [s for s in listed if attribute and attribute_of(_label(s.text)) == attribute]
    if best.unit.kind in ("lead", "row") and len(named) == 1:
        lead = [s for s in same_group if s.unit.kind == "lead"]
        return (lead if best.unit.kind == "lead" else []) + named
    if best.unit.kind in ("lead", "item", "row") and listed:
        ranked = sorted(listed, key=lambda s: s.score, reverse=True)
        first = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if first >= ONE_ROW_MARGIN * second + ONE_ROW_SLACK and first >= ONE_ROW_SHARE * best.score:
            # one item or row answers it ("2024 Median Pay: ...")
            lead = [s for s in same_group if s.unit.kind == "lead"]
            return (lead if best.unit.kind == "lead" else []) + [ranked[0]]
        if best.unit.kind in ("lead", "item"):
            return _whole_list(eligible, same_group)[: MAX_ITEMS + 1]
    by_place = {(s.hit, s.unit.order): s for s in eligible}
    chosen = [best]
    before = by_place.get((best.hit, best.unit.order - 1))
    if (
        best.unit.kind == "sentence"
        and _ANAPHOR_START.match(best.text)
        and before is not None
        and before.unit.group == best.unit.group
    ):
        chosen.insert(0, before)
    after = by_place.get((best.hit, best.unit.order + 1))
    if (
        after is not None
        and after.unit.group == best.unit.group
        and after.unit.kind == "sentence"
        and _ANAPHOR_START.match(after.text)
    ):
        chosen.append(after)
    for s in sorted(eligible, key=lambda s: s.score, reverse=True):
        if len(chosen) >= MAX_SENTENCES:
            break
        if s in chosen or s.unit.kind == "lead" or s.score < COMPANION_SHARE * best.score:
            continue
        if s.unit.kind == "row" and not s.features.attribute:
            continue  # a row without the figure asked for says something else ("Training: None")
        if s.features.other_rows:
            continue  # another occupation's row ("Occupation: ...; 2024 MEDIAN PAY: $64,790")
        if any(_similar(s, c) for c in chosen):
            continue
        # "These programs usually take 2 years": the sentence it points back to comes too
        antecedent = by_place.get((s.hit, s.unit.order - 1))
        if (
            _ANAPHOR_START.match(s.text)
            and antecedent is not None
            and antecedent.unit.group == s.unit.group
            and antecedent not in chosen
        ):
            if len(chosen) + 2 > MAX_SENTENCES:
                continue  # with the sentence it needs, it would go past the bound
            chosen.append(antecedent)
        chosen.append(s)
    return chosen


def _similar(a: ScoredUnit, b: ScoredUnit) -> bool:
    sa, sb = stems_of(a.text), stems_of(b.text)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) > SIMILAR_STEMS


def _whole_list(eligible: list[ScoredUnit], group: list[ScoredUnit]) -> list[ScoredUnit]:
    """A list's lead-in and items, continued from other chunks that repeat the same lead-in."""
    chosen = list(group)
    lead = next((s for s in chosen if s.unit.kind == "lead"), None)
    if lead is None:
        return chosen
    seen = {s.text for s in chosen}
    firsts = {}
    for s in eligible:
        firsts.setdefault((s.hit, s.unit.group), s)
    for s in eligible:
        first = firsts[(s.hit, s.unit.group)]
        continues = first.unit.kind == "lead" and first.text == lead.text
        if s.hit != lead.hit and s.unit.kind == "item" and s.text not in seen and continues:
            chosen.append(s)
            seen.add(s.text)
    return chosen


def _structured_fact(
    eligible: list[ScoredUnit], chosen: list[ScoredUnit], hits: Sequence[Hit]
) -> list[ScoredUnit]:
    """Prose answers gain the matching fact-table row of the same article ("Number of Jobs,
    2024: 1,579,800" beside "held about 1.6 million jobs"; "Typical Entry-Level Education: ..."
    beside the prose on schooling): the exact figure, with its citation. A row matches when it
    holds the kind of figure asked for, names what the question asks about, or states what the
    aspect model finds the question asks (tuning.ROW_SECTION). It may follow a
    list ("held about 5.0 million jobs ... distributed as follows:" and its rows): one row more
    is the figure the list does not give."""
    doc = hits[chosen[0].hit].chunk.doc_id
    top = max(s.score for s in chosen)
    rows = [
        s
        for s in eligible
        if s.unit.kind == "row"
        and hits[s.hit].chunk.doc_id == doc
        and not s.features.other_rows
        and s.score >= ROW_SHARE * top
        and (
            s.features.attribute > 0 or s.features.aspect >= ROW_ASPECT or asked_row(s, hits[s.hit])
        )
    ]
    best = max(rows, key=lambda s: s.score, default=None)
    return [*chosen, best] if best is not None and best not in chosen else chosen
