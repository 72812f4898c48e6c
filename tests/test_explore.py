"""The Explore tab's HTML, without a browser: escaped titles and values, group sizes, every
comparison cell linked to a source entry of its own article, and the question a section asks."""

from __future__ import annotations

from html.parser import HTMLParser

from advisor.library.catalog import build_library, comparison_table
from advisor.records import Chunk
from advisor.ui import render
from advisor.ui.explore import (
    ADD_CAREERS,
    render_comparison,
    render_listing,
    render_related,
    render_sections,
    section_question,
)

HOSTILE = '<img src=x onerror="alert(1)">'


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def library():
    rows = [
        ("e", "Electricians", "Summary", "https://www.bls.gov/ooh/c/e.htm"),
        ("e", "Electricians", "How to Become an Electrician", "https://www.bls.gov/ooh/c/e.htm"),
        ("e", "Electricians", "Pay > Electricians", "https://www.bls.gov/ooh/c/e.htm"),
        ("h", f"Hackers {HOSTILE}", f"Pay {HOSTILE}", "javascript:alert(1)"),
        ("n", "Nurses", "Summary", "https://www.bls.gov/ooh/healthcare/n.htm"),
    ]
    facts = [
        Chunk(
            "e1",
            "e",
            "Electricians",
            "Summary",
            "Quick Facts\n| Median Pay: $1",
            0,
            "https://www.bls.gov/ooh/c/e.htm",
        ),
        Chunk(
            "h1",
            "h",
            f"Hackers {HOSTILE}",
            "Summary",
            f"Quick Facts\n| Median Pay: {HOSTILE}\n| Outlook: up",
            0,
            "javascript:alert(1)",
        ),
    ]
    return build_library("g", rows, {}, facts)


def test_listing_shows_groups_with_sizes_and_escapes_titles():
    html = render_listing(library())
    assert "3 articles in 3 groups" in html
    tags = Tags(html).tags
    assert [a["data-group"] for t, a in tags if t == "details"] == ["C", "Healthcare", "Other"]
    assert not any(t in ("img", "script") for t, _ in tags)
    assert "&lt;img src=x" in html
    narrowed = render_listing(library(), "nur")
    assert 'data-query="nur"' in narrowed and "1 of 3 articles match" in narrowed
    assert " open" in narrowed  # a filtered list shows its groups opened


def test_sections_and_related_are_buttons_with_escaped_values():
    lib = library()
    html = render_sections(lib.article("h"))
    picks = [a["data-pick"] for t, a in Tags(html).tags if t == "button"]
    assert picks == [f"Pay {HOSTILE}"]  # the attribute round-trips to the exact section
    assert "<img" not in html
    assert render_related(lib, "missing") == ""


def test_every_present_cell_links_to_its_own_article_source_and_missing_cells_say_so():
    lib = library()
    html = render_comparison(lib.compare(["e", "h", "n"]))
    tags = Tags(html).tags
    sources = {a["id"]: a for t, a in tags if t == "li"}
    cells = [a for t, a in tags if t == "td"]
    links = [a["href"] for t, a in tags if t == "a" and a.get("href", "").startswith("#")]
    present = [c for c in cells if c.get("class") != "ca-missing"]
    assert len(links) == len(present) == 3  # e: pay; h: pay, outlook
    for cell, href in zip(present, links, strict=True):
        assert sources[href[1:]]["data-doc"] == cell["data-doc"]
    missing = [c["data-doc"] for c in cells if c.get("class") == "ca-missing"]
    assert missing == ["n", "e", "n"]  # nurses have no table; electricians no outlook
    external = [a["href"] for t, a in tags if t == "a" and not a["href"].startswith("#")]
    assert external == ["https://www.bls.gov/ooh/c/e.htm"]  # javascript: never becomes a link
    assert "<img" not in html


def test_two_figures_of_one_cell_are_shown_apart_in_explore_and_in_the_chat():
    """A page's "$62,350 per year<br>$29.98 per hour" is indexed as one line; Compare and the
    chat's table show the two figures on lines of their own, not run together."""
    rows = [(d, t, "Summary", "") for d, t in (("e", "Electricians"), ("p", "Plumbers"))]
    facts = [
        Chunk(f"{d}1", d, t, "Summary", f"Quick Facts\n| 2024 Median Pay: {pay}", 0)
        for d, t, pay in (
            ("e", "Electricians", "$62,350 per year $29.98 per hour"),
            ("p", "Plumbers", "$62,970 per year $30.27 per hour"),
        )
    ]
    comparison = build_library("g", rows, {}, facts).compare(["e", "p"])
    explore = render_comparison(comparison)
    chat = render.render_table(comparison_table(comparison), 0, [1, 2])
    for html in (explore, chat):
        assert "$62,350 per year<br>$29.98 per hour<sup" in html
        assert "$62,970 per year<br>$30.27 per hour<sup" in html
        assert "year $" not in html


def test_a_library_without_facts_tables_says_how_to_add_careers():
    with_facts = library()
    without = build_library("g", [("a", "Notes", "Summary", "")], {}, [])
    assert ADD_CAREERS in render_listing(without)
    assert ADD_CAREERS in render_comparison(None, empty=True)
    assert ADD_CAREERS not in render_listing(with_facts)
    assert ADD_CAREERS not in render_comparison(None, empty=False)


def test_a_section_question_names_the_article_unless_the_heading_does():
    article = library().article("e")
    assert section_question(article, "How to Become an Electrician") == (
        "Tell me about How to Become an Electrician"
    )
    assert section_question(article, "Summary") == "Tell me about Summary for Electricians"
    assert section_question(article, "Pay > Electricians") == "Tell me about Electricians"
