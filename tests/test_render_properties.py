"""Property: whatever a source or an answer contains, the rendered HTML has only our own tags,
no event-handler attributes, and links that are in-page anchors or http(s)."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.records import Answer, Citation, Passage, Quote, Table, TableCell
from advisor.ui.render import render_answer

from .test_ui import ALLOWED_TAGS

HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "javascript:alert(1)",
        "![x](http://evil.example/x.png)",
        "</blockquote><script>",
        '" onmouseover="x',
        "<a href=//evil>",
        "&lt;script&gt;",
        "[1]",
        "\u202e",
        "<svg/onload=alert(1)>",
        "<iframe src=//x>",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=40)), max_size=6).map(" ".join)


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


@settings(max_examples=150, deadline=None)
@given(
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    st.sampled_from(
        [
            "",
            "https://ok.example/a",
            "javascript:alert(1)",
            "data:text/html,x",
            'http://x.example/"onclick=1',
        ]
    ),
)
def test_rendering_escapes_whatever_a_source_contains(answer_text, snippet, title, section, url):
    citation = Citation(
        1, "doc", title, section, url, "2025-01-01", snippet, "src", quote=snippet[:20]
    )
    html = render_answer(
        0, Answer(text=f"{answer_text} [1]", citations=(citation,)), asked=answer_text
    )
    parser = Collect()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name)
            if name == "href":
                assert value and (
                    value.startswith("#") or value.startswith(("http://", "https://"))
                ), value
                assert '"' not in value and "javascript:" not in value.lower()


ADVERSARIAL = {
    "a long run of spaces": "a" + " " * 40_000 + "b",
    "spaces before a marker": " " * 40_000 + "[1]",
    "many markers": "x [1]" * 10_000,
    "a marker of 5,000 digits": "[" + "1" * 5_000 + "]",
    "brackets without digits": "[" * 40_000,
    "a list item of spaces": "- " + " " * 40_000 + "x [2]",
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_rendering_is_linear_on_adversarial_text(name):
    """Each within a generous budget (2 s; linear work on 40,000 characters takes milliseconds)."""
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    html = render_answer(0, Answer(text=text, citations=()), asked=text)
    assert time.perf_counter() - start < 2.0
    assert html.startswith('<div class="ca-answer')


def test_a_marker_written_in_a_source_stays_text():
    """References come from each quote's citation, never from brackets in the quoted words: an
    article that says "[1]" does not link to the answer's own source 1."""
    citation = Citation(1, "doc", "Title", "Section", "", "2025-01-01", "snippet", "src")
    quote = Quote(text="Footnote [1] of the article says so.", cite=1)
    answer = Answer(
        text=f"{quote.text} [1]",
        citations=(citation,),
        passages=(Passage(kind="paragraph", quotes=(quote,)),),
    )
    html = render_answer(0, answer)
    assert html.count('href="#src-0-1"') == 1  # the quote's own reference only
    assert "Footnote [1] of the article" in html


def test_a_table_answer_renders_as_a_table():
    citation = Citation(1, "a", "A", "Summary", "", "", "snippet", "src")
    table = Table(
        caption="Side by side:",
        columns=("Electricians", "Plumbers"),
        rows=(("Median pay", (TableCell(text="$62,350", cite=1), TableCell(text="not stated"))),),
    )
    html = render_answer(0, Answer(text=table.text, citations=(citation,), table=table))
    assert "<table>" in html and '<th scope="col">Plumbers</th>' in html
    assert 'class="ca-missing">not stated</td>' in html


def test_the_terminal_table_shows_source_text_as_text():
    from rich.console import Console

    from advisor.cli import _rich_table

    table = Table(
        caption="Side [red]by[/red] side:",
        columns=("Bad [/x] title", "B"),
        rows=(("Pay [b]", (TableCell(text="$1 [/i]", cite=1), TableCell(text="not stated"))),),
        note="[bold]note",
    )
    console = Console(record=True, width=200)
    console.print(_rich_table(table))
    shown = console.export_text()
    assert "Bad [/x] title" in shown and "[red]by[/red]" in shown and "$1 [/i] [1]" in shown
