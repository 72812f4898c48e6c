"""Suggested follow-ups: the wording rules (pure, no model), the choice of candidates with a
small fake index, and end to end over the project corpus and a few real OOH pages."""

from __future__ import annotations

import doctest
import shutil
from types import SimpleNamespace

import pytest

import advisor.answer.suggest as suggest
from advisor.answer.analysis import Analysis
from advisor.answer.compose import Draft
from advisor.answer.suggest import (
    Occupation,
    base_verb,
    indefinite,
    lower_title,
    question_for_heading,
    question_for_item,
    question_for_section,
    singular,
    subject_question,
)
from advisor.records import Chunk, Hit, Query

from .conftest import CORPUS, SEED, settings_for

# -- wording (pure) -------------------------------------------------------------------------


def test_doctests_of_the_wording_helpers():
    result = doctest.testmod(suggest)
    assert result.attempted > 40 and result.failed == 0


@pytest.mark.parametrize(
    ("title", "one"),
    [
        ("Electricians", "Electrician"),
        ("Heavy and Tractor-trailer Truck Drivers", "Heavy or Tractor-trailer Truck Driver"),
        (
            "Elementary, Middle, and High School Principals",
            "Elementary, Middle, or High School Principal",
        ),
        ("Accountants and Auditors", "Accountant or Auditor"),
        ("Physicians and Surgeons", "Physician or Surgeon"),
        ("Registered Nurses", "Registered Nurse"),
        ("Chefs and Head Cooks", "Chef or Head Cook"),
        ("Fishing and Hunting Workers", "Fishing or Hunting Worker"),
        ("Secretaries and Administrative Assistants", "Secretary or Administrative Assistant"),
        (
            "Athletes, Coaches, Umpires, and Related Workers",
            "Athlete, Coach, Umpire, or Related Worker",
        ),
        ("Sales Engineers", "Sales Engineer"),
        ("Firefighters", "Firefighter"),
    ],
)
def test_singular_of_occupation_titles(title, one):
    assert singular(title) == one


@pytest.mark.parametrize(
    ("title", "sections", "many", "one"),
    [
        ("Electricians", ["How to Become an Electrician"], "electricians", "an electrician"),
        (
            "Heavy and Tractor-trailer Truck Drivers",
            ["How to Become a Heavy or Tractor-trailer Truck Driver > Training"],
            "heavy and tractor-trailer truck drivers",
            "a heavy or tractor-trailer truck driver",
        ),
        (
            "Elementary, Middle, and High School Principals",
            ["What Elementary, Middle, and High School Principals Do"],  # no "How to Become": rules
            "elementary, middle, and high school principals",
            "an elementary, middle, or high school principal",
        ),
        (
            "Accountants and Auditors",
            ["Pay", "How to Become an Accountant or Auditor"],
            "accountants and auditors",
            "an accountant or auditor",
        ),
        # the page's own heading wins over the rules ("Police and Detectives" -> officer)
        (
            "Police and Detectives",
            ["How to Become a Police Officer or Detective"],
            "police and detectives",
            "a police officer or detective",
        ),
        (
            "EMTs and Paramedics",
            ["What EMTs and Paramedics Do"],
            "EMTs and paramedics",
            "an EMT or paramedic",
        ),
    ],
)
def test_occupation_names(title, sections, many, one):
    job = Occupation.of(title, sections)
    assert job == Occupation(many=many, one=one)


def test_articles_are_not_occupations():
    assert (
        Occupation.of("Engineering Manager Pay and Job Outlook", ["Median pay for managers", "Pay"])
        is None
    )


@pytest.mark.parametrize(
    ("section", "question"),
    [
        ("What Physicians and Surgeons Do", "What do physicians and surgeons do?"),
        ("What Physicians and Surgeons Do > Duties", "What do physicians and surgeons do?"),
        ("Work Environment", "Where do physicians and surgeons work?"),
        ("Work Environment > Work Schedules", "What hours do physicians and surgeons work?"),
        (
            "Work Environment > Injuries and Illnesses",
            "Is the work of a physician or surgeon dangerous?",
        ),
        ("How to Become a Physician or Surgeon", "How do you become a physician or surgeon?"),
        (
            "How to Become a Physician or Surgeon > Education",
            "What education do physicians and surgeons need?",
        ),
        (
            "How to Become a Physician or Surgeon > Licenses, Certifications, and Registrations",
            "What licenses or certifications do physicians and surgeons need?",
        ),
        (
            "How to Become a Physician or Surgeon > Important Qualities",
            "What qualities do physicians and surgeons need?",
        ),
        ("Pay > Physicians and Surgeons", "How much do physicians and surgeons make?"),
        ("Job Outlook > Employment", "What affects demand for physicians and surgeons?"),
        (
            "Job Outlook > Physicians and Surgeons",
            "What is the job outlook for physicians and surgeons?",
        ),
        ("Summary", None),
        ("State & Area Data > CareerOneStop", None),
        ("Similar Occupations", None),
        ("Contacts for More Information > O*NET", None),
    ],
)
def test_ooh_sections_as_questions(section, question):
    title = "Physicians and Surgeons"
    job = Occupation.of(title, ["How to Become a Physician or Surgeon"])
    assert question_for_section(title, section, job) == question


def test_ooh_questions_for_awkward_titles():
    title = "Heavy and Tractor-trailer Truck Drivers"
    job = Occupation.of(title, ["How to Become a Heavy or Tractor-trailer Truck Driver"])
    assert question_for_section(title, "Pay > " + title, job) == (
        "How much do heavy and tractor-trailer truck drivers make?"
    )
    assert question_for_section(
        title, "How to Become a Heavy or Tractor-trailer Truck Driver", job
    ) == ("How do you become a heavy or tractor-trailer truck driver?")


@pytest.mark.parametrize(
    ("heading", "question"),
    [
        ("Keeping the PMP active: renewal and PDUs", "How do you keep the PMP active?"),
        ("Who the CAPM certification is for", "Who is the CAPM certification for?"),
        ("Who the MEM is designed for", "Who is the MEM designed for?"),
        (
            "How long each step of the engineering ladder takes",
            "How long does each step of the engineering ladder take?",
        ),
        (
            "Why leadership paths differ by engineering discipline",
            "Why do leadership paths differ by engineering discipline?",
        ),
        (
            "How success is measured for managers and directors",
            "How is success measured for managers and directors?",
        ),
        ("What a certification cannot do", "What can a certification not do?"),
        ("When to choose an MEM or an MBA", "When should you choose an MEM or an MBA?"),
        (
            "Deciding whether engineering management is the right next step",
            "How do you decide whether engineering management is the right next step?",
        ),
        (
            "Moving between engineering disciplines and industries",
            "How do you move between engineering disciplines and industries?",
        ),
        ("Choosing an MEM specialization", "How do you choose an MEM specialization?"),
        (
            "The Fundamentals of Engineering (FE) exam",
            "What is the Fundamentals of Engineering (FE) exam?",
        ),
        ("Common MEM specializations", "What are the common MEM specializations?"),
        (
            "Signs you may be ready to become a manager",
            "What are the signs you may be ready to become a manager?",
        ),
        (
            "PMI's project management certifications",
            "What are PMI's project management certifications?",
        ),
        (
            "Engineering manager vs director at a glance",
            "What is the difference between the engineering manager and the director?",
        ),
        (
            "How to Transition Into Engineering Management",
            "How do you transition into engineering management?",
        ),
        # headings that would read badly as questions give none
        ("Engineering manager and senior engineering manager", None),
        ("Hiring and team building", None),
        ("Budget responsibility", None),
        ("Focus: tactical execution versus strategy", None),
        ("Key Takeaways", None),
        ("Education & Early Steps", None),
        ("A Summary: The Progression of an Engineering Management Career", None),
    ],
)
def test_article_headings_as_questions(heading, question):
    assert question_for_heading(heading) == question


def test_every_project_heading_reads_as_a_question_or_none():
    """No heading of the project's articles becomes "Tell me about ..." or a broken question."""
    headings = [
        line.lstrip("#").strip()
        for path in sorted(CORPUS.glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    asked = [q for h in headings if (q := question_for_heading(h))]
    assert len(asked) >= 0.6 * len(headings)  # most headings give a question
    for q in asked:
        assert q.endswith("?") and q[0].isupper() and "  " not in q and "Tell me" not in q, q
        assert not q.lower().startswith(
            ("what is the the", "what are the the", "how do you engineer")
        ), q


@pytest.mark.parametrize(
    ("gerund", "verb"),
    [
        ("keeping", "keep"),
        ("choosing", "choose"),
        ("planning", "plan"),
        ("comparing", "compare"),
        ("using", "use"),
        ("developing", "develop"),
        ("managing", "manage"),
        ("getting", "get"),
    ],
)
def test_base_verb(gerund, verb):
    assert base_verb(gerund) == verb


def test_names_and_articles():
    assert (
        lower_title("Computer and Information Systems Managers")
        == "computer and information systems managers"
    )
    assert indefinite("accountant or auditor") == "an accountant or auditor"
    assert indefinite("MBA graduate") == "an MBA graduate"
    assert indefinite("PMP holder") == "a PMP holder"


def test_list_items_ask_only_about_named_credentials():
    assert question_for_item("PMP (PMI)") == "What is the PMP?"
    assert question_for_item("2024 Median Pay") is None
    assert question_for_item("Decision-making") is None


def test_subject_question_fits_the_attribute():
    job = Occupation.of("Electricians", ["How to Become an Electrician"])
    assert subject_question(job, "pay") == "How much do electricians make?"
    assert subject_question(job, "outlook") == "What is the job outlook for electricians?"
    assert subject_question(job, "requirements") == "How do you become an electrician?"
    assert subject_question(job, None) == "What do electricians do?"


# -- choosing candidates (fake index) ----------------------------------------------------------


def _chunk(doc: str, title: str, section: str, position: int) -> Chunk:
    return Chunk(
        chunk_id=f"{doc}-{position}",
        doc_id=doc,
        title=title,
        section=section,
        text="",
        position=position,
    )


class FakeReader:
    """doc_chunks and a keyword table that knows which words occur together."""

    def __init__(self, chunks: list[Chunk], missing: set[str] = frozenset()) -> None:
        self._chunks, self._missing = chunks, missing
        self.keyword = SimpleNamespace(
            contains_all=lambda words: bool(words) and not set(words) & self._missing
        )

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        return [c for c in self._chunks if c.doc_id == doc_id]

    def outline(self):
        return [(c.doc_id, c.title, c.section, "") for c in self._chunks]


ELECTRICIANS = [
    _chunk("e", "Electricians", s, i)
    for i, s in enumerate(
        [
            "Summary",
            "What Electricians Do > Duties",
            "Work Environment",
            "How to Become an Electrician",
            "How to Become an Electrician > Training",
            "Pay > Electricians",
            "Job Outlook > Electricians",
            "Similar Occupations",
        ]
    )
]


def _ask(question: str, top_section: str, reader: FakeReader, focus: tuple[str, ...]):
    hits = [Hit(chunk=next(c for c in ELECTRICIANS if c.section == top_section), score=1.0)]
    query = Query(text=question, focus=focus)
    return suggest.suggest_follow_ups(
        query, hits, Draft(text="An answer. [1]"), SimpleNamespace(reader=reader), reader
    )


def test_follow_ups_are_the_next_sections_as_questions():
    got = _ask(
        "What do electricians do?",
        "What Electricians Do > Duties",
        FakeReader(ELECTRICIANS),
        ("electrician",),
    )
    assert got == (
        "Where do electricians work?",
        "How do you become an electrician?",
        "What training do electricians need?",
    )


def test_follow_ups_skip_what_the_index_cannot_answer():
    reader = FakeReader(ELECTRICIANS, missing={"training"})
    got = _ask(
        "What do electricians do?", "What Electricians Do > Duties", reader, ("electrician",)
    )
    assert "What training do electricians need?" not in got and len(got) == 3


def test_follow_ups_never_repeat_the_question():
    """Asked "how do I become an electrician" while the top hit is a subsection: the page's
    "How to Become" section would ask the same thing again."""
    got = _ask(
        "How do I become an electrician?",
        "How to Become an Electrician > Training",
        FakeReader(ELECTRICIANS),
        ("becom", "electrician"),
    )
    assert "How do you become an electrician?" not in got and got


def test_refusal_follow_ups_fit_the_attribute_and_the_kind_of_title():
    article = [
        _chunk("m", "Engineering Manager Pay", s, i)
        for i, s in enumerate(
            ["Median pay for architectural and engineering managers", "Budget responsibility"]
        )
    ]
    reader = FakeReader(ELECTRICIANS + article)
    analysis = Analysis(
        query=Query(text="How much does a locksmith make?", focus=("locksmith",)),
        ask="How much does a locksmith make?",
        attribute="pay",
    )
    got = suggest.subject_follow_ups(
        analysis, ["Electricians", "Engineering Manager Pay"], SimpleNamespace(reader=reader)
    )
    assert got == (
        "How much do electricians make?",
        "What is the median pay for architectural and engineering managers?",
    )


# -- end to end (real index, real model) ----------------------------------------------------------

PROJECT_QUESTIONS = [
    "Which certifications help me move into engineering management?",
    "How long is the PMP exam?",
    "What's the difference between an MEM and an MBA?",
    "What does an engineering director do?",
    "How do I become a licensed PE?",
    "What is a Certified ScrumMaster?",
]


def _check(advisor, question: str) -> tuple[str, ...]:
    answer = advisor.ask(question)
    searcher = advisor.searcher()
    for follow in answer.follow_ups:
        assert follow.endswith("?") and not follow.startswith("Tell me"), follow
        assert follow.strip().lower() != question.strip().lower()
        assert suggest.answerable(follow, searcher), follow
    return answer.follow_ups


@pytest.mark.slow
@pytest.mark.parametrize("question", PROJECT_QUESTIONS)
def test_project_follow_ups_are_questions_the_advisor_answers(project_advisor, question):
    follow_ups = _check(project_advisor, question)
    assert follow_ups
    for follow in follow_ups:
        assert not project_advisor.ask(follow).refused, (question, follow)


OOH_PAGES = (
    "electricians",
    "heavy-and-tractor-trailer-truck-drivers",
    "physicians-and-surgeons",
    "elementary-middle-and-high-school-principals",
    "accountants-and-auditors",
)


@pytest.fixture(scope="module")
def mixed_advisor(tmp_path_factory, ooh_dir):
    """The project corpus, the seed article and five real OOH pages, indexed once."""
    from advisor.advisor import Advisor
    from advisor.ingest.build import ingest

    pages = tmp_path_factory.mktemp("ooh-pages")
    for slug in OOH_PAGES:
        shutil.copy(ooh_dir / f"{slug}.html", pages / f"{slug}.html")
    settings = settings_for(tmp_path_factory.mktemp("mixed-index"))
    report = ingest(settings, [CORPUS, pages] + ([SEED] if SEED.exists() else []))
    assert report.ok, report.problems
    advisor = Advisor(settings)
    advisor.warm()
    return advisor


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the pay answer's neighbours are the outlook, jobs and qualities sections (which three
        # depends on the scoring weights): the title's plural, as a question ends
        ("How much do electricians make?", " electricians?"),
        ("What does a physician do all day?", "How do you become a physician or surgeon?"),
        # the singular as the page writes it ("How to Become a Heavy or Tractor-trailer ...")
        ("what do truck drivers do", " a heavy or tractor-trailer truck driver"),
        (
            "What do school principals do?",
            "Where do elementary, middle, and high school principals work?",
        ),
        ("how do I become an accountant", "do accountants and auditors "),
    ],
)
def test_ooh_follow_ups_are_worded_from_the_page(mixed_advisor, question, expected):
    """Each expectation is a question, or the part of one, worded from the page's title."""
    follow_ups = _check(mixed_advisor, question)
    assert any(expected in f for f in follow_ups), follow_ups
    for follow in follow_ups:
        assert not mixed_advisor.ask(follow).refused, (question, follow)


@pytest.mark.slow
def test_refusal_offers_pay_questions_for_occupations_only(mixed_advisor):
    answer = mixed_advisor.ask("How much does a locksmith make?")
    assert answer.refused and answer.follow_ups
    searcher = mixed_advisor.searcher()
    occupations = {
        "electricians",
        "heavy and tractor-trailer truck drivers",
        "physicians and surgeons",
        "elementary, middle, and high school principals",
        "accountants and auditors",
    }
    for follow in answer.follow_ups:
        assert follow.endswith("?") and suggest.answerable(follow, searcher), follow
        if follow.startswith("How much do "):
            assert follow.removeprefix("How much do ").removesuffix(" make?") in occupations, follow


def test_a_question_about_the_same_fact_in_other_words_is_a_repeat():
    got = _ask(
        "what's the salary of an electrician?",
        "Job Outlook > Electricians",
        FakeReader(ELECTRICIANS),
        ("salari", "electrician"),
    )
    assert "How much do electricians make?" not in got and got


@pytest.mark.slow
def test_the_answer_list_does_not_offer_the_asked_subject_again(project_advisor):
    """The answer lists "Certified ScrumMaster (CSM, Scrum Alliance)"; asking about it again is
    no follow-up to "What is a Certified ScrumMaster?"."""
    follow_ups = _check(project_advisor, "What is a Certified ScrumMaster?")
    assert follow_ups
    assert not any(f.lower().startswith("what is the certified scrummaster") for f in follow_ups), (
        follow_ups
    )


@pytest.mark.slow
def test_a_small_library_of_career_pages_reads_pay_as_what_is_asked(mixed_advisor):
    """Five career pages: their tables' "2024 MEDIAN PAY" made "pay" a subject (an acronym
    shared by few enough pages), so a comparison of pay had a third, missing side."""
    question = "electricians or accountants, which pays better?"
    analysis = mixed_advisor.analyse(mixed_advisor.condense(question, []), [])
    assert sorted(s.name for s in analysis.subjects) == ["accountants", "electricians"]
    answer = mixed_advisor.ask(question)
    assert not answer.refused and "don't cover" not in answer.text, answer.text
