"""Conversations of 4-5 turns that switch topic: the subject carries across turns, an explicit
new subject replaces it, ordinals and "that one" resolve against the previous answer, and
pronouns carry the last subject. Hand-written histories and answers; no model needed."""

from __future__ import annotations

from advisor.answer.condense import condense
from advisor.records import Answer, Query


def converse(turns: list[str], answers: dict[int, str] | None = None) -> list[Query]:
    """Condense every turn with the ones before it as history, as the advisor does."""
    answers = answers or {}
    history: list[tuple[str, Answer]] = []
    out = []
    for i, user in enumerate(turns):
        q = condense(user, history)
        out.append(q)
        history.append((user, Answer(text=answers.get(i, "…"), question=q.text)))
    return out


def words(q: Query) -> str:
    return q.text.lower()


def test_subject_carries_for_several_turns_then_an_explicit_new_one_replaces_it():
    qs = converse(
        [
            "is the PMP worth it for a software team lead?",
            "how long does it take to prepare?",
            "and what does it cost?",
            "different question - I'm also looking at the PSM I from scrum.org",
            "do I have to take a course before that one?",
        ]
    )
    assert "pmp" in words(qs[1]) and "pmp" in words(qs[2])
    assert qs[3].subject.startswith("psm") and "pmp" not in qs[3].subject
    assert "psm" in words(qs[4]) and "pmp" not in words(qs[4])
    assert qs[4].context_weight > 0 and "psm" in qs[4].context


def test_what_about_x_instead_replaces_the_subject_and_keeps_the_question():
    qs = converse(
        [
            "how do I become a dental assistant?",
            "do they need a license?",
            "hmm, what about phlebotomy instead?",
            "how long is the training program for that?",
        ]
    )
    assert "dental assistant" in words(qs[1])
    assert "license" in words(qs[2])  # "what about X?" asks the previous question about X
    assert "phlebotomy" in words(qs[3]) and "dental" not in words(qs[3])


def test_pronouns_carry_the_last_subject_across_turns():
    qs = converse(
        [
            "my sister wants to become a school principal",
            "what degree does she need?",
            "does she need to have been a teacher first?",
            "how much do they make?",
        ]
    )
    for q in qs[1:]:
        assert "principal" in words(q) and "sister" not in words(q)
    assert qs[3].follow_up and "princip" in qs[3].context


def test_a_full_time_one_means_the_subject():
    qs = converse(
        [
            "thinking about going back to school for an MBA",
            "what does the MBA core usually cover?",
            "how long does a full-time one usually take in the US?",
            "and is it expensive?",
        ]
    )
    assert "mba" in words(qs[2]) and "mba" in words(qs[3])
    # "one" is the MBA, not a new subject "full-time"; what the turn names ("the US") goes in
    # front of it
    assert qs[3].subject.split()[-1] == "mba", qs[3].subject


def test_the_third_subject_survives_a_question_without_one():
    """Three turns on: the earlier subject is still there (the old rule took only the last
    question's words, so "license" replaced "physician assistant")."""
    qs = converse(
        [
            "what does a physician assistant do day to day?",
            "and do they need a license?",
            "what credential do they get to put after their name once they pass the exam?",
            "how long is that valid?",
        ]
    )
    for q in qs[1:]:
        assert "physician assistant" in words(q)


ANSWER_WITH_LIST = (
    "Common MEM specializations include:\n"
    "- Project management: runs projects [1]\n"
    "- Operations and supply chain management: logistics [1]\n"
    "- Systems engineering and integration: systems [2]"
)


def test_ordinals_and_that_one_resolve_against_the_previous_answer():
    qs = converse(
        [
            "I'm a civil engineer thinking about an MEM",
            "what specializations are there?",
            "tell me more about the second one",
            "what jobs does that one lead to?",
            "and the last one?",
        ],
        answers={1: ANSWER_WITH_LIST, 2: "Operations ... [1]", 3: ANSWER_WITH_LIST},
    )
    assert qs[2].text == "tell me more about Operations and supply chain management"
    assert "operations supply chain management" in words(qs[3])  # "that one": the item
    assert qs[4].text == "and Systems engineering and integration?"


def test_an_unmarked_new_subject_keeps_the_earlier_one_in_reserve():
    qs = converse(
        [
            "is a PE license required for aerospace engineers starting out?",
            "ok. I'd like to work on defense projects though",
            "is there anything extra I'd need for that?",
            "how long does that take?",
        ]
    )
    assert not qs[1].follow_up  # a question with its own subject stands alone
    for q in qs[2:]:
        assert "defense" in words(q) and "aerospace" in words(q)


def test_a_standalone_question_in_a_conversation_passes_through():
    qs = converse(
        [
            "how much do vets earn?",
            "what does an electrician do?",
            "what does a registered nurse earn?",
            "how long is their training?",
        ]
    )
    assert qs[1].text == "what does an electrician do?" and not qs[1].follow_up
    assert qs[2].text == "what does a registered nurse earn?"
    assert "registered nurse" in words(qs[3]) and "vets" not in words(qs[3])


def test_switching_gears_even_after_got_it():
    qs = converse(
        [
            "what's the NCEES Record?",
            "is it only for people who are already licensed?",
            "got it. switching gears - what's the CAPM?",
            "who is it aimed at?",
            "what topics does its exam cover?",
        ]
    )
    assert "ncees" in words(qs[1])
    assert qs[2].subject == "capm" and "ncees" not in words(qs[2])
    assert "capm" in words(qs[3]) and "capm" in words(qs[4]) and "ncees" not in words(qs[4])


def test_a_refused_turn_still_sets_the_subject():
    history = [("how do I become a locksmith?", Answer(text="Sorry…", refused=True))]
    q = condense("do they need a license?", history)
    assert "locksmith" in words(q)


def test_a_bare_first_is_not_a_list_reference():
    previous = Answer(text="Pay by occupation:\n- Occupation [1]\n- Principals [1]")
    history = [("what degree does a school principal need?", previous)]
    q = condense("does she need to have been a teacher first?", history)
    assert q.text.startswith("does she need to have been a teacher first?")
    assert "principal" in words(q)
    assert condense("is the first year hard?", history).text.startswith("is the first year")
    first_time = condense("what's the first-time pass rate?", history).text
    assert first_time.startswith("what's the first-time pass rate?"), first_time
    assert condense("and the second?", history).text == "and Principals?"


def test_carried_words_count_fully_only_when_the_question_says_little():
    history = [("how do you become a real estate agent?", None)]
    assert condense("what do they earn?", history).context_weight == 1.0
    q = condense("after i get licensed, is it good forever or do i have to renew it?", history)
    assert 0 < q.context_weight < 1.0 and "real estate agent" in words(q)


def test_a_switch_to_a_subject_no_title_names_leaves_the_earlier_one_behind():
    """ "what do school librarians make?", then "eh nvm. i'm thinking about teaching 2nd grade
    instead": "are those jobs drying up?" is about teaching, which no title here names, not
    about the librarians the conversation left (it had quoted their outlook). Without the
    switch, the earlier subject still carries."""
    from advisor.answer.analysis import conversation_subjects
    from advisor.index.inventory import Inventory

    inventory = Inventory.build(
        [("librarians", "Librarians", "Pay", "The median wage for librarians was $64,370.")]
    )
    asked = ("what do school librarians make?", Answer(text="$64,370 [1]"))
    switched = [asked, ("eh nvm. i'm thinking about teaching 2nd grade instead", None)]
    assert conversation_subjects(switched, inventory) == ()
    went_on = [asked, ("i keep hearing about schools closing", None)]
    assert [s.docs for s in conversation_subjects(went_on, inventory)] == [("librarians",)]


def test_the_words_that_move_on_name_no_new_subject():
    """ "never mind, do they need a license?" goes on about the registered nurse: "never mind"
    takes back the last question, not the subject ("never mind, how long is it valid?" after
    the PSM I is about the PSM I). "ok changing subject. my daughter wants to teach
    kindergarten" names a new one, and it replaces the nurse; its "changing subject" names
    no one."""
    history = [("how do I become a registered nurse?", Answer(text="A degree. [1]"))]
    assert "registered nurse" in condense("never mind, do they need a license?", history).subject
    assert "registered nurse" in condense("nvm, what about the pay?", history).subject
    assert "registered nurse" in condense("never mind, how long is it?", history).subject
    moved = condense("ok changing subject. my daughter wants to teach kindergarten", history)
    assert "nurse" not in moved.subject and "kindergarten" in moved.subject
    assert "changing" not in moved.subject


def test_which_of_them_reaches_back_for_a_second_subject_but_not_past_a_switch():
    """A follow-up asking which of them ("which one is growing faster?") is about the two
    subjects last talked of, from two turns, counted by name (two careers of one article are
    two); a switch of topic, to a subject with an article or without, leaves the ones before
    it behind."""
    from advisor.answer.analysis import conversation_subjects
    from advisor.index.inventory import Inventory

    aprn = "Nurse Anesthetists, Nurse Midwives, and Nurse Practitioners"
    inventory = Inventory.build(
        [
            (d, d.title(), "Pay", f"The median wage for {d} was high.")
            for d in ("electricians", "plumbers", "carpenters")
        ]
        + [
            ("aprn", aprn, "Pay", "The median wage for these nurses was high."),
            ("rn", "Registered Nurses", "Pay", "The median wage for registered nurses was high."),
        ]
    )

    def named(history, sides):
        return [(s.docs, s.stems) for s in conversation_subjects(history, inventory, sides=sides)]

    talked = [("how much do electricians make?", None), ("and plumbers?", None)]
    assert [d for d, _ in named(talked, 1)] == [("plumbers",)]
    assert [d for d, _ in named(talked, 2)] == [("plumbers",), ("electricians",)]
    for switch in (
        "eh nvm. i'm thinking about teaching 2nd grade instead",
        "ok changing subject. how much do carpenters make?",
    ):
        switched = [("how much do electricians make?", None), (switch, None)]
        assert len(named(switched, 2)) <= 1, (switch, named(switched, 2))
    nurses = [
        ("how much do registered nurses make?", None),
        ("what do nurse practitioners do?", None),
        ("and nurse anesthetists?", None),
    ]
    assert {d for d, _ in named(nurses, 2)} == {("aprn",)}, named(nurses, 2)
