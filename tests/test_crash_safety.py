"""Kill ingest with SIGKILL at several points, then ask: the previous index answers, and the
next ingest completes cleanly. Also: a second writer gets a clear message, not a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from advisor.advisor import Advisor
from advisor.index.generations import Index, IndexBusy
from advisor.ingest.build import ingest

from .conftest import article, settings_for

pytestmark = pytest.mark.slow

# Runs ingest in a child process that SIGKILLs itself at the chosen point.
DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import advisor.index.generations as index_mod
    from advisor.ingest.build import ingest
    from advisor.settings import Settings

    point, index_dir, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)

    def progress(stage, done, total):
        if point == "embedding" and stage == "embedding" and done > 0:
            die()  # some batches embedded and written, the rest not
        if point == "ranking" and stage == "ranking" and done == 0:
            die()  # vectors and keyword table complete, BM25 ranker not yet saved

    if point == "write":  # in the middle of writing the manifest of the new generation
        real = index_mod.Index.write_manifest
        def write_manifest(self, generation, manifest):
            (self.gen_dir(generation) / "manifest.json").write_text('{"docs": {')
            die()
        index_mod.Index.write_manifest = write_manifest
    if point == "swap":  # the new pointer written to its temporary file, not yet renamed
        real_replace = os.replace
        def replace(src, dst):
            if str(dst).endswith("CURRENT"):
                die()
            return real_replace(src, dst)
        os.replace = replace

    settings = Settings.from_env(env={}, index_dir=Path(index_dir))
    ingest(settings, [Path(corpus)], progress)
    print("finished without being killed")
""")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "pay.md").write_text(
        article(
            "Pay",
            "## Wages\nGadget engineers earn a median of $70,000 a year (Gadget survey, 2024).",
        ),
        encoding="utf-8",
    )
    return folder


def grow(folder, n: int = 80) -> None:
    """Enough new material for several embedding batches, and a changed fact."""
    (folder / "pay.md").write_text(
        article(
            "Pay",
            "## Wages\nGadget engineers earn a median of $90,000 a year (Gadget survey, 2025).",
        ),
        encoding="utf-8",
    )
    for i in range(n):
        body = "\n\n".join(
            f"## Part {j}\nTopic {i} part {j} explains widget careers in detail, sentence {j}."
            for j in range(6)
        )
        (folder / f"extra-{i}.md").write_text(article(f"Extra {i}", body), encoding="utf-8")


@pytest.mark.parametrize("point", ["embedding", "ranking", "write", "swap"])
def test_killed_ingest_leaves_previous_index_answering(tmp_path, corpus, point):
    settings = settings_for(tmp_path / "index")
    first = ingest(settings, [corpus])
    grow(corpus)
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", DRIVER, point, str(settings.index_dir), str(corpus)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == -9, child.stdout + child.stderr  # it really was killed
    print(f"\n[kill at {point}] child ran {time.perf_counter() - started:.1f}s before SIGKILL")

    assert Index(settings).current() == first.generation  # the pointer never moved
    answer = Advisor(settings).ask("How much do gadget engineers earn?")
    assert "$70,000" in answer.text and not answer.refused  # the previous index answers

    again = ingest(settings, [corpus])  # the next ingest completes cleanly
    assert again.generation != first.generation and not again.problems
    assert "$90,000" in Advisor(settings).ask("How much do gadget engineers earn?").text
    leftovers = sorted(p.name for p in settings.index_dir.glob("gen-*"))
    assert leftovers == sorted({first.generation, again.generation})  # partial generation removed
    print(f"[kill at {point}] recovered: previous answered, next ingest took {again.seconds:.1f}s")


def test_second_writer_gets_a_clear_message(tmp_path, corpus):
    settings = settings_for(tmp_path / "index")
    index = Index(settings)
    with index.writer_lock(), pytest.raises(IndexBusy, match="being written by pid"):
        ingest(settings, [corpus])
    assert os.getpid()  # and no hang: we got here
