"""Explore tab timings in a real Chromium over a built index, next to baselines measured in the
same run; plus the library's build time and memory in the server process.

    python -m advisor.evals.bench_explore --index-dir DIR [-n 5] [--json out.json]

Browser: page load to an interactive Explore tab (baseline: page load to a usable chat box),
filter keystroke to the updated list, pick of an article, a two-career comparison. Server: the
library (outline, facts tables, summary vectors) built once per generation, its peak traced
memory and what it keeps; baseline: the flat outline the old Explore tab read on every page load.
Answers: how often a picked section's question is answered from the picked article.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import time
import tracemalloc
from pathlib import Path

from advisor.advisor import Advisor
from advisor.library.catalog import library_from_reader
from advisor.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TIMEOUT = 60_000  # ms
TYPED = ("nurse", "electrician")  # filter words typed one key at a time
COMPARED = ("electricians", "plumbers-pipefitters-and-steamfitters")
SUMMARY = "#ca-library .ca-lib-summary"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "max_ms": round(max(values), 1),
    }


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_side(advisor: Advisor, n: int) -> dict[str, object]:
    """Library build (time, peak and kept memory) against the old per-load outline."""
    reader = advisor.reader()
    old = []
    for _ in range(n):
        s = time.perf_counter()
        outline = reader.outline()
        list(dict.fromkeys((title, doc_id) for doc_id, title, _s, _u in outline))
        old.append(ms(time.perf_counter() - s))
    builds = []
    for _ in range(n):
        s = time.perf_counter()
        library_from_reader(reader)
        builds.append(ms(time.perf_counter() - s))
    before = rss_mb()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    library = advisor.library()  # the app's own copy, kept
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    s = time.perf_counter()
    advisor.library()
    cached = ms(time.perf_counter() - s)
    core = {
        "filter_ms": stats(
            [_timed(library.filter, w[:i]) for w in TYPED for i in range(1, len(w) + 1)]
        ),
        "compare_ms": stats([_timed(library.compare, list(COMPARED)) for _ in range(n)]),
        "related_ms": stats([_timed(library.related, COMPARED[0]) for _ in range(n)]),
    }
    return {
        "articles": library.size,
        "groups": len(library.groups),
        "comparable": len(library.comparable()),
        "baseline_old_outline_per_page_load_ms": stats(old),
        "library_build_ms": stats(builds),
        "library_cached_lookup_ms": cached,
        "library_peak_traced_mb": round((peak - base) / 2**20, 2),
        "library_kept_traced_mb": round((kept - base) / 2**20, 2),
        "rss_growth_mb": round(rss_mb() - before, 1),
        "core": core,
    }


def _timed(fn, *args) -> float:
    s = time.perf_counter()
    fn(*args)
    return ms(time.perf_counter() - s)


def section_questions(advisor: Advisor, n: int, seed: int = 12) -> dict[str, dict[str, int]]:
    """How often the question a picked section asks is answered from the picked article (first
    citation), as the tab asks it and as the heading alone (the baseline, the old tab's way)."""
    import random

    from advisor.ui.explore import section_question

    library = advisor.library()
    pairs = [(a, s) for a in library.articles.values() for s in a.sections]
    sample = random.Random(seed).sample(pairs, min(n, len(pairs)))
    forms = {
        "heading_only": lambda a, s: f"Tell me about {s.split(' > ')[-1]}",
        "explore_tab": section_question,
    }
    out = {}
    for name, form in forms.items():
        article = section = 0
        for a, s in sample:
            top = next(iter(advisor.ask(form(a, s)).citations), None)
            if top is not None and top.doc_id == a.doc_id:
                article += 1
                section += top.section.split(" > ")[0] == s.split(" > ")[0]
        out[name] = {"sections": len(sample), "from_article": article, "same_section": section}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_side(advisor: Advisor, url: str, n: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    library = advisor.library()
    titles = {d: library.articles[d].title for d in COMPARED}
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "chat_ready",
            "explore_ready",
            "explore_after_chat_ready",
            "keystroke",
            "pick",
            "compare",
        )
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for _ in range(n):
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                page = context.new_page()
                one_session(page, url, library, titles, out)
                context.close()
        finally:
            browser.close()
    return {k: stats(v) for k, v in out.items()}


def one_session(page, url: str, library, titles: dict[str, str], out: dict) -> None:
    """One fresh page: load, open Explore, type, pick, compare; appends ms to `out`."""
    s = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#ca-question textarea").wait_for(timeout=TIMEOUT)
    out["chat_ready"].append(ms(time.perf_counter() - s))
    page.get_by_role("tab", name="Explore").click()
    page.locator(f'{SUMMARY}[data-query=""]', has_text="groups").wait_for(timeout=TIMEOUT)
    # interactive: a group can be opened and the filter takes keys
    page.locator("#ca-library details.ca-group summary").first.click(trial=True, timeout=TIMEOUT)
    page.locator("#ca-filter textarea").click(trial=True, timeout=TIMEOUT)
    out["explore_ready"].append(ms(time.perf_counter() - s))
    out["explore_after_chat_ready"].append(out["explore_ready"][-1] - out["chat_ready"][-1])
    box = page.locator("#ca-filter textarea")
    for word in TYPED:
        box.fill("")
        page.locator(f'{SUMMARY}[data-query=""]').wait_for(timeout=TIMEOUT)
        for i, ch in enumerate(word):
            s = time.perf_counter()
            box.press(ch)
            page.locator(f'{SUMMARY}[data-query="{word[: i + 1]}"]').wait_for(timeout=TIMEOUT)
            out["keystroke"].append(ms(time.perf_counter() - s))
    for k, doc_id in enumerate(COMPARED):
        box.fill(titles[doc_id])
        page.locator(f'{SUMMARY}[data-query="{titles[doc_id]}"]').wait_for(timeout=TIMEOUT)
        s = time.perf_counter()
        page.locator("#ca-library button.ca-pick", has_text=titles[doc_id]).first.click()
        page.locator("#ca-article h3", has_text=titles[doc_id]).wait_for(timeout=TIMEOUT)
        out["pick"].append(ms(time.perf_counter() - s))
        s = time.perf_counter()
        page.locator("#ca-add-compare").click()
        if k == len(COMPARED) - 1:  # the second career: the table appears
            page.locator("#ca-compare table thead th", has_text=titles[doc_id]).wait_for(
                timeout=TIMEOUT
            )
            out["compare"].append(ms(time.perf_counter() - s))
        else:
            page.locator("#ca-compare-pick", has_text=titles[doc_id]).wait_for(timeout=TIMEOUT)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="default: ADVISOR_INDEX_DIR")
    parser.add_argument("-n", type=int, default=5, help="page loads (and core repeats)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--sections", type=int, default=200, help="picked sections to ask about (0: skip)"
    )
    args = parser.parse_args(argv)
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }.items():
        os.environ.setdefault(name, value)
    overrides = {"index_dir": args.index_dir} if args.index_dir else {}
    settings = Settings.from_env(**overrides)
    advisor = Advisor(settings)
    advisor.warm()
    docs, chunks = advisor.reader().stats()
    results: dict[str, object] = {"documents": docs, "chunks": chunks}
    results["server"] = server_side(advisor, args.n)
    print(json.dumps(results["server"], indent=1), flush=True)
    if args.sections:
        results["section_questions"] = section_questions(advisor, args.sections)
    from advisor.ui.app import build_app

    demo = build_app(advisor, settings)
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    try:
        if CHROMIUM.exists():
            results["browser"] = browser_side(advisor, url, args.n)
        else:
            results["browser"] = f"skipped: {CHROMIUM} not installed"
    finally:
        demo.close()
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
