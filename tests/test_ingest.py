"""Ingest with the real model into a real Chroma store in a temporary folder: incremental
updates, deletions, bad files, and the CLI's summary and exit status."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.index.generations import Index
from advisor.ingest.build import ingest

from .conftest import CORPUS, article, settings_for

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "alpha.md").write_text(
        article(
            "Alpha",
            "## One\nAlpha talks about project managers and their budgets.\n\n## Two\nAlpha also covers the PMP exam in some detail.",
        ),
        encoding="utf-8",
    )
    (folder / "beta.md").write_text(
        article(
            "Beta", "## Intro\nBeta explains what a Certified ScrumMaster does on agile teams."
        ),
        encoding="utf-8",
    )
    return folder


def chunk_ids(settings) -> set[str]:
    reader = Index(settings).reader()
    return set(reader.collection.get(include=[])["ids"])


def test_ingest_then_incremental_updates(tmp_path, corpus):
    settings = settings_for(tmp_path / "index")
    first = ingest(settings, [corpus])
    assert first.ok and first.documents == 2 and first.chunks_added == first.chunks_total > 0
    ids = chunk_ids(settings)
    assert len(ids) == first.chunks_total

    again = ingest(settings, [corpus])  # nothing changed: nothing embedded, no new generation
    assert (again.chunks_added, again.chunks_removed, again.generation) == (0, 0, first.generation)
    assert again.chunks_unchanged == first.chunks_total

    (corpus / "alpha.md").write_text(
        article(
            "Alpha",
            "## One\nAlpha now talks about directors instead.\n\n## Two\nAlpha also covers the PMP exam in some detail.",
        ),
        encoding="utf-8",
    )
    edited = ingest(settings, [corpus])
    assert edited.docs_updated == 1 and edited.chunks_added == 1 and edited.chunks_removed == 1
    after_edit = chunk_ids(settings)
    assert len(after_edit) == len(ids) and after_edit != ids
    reader = Index(settings).reader()
    texts = " ".join(c.text for c in reader.doc_chunks("alpha"))
    assert "directors" in texts and "budgets" not in texts
    assert reader.keyword.search("budgets") == []  # the keyword table followed
    assert reader.keyword_search("budgets", 5) == []  # and so did the ranker
    assert reader.keyword_search("directors", 5)[0][0] in {
        c.chunk_id for c in reader.doc_chunks("alpha")
    }

    (corpus / "beta.md").unlink()
    deleted = ingest(settings, [corpus])
    assert deleted.docs_removed == 1 and deleted.documents == 1
    reader = Index(settings).reader()
    assert reader.doc_chunks("beta") == [] and reader.keyword.search("ScrumMaster") == []
    assert reader.keyword_search("ScrumMaster", 5) == []
    assert len(chunk_ids(settings)) == deleted.chunks_total


def test_other_folders_are_kept_when_ingesting_one(tmp_path, corpus):
    settings = settings_for(tmp_path / "index")
    other = tmp_path / "other"
    other.mkdir()
    (other / "gamma.md").write_text(
        article("Gamma", "Gamma is about engineering directors and strategy."), encoding="utf-8"
    )
    ingest(settings, [corpus, other])
    report = ingest(settings, [other])
    assert report.documents == 3 and report.docs_removed == 0


def test_bad_files_are_reported_and_skipped(tmp_path, corpus):
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\xff" * 50)
    (corpus / "latin.md").write_bytes("résumé".encode("latin-1"))
    (corpus / "front.md").write_text("---\ntitle: [oops\n---\nbody body body\n", encoding="utf-8")
    settings = settings_for(tmp_path / "index")
    report = ingest(settings, [corpus])
    assert report.documents == 2
    assert sorted(p.path.rsplit("/", 1)[-1] for p in report.problems) == [
        "binary.txt",
        "empty.md",
        "front.md",
        "latin.md",
    ]


def test_a_file_that_breaks_keeps_its_previous_version(tmp_path, corpus):
    settings = settings_for(tmp_path / "index")
    ingest(settings, [corpus])
    (corpus / "beta.md").write_bytes(b"\x00\x01 now corrupt")
    report = ingest(settings, [corpus])
    assert report.documents == 2 and report.problems
    assert Index(settings).reader().doc_chunks("beta")


def test_cli_summary_and_exit_status(tmp_path, corpus):
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", str(corpus), "--index-dir", str(tmp_path / "i1"), "--json"])
    assert ok.exit_code == 0, ok.output
    summary = json.loads(ok.stdout.strip().splitlines()[-1])
    assert summary["documents"] == 2 and summary["chunks_added"] > 0 and "seconds" in summary

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.md").write_bytes(b"")
    failed = runner.invoke(app, ["ingest", str(bad), "--index-dir", str(tmp_path / "i2")])
    assert failed.exit_code != 0
    assert "empty.md" in failed.output and "nothing could be ingested" in failed.output


def test_env_var_selects_the_index(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("ADVISOR_INDEX_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("ADVISOR_CORPUS", str(corpus))
    result = CliRunner().invoke(app, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env" / "CURRENT").exists()


def test_project_corpus_indexes_cleanly(project_index):
    reader = Index(project_index).reader()
    docs, chunks = reader.stats()
    assert docs >= 8 and chunks > docs
    # the collection was created for cosine distance, and that is checked when it is opened
    assert reader.collection.metadata.get("hnsw:space") == "cosine"


def test_copy_of_corpus_for_rebuild(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    settings = settings_for(tmp_path / "index")
    first = ingest(settings, [folder])
    rebuilt = ingest(settings, [folder], rebuild=True)
    assert rebuilt.chunks_total == first.chunks_total and rebuilt.generation != first.generation


def test_a_bad_setting_fails_at_once_with_its_name(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("ADVISOR_EMBEDDING_DTYPE", "bf16")
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--index-dir", str(tmp_path / "i")])
    assert result.exit_code == 2
    assert "ADVISOR_EMBEDDING_DTYPE must be one of" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "i").exists()


# --- hostile files, symbolic links, one read per file (issue 11, items 9-11) ---------------

YAML_BOMB = (
    "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "title: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\nSome body text for the note.\n"
)


def _names(problems) -> dict[str, str]:
    return {p.path.rsplit("/", 1)[-1]: p.reason for p in problems}


def test_hostile_files_are_skipped_by_name_and_the_rest_ingested(tmp_path, corpus):
    import zlib

    from .pdfs import page_pdf

    (corpus / "bomb.md").write_text(YAML_BOMB, encoding="utf-8")
    # pypdf raises LimitReachedError, which is no PdfReadError: it used to abort the ingest
    bomb = zlib.compress(b" " * 100_000_000, 9)
    (corpus / "inflates.pdf").write_bytes(page_pdf(bomb, b"/Filter /FlateDecode "))
    (corpus / "xref.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 999999\n"
        b"0000000000 65535 f \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n44\n%%EOF\n"
    )
    # cubic for the heading pattern this replaced (minutes); linear now, so simply ingested
    (corpus / "spaces.md").write_text(
        article("Spaces", "# a" + " " * 10_000 + "b\n\nDelta covers spacing in headings."),
        encoding="utf-8",
    )
    report = ingest(settings_for(tmp_path / "index"), [corpus])
    skipped = _names(report.problems)
    assert set(skipped) == {"bomb.md", "inflates.pdf", "xref.pdf"}
    assert "aliases" in skipped["bomb.md"] and "safety limit" in skipped["xref.pdf"]
    assert report.documents == 3  # alpha, beta, spaces


def test_a_parser_that_hangs_eats_memory_or_dies_costs_only_its_file(tmp_path, corpus, monkeypatch):
    import advisor.ingest.build
    from advisor.ingest.loaders.sandbox import Parser

    monkeypatch.setattr(
        advisor.ingest.build,
        "_parser",
        lambda settings: Parser(5.0, 256, "tests.hostile_parsers:by_name"),
    )
    for name in ("hang.md", "hog.md", "crash.md"):
        (corpus / name).write_text(article(name, "Text that never gets parsed."), "utf-8")
    report = ingest(settings_for(tmp_path / "index"), [corpus])
    skipped = _names(report.problems)
    assert "took longer than 5 s" in skipped["hang.md"]
    assert "needs more than 256 MB" in skipped["hog.md"]
    assert "crashed" in skipped["crash.md"]
    assert report.documents == 2 and {c.doc_id for c in _all_chunks(report, tmp_path)} == {
        "alpha",
        "beta",
    }


def _all_chunks(report, tmp_path):
    reader = Index(settings_for(tmp_path / "index")).reader()
    return [c for d in ("alpha", "beta", "hang", "hog", "crash") for c in reader.doc_chunks(d)]


def test_links_out_of_the_ingested_folder_are_not_followed(tmp_path, corpus):
    secret = tmp_path / "home" / ".aws"
    secret.mkdir(parents=True)
    (secret / "credentials.txt").write_text(
        "Credentials\n\naws_secret_access_key = SECRETTOKEN1234 for the account.\n", "utf-8"
    )
    (corpus / "notes.txt").symlink_to(secret / "credentials.txt")
    (corpus / "aws").symlink_to(secret, target_is_directory=True)
    (corpus / "alias.md").symlink_to(corpus / "alpha.md")  # inside the folder: fine
    settings = settings_for(tmp_path / "index")
    report = ingest(settings, [corpus])
    skipped = _names(report.problems)
    assert "outside the ingested folders" in skipped["notes.txt"]
    assert "outside the ingested folders" in skipped["aws"]
    reader = Index(settings).reader()
    assert reader.keyword_search("SECRETTOKEN1234", 5) == []
    assert report.documents == 2  # alpha (once, though two names lead to it) and beta

    followed = ingest(settings.with_(follow_links=True), [corpus])
    assert followed.documents == 3 and Index(settings).reader().doc_chunks("notes")


def test_hard_links_are_reported_and_skipped(tmp_path, corpus):
    """A hard link reads as an ordinary file, yet it may be another user's file under a second
    name: it was ingested silently."""
    secret = tmp_path / "home" / "notes.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("Notes\n\nThe vault code is SECRETTOKEN5678 for the account.\n", "utf-8")
    os.link(secret, corpus / "notes.txt")
    settings = settings_for(tmp_path / "index")
    report = ingest(settings, [corpus])
    assert "hard link" in _names(report.problems)["notes.txt"]
    (corpus / "alias.txt").symlink_to(corpus / "notes.txt")  # a link inside to the hard link
    report = ingest(settings, [corpus])
    assert "hard link" in _names(report.problems)["alias.txt"]
    assert Index(settings).reader().keyword_search("SECRETTOKEN5678", 5) == []
    assert ingest(settings.with_(follow_links=True), [corpus]).documents == 3


def test_the_bytes_hashed_are_the_bytes_parsed(tmp_path, corpus, monkeypatch):
    """An editor saving the file between two reads must not leave the index with one
    version's text under the other version's hash (which hides the edit for good)."""
    import hashlib
    import io
    import pathlib

    path = corpus / "alpha.md"
    first = article("Alpha", "Alpha is about the FIRSTVERSION of the file.")
    second = article("Alpha", "Alpha is about the SECONDVERSION of the file.")
    path.write_text(first, encoding="utf-8")
    real_open = pathlib.Path.open

    def open_then_edit(self, mode="r", *args, **kwargs):
        if self == path and "b" in mode and "r" in mode:
            with real_open(self, "rb") as fh:
                data = fh.read()
            with real_open(self, "w", encoding="utf-8") as fh:  # the edit lands right after
                fh.write(second)
            return io.BytesIO(data)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_then_edit)
    settings = settings_for(tmp_path / "index")
    ingest(settings, [corpus])
    monkeypatch.undo()
    index = Index(settings)
    recorded = index.manifest(index.current())["docs"]["alpha"]["sha256"]
    text = " ".join(c.text for c in index.reader().doc_chunks("alpha"))
    assert recorded == hashlib.sha256(first.encode()).hexdigest()
    assert "FIRSTVERSION" in text and "SECONDVERSION" not in text

    again = ingest(settings, [corpus])  # the edit is seen on the next run
    assert again.docs_updated == 1
    assert "SECONDVERSION" in " ".join(c.text for c in Index(settings).reader().doc_chunks("alpha"))


def test_a_chunking_error_in_one_file_is_a_reported_skip(tmp_path, corpus, monkeypatch):
    import advisor.ingest.build

    real = advisor.ingest.build.chunk_document

    def chunk(doc, *args, **kwargs):
        if doc.doc_id == "beta":
            raise IndexError("boom")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(advisor.ingest.build, "chunk_document", chunk)
    report = ingest(settings_for(tmp_path / "index"), [corpus])
    assert report.documents == 1
    assert _names(report.problems) == {"beta.md": "could not be chunked (IndexError: boom)"}


def test_a_file_that_expands_past_the_bounds_is_a_reported_skip(tmp_path, corpus, monkeypatch):
    """A small file can become megabytes of text or thousands of passages once parsed (a
    5.7 KB PDF, an 11.5 MB Markdown table): reported by name and skipped, the rest ingested."""
    from advisor.ingest import build

    monkeypatch.setattr(build, "MAX_DOC_CHARS", 50_000)
    monkeypatch.setattr(build, "MAX_DOC_CHUNKS", 30)
    (corpus / "table.md").write_text(
        "# Table\n\n| a | b |\n|---|---|\n" + "| cell | value |\n" * 6_000, encoding="utf-8"
    )
    rows = "".join(
        f"## Part {i}\n" + f"Widget fact {i} about careers. " * 10 + "\n" for i in range(60)
    )
    (corpus / "long.md").write_text("# Long\n\n" + rows, encoding="utf-8")
    report = ingest(settings_for(tmp_path / "index"), [corpus])
    skipped = _names(report.problems)
    assert "characters of text after parsing" in skipped["table.md"]
    assert "passages after chunking" in skipped["long.md"]
    assert report.documents == 2  # alpha and beta
