"""The bm25s ranker: ranking behaviour, field weights, persistence, and agreement with the
FTS5 baseline on a real index."""

from __future__ import annotations

import pytest

from advisor.index.bm25 import BM25Ranker

ROWS = [
    ("c1", "Civil engineers", "Pay", "The median annual wage for civil engineers was high."),
    ("c2", "Civil engineers", "Work environment", "Most work in offices; some visit sites."),
    (
        "c3",
        "Electricians",
        "How to become one",
        "Most electricians learn through an apprenticeship.",
    ),
    ("c4", "Nurses", "Pay", "Registered nurses earn a median wage; nurses work shifts."),
    ("c5", "Nurses", "", "Nurses nurses nurses coordinate patient care with physicians."),
]


@pytest.fixture(scope="module")
def ranker() -> BM25Ranker:
    return BM25Ranker.build(ROWS)


def test_a_rare_word_finds_its_chunk(ranker):
    assert [cid for cid, _ in ranker.search("apprenticeship", 5)] == ["c3"]


def test_only_chunks_sharing_a_word_come_back_best_first(ranker):
    hits = ranker.search("electricians apprenticeship wage", 10)
    assert hits[0][0] == "c3"
    assert {cid for cid, _ in hits} == {"c1", "c3", "c4"}
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_title_and_section_words_count_more_than_body_words(ranker):
    # "pay" is a section name of c1 and c4 only; "civil" is in c1's and c2's title
    assert {cid for cid, _ in ranker.search("pay", 2)} == {"c1", "c4"}
    assert ranker.search("civil work", 1)[0][0] in {"c1", "c2"}


def test_stemming_and_stop_words(ranker):
    assert ranker.search("apprenticeships", 1)[0][0] == "c3"
    assert ranker.search("the of and", 5) == [] and ranker.search("", 5) == []
    assert ranker.search("zyzzyva", 5) == []


def test_k_larger_than_matches_and_an_empty_index(ranker):
    assert len(ranker.search("nurses", 50)) == 2
    empty = BM25Ranker.build([])
    assert empty.search("nurses", 5) == []


def test_saved_and_loaded_ranker_answers_the_same(ranker, tmp_path):
    ranker.save(tmp_path / "bm25")
    loaded = BM25Ranker.load(tmp_path / "bm25")
    for q in ("nurses wage", "civil engineers pay", "apprenticeship"):
        assert loaded.search(q, 5) == ranker.search(q, 5)
    assert [p.name for p in tmp_path.iterdir()] == ["bm25"]  # no temporary folder left
    ranker.save(tmp_path / "bm25")  # a second process saving the same ranker: no harm done
    assert BM25Ranker.load(tmp_path / "bm25").search("apprenticeship", 5)[0][0] == "c3"
    BM25Ranker.build([]).save(tmp_path / "empty")
    assert BM25Ranker.load(tmp_path / "empty").search("nurses", 5) == []


def test_a_field_without_words_is_left_out(tmp_path):
    """Notes without headings have no section words at all: bm25s cannot index that field."""
    rows = [("n1", "Notes", "", "Mentors help new managers."), ("n2", "Notes", "", "The of and.")]
    ranker = BM25Ranker.build(rows)
    assert ranker.models["section"] is None
    assert ranker.search("mentors", 5)[0][0] == "n1"
    ranker.save(tmp_path / "r")
    assert BM25Ranker.load(tmp_path / "r").search("mentors managers", 5)[0][0] == "n1"


def test_ranker_agrees_with_fts5_on_the_project_index(project_index):
    """Same chunks, same BM25 family: the top results of the two engines mostly coincide."""
    from advisor.index.generations import Index

    reader = Index(project_index).reader()
    questions = [
        "Which certifications help me move into engineering management?",
        "What does the PE license require?",
        "How is an MBA different from a Master of Engineering Management?",
        "What does a director do that a manager does not?",
        "Lean Six Sigma belts",
    ]
    overlap = []
    for q in questions:
        ours = {cid for cid, _ in reader.keyword_search(q, 10)}
        fts5 = {cid for cid, _ in reader.keyword.search(q, 10)}
        assert ours, q
        overlap.append(len(ours & fts5) / max(len(fts5), 1))
    assert sum(overlap) / len(overlap) >= 0.6


def test_a_ranker_saved_by_another_word_pipeline_is_rebuilt(ranker, tmp_path):
    """Matrices built with other tokens would silently miss the query's words: an unstamped
    (older) or differently stamped ranker refuses to load, and saving replaces it."""
    from advisor.index.bm25 import STAMP, StaleRanker, is_current

    path = tmp_path / "bm25"
    ranker.save(path)
    assert is_current(path)
    (path / STAMP).unlink()  # as written before the stamp existed
    assert not is_current(path)
    with pytest.raises(StaleRanker):
        BM25Ranker.load(path)
    ranker.save(path)
    assert is_current(path) and BM25Ranker.load(path).search("apprenticeship", 1)[0][0] == "c3"
    assert [p.name for p in tmp_path.iterdir()] == ["bm25"]  # the stale copy is gone


def test_accented_and_unaccented_words_find_each_other():
    ranker = BM25Ranker.build(
        [("r1", "Résumés", "", "A résumé lists your work."), ("r2", "Pay", "", "Wages vary.")]
    )
    assert ranker.search("resume", 2)[0][0] == "r1"
    assert ranker.search("RÉSUMÉ", 2)[0][0] == "r1"


def test_an_index_with_an_older_ranker_rebuilds_it_on_open(project_index):
    """A generation written before the word pipeline changed answers with a fresh ranker, and
    saves it so the next process loads it directly."""
    from advisor.index.bm25 import STAMP, is_current
    from advisor.index.generations import RANKER, Index

    index = Index(project_index)
    path = index.gen_dir(index.current()) / RANKER
    (path / STAMP).unlink()
    reader = index.reader()
    assert reader.keyword_search("Lean Six Sigma belts", 5)
    assert is_current(path)


def test_a_loaded_ranker_scores_exactly_as_bm25s_does(project_index):
    """The saved ranker is read without bm25s; every score must equal bm25s's own, bit for bit
    (a different sum order would reorder ties)."""
    import bm25s

    from advisor.index.bm25 import FIELDS
    from advisor.index.generations import RANKER, Index

    index = Index(project_index)
    path = index.gen_dir(index.current()) / RANKER
    mine = BM25Ranker.load(path)
    theirs = BM25Ranker(
        mine.ids,
        {n: bm25s.BM25.load(path / n, mmap=True, show_progress=False) for n, _ in FIELDS},
    )
    questions = [
        "Which certifications help me move into engineering management?",
        "PMP eligibility requirements and exam",
        "director strategy budget hiring manager manager manager",
        "lean six sigma black belt green belt",
        "nothing here matches zyzzyva",
    ]
    for question in questions:
        assert mine.search(question, 100) == theirs.search(question, 100)
