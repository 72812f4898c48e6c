"""The chat UI in a real Chromium: a streamed cited answer, sources, a follow-up, feedback, hostile
input that neither runs nor fetches. Timings to first words and to the full answer are printed and
written to artifacts/ui-timings.json, never asserted (the machine is shared)."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> '
    "![x](http://example.invalid/x.png)"
)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT = 90_000  # ms; the first answer may wait for the model on a busy machine

# The newest answer bubble, in page JS: words (not the status line) are showing / it is final.
FIRST_WORDS = """n => { const a = [...document.querySelectorAll('#ca-chat .ca-answer')];
  return a.length >= n && !a[n - 1].querySelector('em') && a[n - 1].textContent.trim() !== ''; }"""
FINAL = "n => document.querySelectorAll('#ca-chat .ca-answer:not(.ca-pending)').length >= n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(project_advisor, project_index, tmp_path_factory):
    from advisor.ui.app import build_app

    feedback = tmp_path_factory.mktemp("browser-fb") / "feedback.jsonl"
    demo = build_app(project_advisor, project_index.with_(feedback_file=feedback))
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    yield url, feedback
    demo.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser context (own localStorage) on the app, recording every request."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(app_url[0], wait_until="domcontentloaded")  # a Gradio page is never network-idle
    page.locator("#ca-question textarea").wait_for(timeout=TIMEOUT)
    yield page
    context.close()


def ask(page, question: str, n: int) -> dict[str, float]:
    """Type a question, press Enter, wait for answer number n; seconds to first words and end."""
    box = page.locator("#ca-question textarea")
    box.fill(question)
    start = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(FIRST_WORDS, arg=n, timeout=TIMEOUT)
    first = time.perf_counter() - start
    page.wait_for_function(FINAL, arg=n, timeout=TIMEOUT)
    return {"first_token_s": round(first, 3), "complete_s": round(time.perf_counter() - start, 3)}


def wait_for_verdicts(path: Path, n: int) -> list[str]:
    """The verdicts in the feedback file once it has n of them (feedback is written async)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = path.read_text().splitlines() if path.exists() else []
        if len(rows) >= n:
            return [json.loads(row)["verdict"] for row in rows]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} verdicts in {path}")


def off_loopback(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOOPBACK
    ]


def test_cited_answer_sources_and_follow_up(page, project_advisor, app_url):
    question = "What is the PMP certification?"
    timings = {"question": ask(page, question, 1)}
    answer = page.locator("#ca-chat .ca-answer").last
    assert answer.locator("sup.ca-ref a").first.is_visible()
    titles = {c.title for c in project_advisor.ask(question).citations}
    shown = answer.locator(".ca-sources .ca-title").all_inner_texts()
    assert titles & set(shown), (titles, shown)
    page.get_by_text(sorted(titles & set(shown))[0]).first.wait_for(state="visible")

    answer.locator("sup.ca-ref a").first.click()  # the marker jumps to its source entry
    page.wait_for_url("**#src-0-1", timeout=TIMEOUT)  # a busy machine may take a moment
    page.locator("#src-0-1").wait_for(state="visible", timeout=TIMEOUT)
    answer.locator(".ca-support summary").first.click()
    answer.locator(".ca-support mark").first.wait_for(state="visible", timeout=TIMEOUT)

    follow_up = page.locator(".ca-followup:visible").first
    follow_up.wait_for(timeout=TIMEOUT)
    label = follow_up.inner_text()
    start = time.perf_counter()
    follow_up.click()
    page.wait_for_function(FINAL, arg=2, timeout=TIMEOUT)
    timings["follow_up"] = {"complete_s": round(time.perf_counter() - start, 3)}
    assert page.locator("#ca-chat .ca-user").last.inner_text() == label
    assert page.locator("#ca-chat .ca-answer").last.inner_text().strip()

    page.get_by_role("button", name="Like", exact=True).last.click()
    assert wait_for_verdicts(app_url[1], 1)[-1] == "up"
    flag = page.locator("#ca-chat .extra-feedback").last  # the flag holds the custom options
    flag.hover()
    flag.locator("button.extra-feedback-option", has_text="does not support").click()
    wait_for_verdicts(app_url[1], 2)
    time.sleep(1)  # a duplicate click event would land by now
    assert wait_for_verdicts(app_url[1], 2) == ["up", "unsupported"]

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
    (ARTIFACTS / "ui-timings.json").write_text(json.dumps(timings, indent=1))
    print(f"\nUI timings (s): {json.dumps(timings)}")
    assert not off_loopback(page.requests), off_loopback(page.requests)


# Each kind of text on the page, bold and plain: the family the browser sets it in.
FAMILIES = """() => {
  const kinds = {page: '.gradio-container', heading: 'h2', bold: '.ca-status b', source: '.ca-sources .ca-title',
                 answer: '#ca-chat .ca-answer p', button: 'button', tab: '[role=tab]'};
  const out = {};
  for (const [k, sel] of Object.entries(kinds)) {
    const el = document.querySelector(sel);
    out[k] = el ? getComputedStyle(el).fontFamily : null;
  }
  return out;
}"""
# Font faces the page declared and the browser loaded (Gradio's own are @font-face rules).
LOADED_FACES = "() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"


def test_one_font_family_at_every_weight_and_no_label_over_the_messages(page):
    """Bold text is set in the same family as the rest (Gradio's bundled SemiBold is a 5 KB
    subset, so bold letters came from another font), no font file is fetched, and no floating
    label sits over the messages."""
    ask(page, "What are the PMP and CAPM certifications?", 1)
    families = page.evaluate(FAMILIES)
    assert None not in families.values(), families
    assert len(set(families.values())) == 1, families
    assert page.evaluate(LOADED_FACES) == []
    assert not [u for u in page.requests if re.search(r"\.(woff2?|ttf|otf)(\?|$)", u)]
    chat = page.locator("#ca-chat")
    assert chat.get_by_text("Conversation", exact=True).filter(visible=True).count() == 0
    box = chat.bounding_box()
    top = page.evaluate(  # what sits at the top of the messages: a message, not a label
        "([x, y]) => document.elementFromPoint(x, y).closest('label, [data-testid=block-label]')",
        [box["x"] + 40, box["y"] + 10],
    )
    assert top is None


def test_a_refusals_nearest_topics_are_buttons_that_ask_about_them(page, project_advisor):
    question = "How do I become a locksmith?"
    ask(page, question, 1)
    offer = project_advisor.ask(question).offer
    buttons = page.locator("#ca-chat button.option")
    buttons.first.wait_for(timeout=TIMEOUT)
    assert buttons.all_inner_texts() == [t.title for t in offer.topics]
    buttons.first.click()
    page.wait_for_function(FINAL, arg=2, timeout=TIMEOUT)
    assert page.locator("#ca-chat .ca-user").last.inner_text() == offer.topics[0].question
    assert page.locator("#ca-chat .ca-answer").last.locator(".ca-sources").is_visible()
    assert page.locator("#ca-chat button.option").count() == 0  # the answer offers none
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-refusal-topics.png"))


def test_explore_says_how_to_compare_and_how_to_add_careers(page, project_advisor):
    """Over the default library (articles, no facts tables): the filter's example is a word of
    its own titles and finds them; Compare says how to use it, and Compare, the list and the
    status line name the command that adds the career pages."""
    from advisor.ui.explore import ADD_CAREERS

    library = project_advisor.library()
    assert not library.comparable()
    status = page.locator(".ca-status", has_text="groups")
    status.wait_for(timeout=TIMEOUT)
    assert ADD_CAREERS in status.inner_text()
    page.get_by_role("tab", name="Explore").click()
    box = page.locator("#ca-filter textarea")
    page.wait_for_function(
        "() => document.querySelector('#ca-filter textarea').placeholder.includes('e.g.')",
        timeout=TIMEOUT,
    )
    example = box.get_attribute("placeholder").rsplit("e.g. ", 1)[1]
    box.fill(example)
    summary = page.locator(f'#ca-library .ca-lib-summary[data-query="{example}"]')
    summary.wait_for(timeout=TIMEOUT)
    matched = int(summary.inner_text().split()[0])
    assert 0 < matched < library.size  # it finds titles, and narrows the list
    assert ADD_CAREERS in page.locator("#ca-library").inner_text()
    compare = page.locator("#ca-compare")
    assert ADD_CAREERS in compare.inner_text()
    help_line = page.get_by_text("Add to comparison", exact=False).filter(visible=True)
    assert help_line.count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explore-default-library.png"), full_page=True)


def test_conversation_survives_a_reload(page):
    ask(page, "How long does a Master of Engineering Management take?", 1)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function(FINAL, arg=1, timeout=TIMEOUT)
    assert (
        "Master of Engineering Management" in page.locator("#ca-chat .ca-user").first.inner_text()
    )


def test_explore_asks_about_a_section(page):
    title = "Engineering Manager vs Director of Engineering"
    page.get_by_role("tab", name="Explore").click()
    page.locator("#ca-library button.ca-pick", has_text=title).click()
    page.locator("#ca-sections button.ca-pick", has_text="Budget responsibility").click()
    page.wait_for_function(FINAL, arg=1, timeout=TIMEOUT)  # back on the chat tab, answered
    assert (
        page.locator("#ca-chat .ca-user").last.inner_text()
        == f"Tell me about Budget responsibility for {title}"
    )
    sources = page.locator("#ca-chat .ca-answer").last.locator(".ca-sources")
    assert "Engineering Manager vs Director of Engineering" in sources.inner_text()


def test_hostile_input_neither_runs_nor_fetches(page):
    ask(page, HOSTILE, 1)
    user = page.locator("#ca-chat .ca-user").last
    assert "<script>" in user.inner_text()  # shown as text, not markup
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#ca-chat img[src='x'], #ca-chat script").count() == 0

    # a question the project's articles answer with or without ../shared's seed beside them
    ask(page, "What is the PMP certification?", 2)
    assert page.locator("#ca-chat .ca-answer").last.locator(".ca-sources").is_visible()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not off_loopback(page.requests), off_loopback(page.requests)


def test_a_full_queue_shows_a_polite_busy_message(browser, project_advisor, project_index):
    from advisor.ui.app import build_app

    demo = build_app(project_advisor, project_index.with_(queue_size=0))  # every slot taken
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        box = page.locator("#ca-question textarea")
        box.wait_for(timeout=TIMEOUT)
        box.fill("What is the PMP certification?")
        box.press("Enter")
        page.get_by_text("currently busy", exact=False).first.wait_for(timeout=TIMEOUT)
        assert "Traceback" not in page.locator("body").inner_text()
        assert box.input_value() == "What is the PMP certification?"  # kept for a retry
    finally:
        context.close()
        demo.close()
