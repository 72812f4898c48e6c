"""Selection rules of the quoting answerer on hand-built hits (no model, no index): question
analysis, the subject guard, the refusal measure, comparisons, whose facts, one source per
section."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.answer.analysis import analyse, ask_part, family_runs
from advisor.answer.compose import compose, support_of
from advisor.answer.condense import condense
from advisor.answer.scoring import score_units
from advisor.answer.tuning import MIN_SUPPORT
from advisor.index.inventory import Inventory
from advisor.records import Chunk, Hit
from advisor.text.units import parse_units

ROWS = [
    ("electricians", "Electricians", "Quick Facts: Electricians",
     "| 2024 Median Pay: $62,340 per year\n| Number of Jobs, 2024: 818,700"),
    ("electricians", "Electricians", "How to Become an Electrician",
     "Most electricians learn through an apprenticeship. Apprenticeships last 4 or 5 years."),
    ("plumbers", "Plumbers, Pipefitters, and Steamfitters", "Quick Facts: Plumbers",
     "| 2024 Median Pay: $62,970 per year\n| Number of Jobs, 2024: 504,500"),
    ("certs", "PMP and CAPM Certifications", "The PMP exam",
     "The PMP exam has 180 questions and a time limit of 230 minutes. "
     "Candidates can take the exam at a test center. Deloitte posts many openings."),
    ("certs", "PMP and CAPM Certifications", "CAPM",
     "The CAPM suits people without project experience."),
]  # fmt: skip


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return Inventory.build(ROWS)


def hits_for(rows, dense: float = 0.5) -> list[Hit]:
    return [
        Hit(chunk=Chunk(f"c{i}", doc, title, section, text, i), score=1.0 / (i + 1), dense=dense)
        for i, (doc, title, section, text) in enumerate(rows)
    ]


def scored_for(question: str, inventory: Inventory, rows, meaning: float = 0.6):
    analysis = analyse(condense(question), inventory)
    hits = hits_for(rows)
    # every unit equally close in meaning: the rules below, not the vectors, decide
    q = np.zeros(4, dtype=np.float32)
    q[0] = 1.0
    unit = np.array([meaning, np.sqrt(1 - meaning**2), 0, 0], dtype=np.float32)
    vectors = {h.chunk.chunk_id: np.tile(unit, (len(parse_units(h.chunk.text)), 1)) for h in hits}
    idf = {t: 1.0 for t in analysis.query.focus}
    return analysis, hits, score_units(analysis, hits, idf, q, vectors)


def subject_docs(question: str, inventory: Inventory) -> list[tuple[str, ...]]:
    """The articles each subject of the question names, in order."""
    return [s.docs for s in analyse(condense(question), inventory).subjects]


def test_first_person_context_is_not_the_question():
    assert (
        ask_part("I'm a civil engineer at a state DOT. Does the PE matter?")
        == "Does the PE matter?"
    )
    assert (
        ask_part("what are the health requirements? i wear glasses")
        == "what are the health requirements?"
    )


def test_title_phrases_name_articles(inventory):
    a = analyse(condense("how much do electricians make?"), inventory)
    assert [s.name for s in a.subjects] == ["electricians"]
    assert a.subjects[0].docs == ("electricians",)
    assert a.attribute == "pay"


def test_a_title_names_whom_its_parts_name_not_the_words_that_qualify_them():
    """ "Construction" and "Maintenance" qualify "Painters" and name no one; a part of a title
    that ends in a plural is a head that people name by part ("industrial maintenance
    mechanics"), but a lone plural before the last part ("Promotions") is not."""
    rows = [
        ("painters", "Painters, Construction and Maintenance", "Pay", "Painters paint."),
        (
            "millwrights",
            "Industrial Machinery Mechanics, Machinery Maintenance Workers, and Millwrights",
            "Pay",
            "Mechanics repair machines.",
        ),
        ("ads", "Advertising, Promotions, and Marketing Managers", "Pay", "They plan ads."),
        ("police", "Police and Detectives", "Pay", "Officers patrol."),
    ]
    inventory = Inventory.build(rows)
    assert ("mainten",) not in inventory.phrases and ("construct",) not in inventory.phrases
    assert inventory.phrases[("painter",)] == ["painters"]
    assert inventory.phrases[("polic",)] == ["police"]  # a lone word of two still names
    mechanics = analyse(condense("what do industrial maintenance mechanics make?"), inventory)
    assert [s.docs for s in mechanics.subjects] == [("millwrights",)]
    # "managers promoted" is no part of the ads title ending in its head
    assert not inventory.loose_match(["restaur", "manag", "promot"])
    assert inventory.loose_match(["market", "manag"])[0][3] == ["ads"]


def test_a_kind_of_a_shared_head_no_title_names_is_a_run_to_read_by_meaning():
    """ "Managers" heads more titles than a subject takes: "hotel managment" (as the library
    spells it) is a run for the titles' meanings to read; "construction managers" is a
    title's own words, "construction project manager" a longer name, and a head one title
    has ("cooks") names that title already."""
    rows = [
        (f"m{i}", f"{kind} Managers", "Pay", f"{kind} managers plan.")
        for i, kind in enumerate(["Food Service", "Lodging", "Construction", "Financial", "Sales"])
    ] + [("cooks", "Cooks", "Pay", "Cooks cook. " + "Kitchen management takes time. " * 5)]
    inventory = Inventory.build(rows)
    runs = family_runs("what does it take to move into hotel managment?", inventory, frozenset())
    assert runs == [("hotel management", ("hotel", "manag"))]
    for question in (
        "what do construction managers make?",
        "is a construction project manager paid well?",
        "do line cooks work nights?",
    ):
        assert not family_runs(question, inventory, frozenset()), question
    # the head may be a subject's already ("financial managers"), the kind may not
    both = "do financial managers make more than hotel managers?"
    assert family_runs(both, inventory, frozenset({"financi", "manag"})) == [
        ("hotel managers", ("hotel", "manag"))
    ]
    # two titles are enough to share a head, and a possessive's "s" parts no words
    aides = Inventory.build(
        [(f"a{i}", f"{kind} Aides", "Pay", f"{kind} aides help.") for i, kind in
         enumerate(["Home Health", "Psychiatric"])]
    )  # fmt: skip
    runs = family_runs("my nephew may work as a teacher's aide", aides, frozenset({"aid"}))
    assert runs == [("teacher aide", ("teacher", "aid"))]
    # ... but a negation's pieces stay apart: "don't aides" is no kind of aide
    assert not family_runs("why don't aides get paid more?", aides, frozenset({"aid"}))


def test_unknown_names_are_missing_subjects_but_everyday_words_are_not(inventory):
    a = analyse(condense("what's the typical salary for a Sommelier?"), inventory)
    assert [s.name for s in a.missing] == ["Sommelier"]
    # the library's formal prose lacks many everyday words: those are not subjects ...
    assert not analyse(condense("is the CAPM pointless? kinda worried"), inventory).missing
    # ... unless they stand where a question names its occupation
    slot = analyse(condense("how much does a locksmith make?"), inventory)
    assert [s.name for s in slot.missing] == ["locksmith"]
    b = analyse(condense("kinda wondering, how much do electricans make?"), inventory)
    assert not b.missing


def test_missing_subject_is_refused_by_name(inventory):
    analysis, hits, scored = scored_for("how much does a PgMP holder make?", inventory, ROWS)
    assert compose(analysis, hits, []).verdict == "unsupported"  # nothing near: general refusal
    draft = compose(analysis, hits, scored)
    assert draft.refused and draft.verdict == "missing_subject"
    assert "PgMP" in draft.text and not draft.citations


def test_rare_name_must_be_in_the_quoted_text(inventory):
    # "Deloitte" occurs once, not next to any pay figure: the pay answer would be another
    # subject's figure, so the guard refuses instead.
    analysis, hits, scored = scored_for("what does Deloitte pay electricians?", inventory, ROWS)
    draft = compose(analysis, hits, scored)
    assert draft.refused


def test_covered_subject_without_the_fact_says_so_and_quotes_what_there_is(inventory):
    analysis, hits, scored = scored_for("how much does the CAPM cost?", inventory, ROWS[3:])
    draft = compose(analysis, hits, scored)
    assert draft.verdict == "missing_fact" and draft.refused
    assert draft.text.startswith("My sources don't give costs or fees for CAPM")
    assert "[1]" in draft.text and draft.citations


def test_pay_answer_comes_from_the_subjects_article_with_its_name(inventory):
    analysis, hits, scored = scored_for("how much do electricians make?", inventory, ROWS)
    draft = compose(analysis, hits, scored)
    assert not draft.refused
    assert "$62,340" in draft.text and "$62,970" not in draft.text
    assert draft.text.splitlines()[0] == "Electricians:"  # the row does not say whose it is
    assert {c.doc_id for c in draft.citations} == {"electricians"}


def test_comparison_quotes_each_side_with_its_own_citation(inventory):
    question = "electricians vs plumbers: which pays more?"
    analysis, hits, scored = scored_for(question, inventory, ROWS)
    assert analysis.comparison
    draft = compose(analysis, hits, scored)
    assert "$62,340" in draft.text and "$62,970" in draft.text
    assert [c.doc_id for c in draft.citations] == ["electricians", "plumbers"]


def test_low_support_is_refused_whatever_the_ranking_bonuses(inventory):
    # far in meaning and sharing no word: the figure bonus must not carry it into an answer
    analysis, hits, scored = scored_for("how much do wizards earn", inventory, ROWS, meaning=0.05)
    draft = compose(analysis, hits, scored)
    assert draft.refused
    best = max(scored, key=lambda s: s.score)
    assert support_of(best) < MIN_SUPPORT


def test_one_source_per_section(inventory):
    rows = [
        ("certs", "PMP and CAPM Certifications", "The PMP exam", "The PMP exam has 180 questions."),
        ("certs", "PMP and CAPM Certifications", "The PMP exam", "The PMP exam lasts 230 minutes."),
    ]
    analysis, hits, scored = scored_for(
        "tell me about the PMP exam questions and minutes", inventory, rows
    )
    draft = compose(analysis, hits, scored)
    assert len(draft.citations) == 1
    assert draft.citations[0].chunk_ids == ("c0", "c1")


def test_a_word_written_in_capitals_is_no_acronym_when_the_library_writes_it_in_lower_case():
    """A small library of career pages: their tables shout "2024 MEDIAN PAY", but "pay" is an
    ordinary word of theirs, so it names no subject ("electricians or plumbers, which pays
    better?" is about two sides, not three); "PMP" and "PMI", never written in lower case
    outside an address, stay acronyms."""
    rows = (
        [
            (f"job{i}", f"Job {i}", "Similar Occupations", "OCCUPATION | 2024 MEDIAN PAY | $50,000")
            for i in range(6)
        ]
        + [
            (f"job{i}", f"Job {i}", "Pay", f"The median pay for job {i} was $5{i},000.")
            for i in range(6)
        ]
        + [("pmp", "Project certifications", "Exam", "PMI's PMP exam: see https://pmi.org/pmp.")]
    )
    inventory = Inventory.build(rows)
    assert ("pai",) not in inventory.phrases and ("median",) not in inventory.phrases
    # a web address writes names in lower case; prose does not
    assert inventory.phrases[("pmp",)] == ["pmp"] and inventory.phrases[("pmi",)] == ["pmp"]


def test_an_acronym_the_library_also_writes_as_a_plain_word_is_no_subject():
    """ "CAT scanners" beside "cats and dogs": "the ones for cats" names no CAT article; an
    acronym with no plain word of its stem ("PMP") stays a subject."""
    rows = [
        ("repair", "Medical Equipment Repairers", "Duties", "They fix CAT scanners and the PMP."),
        ("vets", "Veterinarians", "Duties", "Companion animal vets care for cats and dogs."),
    ]
    inventory = Inventory.build(rows)
    assert ("cat",) not in inventory.phrases
    assert inventory.phrases[("pmp",)] == ["repair"]
    analysis = analyse(condense("are there kinds of vets besides the ones for cats?"), inventory)
    assert all(s.stems != ("cat",) for s in analysis.subjects)


def test_the_sides_of_a_comparison_take_different_articles():
    """Stems join "engineer" and "engineering": "aerospace engineer" titles both articles
    below. Beside "aerospace technician" it is the engineers'; asked alone, it keeps both."""
    rows = [
        ("aero", "Aerospace Engineers", "Pay", "Aerospace engineers design aircraft."),
        (
            "aero-tech",
            "Aerospace Engineering and Operations Technologists and Technicians",
            "Pay",
            "They run tests on aircraft.",
        ),
    ]
    inventory = Inventory.build(rows)
    both = analyse(
        condense("aerospace engineer vs aerospace technician, what's the pay difference?"),
        inventory,
    )
    assert both.comparison
    assert [s.docs for s in both.subjects if s.docs] == [("aero",), ("aero-tech",)]
    alone = analyse(condense("is aerospace engineering hard?"), inventory)
    assert [set(s.docs) for s in alone.subjects if s.docs] == [{"aero", "aero-tech"}]


def test_figures_of_one_edition_are_not_said_to_come_from_different_sources():
    """Two pages of one publisher and date (the OOH's electricians and plumbers) state figures
    of the same year; the "different sources and years" line is for pages that differ."""
    from advisor.answer.render import MIXED_SOURCES, render
    from advisor.records import Chunk, Hit

    def hit(i: int, doc: str, published: str) -> Hit:
        text = f"The median annual wage for {doc} was ${60 + i},000 in May 2024."
        chunk = Chunk(f"c{i}", doc, doc.title(), "Pay", text, 0, source="BLS", published=published)
        return Hit(chunk=chunk, score=1.0, dense=0.5)

    def said(*published: str) -> str:
        hits = [
            hit(i, d, p)
            for i, (d, p) in enumerate(zip(("electricians", "plumbers"), published, strict=True))
        ]
        rows = [(h.chunk.doc_id, h.chunk.title, h.chunk.section, h.chunk.text) for h in hits]
        analysis = analyse(
            condense("electricians or plumbers, which pays more?"), Inventory.build(rows)
        )
        units = score_units(analysis, hits, {})
        passages, _ = render(units, hits)
        return " ".join(q.text for p in passages for q in p.quotes)

    assert MIXED_SOURCES not in said("2025-08-28", "2025-08-28")
    assert MIXED_SOURCES in said("2025-08-28", "2023-04-01")


def test_a_titles_initialism_names_its_article_however_many_pages_mention_it():
    """ "PE" is on every engineering page; the article whose title gives it ("EIT, FE and PE:
    ...") is the one it names, as "MBA" names the one whose title sets it against the MEM. An
    initialism that only qualifies a title's head ("MRI Technologists") names no one alone."""
    rows = [
        (f"e{i}", f"Kind{i} Engineers", "How to Become", "Some need a PE license.")
        for i in range(12)
    ] + [
        ("lic", "EIT, FE and PE: The Path to Licensure", "The PE exam", "The PE exam is long."),
        ("vs", "Master of Engineering Management (MEM) vs MBA", "Cost", "An MBA costs more."),
        ("radio", "Radiologic and MRI Technologists", "Pay", "They run MRI scanners."),
    ]
    inventory = Inventory.build(rows)
    assert subject_docs("what do i need for the PE?", inventory) == [("lic",)]
    assert subject_docs("is an MBA worth it?", inventory) == [("vs",)]
    assert ("mri",) not in inventory.titled
    # ... nor one the library also writes as a word: "ACT" is no name where lawyers "act"
    rows = [
        ("tutors", "SAT and ACT Tutors", "Pay", "Tutors help."),
        ("lawyers", "Lawyers", "What Lawyers Do", "Lawyers act for their clients."),
    ]
    guarded = Inventory.build(rows)
    assert ("sat",) in guarded.titled and ("act",) not in guarded.titled


def test_a_heading_named_in_a_question_is_about_the_article_its_title_word_names():
    """ "How do you become a geographer?" says the heading "How to Become a Geographer" (a
    name the library gives), whose last word the title names; "PMP eligibility requirements"
    opens with a title's initialism."""
    rows = [
        ("geo", "Geographers", "How to Become a Geographer", "Most need a master's degree."),
        ("pmp", "PMP and CAPM Certifications", "PMP eligibility requirements", "A degree helps."),
    ]
    inventory = Inventory.build(rows)
    assert subject_docs("How do you become a geographer?", inventory) == [("geo",)]
    assert subject_docs("What are the PMP eligibility requirements?", inventory) == [("pmp",)]


def test_sides_whose_best_units_are_one_list_are_answered_by_the_whole_list():
    """One side's best unit is a list's lead-in, the other's one of its items: the list answers
    for both, whole, not cut into a lead-in and one item."""
    rows = [
        ("vs", "Master of Engineering Management (MEM) vs MBA", "MEM curriculum",
         "Core MEM subjects that build management skills include these:\n"
         "- Finance: budgeting and cost analysis for engineers.\n"
         "- Leadership: leading teams and managing change.\n"
         "- Strategy: product decisions, as an MBA would teach them."),
    ]  # fmt: skip
    inventory = Inventory.build(rows)
    question = "what management skills would an MEM or an MBA give me?"
    analysis, hits, scored = scored_for(question, inventory, rows)
    assert analysis.comparison
    text = compose(analysis, hits, scored).text
    assert "Finance" in text and "Leadership" in text and "Strategy" in text


def test_a_cue_word_inside_a_heading_phrase_names_the_thing_not_the_attribute():
    """ "How do you earn the CSM?" says the heading "How to earn the CSM": its "earn" is part of
    a name the library gives, and asks no pay (it was refused for having no pay figure); a
    name's last word still asks ("engineering manager pay"), and so does "earn" outside one."""
    rows = [
        ("agile", "Agile Certifications", "How to earn the CSM", "Take a two-day course."),
        ("em", "Engineering Manager Pay", "Pay", "The median was $150,000."),
        ("nurses", "Registered Nurses", "Pay", "The median was $90,000."),
    ]
    inventory = Inventory.build(rows)
    assert analyse(condense("How do you earn the CSM?"), inventory).attribute != "pay"
    assert analyse(condense("what is engineering manager pay?"), inventory).attribute == "pay"
    assert analyse(condense("what do registered nurses earn?"), inventory).attribute == "pay"


def test_a_phrase_inside_an_initialisms_expansion_is_not_what_it_names():
    """ "PDU" expands to "professional development units"; "development" alone is a word of
    the Software Developers title (Porter joins the two), and it made that article the
    subject of "what are PDU categories?". The whole expansion, ending at its head, is what
    the initials name (or one at its start: "adult basic" of ABE); "EM" still names the
    engineering manager."""
    rows = [
        ("software", "Software Developers", "What They Do", "Developers write code."),
        ("pmp", "PMP Certification", "Renewal",
         "Holders earn professional development units (PDUs) to renew the credential."),
        ("em", "Engineering Manager vs Director", "Scope",
         "An engineering manager (EM) leads one team."),
        ("abe", "Adult Basic and Secondary Education and ESL Teachers", "Duties",
         "Adult basic education (ABE) classes teach adults to read."),
    ]  # fmt: skip
    inventory = Inventory.build(rows)
    assert "software" not in {
        d for docs in subject_docs("what are PDU categories?", inventory) for d in docs
    }
    assert ("em",) in subject_docs("what does an EM do?", inventory)
    # a phrase at the expansion's start names it too: "adult basic" of ABE
    assert ("abe",) in subject_docs("how long is an ABE course?", inventory)
