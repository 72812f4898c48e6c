"""Follow-up resolution (pure logic, no index)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.answer.condense import answer_type, condense, list_items
from advisor.records import Answer


def test_standalone_question_passes_through():
    q = condense("What does an engineering director do?", [("How long is an MEM?", None)])
    assert q.text == "What does an engineering director do?" and not q.follow_up


def test_pronoun_carries_the_previous_subject():
    history = [
        (
            "What does an engineering director do?",
            Answer(text="…", question="What does an engineering director do?"),
        )
    ]
    q = condense("Who do they report to?", history)
    assert q.follow_up and "engineering director" in q.text
    assert {"engin", "director"} <= set(q.context) and q.context_weight == 1.0


def test_a_that_opening_a_clause_starts_a_new_question():
    """ "What does a director do that a manager doesn't?" names its own subject: its "that"
    opens a clause and points at nothing before, so the previous turn's subject and sources
    stay behind; "is that a growing field?" still points back."""
    previous = Answer(text="- PMP: for people who lead projects [1]", question="q")
    history = [("tell me more about the PMP", previous)]
    q = condense("What does a director do that a manager doesn't?", history)
    assert not q.follow_up and not q.context and not q.sources
    assert "pmp" not in q.subject and "director" in q.subject
    back = condense("is that a growing field?", history)
    assert back.follow_up and "pmp" in back.context


def test_a_turn_naming_an_item_of_the_previous_list_goes_on_about_it():
    """No pronoun, but the words of one item the last answer listed: the conversation's
    subject and the articles that answer cited come along; a new question sharing one word
    with an item does not."""
    listed = (
        "- Saying yes to every request: it overloads the team. [1]\n- Staying the top coder [1]"
    )
    history = [
        ("i'm about to manage my old team", None),
        ("what mistakes do new managers make?", listed),
    ]
    q = condense(
        "what's wrong with just saying yes to everything? i don't want to seem difficult", history
    )
    assert q.follow_up and "team" in q.context
    fresh = condense("what does a software developer earn?", history)
    assert not fresh.follow_up and not fresh.context


def test_a_turn_that_points_back_keeps_what_it_names_for_later_turns():
    """ "what do i need for the LPN after this?" points back to the CNA and names the LPN: a
    later "how long does that take?" carries both, not the first turn's words alone; and
    turns that each name a detail do not push the conversation's subject out."""
    history = [
        ("got my CNA last month at a nursing home", None),
        ("what do i need for the LPN after this?", None),
    ]
    q = condense("how long does that take?", history)
    assert q.follow_up and "lpn" in q.context and "cna" in q.context
    details = [
        ("my nephew is a registered nurse", None),
        ("what do they earn in big cities?", None),
        ("do they work night shifts or weekend rotations?", None),
        ("are they unionized in hospital settings or clinics?", None),
    ]
    q = condense("and do they get overtime?", details)
    assert {"regist", "nurs"} <= set(q.context), q.context


def test_what_about_brings_a_new_subject_and_keeps_the_old_frame():
    history = [("What jobs does the operations and supply chain specialization lead to?", None)]
    q = condense("What about the systems engineering one?", history)
    assert q.follow_up and "system" in q.focus
    assert q.context_weight < 1.0  # the new subject outweighs the carried one


def test_a_bare_new_subject_asks_the_last_question_about_it():
    """ "and plumbers?" after a pay question asks plumbers' pay: the frame comes along and the
    new subject replaces the old; a turn that asks something of its own does not."""
    history = [("how much do electricians make?", None)]
    q = condense("and plumbers?", history)
    assert q.follow_up and "make" in q.context and "plumber" in q.focus
    assert "electrician" not in q.context
    own = condense("what do plumbers do?", history)
    assert "make" not in own.context
    # the earlier subject stays behind the new one for the turns after
    both = condense("which one is growing faster?", [*history, ("and plumbers?", None)])
    assert {"plumber", "electrician"} <= set(both.context), both.context
    # a qualifier is no new subject: the electricians stay the conversation's subject
    later = condense("do they need a license?", [*history, ("in texas?", None)])
    assert "electrician" in later.context, later.context


def test_what_about_x_after_a_remark_asks_the_last_question_about_x():
    """ "eh sounds boring. i've always loved weather, what about meteorologists?" after a pay
    question asks meteorologists' pay: the remark before the clause asks nothing (its words
    had led the answer to broadcast meteorologists' studios and schedules)."""
    history = [("how much do budget analysts make?", None)]
    q = condense("eh sounds boring. i've always loved weather, what about meteorologists?", history)
    assert q.follow_up and "make" in q.context and "meteorologist" in q.focus
    assert "weather" not in q.focus and "bore" not in q.focus, q.focus
    assert "budget" not in q.context
    # a question before the clause is no remark: it is asked too
    both = condense("do they need a license, what about plumbers?", history)
    assert "licens" in both.focus and "plumber" in both.focus, both.focus


def test_ordinal_maps_to_the_previous_answers_list():
    previous = Answer(
        text="Common ones:\n- Project management: runs projects [1]\n- Operations and supply chain management: logistics [1]\n- Systems engineering and integration: systems [1]"
    )
    q = condense(
        "Tell me more about the second one", [("What specializations are there?", previous)]
    )
    assert q.text == "Tell me more about Operations and supply chain management"
    assert (
        condense("and the last one?", [("x", previous)]).text
        == "and Systems engineering and integration?"
    )


def test_the_one_a_word_describes_is_the_previous_list_s_item_that_says_it():
    previous = Answer(
        text="Some specialties:\n- Orthodontists straighten teeth with braces. [1]\n"
        "- Periodontists treat the gums and bones. [1]\n- Endodontists do root canals. [1]"
    )
    history = [("what kinds of dentists are there?", previous)]
    q = condense("how long is the training for the braces one?", history)
    assert q.text == "how long is the training for Orthodontists straighten teeth with braces?"
    # an ordinal still counts first; a word no item says, or several items say, or one that
    # says how good rather than which ("the best one"), points at no one item
    assert (
        condense("and the second one?", history).text
        == "and Periodontists treat the gums and bones?"
    )
    assert "Orthodontists" not in condense("is the cheaper one better?", history).text
    best = [("x", Answer(text="- PMP is the best-known one. [1]\n- CAPM is for starters. [1]"))]
    assert condense("which is the best one?", best).text == "which is the best one?"
    assert (
        "Orthodontists"
        not in condense(
            "and the teeth one?",
            [
                (
                    "x",
                    Answer(
                        text="- Orthodontists straighten teeth. [1]\n- Endodontists save teeth. [1]"
                    ),
                )
            ],
        ).text
    )


def test_ordinal_beyond_the_list_falls_back_to_carrying():
    previous = Answer(text="- One [1]")
    q = condense("What about the third one?", [("Which certifications?", previous)])
    assert q.text.startswith("What about the third one?") and q.follow_up


def test_list_items_strip_markers():
    assert list_items("Lead:\n- A thing [1]\n- Other [2][3]\nText") == ["A thing", "Other"]


def test_answer_type():
    assert answer_type("What certifications can help me?") == "certif"
    assert answer_type("Which industries pay the most?") == "industri"
    assert answer_type("What is a director?") == ""


_turn = st.tuples(
    st.text(max_size=200),
    st.one_of(st.none(), st.text(max_size=300), st.builds(Answer, text=st.text(max_size=300))),
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.lists(_turn, max_size=6))
def test_condense_never_crashes(question, history):
    q = condense(question, history)
    assert isinstance(q.text, str)


def test_query_is_keyword_only():
    import dataclasses

    import pytest

    from advisor.records import Query

    with pytest.raises(TypeError):
        Query("text", ("focus",))  # type: ignore[misc]
    q = Query(text="What does a PE cost?", focus=("pe", "cost"))
    assert dataclasses.replace(q, subject="pe").subject == "pe"


ADVERSARIAL_TURNS = [
    "(" * 40_000,
    "a" * 40_000,
    "the " + " " * 40_000 + "x",
    "." * 40_000,
    "[1" * 20_000,
    "- " + "[" * 40_000,
    "what " * 8000,
    "the first " * 4000,
    ("x (" * 13_000) + ")",
]


def test_condense_is_fast_on_adversarial_history():
    """History reaches condense from the client: 40,000-character turns of letters,
    punctuation or parentheses must not stall the request (regexes linear, turns clipped)."""
    import time

    for text in ADVERSARIAL_TURNS:
        history = [
            (text, Answer(text=text)),
            (text, text),
            ("how much do nurses earn?", Answer(text=text)),
        ]
        start = time.perf_counter()
        condense(text[:2000], history)
        condense("and the second one?", history)
        assert time.perf_counter() - start < 2.0, repr(text[:10])
        start = time.perf_counter()
        list_items(text)
        answer_type(text)
        assert time.perf_counter() - start < 2.0, repr(text[:10])
