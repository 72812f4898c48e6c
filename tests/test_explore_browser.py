"""The Explore tab in a real Chromium over a library with OOH pages (every 8th of the 342, plus
the pages compared): grouped list, filter, pick, related careers, a two-career comparison whose
cells link to the right page's section, a conversation started from a section. Screenshots go to
artifacts/explore/."""

from __future__ import annotations

import shutil

import pytest

from .conftest import CORPUS, OOH, need, settings_for
from .test_ui_browser import ARTIFACTS, FINAL, TIMEOUT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPARED = ("electricians", "plumbers-pipefitters-and-steamfitters")
EXTRA = (*COMPARED, "registered-nurses")
EVERY = 8  # every 8th OOH page: 43 pages across every category
SHOTS = ARTIFACTS / "explore"
SUMMARY = "#ca-library .ca-lib-summary"


def ooh_subset(folder) -> list[str]:
    pages = sorted(p.name for p in need(OOH).glob("*.html"))
    chosen = pages[::EVERY] + [f"{n}.html" for n in EXTRA if f"{n}.html" in pages]
    for name in dict.fromkeys(chosen):
        shutil.copy(OOH / name, folder / name)
    return chosen


@pytest.fixture(scope="module")
def library_advisor(tmp_path_factory):
    from advisor.advisor import Advisor
    from advisor.ingest.build import ingest

    pages = tmp_path_factory.mktemp("explore-ooh")
    assert len(set(ooh_subset(pages))) >= 40
    settings = settings_for(tmp_path_factory.mktemp("explore-index"))
    report = ingest(settings, [CORPUS, pages])
    assert report.ok, report.problems
    advisor = Advisor(settings)
    advisor.warm()
    return advisor


@pytest.fixture(scope="module")
def app_url(library_advisor):
    from advisor.ui.app import build_app

    demo = build_app(library_advisor, library_advisor.settings)
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    yield url
    demo.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#ca-question textarea").wait_for(timeout=TIMEOUT)
    yield page
    context.close()


def open_explore(page, library) -> None:
    page.get_by_role("tab", name="Explore").click()
    expected = f"{library.size} articles in {len(library.groups)} groups"
    page.locator(SUMMARY, has_text=expected).wait_for(timeout=TIMEOUT)


def pick(page, container: str, title: str) -> None:
    page.locator(f"{container} button.ca-pick", has_text=title).first.click()
    page.locator("#ca-article h3", has_text=title).wait_for(timeout=TIMEOUT)


def find_and_pick(page, title: str) -> None:
    """Type the title in the filter (groups start closed in a library this size), pick it."""
    page.locator("#ca-filter textarea").fill(title)
    page.locator(f'{SUMMARY}[data-query="{title}"]').wait_for(timeout=TIMEOUT)
    pick(page, "#ca-library", title)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_grouped_list_filter_pick_and_related(page, library_advisor):
    library = library_advisor.library()
    status = page.locator(".ca-status", has_text="groups")
    status.wait_for(timeout=TIMEOUT)  # the status line names the library's size and groups
    assert f"{library.size} articles in {len(library.groups)} groups" in status.inner_text()
    open_explore(page, library)
    groups = page.locator("#ca-library details.ca-group")
    assert groups.count() == len(library.groups)
    sizes = {g.name: g.size for g in library.groups}
    for group in groups.all():  # every group with its size, and that many articles in it
        count = int(group.locator(".ca-count").inner_text())
        assert count == sizes[group.get_attribute("data-group")] == group.locator("li").count()

    box = page.locator("#ca-filter textarea")
    for i, ch in enumerate("electric"):
        box.press(ch)  # as typed: the list narrows at every keystroke
        typed = "electric"[: i + 1]
        summary = page.locator(f'{SUMMARY}[data-query="{typed}"]')
        summary.wait_for(timeout=TIMEOUT)
        want = library.filter(typed).matched
        assert summary.inner_text() == f"{want} of {library.size} articles match"
        assert page.locator("#ca-library button.ca-pick").count() == want
    box.press("Backspace")  # deleting widens the list again
    page.locator(f'{SUMMARY}[data-query="electri"]').wait_for(timeout=TIMEOUT)
    box.press("c")
    page.locator(f'{SUMMARY}[data-query="electric"]').wait_for(timeout=TIMEOUT)
    titles = page.locator("#ca-library button.ca-pick").all_inner_texts()
    expected = [
        library.articles[d].title for g in library.filter("electric").groups for d in g.doc_ids
    ]
    assert titles == expected and "Electricians" in titles and "Registered Nurses" not in titles
    shot(page, "filtered.png")

    pick(page, "#ca-library", "Electricians")
    sections = page.locator("#ca-sections button.ca-pick").all_inner_texts()
    assert sections == [s.replace(" > ", " › ") for s in library.article("electricians").sections]
    related = page.locator("#ca-related")
    assert (
        "Similar occupations" in related.inner_text()
        and "Nearest in meaning" in related.inner_text()
    )
    shot(page, "article.png")
    related_core = library.related("electricians")
    linked = [r for r in (*related_core.similar, *related_core.nearest) if r.doc_id]
    assert linked and related.locator("button.ca-pick").count() == len(linked)
    box.fill("")
    page.locator(f'{SUMMARY}[data-query=""]').wait_for(timeout=TIMEOUT)
    page.locator("#ca-related button.ca-pick", has_text=linked[0].title).first.click()
    current = library.articles[linked[0].doc_id].title  # one click away
    page.locator("#ca-article h3", has_text=current).wait_for(timeout=TIMEOUT)
    assert page.locator("#ca-library .ca-current").inner_text() == current


def test_compare_two_careers_every_cell_links_to_its_page_section(page, library_advisor):
    library = library_advisor.library()
    open_explore(page, library)
    for doc_id in COMPARED:
        find_and_pick(page, library.articles[doc_id].title)
        page.locator("#ca-add-compare").click()
        page.locator("#ca-compare-pick", has_text=library.articles[doc_id].title).wait_for(
            timeout=TIMEOUT
        )
    table = page.locator("#ca-compare table")
    table.wait_for(timeout=TIMEOUT)
    heads = table.locator("thead th").all_inner_texts()[1:]
    assert heads == [library.articles[d].title for d in COMPARED]
    expected = library.compare(list(COMPARED))
    rows = table.locator("tbody tr")
    assert rows.count() == len(expected.rows) == 7
    for r, row in enumerate(expected.rows):
        cells = rows.nth(r).locator("td")
        assert rows.nth(r).locator("th").inner_text() == row.label
        for c, cell in enumerate(row.cells):
            td = cells.nth(c)
            assert td.get_attribute("data-doc") == COMPARED[c]
            assert not cell.missing, (row.label, cell)
            # one line per figure ("$62,350 per year" / "$29.98 per hour"), never run together
            assert td.inner_text().startswith("\n".join(cell.lines)), (td.inner_text(), cell)
            href = td.locator("sup.ca-ref a").get_attribute("href")
            source = page.locator(f"#ca-compare li{href}")
            assert source.get_attribute("data-doc") == COMPARED[c]
            assert source.get_attribute("data-section") == "Summary"  # Quick Facts live there
            page_url = source.locator("a").get_attribute("href")
            assert page_url == library.articles[COMPARED[c]].url
            assert page_url.endswith(f"/{COMPARED[c]}.htm")
    shot(page, "compare.png")
    table.locator("sup.ca-ref a").first.click()  # the marker jumps to its source entry
    page.wait_for_url("**#cmp-src-1", timeout=TIMEOUT)


def test_a_comparison_asked_in_the_chat_is_a_table_like_explores(page, library_advisor):
    """ "compare electricians and plumbers" in the chat: a real table in the bubble with the
    columns and rows Compare shows, each figure on a line of its own; no Markdown pipes."""
    from advisor.ui.explore import ADD_CAREERS, COMPARE_HELP

    library = library_advisor.library()
    box = page.locator("#ca-question textarea")
    box.fill("compare electricians and plumbers")
    box.press("Enter")
    page.wait_for_function(FINAL, arg=1, timeout=TIMEOUT)
    answer = page.locator("#ca-chat .ca-answer").last
    table = answer.locator("table")
    expected = library.compare(list(COMPARED))
    assert table.locator("thead th").all_inner_texts()[1:] == [a.title for a in expected.articles]
    assert table.locator("tbody th").all_inner_texts() == [r.label for r in expected.rows]
    pay = next(i for i, r in enumerate(expected.rows) if r.key == "median pay")
    shown = table.locator("tbody tr").nth(pay).locator("td").first.inner_text()
    assert shown.startswith("\n".join(expected.rows[pay].cells[0].lines))
    assert "|" not in answer.inner_text()
    shot(page, "chat-comparison.png")
    open_explore(page, library)  # this library has careers: Compare's help, no "add" hint
    assert page.get_by_text(COMPARE_HELP).is_visible()
    assert ADD_CAREERS not in page.locator("body").inner_text()


def test_a_section_starts_a_conversation(page, library_advisor):
    from advisor.ui.explore import section_question

    library = library_advisor.library()
    article = library.article("electricians")
    section = next(s for s in article.sections if "How to Become" in s.split(" > ")[-1])
    open_explore(page, library)
    find_and_pick(page, "Electricians")
    page.locator(
        "#ca-sections button.ca-pick", has_text=section.replace(" > ", " › ")
    ).first.click()
    page.wait_for_function(FINAL, arg=1, timeout=TIMEOUT)  # back on the chat tab, answered
    assert page.locator("#ca-chat .ca-user").last.inner_text() == section_question(article, section)
    sources = page.locator("#ca-chat .ca-answer").last.locator(".ca-sources")
    assert "Electricians" in sources.inner_text()
    shot(page, "conversation.png")


def test_a_blank_question_leaves_no_bubble(page):
    box = page.locator("#ca-question textarea")
    box.fill("   ")
    box.press("Enter")
    # answered: the box is emptied (nothing else changes); only then type the real question
    page.wait_for_function(
        "() => document.querySelector('#ca-question textarea').value === ''", timeout=TIMEOUT
    )
    box.fill("What do electricians do?")
    box.press("Enter")
    page.wait_for_function(FINAL, arg=1, timeout=TIMEOUT)
    assert page.locator("#ca-chat .ca-user").all_inner_texts() == ["What do electricians do?"]
