"""The answer-or-refuse decision: the fitting code on a small fixture (folds by document, the
threshold's false-refusal bar), the stored model's version check, and what the decision does
with the rules' draft and the best answer."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from advisor.answer.analysis import Analysis, Subject
from advisor.answer.answerable import (
    FEATURES,
    MODEL_FILE,
    STYLE,
    AnswerabilityModel,
    ModelMismatch,
    decided,
    load_model,
    model_versions,
)
from advisor.answer.compose import Draft
from advisor.records import Query, paragraph
from advisor.settings import Settings

pytest.importorskip("sklearn")

from advisor.evals import answerability as fitting


def _case(i: int, answerable: bool, doc: str, rng: random.Random) -> fitting.Case:
    # answerable questions have well-supported best units; near-misses name a thing no
    # article covers: the two overlap, as real ones do
    support = rng.gauss(0.6 if answerable else 0.35, 0.12)
    signals = {f: 0.0 for f in FEATURES} | {
        "free_support": support,
        "top_dense": rng.gauss(0.55 if answerable else 0.4, 0.1),
        "unseen_any": float(not answerable and rng.random() < 0.6),
        "rule_answer": 1.0,
    }
    return fitting.Case(
        id=f"fixture:{i}",
        kind="occupation" if answerable else "near-miss",
        answerable=answerable,
        sources=(doc,) if answerable else (),
        must_include=[["pay"]] if answerable else [],
        signals=signals,
        ruled_text="The pay is good. [1]",
        ruled_refused=False,
        free_text="The pay is good. [1]",
        fixed=False,
    )


@pytest.fixture(scope="module")
def cases() -> list[fitting.Case]:
    rng = random.Random(7)
    out = [_case(i, True, f"doc{i % 23}", rng) for i in range(160)]
    return out + [_case(160 + i, False, "", rng) for i in range(60)]


def test_folds_keep_each_article_in_one_fold_and_spread_the_unanswerable(cases):
    fold = fitting.folds(cases, 5)
    by_doc: dict[str, set[int]] = {}
    for c, f in zip(cases, fold, strict=True):
        if c.answerable:
            by_doc.setdefault(c.sources[0], set()).add(f)
    assert all(len(fs) == 1 for fs in by_doc.values())
    unanswerable = [f for c, f in zip(cases, fold, strict=True) if not c.answerable]
    assert len(set(unanswerable)) == 5
    assert fold == fitting.folds(cases, 5)  # seeded: the same split every run
    order = list(range(len(cases)))
    random.Random(3).shuffle(order)
    shuffled = fitting.folds([cases[i] for i in order], 5)  # the order of the question files
    assert [shuffled[order.index(i)] for i in range(len(cases))] == fold


def test_fitting_refuses_near_misses_within_the_false_refusal_bar(cases):
    model = fitting.fit(cases)
    figures = fitting.score(cases, model)["all"]
    rules = fitting.score(cases, None)["all"]
    assert rules["refusal_recall"] == 0.0  # the fixture's rules answer everything
    assert figures["false_refusals"] <= fitting.MAX_FALSE_REFUSALS + 0.02
    assert figures["refusal_recall"] > 0.5
    report = fitting.cross_validate(cases, 5)
    assert len(report["folds"]) == 5
    assert report["held_out_model"]["all"]["refusal_recall"] > 0.4


def test_a_model_fitted_on_other_versions_is_refused(tmp_path, cases):
    versions = model_versions(Settings())
    model = fitting.fit(cases)
    stored = replace(model, versions=versions)
    path = tmp_path / "model.json"
    path.write_text(stored.to_json(), encoding="utf-8")
    assert load_model(versions, path) is not None
    other = {**versions, "tokenizer": "another word pipeline"}
    with pytest.raises(ModelMismatch):
        AnswerabilityModel.from_json(path.read_text(encoding="utf-8"), other)
    assert load_model(other, path) is None  # the rules decide alone
    assert load_model(versions, tmp_path / "absent.json") is None


def test_the_shipped_model_fits_this_code():
    """A change of the word pipeline or the inventory needs a refit:
    python -m advisor.evals.answerability ... --write (see its docstring)."""
    raw = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert load_model(model_versions(Settings())) is not None, raw["versions"]
    assert set(raw["features"]) <= set(FEATURES)
    assert MODEL_FILE.stat().st_size < 5_000_000


def _analysis(*subjects: Subject) -> Analysis:
    return Analysis(query=Query(text="q", focus=("q",)), ask="q", subjects=subjects)


def test_the_decision_answers_a_refused_question_and_refuses_by_name():
    answer = Draft(text="It pays well. [1]", passages=(paragraph("It pays well.", 1),))
    ruled_refusal = Draft(text="", verdict="unsupported")
    assert decided(ruled_refusal, answer, True, _analysis()) is answer
    assert decided(answer, answer, True, _analysis()) is answer
    electricians = Subject(name="electricians", stems=("electrician",), docs=("electricians",))
    refused = decided(answer, answer, False, _analysis(electricians))
    assert refused.refused and refused.verdict == "unanswered"
    assert '"electricians"' in refused.text
    assert decided(answer, answer, False, _analysis()).verdict == "unsupported"


def test_a_missing_subject_is_not_answered_with_an_earlier_turns_subject():
    answer = Draft(text="Electricians earn $62,350. [1]", passages=(paragraph("Pay", 1),))
    lacks = Draft(text='My sources don\'t cover "locksmith".', verdict="missing_subject")
    electricians = Subject(
        name="electricians", stems=("electrician",), docs=("electricians",), carried=True
    )
    locksmith = Subject(name="locksmith", stems=("locksmith",), known=False)
    assert decided(lacks, answer, True, _analysis(locksmith, electricians)) is lacks
    # a subject the question itself names, with an article: the model may answer
    own = Subject(name="electricians", stems=("electrician",), docs=("electricians",))
    assert decided(lacks, answer, True, _analysis(locksmith, own)) is answer


def test_a_model_whose_numbers_do_not_line_up_is_refused(tmp_path, cases):
    versions = model_versions(Settings())
    model = fitting.fit(cases)
    broken = replace(model, versions=versions, coef=(1.0,))
    path = tmp_path / "model.json"
    path.write_text(broken.to_json(), encoding="utf-8")
    assert load_model(versions, path) is None
    endless = replace(model, versions=versions, style_coef=(float("nan"), 1.0))
    path.write_text(endless.to_json(), encoding="utf-8")
    assert load_model(versions, path) is None


def _styled(case: fitting.Case, rng: random.Random) -> fitting.Case:
    # the wording tells what the other signals do not: near-misses lean one way in meaning
    lean = 1.0 if case.answerable else -1.0
    vector = (lean + rng.gauss(0, 0.8), rng.gauss(0, 1), rng.gauss(0, 1))
    flat = {**case.signals, "free_support": 0.5, "top_dense": 0.5, "unseen_any": 0.0}
    return replace(case, signals=flat, vector=vector)


def test_the_question_style_signal_is_fitted_out_of_fold_and_stored(tmp_path, cases):
    rng = random.Random(11)
    styled = [_styled(c, rng) for c in cases]
    model = fitting.fit(styled)
    assert len(model.style_coef) == 3 and model.style_coef[0] > 0
    held_out = fitting.cross_validate(styled, 5)["held_out_model"]["all"]
    blind = fitting.cross_validate([replace(c, vector=()) for c in styled], 5)
    assert held_out["refusal_recall"] > blind["held_out_model"]["all"]["refusal_recall"] + 0.2
    assert held_out["false_refusals"] <= 0.1
    versions = model_versions(Settings())
    path = tmp_path / "model.json"
    path.write_text(replace(model, versions=versions).to_json())
    loaded = load_model(versions, path)
    assert loaded is not None and loaded.style_coef == model.style_coef
    values = loaded.with_style({"free_support": 0.5}, (1.0, 0.0, 0.0))
    assert values[STYLE] == pytest.approx(model.style((1.0, 0.0, 0.0)))
    # no vector (or one of another size): the STYLE the model was fitted around, no pull
    centre = loaded.mean[loaded.features.index(STYLE)]
    for vector in ((), (1.0, 0.0)):
        values = loaded.with_style({"free_support": 0.5}, vector)
        assert values[STYLE] == centre
        assert dict(loaded.decision(values).pulls).get(STYLE, 0.0) == pytest.approx(0.0)


def test_the_fit_is_judged_as_the_app_decides(cases):
    """A refusal the app keeps whatever the model says (a subject the library lacks, and only
    earlier turns' articles) is kept when the folds are scored too; so is an answer that
    quotes a section the question names."""
    model = fitting.fit(cases)
    refused = replace(
        cases[0], ruled_refused=True, ruled_text="My sources don't cover that.", free_text="x"
    )
    always = replace(model, threshold=0.0)
    assert fitting.outcome(refused, always) == ("x", False)
    kept = replace(refused, keeps_refusal=True)
    assert fitting.outcome(kept, always) == ("My sources don't cover that.", True)
    # an answer quoting a section the question names stands however low the model's P
    answered = replace(cases[0], ruled_refused=False, ruled_text="The PMP needs 36 months. [1]")
    never = replace(model, threshold=1.01)
    assert fitting.outcome(answered, never) == ("", True)
    named = replace(answered, keeps_answer=True)
    assert fitting.outcome(named, never) == ("The PMP needs 36 months. [1]", False)
