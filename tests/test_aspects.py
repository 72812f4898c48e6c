"""The aspect model: labels read off the sections holding each question's evidence, the fitting
code on a small real index (the real embedding model), the stored model's version check, and
where the pipeline uses it (only where the word cues name no specific aspect)."""

from __future__ import annotations

import json

import pytest

from advisor.answer.aspects import (
    MODEL_FILE,
    AspectModel,
    load_aspect_model,
)
from advisor.settings import Settings

from .conftest import article, settings_for

pytest.importorskip("sklearn")

from advisor.evals import fit_aspects as fitting

PAGES = {
    f"Welders {n}": (
        f"## Pay\nThe median annual wage for kind {n} welders was ${40 + n},000 in May 2024.\n"
        f"## Job Outlook\nEmployment of kind {n} welders is projected to grow {n} percent.\n"
        f"## How to Become One\nKind {n} welders typically need a high school diploma and "
        f"on-the-job training.\n"
    )
    for n in range(1, 7)
}
ASKED = {
    "pay": ["how much do {w} earn", "what is the salary of {w}", "what do {w} get paid"],
    "outlook": ["are jobs for {w} growing", "is there demand for {w} in the future",
                "will {w} still have work in ten years"],
    "requirements": ["what schooling do {w} need", "do {w} need a diploma",
                     "what training is required for {w}"],
}  # fmt: skip
EVIDENCE = {"pay": "median annual wage", "outlook": "projected to grow", "requirements": "diploma"}


@pytest.fixture(scope="module")
def fixture_advisor(tmp_path_factory):
    from advisor.advisor import Advisor
    from advisor.ingest.build import ingest

    corpus = tmp_path_factory.mktemp("welders")
    for title, body in PAGES.items():
        (corpus / f"{title.lower().replace(' ', '-')}.md").write_text(article(title, body))
    settings = settings_for(tmp_path_factory.mktemp("welders-index"))
    assert ingest(settings, [corpus]).ok
    return Advisor(settings)


def _questions() -> list[dict]:
    out = []
    for n in range(1, 7):
        for label, templates in ASKED.items():
            for t in templates:
                out.append(
                    {
                        "id": f"fx-{n}-{label}-{templates.index(t)}",
                        "question": t.format(w=f"kind {n} welders") + "?",
                        "answerable": True,
                        "sources": [f"welders-{n}"],
                        "evidence": [EVIDENCE[label]],
                    }
                )
    return out


def test_labels_come_from_the_section_holding_the_evidence(fixture_advisor):
    cases = fitting.cases_of(fixture_advisor, _questions())
    assert len(cases) == 6 * 9
    for c in cases:
        assert c.id.split("-")[2] == c.label, c


def test_a_quick_facts_row_labels_a_figure_other_sections_repeat():
    """A projections table in Job Outlook repeats the Summary's job count: the row that names
    the figure decides, wherever the chunks come in the document."""
    table = ("Job Outlook > Employment", "loan officers: 13-2072 301,400 306,500 2 5,000")
    facts = ("Summary", "quick facts: loan officers | number of jobs, 2024: 301,400")
    prose = ("Summary", "## pay the median annual wage was $74,180")
    pay = ("Pay > Loan Officers", "the median annual wage for loan officers was $74,180")
    assert fitting._label("301,400", [table, facts]) == "count"
    assert fitting._label("301,400", [facts, table]) == "count"
    assert fitting._label("$74,180", [prose, pay]) == "pay"  # a Summary line no row names
    assert fitting._label("$99", [table, pay]) is None


def test_the_fitting_code_learns_aspects_held_out_by_document(fixture_advisor):
    """Folds split by document: a fold's pages are unseen when fitting, so a score above the
    word cues' means the model read what the questions ask, not the pages."""
    cases = fitting.cases_of(fixture_advisor, _questions())
    report = fitting.cross_validate(fixture_advisor, cases, k=3)
    assert report["model"] >= 0.8, report
    assert report["model"] > report["cues"], report


def test_a_model_fitted_on_another_embedding_model_is_refused(tmp_path):
    model = AspectModel(
        classes=("pay", "other"),
        coef=((1.0, 0.0), (0.0, 1.0)),
        intercept=(0.0, 0.0),
        threshold=0.6,
        versions={"embedding": "model A"},
        fitted={},
    )
    path = tmp_path / "aspects.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert load_aspect_model({"embedding": "model A"}, path) == model
    assert load_aspect_model({"embedding": "model B"}, path) is None  # the cues decide alone
    broken = json.loads(path.read_text()) | {"intercept": [0.0]}
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert load_aspect_model({"embedding": "model A"}, path) is None
    assert load_aspect_model({"embedding": "model A"}, tmp_path / "absent.json") is None


def test_the_shipped_model_fits_this_code():
    """Refit with python -m advisor.evals.fit_aspects ... --write (see its docstring)."""
    from advisor.advisor import Advisor

    versions = Advisor(Settings()).aspect_versions()
    model = load_aspect_model(versions)
    assert model is not None, json.loads(MODEL_FILE.read_text())["versions"]
    assert MODEL_FILE.stat().st_size < 1_000_000
    assert {"pay", "outlook", "requirements", "other"} <= set(model.classes)


def test_the_cues_keep_a_specific_aspect_and_the_model_fills_a_generic_one(fixture_advisor):
    """A question whose words name its aspect keeps it; one whose words name none gets the
    model's; either way the model's probabilities travel with the analysis."""
    ask = fixture_advisor.analyse
    condense = fixture_advisor.condense
    assert ask(condense("what training is required for kind 2 welders?", [])).attribute == (
        "requirements"
    )
    analysis = ask(condense("how much do kind 2 welders earn?", []))
    assert analysis.attribute == "pay"
    assert dict(analysis.aspects)["pay"] > 0.5
    compared = ask(condense("kind 1 welders or kind 2 welders, which one is better?", []))
    assert compared.comparison and compared.attribute in ("comparison", "pay", "outlook")


def test_a_comparison_compares_what_the_model_reads_it_asks(fixture_advisor):
    """A question asking "who earns more?" names no figure the cues read; the shipped
    model's best label, at the lower bar it has for comparisons, makes it a comparison of pay
    amounts."""
    ask = fixture_advisor.analyse
    condense = fixture_advisor.condense
    model = fixture_advisor.aspect_model()
    assert model is not None and model.compared_threshold < model.threshold
    analysis = ask(condense("kind 1 welders vs kind 2 welders, who earns more?", []))
    label, p = max(analysis.aspects, key=lambda lp: lp[1])
    assert analysis.comparison and label == "pay" and p >= model.compared_threshold
    assert analysis.figure == "money"
