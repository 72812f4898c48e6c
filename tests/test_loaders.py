"""Loaders on real files: the seed article, real OOH pages, Markdown, PDF and broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.ingest.loaders import LoadError, discover, load_file

from .conftest import CORPUS
from .pdfs import page_pdf, text_ops


def kinds(doc, kind):
    return [b.text for b in doc.blocks if b.kind == kind]


def test_seed_article_structure(seed_dir):
    doc = load_file(seed_dir / "how-to-advance-in-engineering.txt")
    assert doc.doc_id == "how-to-advance-in-engineering"
    assert doc.title.startswith("How to Advance in Engineering")
    assert doc.published == "2025-03-27"
    headings = kinds(doc, "heading")
    assert "Education & Early Steps" in headings
    assert "Specializations & Industries" in headings
    items = kinds(doc, "item")
    assert "Certified ScrumMaster (CSM)" in items
    # an indented description joins its bullet label
    assert any(i.startswith("Teams:") and "mentor" in i for i in items)
    # the two-column table became rows that pair manager and director
    rows = kinds(doc, "row")
    assert any(
        "Engineering Manager:" in r and "Engineering Director:" in r and "strategic" in r
        for r in rows
    )
    # footnote numbers became named sources instead of stray digits
    text = " ".join(b.text for b in doc.blocks)
    assert "(source: payscale.com)" in text
    assert "2025.1" not in text


@pytest.mark.parametrize(
    "slug",
    ["architectural-and-engineering-managers", "accountants-and-auditors", "registered-nurses"],
)
def test_ooh_pages_keep_main_content_only(ooh_dir, slug):
    path = ooh_dir / f"{slug}.html"
    if not path.exists():
        pytest.skip(f"{path} not present")
    doc = load_file(path)
    assert doc.url.startswith("https://www.bls.gov/ooh/")
    assert doc.published == "2025-08-28"
    assert doc.title and "Bureau" not in doc.title
    text = "\n".join(b.text for b in doc.blocks)
    assert "Median Pay" in text  # the Quick Facts table, labels included
    assert any(r.startswith("2024 Median Pay: $") for r in kinds(doc, "row"))
    headings = kinds(doc, "heading")
    assert {"Pay", "Job Outlook", "Work Environment"} <= set(headings)  # hidden tabs kept
    for chrome in ("OCCUPATION FINDER", "$(document)", "padding-left", "About this section"):
        assert chrome not in text  # navigation, scripts, styles and tooltips dropped


def test_markdown_front_matter(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: A Note\nurl: https://example.org/n\npublished: 2024-05-01\ntopics: [a, b]\n---\n"
        "## Part one\nSome **bold** text with a [link](https://x.y).\n\nLead-in:\n- one\n- two\n",
        encoding="utf-8",
    )
    doc = load_file(path)
    assert (doc.title, doc.url, doc.published, doc.topics) == (
        "A Note",
        "https://example.org/n",
        "2024-05-01",
        ("a", "b"),
    )
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "paragraph", "item", "item"]
    assert doc.blocks[1].text == "Some bold text with a link."


def test_paragraphs_led_by_a_bold_term_after_a_colon_are_a_list(tmp_path):
    """A list written as paragraphs ("The following are types of X:" then one <p> per type,
    its name in bold) becomes list items; bold-led paragraphs elsewhere stay paragraphs."""
    path = tmp_path / "page.html"
    path.write_text(
        "<html><body><main><h2>Duties</h2>"
        "<p><strong>Analytical skills.</strong> Workers must weigh evidence carefully.</p>"
        "<p>Some specialize. The following are examples of types of rock workers:</p>"
        "<p><strong><em>Quarry cutters</em></strong> split stone from the face of a quarry.</p>"
        "<p><b>Stone polishers</b> finish the cut faces. They use abrasives.</p>"
        "<p>Most rock workers work full time in all kinds of weather.</p>"
        "<p><strong>Note</strong> this bold paragraph follows prose, not a lead-in.</p>"
        "</main></body></html>",
        encoding="utf-8",
    )
    blocks = [(b.kind, b.text.split()[0]) for b in load_file(path).blocks]
    assert blocks == [
        ("heading", "Duties"),
        ("paragraph", "Analytical"),
        ("paragraph", "Some"),
        ("item", "Quarry"),
        ("item", "Stone"),
        ("paragraph", "Most"),
        ("paragraph", "Note"),
    ]


def test_project_corpus_loads_with_front_matter():
    files, problems = discover([CORPUS])
    assert len(files) >= 8 and not problems
    for path in files:
        doc = load_file(path)
        assert doc.title and doc.source and doc.published, path


def _pdf_bytes(text: str) -> bytes:
    """A minimal one-page PDF with `text` in Helvetica (no PDF library needed)."""
    return page_pdf(text_ops(text))


def test_pdf(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(_pdf_bytes("Project managers often hold the PMP certification."))
    doc = load_file(path)
    assert doc.doc_id == "guide"
    assert "PMP certification" in " ".join(b.text for b in doc.blocks)


def test_encrypted_pdf_is_reported(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(_pdf_bytes("secret"))
    writer = PdfWriter()
    writer.append(PdfReader(plain))
    writer.encrypt("pw")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="encrypted"):
        load_file(locked)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary"),
        ("latin1.md", "café résumé".encode("latin-1"), "UTF-8"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\nbody text here\n", "front matter"),
        ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf", "PDF"),
        (
            "no-article.html",
            b"<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>",
            "no article",
        ),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load_file(path)


def test_oversized_file_is_reported(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 300_000, encoding="utf-8")
    with pytest.raises(LoadError, match="too large"):
        load_file(path, max_bytes=2**20)


def test_discover_reports_symlink_loops_and_missing(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text("# T\n\nhello world text\n", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    files, problems = discover([tmp_path / "a", tmp_path / "missing"])
    assert [f.name for f in files] == ["x.md"]
    reasons = " ".join(p.reason for p in problems)
    assert "symlink loop" in reasons and "no such file" in reasons


def test_odd_file_names(tmp_path):
    path = tmp_path / "ünïcode name (draft) #1.md"
    path.write_text("---\ntitle: Odd\n---\nA body with enough words.\n", encoding="utf-8")
    files, _ = discover([tmp_path])
    assert load_file(files[0]).doc_id == "ünïcode name (draft) #1"


def test_unsupported_explicit_file_is_reported(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04")
    files, problems = discover([path])
    assert not files and "unsupported" in problems[0].reason


def test_loader_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError):
        load_file(Path(tmp_path / "nope.md"))


def test_discover_does_not_follow_links_out_of_the_roots(tmp_path):
    root, outside = tmp_path / "corpus", tmp_path / "home"
    root.mkdir()
    (outside / ".aws").mkdir(parents=True)
    (outside / ".aws" / "credentials.txt").write_text("key = SECRET\n", encoding="utf-8")
    (outside / "notes.md").write_text("# N\n\nprivate notes here\n", encoding="utf-8")
    (root / "a.md").write_text("# A\n\nhello world text\n", encoding="utf-8")
    (root / "notes.txt").symlink_to(outside / ".aws" / "credentials.txt")
    (root / "home").symlink_to(outside, target_is_directory=True)
    (root / "same.md").symlink_to(root / "a.md")  # inside the root: the file is found once
    (root / "sub").mkdir()
    (root / "sub" / "up.md").symlink_to(root / "a.md")

    files, problems = discover([root])
    assert [f.name for f in files] == ["a.md"]
    skipped = {Path(p.path).name: p.reason for p in problems}
    assert set(skipped) == {"notes.txt", "home"}
    assert all("outside the ingested folders" in r for r in skipped.values())

    files, problems = discover([root], follow_links=True)
    assert {f.name for f in files} == {"a.md", "notes.txt", "notes.md"} and not problems

    # a link named on the command line is the user's choice, and another root is inside
    files, _ = discover([root / "notes.txt"])
    assert [f.name for f in files] == ["notes.txt"]
    files, problems = discover([root, outside])
    assert {f.name for f in files} == {"a.md", "notes.txt", "notes.md"} and not problems


def test_read_source_reads_once_and_checks_the_size(tmp_path):
    from advisor.ingest.loaders import read_source

    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 100)
    assert read_source(path, 100) == b"x" * 100
    with pytest.raises(LoadError, match="too large"):
        read_source(path, 99)
