"""The browsable library: grouping, filtering, facts tables, comparisons, comparison requests and
related careers, on small hand-made outlines; then once over a real index of OOH pages."""

from __future__ import annotations

import re
import shutil
import tracemalloc
from collections.abc import Sequence

import numpy as np
import pytest

from advisor.library.catalog import (
    MISSING,
    Library,
    assign_groups,
    build_library,
    comparison_table,
    fact_key,
    facts_table,
    figures,
    group_candidates,
    similar_names,
    url_category,
    with_topics,
)
from advisor.records import Chunk

from .conftest import CORPUS, OOH, need, settings_for

OOH_URL = "https://www.bls.gov/ooh/{}/{}.htm"


def facts_chunk(doc_id: str, title: str, rows: list[str], position: int = 0, **kw) -> Chunk:
    text = "\n".join([f"Quick Facts: {title}", *(f"| {r}" for r in rows)])
    return Chunk(f"{doc_id}-facts", doc_id, title, "Summary", text, position, **kw)


ELECTRICIANS = [
    "2024 Median Pay: $62,350 per year $29.98 per hour",
    "Typical Entry-Level Education: High school diploma or equivalent",
    "Work Experience in a Related Occupation: None",
    "On-the-job Training: Apprenticeship",
    "Number of Jobs, 2024: 818,700",
    "Job Outlook, 2024–34: 9% (Much faster than average)",
    "Employment Change, 2024–34: 77,400",
]
PLUMBERS = [
    "2024 Median Pay: $62,970 per year $30.27 per hour",
    "Typical Entry-Level Education: High school diploma or equivalent",
    "On-the-job Training: Apprenticeship",
    "Number of Jobs, 2023: 504,500",  # another year than the electricians' page
    "Job Outlook, 2024–34: 4% (As fast as average)",
]
SIMILAR = (
    "This table shows a list of occupations with job duties that are similar to those of "
    "electricians.\n"
    "| Occupation: Plumbers, Pipefitters, and Steamfitters; Job Duties: They install pipes.; "
    "ENTRY-LEVEL EDUCATION: High school diploma or equivalent; 2024 MEDIAN PAY: $62,970\n"
    "| Occupation: Electrical Power-Line Installers and Repairers; Job Duties: They fix lines.\n"
    "| Occupation: Wind Turbine Technicians; Job Duties: They fix turbines."
)


def outline_rows() -> list[tuple[str, str, str, str]]:
    pages = {
        "electricians": ("Electricians", "construction-and-extraction"),
        "plumbers": ("Plumbers, Pipefitters, and Steamfitters", "construction-and-extraction"),
        "line-installers": ("Line Installers and Repairers", "installation-maintenance-and-repair"),
        "registered-nurses": ("Registered Nurses", "healthcare"),
        "nurse-practitioners": (
            "Nurse Anesthetists, Nurse Midwives, and Nurse Practitioners",
            "healthcare",
        ),
    }
    rows = []
    for doc_id, (title, category) in pages.items():
        url = OOH_URL.format(category, doc_id)
        noun = title.split(",")[0].split(" and ")[0]
        for section in ("Summary", f"How to Become {noun}", "Pay", "Similar Occupations"):
            rows.append((doc_id, title, section, url))
    rows.append(("mem-vs-mba", "MEM vs MBA", "Which degree fits", ""))
    rows.append(("pmp", "PMP and CAPM Certifications", "Eligibility", ""))
    rows.append(("notes", "Interview Notes", "Questions to ask", ""))
    return rows


MANIFEST = {
    "mem-vs-mba": {"path": "corpus/mem-vs-mba.md", "topics": ["mem", "engineering management"]},
    "pmp": {"path": "corpus/pmp.md", "topics": ["pmp", "certification"]},
    "notes": {"path": "/data/drafts/notes.txt"},
}


@pytest.fixture
def library() -> Library:
    title = {d: t for d, t, _s, _u in outline_rows()}
    chunks = [
        facts_chunk("electricians", title["electricians"], ELECTRICIANS, url="https://e.example"),
        facts_chunk("plumbers", title["plumbers"], PLUMBERS, url="https://p.example"),
        facts_chunk("registered-nurses", title["registered-nurses"], ELECTRICIANS[:2]),
        Chunk("e-sim", "electricians", "Electricians", "Similar Occupations", SIMILAR, 30),
        Chunk("e-pay", "electricians", "Electricians", "Pay", "| Manufacturing | 71,820", 20),
    ]
    vectors = {
        "electricians": [1.0, 0.1, 0.0],
        "plumbers": [0.9, 0.2, 0.0],
        "line-installers": [0.7, 0.0, 0.7],
        "registered-nurses": [0.0, 1.0, 0.0],
        "nurse-practitioners": [0.0, 0.9, 0.3],
    }
    return build_library("gen-000001", outline_rows(), MANIFEST, chunks, vectors)


# -- grouping ----------------------------------------------------------------------------------
def test_groups_come_from_the_url_the_front_matter_or_the_folder():
    url = "https://www.bls.gov/ooh/installation-maintenance-and-repair/x.htm"
    assert url_category(url) == "Installation Maintenance and Repair"
    assert url_category("https://www.bls.gov/ooh/management/top-executives.htm") == "Management"
    assert url_category("https://example.com/blog/how-to.html") == ""  # one level says nothing
    assert url_category("") == ""
    title = "EIT, FE and PE: The Path to Engineering Licensure"
    assert group_candidates({"topics": ["pe license", "fe exam"]}, url, title) == (
        "PE License",  # title case, the acronym spelled as the title spells it
        "FE Exam",
    )
    assert group_candidates({"topics": ["salary"]}, url, "Pay") == ("Salary",)
    assert group_candidates({"path": "/x/seed/a.txt"}, "") == ("Seed",)
    assert group_candidates({}, "") == ("Other",)


def test_topics_of_older_indexes_are_read_from_the_markdown_file(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("---\ntitle: A\ntopics: [pmp, certification]\n---\nText.\n")
    assert with_topics({"path": str(page)})["topics"] == ["pmp", "certification"]
    kept = {"path": str(page), "topics": []}
    assert with_topics(kept) is kept  # the manifest's own answer wins
    gone = {"path": str(tmp_path / "gone.md")}
    assert with_topics(gone) is gone


def test_an_article_with_several_topics_joins_the_largest_group():
    groups = assign_groups(
        {
            "a": ["scrum", "certification"],
            "b": ["certification", "pmp"],
            "c": ["pmp", "certification"],
            "d": ["pe license"],
            "e": ["PMP"],  # same topic, other spelling
        }
    )
    assert groups == {
        "a": "certification",
        "b": "certification",
        "c": "certification",
        "d": "pe license",
        "e": "PMP",  # the spelling with capitals
    }
    # equally shared topics: the one an article lists first wins, not the alphabetical first
    assert assign_groups({"x": ["scrum", "agile"], "y": ["pmp"]}) == {"x": "scrum", "y": "pmp"}


def test_spellings_of_one_topic_are_one_group_in_title_case():
    """Front matter writes one topic several ways ("engineering manager", "engineering
    management"): Explore shows one group for it, in title case, named by a general rule."""
    title = "Some Article"
    candidates = {
        "a": group_candidates({"topics": ["engineering manager", "salary"]}, "", title),
        "b": group_candidates({"topics": ["engineering management", "mem"]}, "", "MEM vs MBA"),
        "c": group_candidates({"topics": ["Engineering Managers"]}, "", title),
        "d": group_candidates({"topics": ["lean six sigma"]}, "", title),
    }
    groups = assign_groups(candidates)
    assert groups["a"] == groups["b"] == groups["c"]  # one topic, one group
    assert groups["d"] == "Lean Six Sigma"
    for name in groups.values():
        assert name == " ".join(w[:1].upper() + w[1:] for w in name.split())


def test_library_groups_with_sizes_and_sections(library):
    sizes = {g.name: g.size for g in library.groups}
    assert sizes == {
        "Construction and Extraction": 2,
        "Drafts": 1,
        "Healthcare": 2,
        "Installation Maintenance and Repair": 1,
        "MEM": 1,  # the first topic listed, spelled as in the title
        "PMP": 1,
    }
    assert sum(sizes.values()) == library.size == 8
    healthcare = next(g for g in library.groups if g.name == "Healthcare")
    assert healthcare.doc_ids == ("nurse-practitioners", "registered-nurses")  # by title
    assert library.article("electricians").sections == (
        "Summary",
        "How to Become Electricians",
        "Pay",
        "Similar Occupations",
    )


# -- filtering ---------------------------------------------------------------------------------
def test_filter_narrows_by_title_and_section_word_prefixes(library):
    assert library.filter("").matched == library.filter("  ").matched == 8
    nur = library.filter("nur")  # half typed
    assert [(g.name, g.doc_ids) for g in nur.groups] == [
        ("Healthcare", ("nurse-practitioners", "registered-nurses"))
    ]
    assert (nur.matched, nur.total) == (2, 8)
    assert library.filter("registered nur").matched == 1
    assert library.filter("questions").groups[0].doc_ids == ("notes",)  # a section word
    assert library.filter("zzz").groups == ()
    assert library.filter("become plumb").matched == 1  # words may come from title and section


def test_title_matches_come_first_in_their_group(library):
    rows = [
        ("a", "Alpha Testers", "Pay", ""),
        ("b", "Beta Nurses", "Pay", ""),
        ("c", "Gamma Writers", "Working with nurses", ""),
    ]
    lib = build_library("g", rows, {d: {"path": "/x/all/a"} for d in "abc"})
    assert lib.filter("nurse").groups[0].doc_ids == ("b", "c")


# -- facts tables ------------------------------------------------------------------------------
def test_facts_table_reads_quick_facts_rows_and_nothing_else(library):
    table = library.facts["electricians"]
    assert [f.key for f in table.facts] == [
        "median pay",
        "typical entry level education",
        "work experience in a related occupation",
        "on the job training",
        "number of jobs",
        "job outlook",
        "employment change",
    ]
    assert table.get("median pay").value == "$62,350 per year $29.98 per hour"
    assert (table.section, table.chunk_id) == ("Summary", "electricians-facts")
    assert "line-installers" not in library.facts  # no table at all
    assert library.article("plumbers").has_facts and not library.article("pmp").has_facts
    pay_only = Chunk("x", "d", "D", "Pay", "Median wages:\n| Manufacturing: 71,820", 3)
    assert facts_table([pay_only]) is None  # a table without a facts caption is not one
    assert fact_key("Job Outlook, 2024–34") == "job outlook" == fact_key("2031 Job Outlook")


def test_facts_split_over_two_chunks_are_read_once():
    first = facts_chunk("d", "D", ELECTRICIANS[:4])
    rest = Chunk("d2", "d", "D", "Summary", "Quick Facts: D\n| " + "\n| ".join(ELECTRICIANS[3:]), 1)
    table = facts_table([rest, first])
    assert len(table.facts) == 7 and table.chunk_id == "d-facts"


# -- comparing ---------------------------------------------------------------------------------
def test_compare_cites_every_cell_and_leaves_missing_ones_missing(library):
    comparison = library.compare(["electricians", "plumbers", "line-installers"])
    assert [a.doc_id for a in comparison.articles] == [
        "electricians",
        "plumbers",
        "line-installers",
    ]
    assert [(c.n, c.doc_id, c.section) for c in comparison.citations] == [
        (1, "electricians", "Summary"),
        (2, "plumbers", "Summary"),
    ]
    rows = {r.key: r for r in comparison.rows}
    assert len(rows) == 7
    pay = rows["median pay"].cells
    assert [c.value for c in pay] == [
        "$62,350 per year $29.98 per hour",
        "$62,970 per year $30.27 per hour",
        None,
    ]
    assert [(c.n, c.url) for c in pay[:2]] == [(1, "https://e.example"), (2, "https://p.example")]
    experience = rows["work experience in a related occupation"].cells
    assert experience[1].missing and experience[1].n == 0  # plumbers' table lacks it: not filled
    assert rows["number of jobs"].cells[1].value == "504,500 (Number of Jobs, 2023)"
    assert pay[0].lines == ("$62,350 per year", "$29.98 per hour")
    assert rows["number of jobs"].cells[1].lines == ("504,500 (Number of Jobs, 2023)",)
    assert all(c.missing for r in comparison.rows for c in r.cells[2:])


@pytest.mark.parametrize(
    "value",
    [
        "$40,000 to $50,000",  # a range is one figure
        "Less than $5",
        "9% (Much faster than average)",
        "High school diploma or equivalent",
        "$62,350 per year",
    ],
)
def test_a_value_of_one_figure_stays_whole(value):
    assert figures(value) == (value,)


def test_the_filters_example_is_a_title_word_that_narrows_the_list(library):
    word = library.filter_example()
    assert any(word in re.findall(r"\w+", a.title.lower()) for a in library.articles.values())
    assert 0 < library.filter(word).matched < library.size


def test_compare_wants_two_to_four_known_articles(library):
    with pytest.raises(ValueError):
        library.compare(["electricians"])
    with pytest.raises(ValueError):
        library.compare(["electricians", "electricians"])
    with pytest.raises(ValueError):
        library.compare(["electricians", "astronauts"])
    with pytest.raises(ValueError):
        library.compare(["electricians", "plumbers", "pmp", "notes", "mem-vs-mba"])


def test_comparison_as_a_cited_table(library):
    comparison = library.compare(["electricians", "plumbers"])
    table = comparison_table(comparison)
    assert table.columns == ("Electricians", "Plumbers, Pipefitters, and Steamfitters")
    rows = dict(table.rows)
    pay = rows["2024 Median Pay"]
    # the page's two figures of one cell stay apart (the indexed line runs them together)
    assert pay[0].lines == ("$62,350 per year", "$29.98 per hour") and pay[0].cite == 1
    assert pay[0].text == "$62,350 per year; $29.98 per hour"
    experience = rows["Work Experience in a Related Occupation"]
    assert (experience[0].text, experience[0].cite) == ("None", 1)
    assert (experience[1].text, experience[1].cite) == (MISSING, 0) and table.note
    assert [c.title for c in comparison.citations] == [
        "Electricians",
        "Plumbers, Pipefitters, and Steamfitters",
    ]
    assert len({(c.doc_id, c.section) for c in comparison.citations}) == len(comparison.citations)


# -- comparison requests -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("compare electricians and plumbers", ("electricians", "plumbers")),
        (
            "Compare electricians, plumbers and registered nurses?",
            ("electricians", "plumbers", "registered-nurses"),
        ),
        ("Can you compare the pay of plumbers with electricians?", ("plumbers", "electricians")),
        ("electricians vs plumbers", ("electricians", "plumbers")),
        (
            "How do plumbers, pipefitters, and steamfitters and electricians compare?",
            ("plumbers", "electricians"),
        ),
        (
            "compare plumbers, pipefitters, and steamfitters to electricians",
            ("plumbers", "electricians"),
        ),
        ("compare nurses and electricians", ("registered-nurses", "electricians")),
        ("compare electricians and astronauts", None),  # not in the library
        ("compare electricians and electricians", None),  # one article
        ("compare PMP and line installers", None),  # neither has a facts table
        ("What do electricians earn?", None),  # not a comparison
        ("Is a director more strategic than an engineering manager?", None),
        ("", None),
    ],
)
def test_comparison_requests_resolve_to_titles(library, question, expected):
    assert library.comparison_request(question) == expected


def test_a_long_list_is_not_a_request_and_costs_little(library):
    import time

    start = time.perf_counter()
    assert library.comparison_request("compare " + ", ".join(["electricians"] * 400)) is None
    assert library.comparison_request("compare " + "x " * 1000 + "and plumbers") is None
    assert time.perf_counter() - start < 2.0  # a generous budget against a quadratic search


def test_full_titles_and_names_with_and_resolve(library):
    # "and" inside a title is not a separator when the longer run names one article
    assert library.find("plumbers pipefitters steamfitters") == "plumbers"
    assert library.find("nurse") == "registered-nurses"  # the most specific title
    assert library.find("nurse practitioners") == "nurse-practitioners"
    rows = [("pa", "Physician Assistants", "S", ""), ("ps", "Physicians and Surgeons", "S", "")]
    lib = build_library("g", rows, {})
    assert lib.find("physicians") == "ps" and lib.find("physician") == "pa"  # as typed
    assert library.comparison_request(
        "compare Plumbers, Pipefitters, and Steamfitters and Electricians"
    ) == ("plumbers", "electricians")


# -- related careers ---------------------------------------------------------------------------
def test_related_careers_similar_occupations_and_nearest_in_meaning(library):
    related = library.related("electricians")
    assert [(r.title, r.doc_id) for r in related.similar] == [
        ("Plumbers, Pipefitters, and Steamfitters", "plumbers"),
        ("Electrical Power-Line Installers and Repairers", "line-installers"),
        ("Wind Turbine Technicians", ""),  # named by the page, not in the library
    ]
    nearest = [r.doc_id for r in related.nearest]
    assert nearest[:2] == ["plumbers", "line-installers"] and "electricians" not in nearest
    assert "mem-vs-mba" not in nearest  # no vector: never offered
    assert library.related("mem-vs-mba").nearest == ()
    assert similar_names([Chunk("x", "d", "D", "Pay", SIMILAR, 1)]) == ()  # wrong section


def test_no_vectors_means_no_nearest():
    lib = build_library("g", [("a", "A", "S", ""), ("b", "B", "S", "")], {})
    assert lib.related("a").nearest == () and lib.vectors is None


# -- over a real index -------------------------------------------------------------------------
OOH_PAGES = [
    "electricians",
    "plumbers-pipefitters-and-steamfitters",
    "registered-nurses",
    "line-installers-and-repairers",
    "carpenters",
    "software-developers",
]


@pytest.fixture(scope="module")
def small_ooh_advisor(tmp_path_factory):
    from advisor.advisor import Advisor
    from advisor.ingest.build import ingest

    need(OOH)
    pages = tmp_path_factory.mktemp("ooh-pages")
    for name in OOH_PAGES:
        if (OOH / f"{name}.html").exists():
            shutil.copy(OOH / f"{name}.html", pages)
    settings = settings_for(tmp_path_factory.mktemp("ooh-library-index"))
    report = ingest(settings, [CORPUS, pages])
    assert report.ok, report.problems
    return Advisor(settings)


@pytest.mark.slow
def test_library_over_a_real_index(small_ooh_advisor):
    advisor = small_ooh_advisor
    tracemalloc.start()
    library = advisor.library()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert advisor.library() is library  # once per generation
    assert peak < 20 * 2**20
    groups = {g.name: g.doc_ids for g in library.groups}
    assert set(groups["Construction and Extraction"]) >= {
        "electricians",
        "plumbers-pipefitters-and-steamfitters",
        "carpenters",
    }
    assert groups["Healthcare"] == ("registered-nurses",)
    assert library.size == len(OOH_PAGES) + len(list(CORPUS.glob("*.md")))
    assert any("certification" in g.lower() for g in groups)  # a Markdown article's topic

    comparison = advisor.compare(["electricians", "plumbers-pipefitters-and-steamfitters"])
    pay = next(r for r in comparison.rows if r.key == "median pay")
    assert pay.cells[0].value.startswith("$") and pay.cells[0].url.endswith("electricians.htm")
    for cell in pay.cells:  # "per year<br>per hour" on the page: two figures, apart
        assert [line.split()[1:] for line in cell.lines] == [["per", "year"], ["per", "hour"]]
    assert all(c.section == "Summary" for c in pay.cells)
    assert len(comparison.rows) == 7 and not any(
        c.missing for r in comparison.rows for c in r.cells
    )

    answer = advisor.ask("compare electricians and plumbers")
    assert answer.table is not None and len(answer.citations) == 2
    assert answer.table.columns == ("Electricians", "Plumbers, Pipefitters, and Steamfitters")
    assert advisor.ask("What do electricians do?").table is None

    related = library.related("electricians")
    similar = {r.title: r.doc_id for r in related.similar}
    assert similar["Electrical Power-Line Installers and Repairers"] == (
        "line-installers-and-repairers"
    )
    assert similar["Drafters"] == ""  # named by the page, not in this library
    assert related.nearest and isinstance(related.nearest[0].score, float)
    top = related.nearest[0].doc_id
    assert top in OOH_PAGES, top  # a trade's summary is nearer another occupation than an essay
    assert np.isclose(np.linalg.norm(library.vectors[0]), 1.0, atol=1e-3)


@pytest.mark.slow
def test_a_follow_up_goes_on_about_the_conversations_titled_subject(small_ooh_advisor):
    advisor = small_ooh_advisor
    first = advisor.ask("what do electricians do?")
    history = [("what do electricians do?", first)]
    follow = advisor.analyse(advisor.condense("how much do they make?", history), history)
    carried = [s for s in follow.covered if s.carried]
    assert [s.docs for s in carried] == [("electricians",)]
    assert "electricians" in follow.query.text
    # a question that names a subject of its own is about it, known or not
    other = advisor.analyse(advisor.condense("what does a locksmith earn?", history), history)
    assert not any(s.carried for s in other.subjects)
    assert advisor.ask("what does a locksmith earn?", history).refused


@pytest.mark.slow
def test_a_new_subject_in_words_no_title_uses_replaces_the_old(small_ooh_advisor):
    """A turn that names its subject only by meaning ("fixing power lines") is the
    conversation's new subject: the follow-up after it is about that article, by name."""
    advisor = small_ooh_advisor
    history: list = []
    for turn in ("how much do electricians earn?", "thinking about fixing power lines instead"):
        history.append((turn, advisor.ask(turn, history)))
    follow = advisor.analyse(advisor.condense("what training do they need?", history), history)
    carried = {d for s in follow.subjects if s.carried for d in s.docs}
    assert carried == {"line-installers-and-repairers"}
    answer = advisor.ask("what training do they need?", history)
    assert {c.doc_id for c in answer.citations} == {"line-installers-and-repairers"}, answer.text


@pytest.mark.slow
def test_after_a_comparison_the_second_one_is_the_second_career(small_ooh_advisor):
    advisor = small_ooh_advisor
    table = advisor.ask("compare electricians and plumbers")
    assert table.table is not None
    query = advisor.condense("tell me more about the second one", [("compare", table)])
    assert "Plumbers" in query.text


def _ooh_advisor(tmp_path_factory, label: str, names: Sequence[str]):
    """An advisor over these OOH pages alone, indexed in a temporary folder."""
    from advisor.advisor import Advisor
    from advisor.ingest.build import ingest

    need(OOH)
    pages = tmp_path_factory.mktemp(f"{label}-pages")
    for name in names:
        shutil.copy(OOH / f"{name}.html", pages)
    settings = settings_for(tmp_path_factory.mktemp(f"{label}-index"))
    assert ingest(settings, [pages]).ok
    return Advisor(settings)


@pytest.fixture(scope="module")
def computing_advisor(tmp_path_factory):
    """A few OOH pages alone: jobs people call by other names, and a trade."""
    names = (
        "network-and-computer-systems-administrators",
        "information-security-analysts",
        "real-estate-brokers-and-sales-agents",
        "property-real-estate-and-community-association-managers",
        "electricians",
    )
    return _ooh_advisor(tmp_path_factory, "computing", names)


@pytest.mark.slow
def test_a_subject_no_title_names_takes_the_title_it_means(computing_advisor):
    """Sides named in words the library uses, but by no title or alias ("network admin",
    "cybersecurity analyst"), are the articles whose titles they mean: the comparison quotes
    both sides, each from its own page. A job's one-word name that no title says, and a name
    in words the library never uses, stay missing: refused by name, not answered for another
    occupation."""
    advisor = computing_advisor
    both = {"network-and-computer-systems-administrators", "information-security-analysts"}
    for question in (
        "network admin vs cybersecurity analyst - which one has a better job outlook over the next decade?",
        "network admin or cybersecurity analyst, which one pays more?",  # "or" compares too
    ):
        analysis = advisor.analyse(advisor.condense(question, []), [])
        assert {d for s in analysis.covered for d in s.docs} == both, analysis.subjects
        answer = advisor.ask(question)
        assert {c.doc_id for c in answer.citations} == both, question
        # outlooks are compared by projected growth, pay by amounts: each side quotes one
        figure = "%" if "outlook" in question else "$"
        quotes = [q.text for p in answer.passages for q in p.quotes if q.cite]
        assert all(figure in q for q in quotes), answer.text
    # two options for one career are not two careers
    options = "could a network admin start with a 2 year degree or do they want more?"
    analysis = advisor.analyse(advisor.condense(options, []), [])
    assert not analysis.comparison and all(s.docs for s in analysis.subjects), analysis
    for question in ("how much does a farrier earn?", "how much does a woodworker earn?"):
        analysis = advisor.analyse(advisor.condense(question, []), [])
        assert analysis.subjects and not any(s.docs for s in analysis.subjects), question


@pytest.mark.slow
def test_a_comparison_has_one_side_per_article(computing_advisor):
    """Two names of one article ("real estate" and "property manager" both name Property,
    Real Estate, and Community Association Managers) are one side, and comparing who makes
    more money compares amounts: each side quotes its own pay figure."""
    advisor = computing_advisor
    both = {
        "real-estate-brokers-and-sales-agents",
        "property-real-estate-and-community-association-managers",
    }
    question = "real estate agent vs property manager, which one usually makes more money?"
    analysis = advisor.analyse(advisor.condense(question, []), [])
    assert sorted(d for s in analysis.covered for d in s.docs) == sorted(both)
    assert analysis.figure == "money"
    answer = advisor.ask(question)
    assert {c.doc_id for c in answer.citations} == both
    quotes = [q for p in answer.passages for q in p.quotes if q.cite]
    assert len(quotes) == 2 and all("$" in q.text for q in quotes), answer.text


@pytest.mark.slow
def test_a_name_by_meaning_needs_its_words_in_the_article(computing_advisor):
    """A name's nearest title in meaning counts only when the article uses the name's words
    ("cybersecurity electrician" is not Electricians); and the sides of an "or" end where the
    career's name does ("plumbers make more money" -> plumbers), or name no side at all when
    one is a word no title names."""
    advisor = computing_advisor
    inventory = advisor.reader().inventory()
    admins = "network-and-computer-systems-administrators"
    assert advisor._uses_name(admins, "network admin", inventory)  # "admin" begins a title word
    assert not advisor._uses_name("electricians", "cybersecurity electrician", inventory)
    question = "is a network admin or an electrician paid more?"
    analysis = advisor.analyse(advisor.condense(question, []), [])
    assert sorted(d for s in analysis.subjects for d in s.docs) == ["electricians", admins]
    assert all(len(s.name.split()) <= 2 for s in analysis.subjects), analysis.subjects
    options = advisor.analyse(advisor.condense("electrician or a lawyer, which pays more?", []))
    assert not options.comparison, options.subjects


@pytest.mark.slow
def test_a_comparison_of_new_careers_is_not_a_follow_up(computing_advisor):
    """After a comparison of two careers, one that names two others (by meaning) is a new
    question: it quotes those two, not the conversation's."""
    advisor = computing_advisor
    first = "real estate agent vs property manager, which one usually makes more money?"
    history = [(first, advisor.ask(first))]
    question = (
        "network admin vs cybersecurity analyst - which one has a better job outlook over the "
        "next decade?"
    )
    cited = {c.doc_id for c in advisor.ask(question, history).citations}
    assert cited == {"network-and-computer-systems-administrators", "information-security-analysts"}


@pytest.fixture(scope="module")
def managers_advisor(tmp_path_factory):
    """Pages whose titles share the head "Managers", and the cooks'."""
    names = (
        "food-service-managers",
        "lodging-managers",
        "construction-managers",
        "financial-managers",
        "human-resources-managers",
        "cooks",
    )
    return _ooh_advisor(tmp_path_factory, "managers", names)


@pytest.mark.slow
def test_a_kind_of_manager_no_title_names_is_the_article_its_meaning_titles(managers_advisor):
    """ "hotel managment" is a manager no title names ("Managers" heads five titles here): it
    is Lodging Managers by meaning, and a later question in the conversation is about them,
    not about the bartending the user said they do."""
    advisor = managers_advisor
    turns = [
        "i've tended bar at a hotel for 5 years",
        "what does it take to move up into hotel managment?",
    ]
    analysis = advisor.analyse(advisor.condense(turns[1], []), [])
    assert [s.docs for s in analysis.covered] == [("lodging-managers",)], analysis.subjects
    history: list = []
    for turn in turns:
        history.append((turn, advisor.ask(turn, history)))
    follow_up = advisor.ask("do they usually need a degree?", history)
    assert {c.doc_id for c in follow_up.citations} == {"lodging-managers"}, follow_up.text
    # a kind that a title names is that title's phrase, not a family member
    named = advisor.analyse(advisor.condense("what do construction managers make?", []), [])
    assert [s.docs for s in named.covered] == [("construction-managers",)]


@pytest.fixture(scope="module")
def aides_advisor(tmp_path_factory):
    """Pages whose titles share the head "Aides", and the teacher assistants'."""
    names = (
        "home-health-aides-and-personal-care-aides",
        "occupational-therapy-assistants-and-aides",
        "physical-therapist-assistants-and-aides",
        "teacher-assistants",
    )
    return _ooh_advisor(tmp_path_factory, "aides", names)


@pytest.mark.slow
def test_a_kind_of_aide_no_title_names_is_not_every_aide(aides_advisor):
    """ "aide" alone names the three aides' pages; a "teacher's aide", which none of their
    titles names, is the teacher assistants' by meaning, and "aide" no longer stands beside."""
    question = "my nephew is thinking about working as a teacher's aide. what does that involve?"
    analysis = aides_advisor.analyse(aides_advisor.condense(question, []), [])
    assert [s.docs for s in analysis.covered] == [("teacher-assistants",)], analysis.subjects
    plain = aides_advisor.analyse(aides_advisor.condense("do aides get paid hourly?", []), [])
    assert "teacher-assistants" not in {d for s in plain.covered for d in s.docs}


@pytest.fixture(scope="module")
def nursing_advisor(tmp_path_factory):
    """The OOH's nursing pages: careers people call by the initials the pages define."""
    names = (
        "registered-nurses",
        "licensed-practical-and-licensed-vocational-nurses",
        "nursing-assistants",
        "nurse-anesthetists-nurse-midwives-and-nurse-practitioners",
    )
    return _ooh_advisor(tmp_path_factory, "nursing", names)


@pytest.mark.slow
def test_initials_the_library_defines_name_their_career(nursing_advisor):
    """ "Licensed practical nurses (LPNs)" in a page's text: "LPN" names that career."""
    inventory = nursing_advisor.reader().inventory()
    assert inventory.expansions.get("lpn") == "licensed practical nurses"
    question = "RN or LPN: which one earns more a year?"
    analysis = nursing_advisor.analyse(nursing_advisor.condense(question, []), [])
    assert {d for s in analysis.covered for d in s.docs} == {
        "registered-nurses",
        "licensed-practical-and-licensed-vocational-nurses",
    }, analysis.subjects
    answer = nursing_advisor.ask(question)
    assert not answer.refused
    assert {c.doc_id for c in answer.citations} >= {
        "registered-nurses",
        "licensed-practical-and-licensed-vocational-nurses",
    }, answer.text
    # the initials typed on a side are that side, not subjects of their own the answer must
    # name as typed ("My sources don't cover "RN"" after quoting the registered nurses' pay)
    versus = nursing_advisor.analyse(nursing_advisor.condense("LPN vs RN, pay gap?", []), [])
    assert versus.comparison, versus.subjects
    assert not {("lpn",), ("rn",)} & {s.stems for s in versus.subjects}, versus.subjects
    assert "don't cover" not in nursing_advisor.ask("LPN vs RN, pay gap?").text
