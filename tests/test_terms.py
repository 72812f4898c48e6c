"""The one word pipeline: Unicode words, accent folding, stems once, agreement with the FTS5
keyword table, and linear time on adversarial text."""

from __future__ import annotations

import time

import pytest

from advisor.index.keyword import KeywordIndex
from advisor.records import Chunk
from advisor.text.terms import (
    EQUIVALENT_WORDS,
    EQUIVALENTS,
    all_stems,
    fold,
    query_terms,
    stem,
    stems,
    text_stems,
    words_of,
)

BUDGET_S = 2.0  # generous: each input below takes milliseconds with linear regexes


def test_accented_words_fold_instead_of_splitting():
    assert query_terms("Résumé tips") == ["resume", "tips"]
    assert stem("résumé") == stem("resume") == "resum"
    assert stems("Naïve café Ångström") == ["naiv", "cafe", "angstrom"]
    assert fold("ﬁnance ＭＢＡ") == "finance mba"  # compatibility forms (ligature, full width)


def test_words_are_unicode_letter_and_digit_runs():
    assert words_of("co-op job_title, $62,340 (2024)") == [
        "co",
        "op",
        "job",
        "title",
        "62",
        "340",
        "2024",
    ]
    assert query_terms("Ingeniería y gestión") == ["ingenieria", "gestion"]
    assert query_terms("工程师 salary") == ["工程师", "salary"]


def test_stop_words_and_lone_letters_are_not_content():
    assert query_terms("What's the pay of a PE?") == ["pay", "pe"]
    assert query_terms("it's 5 o'clock") == ["5", "clock"]
    assert text_stems("Nurses nurses, the nurse") == ["nurs", "nurs", "nurs"]
    assert {"the", "a"} <= all_stems("The pay of a nurse")  # containment keeps stop words


def test_equivalents_are_stems_of_plain_words_stemmed_once():
    assert "salari" in EQUIVALENTS["pai"] and "wage" in EQUIVALENTS["earn"]
    assert "pai" not in EQUIVALENTS["pai"]
    # the keyword side gets words; stemming them once gives the equivalents' stems
    assert {stem(w) for w in EQUIVALENT_WORDS["pai"]} == set(EQUIVALENTS["pai"])


def test_stems_agree_with_the_fts5_tables_tokenizer(tmp_path):
    """doc_freq looks our stems up in FTS5's vocabulary: both must cut and stem alike."""
    text = (
        "Résumé writing for naïve engineers: co-op programs, job_title fields, "
        "certifications, licensure and salaries of $62,340 in 2024; Ångström-level café work."
    )
    kw = KeywordIndex(tmp_path / "kw.sqlite")
    kw.add([Chunk(chunk_id="c1", doc_id="d", title="T", section="", text=text, position=0)])
    vocab = set(kw.doc_freq(sorted(all_stems(text))))
    assert vocab == all_stems(text)
    assert kw.doc_freq([stem("résumé"), stem("salaries")]) == {"resum": 1, "salari": 1}


ADVERSARIAL = [
    "$" * 40_000,
    "a" * 40_000,
    "a-" * 20_000,
    "(" * 40_000,
    "é" * 40_000,
    " " * 40_000 + "x",
    "a." * 20_000 + "$",
    "1," * 20_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:6]))
def test_word_functions_are_linear_on_adversarial_text(text):
    start = time.perf_counter()
    for fn in (query_terms, stems, text_stems, all_stems, words_of):
        fn(text)
    assert time.perf_counter() - start < BUDGET_S


def test_content_stems_drop_lone_letters():
    # "Nurse's" leaves a lone "s", whose Porter stem is empty: it is no word
    assert text_stems("Nurse's duties") == ["nurs", "duti"]


def test_fact_labels_and_titles_use_the_one_word_pipeline():
    from advisor.library.catalog import fact_key

    assert fact_key("Résumé Writers, 2024") == "resume writers"


def test_stemming_from_many_threads_at_once_gives_the_same_stems():
    """The server answers on several threads; a stemmer shared between them mixed up their
    words (a load test hit IndexError inside snowballstemmer). Every word is new to the stem
    cache, so every call reaches the stemmer."""
    import threading

    from advisor.text import terms

    bases = ["engineering", "certifications", "managers", "electricians", "generalizations"]
    words = [f"{b}{'x' * (i % 7)}{i}ing" for i in range(6000) for b in bases[i % 5 : i % 5 + 1]]
    expected = {w: terms._stemmer().stemWord(w) for w in words}
    terms.stem.cache_clear()
    failures: list[str] = []

    def work(chunk: list[str]) -> None:
        try:
            failures.extend(w for w in chunk if terms.stem(w) != expected[w])
        except Exception as err:  # the race raised inside the stemmer
            failures.append(repr(err))

    threads = [threading.Thread(target=work, args=(words[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]
