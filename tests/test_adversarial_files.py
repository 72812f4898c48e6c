"""Hostile and random files: every loader and the chunker stay within a time budget on inputs
built to trigger super-linear behaviour, and whatever a file does, the worst outcome is a
LoadError that names the reason (never another exception, never a stall)."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.index.embeddings import token_counter
from advisor.ingest.chunking import chunk_document
from advisor.ingest.loaders import LoadError, parse_bytes
from advisor.records import Block, Document

from .pdfs import page_pdf, pdf, text_ops

# Generous: the slowest case below takes well under a second on the 2-core CI machine, while
# the quadratic and cubic code these cases were written against took from 10 s to hours.
BUDGET_S = 2.0
# HTML pages without a main area go through trafilatura, whose own extraction is about three
# quarters of the time of the worst case here (linear, but ~0.5 ms per element on CI); beyond
# this, the ingest's per-file budget (ADVISOR_PARSE_SECONDS) stops it.
BUDGETS = {"md": BUDGET_S, "txt": BUDGET_S, "html": 5.0, "pdf": BUDGET_S}
SIZE = 100_000  # characters per adversarial file: the quadratic code took from 10 s to hours here
MOTIF_SIZE = 50_000  # property tests: big enough that a quadratic pattern costs seconds


def rep(motif: str, size: int = SIZE) -> str:
    return motif * (size // len(motif))


YAML_BOMB = (  # 190 bytes that expanded to a title of 522,000 characters
    "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "title: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\nSome body text for the note.\n"
)

MARKDOWN = {
    "heading-spaces": "# a" + " " * SIZE + "b",
    "heading-hashes": "# " + rep("#") + " x",
    "open-brackets": rep("["),
    "link-openers": rep("[]("),
    "link-nested-parens": "[a](" + rep("(b)") + " x",
    "star-emphasis": rep("*a "),
    "strong-emphasis": rep("**a "),
    "underscore-emphasis": rep("_a "),
    "backticks": rep("` "),
    "table-then-spaces": "| a |\n" + " " * SIZE + "x",
    "table-separator-spaces": "| a |\n|--" + " " * SIZE + "x",
    "item-continuations": "- item\n" + rep("  more words\n"),
    "front-matter-spaces": "---" + " " * SIZE + "\nx",
    "fences": rep("```\nx\n"),
    "one-long-line": rep("word "),
    "table-rows": "| a | b |\n|---|---|\n" + rep("| 1 | 2 |\n"),
    "nested-items": rep("  - x\n"),
    "long-heading-many-sections": "# "
    + rep("title ", 60_000)
    + "\n"
    + rep("## s\nbody text here\n"),
}

PLAINTEXT = {
    "heading-lines": rep("Heading Like Line\n\n"),
    "two-column-table": rep("Left Side\n\nRight Side\n\n"),
    "bullet-descriptions": "• Item\n\n" + rep("  a description.\n\n"),
    "one-paragraph-many-lines": rep("a line of text\n"),
    "one-long-line": rep("word "),
    "footnote-sources": "Title\n\n" + rep("in 2025.1 next ") + "\n\n1https://example.com/x\n",
    "bullets-only": rep("• "),
    "spaces-then-text": " " * SIZE + "x",
    "abbreviation-chain": rep("see e.g. A "),
    "published-spaces": "Published:" + " " * SIZE + "x\n\nBody text.\n",
}


def _html(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}</body></html>"


_WORDS = "<p>" + "word " * 100 + "</p>"
HTML = {
    "deep-divs": _html("<main>" + rep("<div>", 50_000) + "text " * 100 + "</main>"),
    "deep-lists": _html("<main>" + rep("<ul><li><a href=x>l</a>", 60_000) + "</main>"),
    "hidden-siblings": _html("<main>" + _WORDS + rep("<span aria-hidden=true></span>") + "</main>"),
    "hidden-tabs": _html(
        "<main>" + _WORDS + rep("<div style='display:none' class=c></div>") + "</main>"
    ),
    "digit-id": _html(
        "<main>" + _WORDS + "<div style='display:none' id='" + rep("1") + "x'></div></main>"
    ),
    "many-main-ids": _html(rep("<div id=main>x</div>", 100_000)),
    "nested-main-ids": _html(rep("<div id=main>", 50_000) + "word " * 1000),
    "no-main-area": _html("<p>" + rep("word ") + "</p>"),
    "nested-tables": _html("<main>" + rep("<table><tr><td>", 50_000) + "x</main>"),
    "less-thans": rep("<"),
    "long-style": _html(
        "<main>" + _WORDS + "<div style='display" + " " * SIZE + "x'>y</div></main>"
    ),
    "space-before-punct": _html("<main><p>" + rep("a ,") + "</p></main>"),
}


PDF = {
    "cyclic-page-tree": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    ),
    "deflate-bomb": page_pdf(zlib.compress(b" " * 100_000_000, 9), b"/Filter /FlateDecode "),
    "nested-arrays": page_pdf(b"[" * SIZE + b"]" * SIZE),
    "one-long-line": page_pdf(text_ops(rep("word "))),
    "many-text-operators": page_pdf(b"BT /F1 12 Tf " + b"(word ) Tj " * (SIZE // 11) + b"ET"),
    "self-referencing-length": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream",
    ),
    "huge-declared-count": pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 999999999 >>",
        b"<< /Type /Page /Parent 2 0 R >>",
    ),
    "truncated": page_pdf(text_ops("Some words here."))[:300],
    "oversized-xref": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 999999\n"
    b"0000000000 65535 f \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n44\n%%EOF\n",
}

CASES = {
    "md": {k: v.encode() for k, v in MARKDOWN.items()} | {"yaml-alias-bomb": YAML_BOMB.encode()},
    "txt": {k: v.encode() for k, v in PLAINTEXT.items()},
    "html": {k: v.encode() for k, v in HTML.items()},
    "pdf": PDF,
}
WARM_UP = {  # the first parse of a kind imports its libraries (trafilatura: seconds)
    "md": b"# T\n\nSome words.\n",
    "txt": b"Title\n\nSome words.\n",
    "html": _html("<main>" + _WORDS + "</main>").encode(),
    "pdf": page_pdf(text_ops("Some words.")),
}


def timed_parse(suffix: str, name: str, data: bytes) -> tuple[float, Document | str]:
    """CPU seconds of this process, not wall-clock time: what a quadratic parser costs, whatever
    else the machine runs (a wall-clock budget failed once with the evals running beside it)."""
    started = time.process_time()
    try:
        outcome: Document | str = parse_bytes(Path(f"{name}.{suffix}"), data)
    except LoadError as err:
        outcome = str(err)
    return time.process_time() - started, outcome


@pytest.fixture(scope="module")
def count():
    return token_counter()


@pytest.mark.parametrize("suffix", list(CASES))
def test_adversarial_files_parse_and_chunk_within_budget(suffix, count, capsys):
    timed_parse(suffix, "warm-up", WARM_UP[suffix])
    timings = []
    for name, data in CASES[suffix].items():
        seconds, outcome = timed_parse(suffix, name, data)
        chunk_s = 0.0
        if isinstance(outcome, Document):
            started = time.process_time()
            chunk_document(outcome, 200, count)
            chunk_s = time.process_time() - started
        timings.append((seconds, chunk_s, name))
        assert seconds < BUDGETS[suffix], f"{suffix}/{name}: parsing took {seconds:.1f} s"
        assert chunk_s < BUDGET_S, f"{suffix}/{name}: chunking took {chunk_s:.1f} s"
    parse_s, _, worst = max(timings)
    chunk_s, _, worst_chunked = max((c, p, n) for p, c, n in timings)
    with capsys.disabled():
        print(
            f"\n[{suffix}] slowest adversarial file: {worst} parsed in {parse_s:.3f} s; "
            f"slowest to chunk: {worst_chunked} {chunk_s:.3f} s ({len(timings)} files)"
        )


def test_yaml_aliases_are_refused():
    _, outcome = timed_parse("md", "bomb", YAML_BOMB.encode())
    assert isinstance(outcome, str) and "aliases" in outcome


def test_huge_front_matter_is_refused():
    data = ("---\n" + "k: v\n" * 20_000 + "---\nbody words here\n").encode()
    assert "front matter longer" in timed_parse("md", "big", data)[1]


@pytest.mark.parametrize("name", ["deflate-bomb", "oversized-xref"])
def test_pypdf_limit_errors_become_load_errors(name):
    # pypdf raises LimitReachedError (not a PdfReadError) when a stream inflates past its limit
    # or a cross-reference table declares more entries than the file can hold
    _, outcome = timed_parse("pdf", name, PDF[name])
    assert isinstance(outcome, str) and "safety limit" in outcome


def test_overlong_titles_and_headings_are_bounded():
    title = "word " * 10_000
    data = f"---\ntitle: {title}\n---\n# {'heading ' * 5000}\n\nBody text here.\n".encode()
    doc = parse_bytes(Path("long.md"), data)
    assert len(doc.title) <= 301
    assert all(len(b.text) <= 300 for b in doc.blocks if b.kind == "heading")
    assert any(b.text.startswith("heading heading") for b in doc.blocks)  # kept, as prose


def test_a_huge_lead_in_is_not_repeated_before_each_item(count):
    lead = "This lead-in is long. " * 2000
    blocks = (Block("paragraph", lead), *(Block("item", f"item {i}") for i in range(2000)))
    doc = Document("d", "T", blocks)
    chunks = chunk_document(doc, 200, count)
    total = sum(len(c.text) for c in chunks)
    assert total < 2 * (len(lead) + 2000 * 12)  # the text once, not once per part


# --- property tests: random motifs repeated, random bytes, mutated PDFs -------------------

MOTIF_CHARS = "#*_`[]()!|-:>•.,;%1aA \n\t<>/=\"'&"
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(
    suffix=st.sampled_from(["md", "txt", "html"]),
    prefix=st.text(alphabet=MOTIF_CHARS, max_size=12),
    motif=st.text(alphabet=MOTIF_CHARS, min_size=1, max_size=6),
    suffix_text=st.text(alphabet=MOTIF_CHARS, max_size=12),
)
def test_repeated_motifs_parse_in_linear_time(suffix, prefix, motif, suffix_text):
    """A motif repeated 50,000 characters long is how backtracking blows up; any motif."""
    data = (prefix + rep(motif, MOTIF_SIZE) + suffix_text).encode()
    seconds, _ = timed_parse(suffix, "motif", data)
    assert seconds < BUDGETS[suffix], (prefix, motif, suffix_text)


@PROPERTY_SETTINGS
@given(suffix=st.sampled_from(["md", "txt", "html", "pdf"]), data=st.binary(max_size=4000))
def test_random_bytes_raise_nothing_but_load_errors(suffix, data):
    seconds, outcome = timed_parse(suffix, "random", data)
    assert seconds < BUDGET_S
    if isinstance(outcome, Document):
        assert all("\n" not in b.text for b in outcome.blocks if b.kind == "heading")


@PROPERTY_SETTINGS
@given(
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=8)), max_size=6)
)
def test_mutated_pdfs_raise_nothing_but_load_errors(cuts):
    data = bytearray(page_pdf(text_ops("Engineering managers plan budgets and lead teams.")))
    for at, insert in cuts:
        at %= len(data)
        data[at : at + len(insert)] = insert
    seconds, _ = timed_parse("pdf", "mutated", bytes(data))
    assert seconds < BUDGET_S


@PROPERTY_SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "",
                    "# Heading",
                    "## Sub",
                    "- item",
                    "  continued",
                    "| a | b |",
                    "|---|---|",
                    "```",
                    "Lead-in:",
                    "1. first",
                ]
            ),
            st.text(alphabet=MOTIF_CHARS, max_size=40),
        ),
        max_size=60,
    )
)
def test_markdown_structure_is_well_formed(lines):
    """Whatever the lines, blocks are single-line, non-empty (but headings) and chunkable."""
    data = ("\n".join(["# Title", "", "Intro words here.", *lines])).encode()
    doc = parse_bytes(Path("random.md"), data)
    for b in doc.blocks:
        assert "\n" not in b.text
        assert b.text or b.kind == "heading"
    chunk_document(doc, 200)
