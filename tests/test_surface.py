"""The surface counter (evals/surface.py): what it counts in a module, and the answering path."""

from __future__ import annotations

from advisor.evals import surface


def test_it_counts_word_entries_patterns_and_numbers_per_file(tmp_path):
    (tmp_path / "a.py").write_text(
        '"""Doc with \\\\b in it is no pattern."""\n'
        "import re\n"
        'CUES = {"pay": ("salary", "wage"), "outlook": ("growth",)}\n'
        'TABLE = (r"\\bhow much\\b", "money")\n'
        'LEAD = re.compile("^- ")\n'
        "BAR = 0.6\n"
        "STEPS = -2\n",
        encoding="utf-8",
    )
    (tmp_path / "b.py").write_text("def f():\n    return 3\n", encoding="utf-8")
    a, b, total = surface.count([tmp_path])
    # keys and values of CUES (5), "money" beside the pattern; the pattern is not a word
    assert (a.word_entries, a.regexes, a.numbers) == (6, 2, 2)
    assert (b.word_entries, b.regexes, b.numbers) == (0, 0, 0)
    assert total.path == "total" and total.word_entries == 6 and total.numbers == 2


def test_the_answering_path_is_counted():
    rows = surface.count([surface.PACKAGE / p for p in surface.ANSWERING])
    names = [r.path for r in rows]
    assert any(n.endswith("text/lexicon.py") for n in names)
    assert any(n.endswith("answer/tuning.py") for n in names)
    total = rows[-1]
    assert total.word_entries == sum(r.word_entries for r in rows[:-1]) > 0
    assert total.regexes > 0 and total.numbers > 0
