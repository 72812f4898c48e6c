"""A long-running advisor while ingests come and go, with the real model and real Chroma stores
in a temporary folder: it keeps answering, ends up on the newest generation, never goes back
to an older one, keeps no client or file of generations it left, and the generations it still
answers from survive garbage collection. Also: every file of a generation is fsynced before
the pointer names it."""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

import pytest

from advisor.advisor import Advisor
from advisor.answer.titles import TitleMeanings
from advisor.index.generations import Index, IndexReader
from advisor.index.release import RELEASER
from advisor.index.retrieval import Searcher
from advisor.index.store import StoreError
from advisor.ingest.build import ingest

from .conftest import article, settings_for

pytestmark = pytest.mark.slow

ASKERS = 2
INGESTS = 4


def write_pay(folder, figure: str, extra: int = 0) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "pay.md").write_text(
        article("Pay", f"## Wages\nGadget engineers earn a median of {figure} a year (survey)."),
        encoding="utf-8",
    )
    for i in range(extra):
        (folder / f"note-{i}.md").write_text(
            article(f"Note {i}", f"## Part\nWidget note {i} explains careers in detail."),
            encoding="utf-8",
        )


def open_files_under(root) -> list[str]:
    """What this process holds open under `root` (deleted files included)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(root)):
            found.append(target)
    return found


@pytest.fixture
def built(tmp_path):
    settings = settings_for(tmp_path / "index")
    corpus = tmp_path / "corpus"
    write_pay(corpus, "$70,000")
    first = ingest(settings, [corpus])
    return settings, corpus, first.generation


def test_answers_while_generations_change_and_old_ones_are_released(built):
    settings, corpus, first = built
    advisor = Advisor(settings)
    assert "$70,000" in advisor.ask("How much do gadget engineers earn?").text
    stop, failures, answered = threading.Event(), [], [0]

    def ask() -> None:
        while not stop.is_set():
            try:
                answer = advisor.ask("How much do gadget engineers earn?")
                assert not answer.refused and answer.citations, answer.text
                answered[0] += 1
            except BaseException as err:  # collected and reported below
                failures.append(err)
                return

    askers = [threading.Thread(target=ask) for _ in range(ASKERS)]
    for t in askers:
        t.start()
    generations = [first]
    try:
        for i in range(INGESTS):
            write_pay(corpus, f"${80 + i},000", extra=i + 1)
            generations.append(ingest(settings, [corpus]).generation)
    finally:
        stop.set()
        for t in askers:
            t.join()
    assert not failures, failures[0]
    assert answered[0] > 0
    final = advisor.ask("How much do gadget engineers earn?")
    assert f"${80 + INGESTS - 1},000" in final.text  # on the newest generation
    assert advisor.reader().generation == generations[-1]

    gc.collect()  # readers the askers dropped in the middle of a cycle
    assert RELEASER.wait(), "the releases the collector queued did not finish"
    live_dir = str(settings.index_dir / generations[-1])
    held = open_files_under(settings.index_dir)
    assert not [f for f in held if "(deleted)" in f], held  # no handle on a removed file
    assert all(f.startswith(live_dir) for f in held), held  # nothing of older generations


class OwnedLock:
    """A lock that fails at once when the thread holding it asks for it again (the hang this
    test is about), and otherwise waits as a lock does."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: int | None = None

    def __enter__(self) -> None:
        if self.owner == threading.get_ident():
            raise RuntimeError("a release asked for a lock its own thread holds: it would hang")
        assert self.lock.acquire(timeout=60)
        self.owner = threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        self.owner = None
        self.lock.release()


def test_a_reader_the_collector_frees_is_released_off_the_freeing_thread(built):
    """The collector runs a finalizer inside whatever code set it off, and that code may hold
    a lock the release needs (a Chroma server client's connection pool did, and the process
    hung). The release runs on another thread once the lock is free: the lease goes."""
    settings, _, generation = built
    index = Index(settings)
    index._leases_lock = OwnedLock()  # the lease table's lock, which the release takes
    reader = index.open(generation)
    assert generation in index.in_use()
    with index._leases_lock:  # the freeing code holds what the release needs
        del reader
        gc.collect()
    assert RELEASER.wait(), "the release did not finish"
    assert generation not in index.in_use()
    index.close()


def test_a_stale_searcher_is_never_used(built):
    """The race: a request that read the old generation stores its searcher after the switch;
    the next question must still search the new generation."""
    settings, corpus, _ = built
    advisor = Advisor(settings)
    old = advisor.reader()
    write_pay(corpus, "$99,000")
    ingest(settings, [corpus])
    new = advisor.reader()
    assert new is not old
    advisor._searcher = Searcher(old, advisor.embed_query, settings.retriever)  # the late write
    assert advisor.searcher().reader is new
    assert "$99,000" in advisor.ask("How much do gadget engineers earn?").text


def test_a_question_reads_one_generation_while_an_ingest_flips_the_pointer(built, monkeypatch):
    """An ingest that makes a new generation live while a question is being answered changes
    the next question's answer, not this one's: otherwise its hits, unit vectors and word
    counts would come from two generations."""
    settings, corpus, first = built
    advisor = Advisor(settings)
    analyse, reader, read, flipped = advisor.analyse, advisor.reader, [], []

    def analyse_then_flip(*args, **kwargs):
        analysis = analyse(*args, **kwargs)
        if not flipped:  # the first question only
            write_pay(corpus, "$99,000")
            flipped.append(ingest(settings, [corpus]).generation)
        return analysis

    def reader_seen():
        found = reader()
        read.append(found.generation)
        return found

    monkeypatch.setattr(advisor, "analyse", analyse_then_flip)
    monkeypatch.setattr(advisor, "reader", reader_seen)
    answer = advisor.ask("How much do gadget engineers earn?")
    assert "$70,000" in answer.text, answer.text
    assert flipped and flipped[0] != first
    assert set(read) == {first}, read
    assert "$99,000" in advisor.ask("How much do gadget engineers earn?").text


def test_a_question_on_the_old_generation_neither_rebuilds_nor_evicts_the_new_ones_titles(
    built, monkeypatch
):
    """Title vectors are made once per generation (~1.6 s on the whole library): a question
    that started before a flip uses its own generation's, and the next question finds the new
    generation's still there."""
    settings, corpus, _ = built
    advisor = Advisor(settings)
    builds = []
    build = TitleMeanings.build
    monkeypatch.setattr(
        TitleMeanings, "build", classmethod(lambda cls, *a: builds.append(1) or build(*a))
    )
    advisor.warm()
    analyse = advisor.analyse

    def analyse_then_flip(*args, **kwargs):
        analysis = analyse(*args, **kwargs)
        if len(builds) == 1:  # the first question: a new generation, its titles made now
            write_pay(corpus, "$99,000")
            ingest(settings, [corpus])
            other = threading.Thread(target=advisor.title_meanings)  # another user's question
            other.start()
            other.join()
        return analysis

    monkeypatch.setattr(advisor, "analyse", analyse_then_flip)
    assert "$70,000" in advisor.ask("How much do gadget engineers earn?").text
    assert "$99,000" in advisor.ask("How much do gadget engineers earn?").text
    assert len(builds) == 2  # the first generation's at warm-up, the second's once


def test_a_refusal_keeps_no_closed_generation_open(built):
    """What a refusal caches (its topics line) names no reader: after an ingest, nothing of
    the generation the refusal was made on stays open."""
    settings, corpus, _ = built
    advisor = Advisor(settings)
    assert advisor.ask("What is the capital of France?").refused
    write_pay(corpus, "$99,000")
    live = ingest(settings, [corpus]).generation
    assert "$99,000" in advisor.ask("How much do gadget engineers earn?").text
    gc.collect()
    assert RELEASER.wait(), "the releases the collector queued did not finish"
    held = open_files_under(settings.index_dir)
    assert all(f.startswith(str(settings.index_dir / live)) for f in held), held


def test_a_generation_opened_late_never_replaces_a_newer_one(built, monkeypatch):
    """G2 needs a slow background open; meanwhile G3 becomes live and opens at once. When G2
    is ready at last, the advisor stays on G3."""
    settings, corpus, _ = built
    advisor = Advisor(settings)
    advisor.reader()
    write_pay(corpus, "$81,000")
    g2 = ingest(settings, [corpus]).generation
    release = threading.Event()
    real_ranker = IndexReader.ranker

    def slow_ranker(self):
        if self.generation == g2:
            assert release.wait(60)
        return real_ranker(self)

    monkeypatch.setattr(Index, "ready_locally", lambda self, g: g != g2)
    monkeypatch.setattr(IndexReader, "ranker", slow_ranker)
    before = set(threading.enumerate())
    advisor.reader()  # starts opening G2 in the background
    write_pay(corpus, "$82,000")
    g3 = ingest(settings, [corpus]).generation
    assert advisor.reader().generation == g3
    release.set()
    for thread in set(threading.enumerate()) - before:
        if thread.name != "lease-heartbeat":
            thread.join(60)
    assert advisor.reader().generation == g3
    assert "$82,000" in advisor.ask("How much do gadget engineers earn?").text


def test_gc_keeps_a_generation_a_reader_still_answers_from(built):
    settings, corpus, first = built
    old = Index(settings).reader()  # another process answering from the first generation
    for figure in ("$71,000", "$72,000"):  # two ingests: the first is neither live nor previous
        write_pay(corpus, figure)
        ingest(settings, [corpus])
    assert (settings.index_dir / first).exists()
    hits = old.dense([0.0] * 383 + [1.0], 1)
    assert hits and old.chunks([hits[0][0]])
    old.close()
    write_pay(corpus, "$73,000")
    ingest(settings, [corpus])
    assert not (settings.index_dir / first).exists()  # released: collected at the next ingest


def test_a_bad_pointer_is_refused_and_the_live_reader_keeps_answering(built):
    settings, _, first = built
    advisor = Advisor(settings)
    assert "$70,000" in advisor.ask("How much do gadget engineers earn?").text
    (settings.index_dir / "CURRENT").write_text("../../../etc")
    assert "$70,000" in advisor.ask("How much do gadget engineers earn?").text
    assert advisor.reader().generation == first
    with pytest.raises(StoreError, match="not a generation name"):
        Advisor(settings).reader()


def test_every_file_of_a_generation_is_fsynced_before_the_flip(built, monkeypatch):
    settings, corpus, _ = built
    synced: set[str] = set()
    checked: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    def replace(src, dst):
        if str(dst).endswith("CURRENT"):  # the flip: the new generation must be on disk
            target = (settings.index_dir / Path(src).read_text().strip()).resolve()
            files = [str(p) for p in target.rglob("*") if p.is_file()] + [str(target)]
            checked.extend(files)
            missing = [f for f in files if f not in synced]
            assert not missing, missing
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_pay(corpus, "$75,000")
    ingest(settings, [corpus])
    names = {os.path.basename(f) for f in checked}
    assert {"keyword.sqlite", "manifest.json", "ids.json", "chroma.sqlite3"} <= names


def test_a_hung_pointer_read_holds_up_only_the_caller_that_reads_it():
    """The issue's reproduction: a pointer read that hangs (a stuck Chroma server) made every
    question wait behind LiveIndex's lock (4 readers waited 5, 10, 15, 20 s)."""
    from advisor.index.generations import LiveIndex

    release = threading.Event()

    class Reader:
        generation = "gen-000001-aaaaaa"

    class HungIndex:
        def reader(self):
            return Reader()

        def current(self):
            release.wait(10)  # hangs until the test lets it go
            return Reader.generation

    live = LiveIndex(settings=None, index=HungIndex(), poll_seconds=0.0)
    live.reader()  # opened; every later call is due to check the pointer
    first = threading.Thread(target=live.reader)
    first.start()  # this one reads the pointer, and hangs
    waits = []
    for _ in range(4):
        started = time.monotonic()
        assert live.reader().generation == Reader.generation
        waits.append(time.monotonic() - started)
    release.set()
    first.join()
    assert max(waits) < 0.5, waits


def test_a_hung_open_of_the_new_generation_holds_up_only_the_caller_that_opens_it():
    """Opening a generation needs the store (a server-mode client checks its collection): a
    stuck server made every question wait behind LiveIndex's lock while one caller opened it."""
    from advisor.index.generations import LiveIndex

    release, entered = threading.Event(), threading.Event()

    class Reader:
        def __init__(self, generation):
            self.generation = generation

    class StuckIndex:
        def reader(self):
            return Reader("gen-000001-aaaaaa")

        def current(self):
            return "gen-000002-bbbbbb"

        def ready_locally(self, generation):
            return True  # opens in the caller, not in the background

        def open(self, generation):
            entered.set()
            release.wait(10)  # hangs until the test lets it go
            return Reader(generation)

    live = LiveIndex(settings=None, index=StuckIndex(), poll_seconds=0.0)
    live.reader()
    opener = threading.Thread(target=live.reader)
    opener.start()  # reads the new pointer and opens it: hangs
    assert entered.wait(10)
    waits = []
    for _ in range(4):
        started = time.monotonic()
        assert live.reader().generation == "gen-000001-aaaaaa"  # the old one keeps answering
        waits.append(time.monotonic() - started)
    release.set()
    opener.join()
    assert max(waits) < 0.5, waits
    assert live.reader().generation == "gen-000002-bbbbbb"
