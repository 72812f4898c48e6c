"""Chunking invariants on real documents, measured with the model's own tokenizer."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advisor.index.embeddings import token_counter
from advisor.ingest.chunking import MODEL_WINDOW, chunk_document, estimate_tokens
from advisor.ingest.loaders import discover, load_file
from advisor.records import Block, Document

from .conftest import CORPUS, OOH, SEED


def real_documents():
    paths = [CORPUS] + [p for p in (SEED,) if p.exists()]
    files, _ = discover(paths)
    if OOH.exists():
        files += sorted(OOH.glob("*.html"))[:25]
    return [load_file(f) for f in files]


@pytest.fixture(scope="module")
def chunked():
    count = token_counter()
    return [(doc, chunk_document(doc, 200, count)) for doc in real_documents()], count


def test_every_chunk_fits_the_model_window(chunked):
    docs, count = chunked
    for _, chunks in docs:
        for c in chunks:
            assert count(c.embed_text) + 2 <= MODEL_WINDOW, (c.doc_id, c.section)


def test_chunks_carry_heading_path_and_metadata(chunked):
    docs, _ = chunked
    for doc, chunks in docs:
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        for c in chunks:
            assert c.embed_text.startswith(doc.title)
            assert c.doc_id == doc.doc_id and c.url == doc.url and c.published == doc.published


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_no_text_lost_and_order_kept(chunked):
    docs, _ = chunked
    for doc, chunks in docs:
        body = " ".join(_words(" ".join(c.text for c in chunks)))
        for block in doc.blocks:
            if block.kind == "heading" or len(block.text.split()) < 3:
                continue
            first = " ".join(_words(block.text)[:6])
            assert first in body, (doc.doc_id, block.text[:60])


def test_lists_stay_with_their_lead_in(chunked):
    docs, _ = chunked
    for doc, chunks in docs:
        # items whose list had a lead-in paragraph in the source
        led, prev = set(), None
        for b in doc.blocks:
            if (
                b.kind == "item"
                and prev is not None
                and (prev.kind == "paragraph" or prev.text in led)
            ):
                led.add(b.text)
            prev = b
        for c in chunks:
            for first, line in zip(["", *c.text.split("\n")], c.text.split("\n"), strict=False):
                if line.startswith("- ") and line[2:] in led:
                    assert first and not first.startswith("## "), (c.doc_id, line[:60])


def test_seed_certification_list_is_one_chunk_with_lead_in(seed_dir):
    doc = load_file(seed_dir / "how-to-advance-in-engineering.txt")
    chunks = chunk_document(doc, 200, token_counter())
    holder = [c for c in chunks if "Certified ScrumMaster (CSM)" in c.text]
    assert len(holder) == 1
    assert "professional certifications such as:" in holder[0].text
    assert "Project Management Professional (PMP)" in holder[0].text


def test_long_list_is_split_with_lead_in_repeated():
    items = [Block("item", f"Item number {i} " + "word " * 30) for i in range(12)]
    doc = Document(
        "d",
        "Doc",
        (Block("heading", "Things", 2), Block("paragraph", "These are the things:"), *items),
    )
    chunks = chunk_document(doc, 120, estimate_tokens)
    assert len(chunks) > 1
    assert all(c.text.startswith("These are the things:") for c in chunks)
    assert sum(c.text.count("\n- ") for c in chunks) == 12


_WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABC0123456789.,;:?!'"),
    min_size=1,
    max_size=14,
)
_TEXT = st.lists(_WORD, min_size=3, max_size=120).map(" ".join)


def _chunk_words(chunks) -> list[str]:
    words = []
    for c in chunks:
        for line in c.text.split("\n"):
            if line.startswith("## "):
                continue  # the heading of a merged small section, not body text
            words += line.removeprefix("- ").removeprefix("| ").split()
    return words


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["heading", "paragraph", "item", "row"]), _TEXT), max_size=20
    ),
    st.integers(min_value=40, max_value=200),
)
# a list item split at word boundaries whose last piece is under three words (once dropped as a
# stray label)
@example([("heading", "0 0 0"), ("item", " ".join(["0"] * 30))], 40)
def test_chunking_loses_no_words_and_keeps_order(blocks, max_tokens):
    doc_blocks = tuple(Block(k, t, 2 if k == "heading" else 0) for k, t in blocks)
    chunks = chunk_document(Document("p", "Prop", doc_blocks), max_tokens, estimate_tokens)
    expected = [w for b in doc_blocks if b.kind != "heading" for w in b.text.split()]
    got = _chunk_words(chunks)
    # lead-ins repeated at the top of a continued list are the only words that may repeat
    leads = {b.text for b in doc_blocks if b.kind == "paragraph"}
    deduped, it = [], iter(got)
    for w in expected:
        for x in it:
            if x == w:
                deduped.append(x)
                break
    assert deduped == expected, "a word was lost or reordered"
    assert len(got) - len(expected) <= sum(len(t.split()) for t in leads) * len(chunks)
    assert all(estimate_tokens(c.embed_text) <= MODEL_WINDOW - 3 for c in chunks)
