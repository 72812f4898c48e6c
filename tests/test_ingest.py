"""Ingest with the real model into a real Chroma store in a temporary folder: incremental
updates, deletions, bad files, and the CLI's summary and exit status."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.index import Index
from advisor.ingest import ingest

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
