"""The index's bookkeeping without the model: the pointer as a compare-and-set, pointer values
checked, leases honoured by garbage collection, and keyword tables rebuilt under private names
(two processes sharing a folder never install half of one)."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time

import pytest

from advisor.index.generations import (
    HOST,
    KEYWORD,
    LEASE_TTL_SECONDS,
    Index,
    PointerMoved,
    rebuild_keyword_from_store,
)
from advisor.index.store import (
    Lease,
    LocalStore,
    ServerStore,
    StoreError,
    VectorStore,
    check_generation,
)

from .conftest import settings_for

FLIPPERS = 8


def make_generation(index: Index, name: str) -> None:
    """A generation folder as GC sees one (no vectors needed for bookkeeping tests)."""
    (index.gen_dir(name) / "chroma").mkdir(parents=True)


def test_local_flip_is_a_compare_and_set(tmp_path):
    store = LocalStore(tmp_path, "c")
    assert store.compare_and_set(None, "gen-000001-aaaaaa")
    barrier = threading.Barrier(FLIPPERS)
    results: list[bool] = []

    def flip(i: int) -> None:
        mine = LocalStore(tmp_path, "c")  # as separate processes would: nothing shared
        barrier.wait()
        results.append(mine.compare_and_set("gen-000001-aaaaaa", f"gen-000002-{i:06x}"))

    threads = [threading.Thread(target=flip, args=(i,)) for i in range(FLIPPERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * (FLIPPERS - 1) + [True]  # exactly one wins
    winner = store.pointer()
    assert winner is not None and winner.startswith("gen-000002-")
    assert not list(tmp_path.glob(".CURRENT.tmp-*"))  # no temporary file left behind


def test_index_flip_reports_the_loser(tmp_path):
    index = Index(settings_for(tmp_path))
    index.flip(None, "gen-000001-aaaaaa")
    index.flip("gen-000001-aaaaaa", "gen-000002-bbbbbb")
    with pytest.raises(PointerMoved, match="gen-000002-bbbbbb"):
        index.flip("gen-000001-aaaaaa", "gen-000002-cccccc")  # started from the old one
    assert index.current() == "gen-000002-bbbbbb"


@pytest.mark.parametrize(
    "value", ["../../etc", "gen-000001/../../x", "/tmp/gen-000001", "gen-1", "gen-000001-XYZ", "x"]
)
def test_pointer_value_is_checked_before_use(tmp_path, value):
    (tmp_path / "CURRENT").write_text(value)
    with pytest.raises(StoreError, match="not a generation name"):
        Index(settings_for(tmp_path)).current()
    with pytest.raises(StoreError):
        Index(settings_for(tmp_path)).gen_dir(value)


def test_generation_names_are_unique_per_writer(tmp_path):
    index = Index(settings_for(tmp_path))
    names = {index.new_generation_name() for _ in range(20)}
    assert len(names) == 20 and all(check_generation(n, "test") for n in names)


def lease(index: Index, generation: str, host: str, pid: int, age: float) -> Lease:
    held = Lease(generation, f"{host}-{pid}-x", host, pid, time.time() - age)
    index.store.put_lease(held)
    return held


def test_gc_keeps_leased_generations_and_ignores_dead_ones(tmp_path):
    index = Index(settings_for(tmp_path))
    names = [f"gen-00000{i}-aaaaaa" for i in range(1, 7)]
    for name in names:
        make_generation(index, name)
    dead_pid = _dead_pid()
    lease(index, names[0], "other-machine", 1, age=10)  # a replica elsewhere, refreshed lately
    lease(index, names[1], "other-machine", 1, age=LEASE_TTL_SECONDS + 5)  # gone quiet
    lease(index, names[2], HOST, dead_pid, age=1)  # crashed on this machine
    index.hold(names[3])  # this process answers from it
    index.collect_garbage(keep=[names[5]])
    left = sorted(p.name for p in tmp_path.glob("gen-*"))
    assert left == [names[0], names[3], names[5]]
    assert {x.generation for x in index.store.leases()} == {names[0], names[3]}  # cleaned up
    index.unhold(names[3])
    index.collect_garbage(keep=[names[5]])
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == [names[0], names[5]]


def test_leases_go_with_the_index(tmp_path):
    index = Index(settings_for(tmp_path))
    index.hold("gen-000001-aaaaaa")
    index.hold("gen-000001-aaaaaa")  # two readers of one generation: one lease
    assert index.in_use() == {"gen-000001-aaaaaa"}
    index.unhold("gen-000001-aaaaaa")
    assert index.in_use() == {"gen-000001-aaaaaa"}  # the other reader still uses it
    index.close()
    assert Index(settings_for(tmp_path)).in_use() == set()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


class GatedCollection:
    """A collection of `n` records handed out one per `get`, where chosen callers stop
    before their second batch until released: the order of two rebuilds is ours to set."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.gates: dict[str, tuple[threading.Event, threading.Event]] = {}

    def gate(self, who: str) -> tuple[threading.Event, threading.Event]:
        self.gates[who] = (threading.Event(), threading.Event())  # (arrived, go on)
        return self.gates[who]

    def get(self, include, limit, offset):
        gate = self.gates.get(threading.current_thread().name)
        if gate and offset == 1:
            gate[0].set()
            assert gate[1].wait(30)
        ids = [f"c{i}" for i in range(offset, min(offset + limit, self.n))]
        return {
            "ids": ids,
            "documents": [f"text {i}" for i in ids],
            "metadatas": [{"doc_id": "d", "title": "T", "position": k} for k, _ in enumerate(ids)],
        }


def _rows(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM chunk_data").fetchone()[0]
    finally:
        conn.close()


def test_two_rebuilds_of_one_keyword_table_never_install_half_of_it(tmp_path):
    """A replica's rebuild paused after one batch while another process rebuilds the same
    table to the end: what lands at the final path is always complete."""
    coll, path = GatedCollection(5), tmp_path / "gen-000001-aaaaaa" / KEYWORD
    b_arrived, b_go = coll.gate("B")
    a_arrived, a_go = coll.gate("A")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rebuild_keyword_from_store(coll, path, batch=1)
        except BaseException as err:
            errors.append(err)

    a = threading.Thread(target=run, name="A")
    b = threading.Thread(target=run, name="B")
    a.start()
    assert a_arrived.wait(30)  # A has written one batch of five
    b.start()
    assert b_arrived.wait(30)  # B too (into a file of its own, or into A's)
    a_go.set()
    a.join(30)
    assert _rows(path) == 5  # A's complete table, not B's first batch
    b_go.set()
    b.join(30)
    assert not errors and _rows(path) == 5
    assert [p.name for p in path.parent.iterdir()] == [KEYWORD]  # no temporary files left


def test_both_stores_implement_the_one_protocol(tmp_path):
    local = LocalStore(tmp_path, "c")
    server = ServerStore("https://chroma.internal:8443", "c", token="t0ken")  # no connection yet
    for store in (local, server):
        assert isinstance(store, VectorStore)
    assert (local.rebuilds_locally, server.rebuilds_locally) == (False, True)
    assert "t0ken" not in repr(server)
    with pytest.raises(StoreError, match="must look like"):
        ServerStore("https://chroma.internal:8443/some/path", "c")


@pytest.fixture
def keyword_files(tmp_path):
    """A read-only keyword index, and how many of its files this process holds open."""
    import os

    from advisor.index.keyword import KeywordIndex

    path = tmp_path / "kw.sqlite"
    KeywordIndex(path).close()
    index = KeywordIndex(path, readonly=True)

    def held() -> int:
        return sum(
            os.path.realpath(f"/proc/self/fd/{fd}").startswith(str(path))
            for fd in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{fd}")
        )

    yield index, held
    index.close()


def test_closing_a_keyword_index_closes_every_threads_connection(keyword_files):
    """Each handler thread opens its own connection; close() must close them all, or the files
    of a dropped generation stay open (deleted but held) for the life of the server."""
    index, held = keyword_files
    opened, done = threading.Barrier(4), threading.Event()

    def handler() -> None:  # a thread still serving while the generation is dropped
        index.count()
        opened.wait()
        done.wait()

    threads = [threading.Thread(target=handler) for _ in range(3)]
    for t in threads:
        t.start()
    opened.wait()
    assert held() >= 3
    index.close()
    assert held() == 0
    done.set()
    for t in threads:
        t.join()
    assert index.count() == 0  # still usable: a new connection is opened


def test_a_thread_that_ends_leaves_no_connection_open(keyword_files):
    """The server's handler threads end when idle and new ones take their place: each new
    thread's connection closes those of threads that have ended, so bursts of requests do not
    pile up open files and page caches for the life of the index."""
    index, held = keyword_files
    for _ in range(5):  # one after another, as idle worker threads are replaced
        thread = threading.Thread(target=index.count)
        thread.start()
        thread.join()
    assert held() <= 1
    index.count()  # this thread's own, alongside
    assert held() <= 1


def test_a_chroma_server_that_never_answers_is_an_error_not_a_hang(monkeypatch):
    """A server that accepts connections and never replies (a hung Chroma, a black-holing
    proxy): every call, the client's first included, ends within the store's timeout."""
    import socket

    from advisor.index import store

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    monkeypatch.setattr(store, "CHROMA_TIMEOUT", 1.0)
    server = store.ServerStore(f"http://127.0.0.1:{listener.getsockname()[1]}", "ca")
    started = time.monotonic()
    with pytest.raises(StoreError):
        server.pointer()
    assert time.monotonic() - started < 5.0
    listener.close()


def test_unit_vectors_kept_before_the_cache_is_cleared_still_come_back(project_index, monkeypatch):
    """The call whose new chunks overflow the kept unit vectors clears them: the chunks it was
    asked for that were kept before must still come back (they were dropped, so one question
    in a long-running process was scored without them and answered differently)."""
    import advisor.index.generations as generations

    reader = Index(project_index).reader()
    try:
        ids = [cid for cid, *_ in reader.keyword.rows()][:12]
        every = reader.unit_vectors(ids)
        assert len(every) >= 6
        have = [c for c in ids if c in every]
        reader._unit_vectors.clear()
        monkeypatch.setattr(generations, "MAX_KEPT_UNIT_CHUNKS", 4)
        reader.unit_vectors(have[:3])  # kept
        again = reader.unit_vectors(have[:6])  # three kept + three new: over the bound
        assert list(again) == have[:6]
    finally:
        reader.close()
