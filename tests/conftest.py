"""Shared fixtures: paths to ../shared data (tests skip when absent), and indexes built once per
session with the real model and a real Chroma store in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from advisor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISOR_SHARED_DIR", ROOT.parent / "shared"))
SEED = SHARED / "corpus" / "seed"
OOH = SHARED / "corpus" / "ooh" / "html"
EVALS = SHARED / "evals"
CORPUS = ROOT / "corpus"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return need(SEED)


@pytest.fixture(scope="session")
def ooh_dir() -> Path:
    return need(OOH)


def article(title: str, body: str) -> str:
    """A small Markdown article with front matter, for tests that build their own corpus."""
    return f"---\ntitle: {title}\nsource: test\npublished: 2025-01-02\n---\n{body}\n"


def settings_for(index_dir: Path, **kw) -> Settings:
    """Settings that never touch the user's environment, index or downloaded libraries."""
    kw.setdefault("library_dir", index_dir / "libraries")
    return Settings.from_env(env={}, index_dir=index_dir, **kw)


@pytest.fixture(scope="session")
def project_index(tmp_path_factory) -> Settings:
    """The project's own corpus, plus the seed article when present, indexed once."""
    from advisor.ingest.build import ingest

    settings = settings_for(tmp_path_factory.mktemp("project-index"))
    paths = [CORPUS] + ([SEED] if SEED.exists() else [])
    report = ingest(settings, paths)
    assert report.ok, report.problems
    return settings


@pytest.fixture(scope="session")
def project_advisor(project_index):
    from advisor.advisor import Advisor

    advisor = Advisor(project_index)
    advisor.warm()
    return advisor


# Debian's Chromium, headless, for the browser tests (tests/test_*_browser.py); the flags keep
# it off the network this machine does not have.
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()
