"""Site boilerplate: which paragraphs count, which page keeps them, and ingest keeping exactly
one copy as pages come and go (real model, real Chroma)."""

from __future__ import annotations

import pytest

from advisor.index.generations import Index
from advisor.ingest import boilerplate
from advisor.ingest.build import ingest
from advisor.records import Block, Document

from .conftest import article, settings_for

FOOTER = "Employment projections for every state are published by the state labour market offices."


def page(doc_id: str, *blocks: Block, source: str = "site") -> Document:
    return Document(doc_id=doc_id, title=doc_id, blocks=blocks, source=source)


def para(text: str) -> Block:
    return Block("paragraph", text)


def test_candidates_are_long_paragraphs_that_do_not_lead_a_list():
    doc = page(
        "a",
        para(FOOTER),
        para("Too short to be a template."),
        para("The following are examples of qualities that matter for these workers:"),
        Block("item", "Analytical skills"),
    )
    assert boilerplate.candidates(doc) == [boilerplate._key(FOOTER)]


def test_a_paragraph_on_most_pages_of_a_site_is_kept_once():
    docs = {
        f"p{i:02d}": page(f"p{i:02d}", para(f"Page {i} has its own text here."), para(FOOTER))
        for i in range(30)
    }
    table = {d: (doc.source, boilerplate.candidates(doc)) for d, doc in docs.items()}
    skips = boilerplate.skipped(table, 0.5)
    assert skips["p00"] == [] and all(
        skips[d] == [boilerplate._key(FOOTER)] for d in docs if d != "p00"
    )
    kept = [
        d
        for d, doc in docs.items()
        if FOOTER in " ".join(b.text for b in boilerplate.without(doc, skips[d]).blocks)
    ]
    assert kept == ["p00"]
    assert boilerplate.skipped(table, 0) == {d: [] for d in docs}  # switched off


def test_small_sites_and_other_sites_are_left_alone():
    few = {f"p{i}": ("site", [boilerplate._key(FOOTER)]) for i in range(boilerplate.MIN_DOCS - 1)}
    assert all(v == [] for v in boilerplate.skipped(few, 0.5).values())
    mixed = {
        f"p{i}": ("site" if i < 25 else "other", [boilerplate._key(FOOTER)] if i < 10 else [])
        for i in range(50)
    }
    assert all(v == [] for v in boilerplate.skipped(mixed, 0.5).values())  # 10 of 25: under half


@pytest.mark.slow
def test_ingest_keeps_one_copy_as_pages_come_and_go(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    jobs = ["welder", "baker", "nurse", "pilot", "plumber", "tailor", "farmer", "drafter", "chef",
            "barber", "mason", "glazier", "roofer", "painter", "logger", "miner", "potter", "jeweler",
            "florist", "butcher", "cooper", "cutler"]  # fmt: skip
    for job in jobs:
        body = f"## Duties\nA {job} does the work of a {job} each day.\n\n## More\n{FOOTER}"
        (folder / f"{job}.md").write_text(article(job.title(), body), encoding="utf-8")
    settings = settings_for(tmp_path / "index")

    def holders() -> list[str]:
        reader = Index(settings).reader()
        return sorted(
            {reader.chunks([cid])[cid].doc_id for cid, _ in reader.keyword_search(FOOTER, 50)}
        )

    first = ingest(settings, [folder])
    assert first.documents == len(jobs) and holders() == ["baker"]  # the first doc_id keeps it

    (folder / "baker.md").unlink()  # the keeper goes: the next page takes the paragraph over
    second = ingest(settings, [folder])
    assert second.docs_removed == 1 and holders() == ["barber"]
    assert second.chunks_added == 1  # only barber's new chunk is embedded

    again = ingest(settings, [folder])  # nothing changed: nothing re-chunked or embedded
    assert (again.chunks_added, again.chunks_removed, again.generation) == (0, 0, second.generation)


def test_frozen_pages_keep_what_they_hold_and_skip_what_they_skip():
    key = boilerplate._key(FOOTER)
    table = {f"p{i:02d}": ("site", [key]) for i in range(30)}
    # p05 could not be re-read and holds the paragraph; p00 would otherwise be the keeper
    skips = boilerplate.skipped(table, 0.5, frozen={"p05": [], "p07": [key]})
    assert skips["p05"] == [] and skips["p07"] == [key]
    assert all(skips[d] == [key] for d in table if d not in ("p05", "p07"))


@pytest.mark.slow
def test_ingesting_one_folder_leaves_the_other_folders_pages_alone(tmp_path):
    jobs = sorted(["welder", "baker", "nurse", "pilot", "plumber", "tailor", "farmer", "drafter",
                   "chef", "barber", "mason", "glazier", "roofer", "painter", "logger", "miner",
                   "potter", "jeweler", "florist", "butcher", "cooper", "cutler"])  # fmt: skip
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, names in ((first, jobs[:11]), (second, jobs[11:])):
        folder.mkdir()
        for job in names:
            body = f"## Duties\nA {job} does the work of a {job} each day.\n\n## More\n{FOOTER}"
            (folder / f"{job}.md").write_text(article(job.title(), body), encoding="utf-8")
    settings = settings_for(tmp_path / "index")

    def holders() -> list[str]:
        reader = Index(settings).reader()
        hits = reader.keyword_search(FOOTER, 50)
        return sorted({reader.chunks([cid])[cid].doc_id for cid, _ in hits})

    both = ingest(settings, [first, second])
    assert both.documents == len(jobs) and holders() == [jobs[0]]
    only_b = ingest(settings, [second])  # a's pages are counted but not touched
    assert (only_b.chunks_added, only_b.chunks_removed, only_b.generation) == (
        0,
        0,
        both.generation,
    )
    (first / f"{jobs[0]}.md").unlink()
    moved = ingest(settings, [first])  # the keeper goes; b's pages keep skipping
    assert holders() == [jobs[1]] and moved.chunks_added == 1
