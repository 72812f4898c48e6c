"""`library add`: pages fetched politely from a loopback server (the base address is a setting),
recorded with address and checksum, resumed after an interruption, failures reported by
address and retried; then indexed and answered from, end to end over real BLS pages."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from advisor.ingest.download import MANIFEST, PAGES, Downloader, Source, default_paths
from tests.conftest import OOH, article, need, settings_for


class Site:
    """A loopback web server: `pages` maps paths to bytes; `broken` paths answer 500;
    every request's path and user agent is logged."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages, self.broken, self.log = dict(pages), set(), []
        self.headers: dict[str, dict[str, str]] = {}  # extra headers (and status) by path
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.log.append((self.path, self.headers.get("User-Agent", "")))
                extra = dict(site.headers.get(self.path, {}))
                status = int(extra.pop("status", 500 if self.path in site.broken else 200))
                body = site.pages.get(self.path) if status == 200 else b"oops"
                if body is None:
                    status, body = 404, b"not found"
                self.send_response(status)
                self.send_header("Content-Type", extra.pop("type", "text/html; charset=utf-8"))
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def requested(self) -> list[str]:
        return [path for path, _ in self.log]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(title: str, text: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>".encode()


ORIGIN = "https://pages.example.org"
SLUGS = ("alpha", "beta", "gamma", "delta")
SOURCE = Source("test", "Test pages", ORIGIN, tuple(f"{ORIGIN}/jobs/{s}.htm" for s in SLUGS), "")


@pytest.fixture
def site():
    s = Site({f"/jobs/{slug}.htm": page(slug.title(), f"All about {slug}.") for slug in SLUGS})
    yield s
    s.close()


def fetch_all(downloader: Downloader) -> dict[str, str | None]:
    return {a: downloader.get(a) for a in downloader.missing()}


def test_pages_are_written_whole_and_recorded_with_address_and_checksum(site, tmp_path):
    d = Downloader(SOURCE, tmp_path / "lib", site.url, delay=0, contact="me@example.org")
    assert fetch_all(d) == {a: None for a in SOURCE.addresses}
    manifest = json.loads((tmp_path / "lib" / MANIFEST).read_text())
    for address in SOURCE.addresses:
        entry = manifest["pages"][address]
        data = (tmp_path / "lib" / PAGES / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert data == site.pages[address.removeprefix(ORIGIN)]
    assert all("career-advisor/" in ua and "me@example.org" in ua for _, ua in site.log)
    assert sorted(p.name for p in (tmp_path / "lib" / PAGES).iterdir()) == sorted(
        f"{s}.html" for s in SLUGS
    )


def test_a_second_run_fetches_only_what_is_missing_or_damaged(site, tmp_path):
    fetch_all(Downloader(SOURCE, tmp_path / "lib", site.url, delay=0))
    assert len(site.log) == 4
    (tmp_path / "lib" / PAGES / "beta.html").write_bytes(b"<html>cut sh")  # damaged
    (tmp_path / "lib" / PAGES / "gamma.html").unlink()  # lost
    again = Downloader(SOURCE, tmp_path / "lib", site.url, delay=0)
    assert [a.rsplit("/", 1)[1] for a in again.missing()] == ["beta.htm", "gamma.htm"]
    fetch_all(again)
    assert site.requested()[4:] == ["/jobs/beta.htm", "/jobs/gamma.htm"]
    assert Downloader(SOURCE, tmp_path / "lib", site.url, delay=0).missing() == []


def test_a_failing_page_is_reported_by_address_and_retried_next_run(site, tmp_path):
    site.broken.add("/jobs/beta.htm")
    d = Downloader(SOURCE, tmp_path / "lib", site.url, delay=0)
    d.sleep = lambda s: None  # the retries' back-off
    result = fetch_all(d)
    assert result[f"{ORIGIN}/jobs/beta.htm"] == "HTTP 500"
    assert [r for r in result.values() if r is None] == [None] * 3
    assert site.requested().count("/jobs/beta.htm") == 3  # tried, then retried twice
    manifest = json.loads((tmp_path / "lib" / MANIFEST).read_text())
    assert manifest["failed"] == {f"{ORIGIN}/jobs/beta.htm": "HTTP 500"}
    site.broken.clear()
    again = Downloader(SOURCE, tmp_path / "lib", site.url, delay=0)
    assert fetch_all(again) == {f"{ORIGIN}/jobs/beta.htm": None}
    assert json.loads((tmp_path / "lib" / MANIFEST).read_text())["failed"] == {}


def test_requests_are_paced_and_a_server_asking_to_wait_is_obeyed(site, tmp_path):
    waits: list[float] = []
    d = Downloader(SOURCE, tmp_path / "lib", site.url, delay=2.0, sleep=waits.append)
    site.headers["/jobs/beta.htm"] = {"status": "503", "Retry-After": "7"}
    site.headers["/jobs/delta.htm"] = {"status": "429", "Retry-After": "86400"}
    result = fetch_all(d)
    # the first request goes at once; every later one waits for the pace (the fake sleep does
    # not pass time, so each wait is the whole delay), and the 503 waits what it asked for
    assert waits.count(7.0) == 2
    assert [w for w in waits if w != 7.0] == pytest.approx([2.0] * (len(site.log) - 1), abs=0.1)
    assert result[f"{ORIGIN}/jobs/beta.htm"] == "HTTP 503"
    assert "wait too long" in result[f"{ORIGIN}/jobs/delta.htm"]
    assert site.requested().count("/jobs/delta.htm") == 1


def test_what_is_not_a_web_page_is_refused(site, tmp_path):
    site.headers["/jobs/alpha.htm"] = {"type": "application/octet-stream"}
    result = fetch_all(Downloader(SOURCE, tmp_path / "lib", site.url, delay=0))
    assert result[f"{ORIGIN}/jobs/alpha.htm"].startswith("not a web page")
    assert not (tmp_path / "lib" / PAGES / "alpha.html").exists()


def test_selection_names_pages_by_file_name(tmp_path):
    d = Downloader(SOURCE, tmp_path, delay=0, select=("gamma", "alpha"))
    assert d.wanted == (f"{ORIGIN}/jobs/alpha.htm", f"{ORIGIN}/jobs/gamma.htm")
    with pytest.raises(ValueError, match="not a page of test: omega"):
        Downloader(SOURCE, tmp_path, delay=0, select=("omega",))


def test_ingest_without_paths_reads_the_corpus_then_downloaded_libraries(tmp_path):
    settings = settings_for(tmp_path / "idx", corpus=(tmp_path / "corpus",))
    assert default_paths(settings) == [tmp_path / "corpus"]
    (settings.library_dir / "ooh" / PAGES).mkdir(parents=True)
    (settings.library_dir / "half").mkdir()  # no manifest: not a library
    (settings.library_dir / "ooh" / MANIFEST).write_text("{}")
    assert default_paths(settings) == [tmp_path / "corpus", settings.library_dir / "ooh" / PAGES]


# -- end to end over real BLS pages ----------------------------------------------------------
OCCUPATIONS = ("electricians", "plumbers-pipefitters-and-steamfitters", "dental-hygienists")


@pytest.fixture
def bls(tmp_path):
    """A loopback copy of bls.gov serving three real OOH pages (plus one more that fails)."""
    from advisor.ingest.download import sources

    need(OOH)
    source = sources()["ooh"]
    served = {}
    for address in source.addresses:
        stem = source.file_name(address)
        if stem.removesuffix(".html") in (*OCCUPATIONS, "actuaries"):
            served[address.removeprefix(source.origin)] = (OOH / stem).read_bytes()
    s = Site(served)
    s.broken.add(next(p for p in served if p.endswith("/actuaries.htm")))
    yield s
    s.close()


def test_library_add_downloads_indexes_and_answers_then_resumes(bls, tmp_path):
    from typer.testing import CliRunner

    from advisor.advisor import Advisor
    from advisor.cli import app

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "note.md").write_text(article("Mentors", "A mentor helps you grow."))
    env = {
        "ADVISOR_INDEX_DIR": str(tmp_path / "idx"),
        "ADVISOR_LIBRARY_DIR": str(tmp_path / "library"),
        "ADVISOR_CORPUS": str(tmp_path / "corpus"),
        "ADVISOR_LIBRARY_BASE_URL": bls.url,
        "ADVISOR_DOWNLOAD_DELAY": "0",
    }
    only = [a for o in (*OCCUPATIONS, "actuaries") for a in ("--only", o)]
    first = CliRunner().invoke(app, ["library", "add", "ooh", *only], env=env)
    assert first.exit_code == 1, first.output  # one page failed: said, and the run says so
    assert "actuaries.htm: HTTP 500" in first.output
    assert "3 pages downloaded" in first.output
    settings = settings_for(tmp_path / "idx", corpus=(tmp_path / "corpus",))
    answer = Advisor(settings).ask("How much do electricians make?")
    assert not answer.refused
    assert (
        answer.citations[0].url
        == "https://www.bls.gov/ooh/construction-and-extraction/electricians.htm"
    )
    assert any(
        c.title == "Mentors" for c in Advisor(settings).ask("What does a mentor do?").citations
    )

    bls.broken.clear()
    before = len(bls.log)
    second = CliRunner().invoke(app, ["library", "add", "ooh", *only], env=env)
    assert second.exit_code == 0, second.output
    assert bls.requested()[before:] == [p for p in bls.pages if p.endswith("/actuaries.htm")]
    assert "1 pages downloaded, 3 already there, 0 failed" in second.output
    answer = Advisor(settings).ask("What do actuaries do?")
    assert answer.citations and "actuaries" in answer.citations[0].url


def test_a_killed_download_resumes_where_it_stopped(site, tmp_path):
    """A download killed mid-run (SIGKILL: no clean-up) leaves whole pages only; the next run
    fetches just the pages it had not finished."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {
        **os.environ,
        "ADVISOR_LIBRARY_DIR": str(tmp_path / "library"),
        "ADVISOR_LIBRARY_BASE_URL": site.url,
        "ADVISOR_DOWNLOAD_DELAY": "0.4",
    }
    script = (
        "import sys; from advisor.ingest.download import Downloader, Source;"
        f"s = Source('test', '', {ORIGIN!r}, {SOURCE.addresses!r}, '');"
        f"d = Downloader(s, sys.argv[1], {site.url!r}, delay=0.4);"
        "[d.get(a) for a in d.missing()]"
    )
    folder = tmp_path / "lib"
    proc = subprocess.Popen([sys.executable, "-c", script, str(folder)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if len(json.loads((folder / MANIFEST).read_text())["pages"]) >= 2:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads((folder / MANIFEST).read_text())["pages"]
    assert 2 <= len(done) < 4
    requested = len(site.log)
    again = Downloader(SOURCE, folder, site.url, delay=0)
    assert set(again.missing()) == set(SOURCE.addresses) - set(done)
    fetch_all(again)
    assert set(site.requested()[requested:]) == {
        a.removeprefix(ORIGIN) for a in again.wanted if a not in done
    }
    assert sorted(p.name for p in (folder / PAGES).iterdir()) == sorted(f"{s}.html" for s in SLUGS)
