"""The on-disk index: generations (vectors + keyword table + ranker + manifest), the pointer to
the live one, and `LiveIndex`, which keeps a long-running process on the live generation.
Writers build a new generation beside the live one and flip the pointer with a compare-and-set,
so a crash at any point leaves the previous generation answering.

Layout (local mode)::

    <index_dir>/CURRENT            name of the live generation
    <index_dir>/gen-000002-1a2b3c/ chroma/ (vectors), keyword.sqlite (chunks, FTS5), bm25/
                                   (top-k ranker), manifest.json
    <index_dir>/leases/            one file per process answering from (or writing) a generation
    <index_dir>/.ingest.lock       held by the one running writer
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import secrets
import shutil
import socket
import sqlite3
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from advisor.index import vector_file
from advisor.index.bm25 import BM25Ranker, is_current
from advisor.index.keyword import KeywordIndex
from advisor.index.release import close_now, release_later
from advisor.index.store import (
    GENERATION,
    MANIFEST,
    POINTER,
    Handle,
    Lease,
    StoreError,
    VectorStore,
    check_generation,
    fsync_dir,
    open_store,
    write_atomic,
)
from advisor.records import Chunk
from advisor.settings import Settings
from advisor.text.terms import text_stems

__all__ = ["MANIFEST", "POINTER", "write_atomic"]  # re-exported for tools and tests

log = logging.getLogger(__name__)

KEYWORD = "keyword.sqlite"
RANKER = "bm25"
INVENTORY = "inventory.json"
# Chunk vectors a reader keeps in memory (1.5 KB each at 384 dimensions: ~30 MB), so the
# articles and fact tables many questions touch are read from the store once.
MAX_KEPT_VECTORS = 20_000
# chunks whose unit vectors a reader keeps, as float32 (~26 KB a chunk, ~53 MB): kept in the
# type scoring multiplies in, so a question converts nothing and each array keeps its identity
# (scoring remembers what it derived from it)
MAX_KEPT_UNIT_CHUNKS = 2048
# Up to this many chunks, dense search is exact (every vector kept in memory, ~1.5 KB a chunk:
# 150 MB at the cap), so every process gives the same neighbours; above it, Chroma's HNSW
# (approximate, and its misses differ from one process to the next: see IndexReader.dense).
MAX_EXACT_DENSE = 100_000
MAX_KEPT_ARTICLES = 512  # articles' chunk lists kept by a reader (~20 chunks of ~1 KB each)
# A lease not refreshed for this long belongs to a process that is gone (a crashed machine);
# long enough to ride out clock skew between machines and a process paused for minutes.
LEASE_TTL_SECONDS = 600.0
# Every live process refreshes its leases this often: several misses in a row before a TTL.
LEASE_REFRESH_SECONDS = 120.0


def _host() -> str:
    """This machine as leases name it: the host name, plus the process-id namespace, so
    containers that share a host name never judge each other's process ids."""
    try:
        return f"{socket.gethostname()}~pidns{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return socket.gethostname()


HOST = _host()


def _number(generation: str) -> int:
    """gen-000012 and gen-000012-a1b2c3 -> 12 (0 for anything else)."""
    parts = generation.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


class IndexMissing(StoreError):
    """No index has been built yet at this location."""


class IndexBusy(RuntimeError):
    """Another process is writing this index."""


class PointerMoved(IndexBusy):
    """Another ingest made its generation live while this one was writing."""


def sync_tree(root: Path) -> None:
    """fsync every file and folder under `root`, then the folder holding it: after this a
    power cut cannot leave the pointer naming a generation whose files are not on disk."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))
    fsync_dir(root.parent)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class _Heartbeat:
    """One daemon thread per process refreshes the leases of every open Index."""

    def __init__(self) -> None:
        self._indexes: weakref.WeakSet[Index] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, index: Index) -> None:
        with self._lock:
            self._indexes.add(index)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="lease-heartbeat", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(LEASE_REFRESH_SECONDS)
            for index in list(self._indexes):
                index.refresh_leases()


_HEARTBEAT = _Heartbeat()


class ChunkTable:
    """Full chunk records by id (an ordinary SQLite table beside the FTS5 one)."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS chunk_data (chunk_id TEXT PRIMARY KEY, doc_id TEXT, "
        "title TEXT, section TEXT, text TEXT, position INTEGER, url TEXT, source TEXT, "
        "published TEXT)"
    )
    COLS = "chunk_id, doc_id, title, section, text, position, url, source, published"

    def __init__(self, conn: sqlite3.Connection, create: bool = False) -> None:
        self.conn = conn
        if create:
            conn.execute(self.SCHEMA)
            conn.execute("CREATE INDEX IF NOT EXISTS chunk_doc ON chunk_data(doc_id, position)")

    def upsert(self, chunks: Iterable[Chunk]) -> None:
        with self.conn:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO chunk_data({self.COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.title,
                        c.section,
                        c.text,
                        c.position,
                        c.url,
                        c.source,
                        c.published,
                    )
                    for c in chunks
                ],
            )

    def delete(self, ids: Iterable[str]) -> None:
        with self.conn:
            self.conn.executemany("DELETE FROM chunk_data WHERE chunk_id = ?", [(i,) for i in ids])

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT {self.COLS} FROM chunk_data WHERE chunk_id IN ({marks})", ids
        ).fetchall()
        return {r[0]: Chunk(*r) for r in rows}

    def outline(self) -> list[tuple[str, str, str, str]]:
        """(doc_id, title, section, url) per section, in document order."""
        return self.conn.execute(
            "SELECT doc_id, title, section, url FROM chunk_data GROUP BY doc_id, section "
            "ORDER BY title, min(position)"
        ).fetchall()

    def table_chunks(self, doc_ids: list[str]) -> list[Chunk]:
        """Chunks of these documents that hold table rows (their structured facts)."""
        marks = ",".join("?" * len(doc_ids))
        rows = self.conn.execute(
            f"SELECT {self.COLS} FROM chunk_data WHERE doc_id IN ({marks}) "
            "AND (text LIKE '| %' OR text LIKE '%' || char(10) || '| %')",
            doc_ids,
        ).fetchall()
        return [Chunk(*r) for r in rows]

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        rows = self.conn.execute(
            f"SELECT {self.COLS} FROM chunk_data WHERE doc_id = ? ORDER BY position", (doc_id,)
        ).fetchall()
        return [Chunk(*r) for r in rows]

    def at(self, doc_id: str, position: int) -> Chunk | None:
        row = self.conn.execute(
            f"SELECT {self.COLS} FROM chunk_data WHERE doc_id = ? AND position = ?",
            (doc_id, position),
        ).fetchone()
        return Chunk(*row) if row else None

    def rows(self) -> Iterator[tuple[str, str, str, str]]:
        """(doc_id, title, section, text) of every chunk."""
        return self.conn.execute("SELECT doc_id, title, section, text FROM chunk_data")

    def leading(self, n: int) -> dict[str, list[str]]:
        """chunk_ids of each document's first n chunks, in order (its summary)."""
        out: dict[str, list[str]] = {}
        rows = self.conn.execute(
            "SELECT doc_id, chunk_id FROM chunk_data WHERE position < ? ORDER BY doc_id, position",
            (n,),
        )
        for doc_id, chunk_id in rows:
            out.setdefault(doc_id, []).append(chunk_id)
        return out

    def stats(self) -> tuple[int, int]:
        docs, chunks = self.conn.execute(
            "SELECT count(DISTINCT doc_id), count(*) FROM chunk_data"
        ).fetchone()
        return int(docs), int(chunks)


class Index:
    """Generations of an index at one location (a folder, plus a Chroma server if configured)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = Path(settings.index_dir)
        self.store: VectorStore = open_store(
            self.dir,
            settings.collection,
            settings.chroma_url,
            settings.chroma_token,
            str(settings.chroma_ca_file or ""),
        )
        self.holder = f"{HOST}-{os.getpid()}-{secrets.token_hex(3)}"
        self._held: Counter[str] = Counter()  # generation -> readers and writers using it
        self._leases_lock = threading.Lock()
        self._closed = False

    # -- the pointer ---------------------------------------------------------------------
    def current(self) -> str | None:
        """The live generation (its name checked: it becomes a path and a collection name)."""
        return self.store.pointer()

    def flip(self, expected: str | None, generation: str) -> None:
        """Make `generation` live if the pointer still names `expected`, the generation this
        writer started from; raises PointerMoved when another writer flipped first."""
        if not self.store.compare_and_set(expected, generation):
            raise PointerMoved(
                f"another ingest made {self.current()} live while this one ran; run ingest "
                "again (it will only add what is still missing)"
            )

    def new_generation_name(self) -> str:
        """gen-NNNNNN-xxxxxx: one more than any seen, and a random tag, so two writers that
        start at once never write into the same folder or collection."""
        existing = [p.name for p in self.dir.glob("gen-*")] + self.store.generations()
        existing.append(self.current() or "gen-000000")
        number = max(map(_number, existing), default=0) + 1
        return f"gen-{number:06d}-{secrets.token_hex(3)}"

    def gen_dir(self, generation: str) -> Path:
        return self.dir / check_generation(generation, "a generation")

    def ready_locally(self, generation: str) -> bool:
        """Opening the generation needs no rebuild here: keyword table and ranker are on disk
        (always so when they are part of the generation; with a server, on the machine that
        ingested it or rebuilt them already)."""
        gen = self.gen_dir(generation)
        return not self.store.rebuilds_locally or (
            (gen / KEYWORD).exists() and (gen / RANKER).exists()
        )

    def has_ranker(self, generation: str) -> bool:
        """Server-mode replicas build a missing ranker themselves when they open the index."""
        return self.store.rebuilds_locally or (self.gen_dir(generation) / RANKER).exists()

    # -- manifest ------------------------------------------------------------------------
    def manifest(self, generation: str | None) -> dict[str, Any]:
        """What the generation was built from (with a server, the copy kept on the server, so
        a machine that did not build it can ingest incrementally)."""
        if generation is None:
            return {"docs": {}}
        return self.store.load_manifest(generation) or {"docs": {}}

    def write_manifest(self, generation: str, manifest: dict[str, Any]) -> None:
        self.store.save_manifest(generation, manifest)

    # -- leases: generations in use are never collected ----------------------------------
    def _lease(self, generation: str) -> Lease:
        return Lease(generation, self.holder, HOST, os.getpid(), time.time())

    def hold(self, generation: str) -> None:
        """This process answers from (or writes) `generation`: keep it until `unhold`."""
        with self._leases_lock:
            self._held[generation] += 1
            first = self._held[generation] == 1
        if first:
            try:
                self.store.put_lease(self._lease(generation))
            except Exception:  # a read-only folder still answers; it just cannot say so
                log.warning("could not take a lease on %s", generation, exc_info=True)
            _HEARTBEAT.add(self)

    def unhold(self, generation: str) -> None:
        with self._leases_lock:
            if self._held[generation] <= 0:
                return
            self._held[generation] -= 1
            last = self._held[generation] == 0
            if last:
                del self._held[generation]
        if last and not self._closed:
            with contextlib.suppress(Exception):  # an expired lease protects nothing anyway
                self.store.remove_lease(self._lease(generation))

    def refresh_leases(self) -> None:
        with self._leases_lock:
            held = list(self._held)
        for generation in held:
            try:
                self.store.put_lease(self._lease(generation))
            except Exception:  # the server is down: try again at the next beat
                log.warning("could not refresh the lease on %s", generation, exc_info=True)

    def in_use(self) -> set[str]:
        """Generations some process holds a live lease on (on this machine: a process that
        still exists; elsewhere: a lease refreshed within LEASE_TTL_SECONDS)."""
        now, used = time.time(), set()
        for lease in self.store.leases():
            crashed_here = lease.host == HOST and not _alive(lease.pid)
            if not crashed_here and now - lease.at < LEASE_TTL_SECONDS:
                used.add(lease.generation)
            else:  # its holder is gone: the record is only clutter
                with contextlib.suppress(Exception):
                    self.store.remove_lease(lease)
        return used

    # -- writer side ---------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer at a time; a second gets IndexBusy at once, naming the holder."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".ingest.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise IndexBusy(
                    f"{self.dir} is being written by {holder}; wait for it to finish "
                    "(or use a Chroma server for several writers)"
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield  # the lock goes with the file when it closes

    def prepare(self, source: str | None, target: str) -> None:
        """Copy the live generation (vectors and keyword table) into a new one."""
        target_dir = self.gen_dir(target)
        shutil.rmtree(target_dir, ignore_errors=True)
        target_dir.mkdir(parents=True)
        self.store.copy(source, target)
        source_kw = self.gen_dir(source) / KEYWORD if source else None
        if source_kw and not source_kw.exists() and self.store.rebuilds_locally:
            rebuild_keyword_from_store(self.store.collection(source), source_kw)
        if source_kw and source_kw.exists():
            src = sqlite3.connect(self.gen_dir(source) / KEYWORD)
            dst = sqlite3.connect(target_dir / KEYWORD)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()

    def seal(self, generation: str) -> None:
        """Everything of the generation on disk before the pointer moves: the writer's Chroma
        client closed (it flushes), then every file and folder fsynced."""
        self.store.release(generation)
        sync_tree(self.gen_dir(generation))

    def collect_garbage(self, keep: Iterable[str]) -> None:
        """Remove generations other than `keep` (the live one and the one before it) and those
        a process holds a lease on: replicas still answering from one, a writer building one."""
        keep = set(keep) | self.in_use()
        with contextlib.suppress(StoreError):  # whatever the caller believes, never the live one
            keep.add(self.current() or "")
        local = {p.name for p in self.dir.glob("gen-*") if GENERATION.fullmatch(p.name)}
        for name in sorted((local | set(self.store.generations())) - keep):
            self.drop_generation(name)

    def drop_generation(self, name: str) -> None:
        self.store.drop(name)
        shutil.rmtree(self.gen_dir(name), ignore_errors=True)

    def forget_dropped(self) -> None:
        """With a server, this machine's keyword tables of generations that were collected
        elsewhere are only clutter; without one the folders are the generations and
        `collect_garbage` decides."""
        if not self.store.rebuilds_locally:
            return
        keep = set(self.store.generations()) | self.in_use() | set(self._held)
        for path in self.dir.glob("gen-*"):
            if GENERATION.fullmatch(path.name) and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        """Release this process's leases and the store's connections."""
        with self._leases_lock:
            held, self._held = list(self._held), Counter()
        for generation in held:
            with contextlib.suppress(Exception):
                self.store.remove_lease(self._lease(generation))
        self._closed = True
        self.store.close()

    # -- reader side ---------------------------------------------------------------------
    def reader(self) -> IndexReader:
        generation = self.current()
        if generation is None:
            raise IndexMissing(f"no index at {self.dir}; run `career-advisor ingest` to build one")
        return self.open(generation)

    def open(self, generation: str) -> IndexReader:
        """A reader of one generation (its lease held until the reader is closed)."""
        return IndexReader(self, generation)


def _release_reader(
    index: Index, generation: str, handles: list[Handle], keyword: KeywordIndex
) -> None:
    for handle in handles:
        handle.close()
    keyword.close()
    index.unhold(generation)


class IndexReader:
    """Read access to one generation: dense search, keyword search, chunk lookup, outline."""

    def __init__(self, index: Index, generation: str) -> None:
        self.index = index
        self.generation = check_generation(generation, "a generation")
        index.hold(generation)  # garbage collection elsewhere keeps it while this reader lives
        self._handles: list[Handle] = []  # the store's client, opened when first needed
        self._store_lock = threading.Lock()
        folder = index.gen_dir(generation)
        try:
            path = folder / KEYWORD
            if not path.exists():
                if not index.store.rebuilds_locally:
                    raise IndexMissing(f"index generation {generation} has no keyword table")
                rebuild_keyword_from_store(self.collection, path)
            if not vector_file.present(folder):
                self.collection  # noqa: B018 - the store is needed anyway: check it now
            self.keyword = KeywordIndex(path, readonly=True)
        except BaseException:
            for handle in self._handles:
                handle.close()
            index.unhold(generation)
            raise
        # released by close(), or (on the releaser's thread) when the last request holding
        # this reader lets go of it
        self._release = functools.partial(
            _release_reader, index, generation, self._handles, self.keyword
        )
        self._finalizer = release_later(self, self._release)
        self._local = threading.local()
        self._ranker: BM25Ranker | None = None
        self._ranker_lock = threading.Lock()
        self._cache_lock = threading.Lock()  # the outline and fact tables read once
        self._outline: tuple[tuple[str, str, str, str], ...] | None = None
        self._headings: dict[frozenset[str], tuple[tuple[str, str], ...]] | None = None
        self._tables: dict[str, list[Chunk]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._articles: dict[str, list[Chunk]] = {}
        self._unit_vectors: dict[str, np.ndarray] = {}
        self._matrix: tuple[list[str], np.ndarray] | None = None  # dense(): every vector
        self._row_of: dict[str, int] = {}  # chunk id -> its row of the matrix

    def close(self) -> None:
        """Let go of the generation's client, files and lease now (idempotent)."""
        close_now(self._finalizer, self._release)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def collection(self) -> Any:
        """The generation's Chroma collection, opened on first use: a local generation with its
        vector file answers without it."""
        with self._store_lock:
            if not self._handles:
                if hasattr(self, "_finalizer") and self.closed:  # never reopen what was let go
                    raise StoreError(f"index generation {self.generation} is closed")
                self._handles.append(self.index.store.open(self.generation))
            return self._handles[0].collection

    def ranker(self) -> BM25Ranker:
        """The generation's BM25 ranker; built here once for generations written without one
        (older versions, a server-mode replica's rebuilt keyword table)."""
        with self._ranker_lock:
            if self._ranker is None:
                path = self.index.gen_dir(self.generation) / RANKER
                try:
                    self._ranker = BM25Ranker.load(path)
                except (
                    OSError,
                    ValueError,
                    KeyError,
                ):  # missing, damaged or built by another word pipeline: rebuild from the table
                    self._ranker = BM25Ranker.build(self.keyword.rows())
                    if not is_current(path):
                        with contextlib.suppress(OSError):  # a read-only index still answers
                            self._ranker.save(path)
            return self._ranker

    def keyword_search(self, text: str, k: int) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score) best first."""
        return self.ranker().search(text, k)

    def _table(self) -> ChunkTable:
        table = getattr(self._local, "table", None)
        if table is None:
            table = ChunkTable(self.keyword._conn())
            self._local.table = table
        return table

    def dense(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) best first, exact: the question against every stored
        vector (read once per generation), ties by chunk id. Not Chroma's HNSW search: it is
        approximate, and which neighbours it misses depends on the order its graph was built
        in, which chromadb's local segment leaves to chance in every process (each batch of
        the log is inserted in parallel, in HashMap order, at ingest and again when a reader
        replays the log's tail), so answers changed from one process to the next."""
        if self.count() > MAX_EXACT_DENSE:
            return self._approximate(vector, k)
        ids, matrix = self._dense_matrix()
        if not ids:
            return []
        q = np.asarray(vector, dtype=np.float32)
        sims = matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
        k = min(k, len(ids))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]  # best first; rows are in chunk-id order
        return [(ids[i], float(sims[i])) for i in top]

    def _approximate(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Chroma's HNSW search, for libraries past MAX_EXACT_DENSE chunks."""
        n = self.count()
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector], n_results=min(k, n), include=["distances"]
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def warm(self) -> None:
        """Read what the first question would wait for: the BM25 ranker and, for exact
        dense search, every vector."""
        self.ranker()
        if self.count() <= MAX_EXACT_DENSE:
            self._dense_matrix()

    def _dense_matrix(self) -> tuple[list[str], np.ndarray]:
        """Every chunk id, sorted, and its vector as a row (~1.5 KB a chunk), read once: from
        the generation's vector file, or the store when it has none."""
        with self._cache_lock:
            if self._matrix is None:
                copy = vector_file.load(self.index.gen_dir(self.generation))
                self._matrix = copy or vector_file.read_all(self.collection)
                self._row_of = {c: i for i, c in enumerate(self._matrix[0])}
            return self._matrix

    def similarities(self, vector: list[float], ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to these chunks (vectors are normalized). Chunk
        vectors read from the store are kept (a generation never changes them), so the
        articles and fact tables that many questions touch cost one read."""
        vectors = self.chunk_vectors(ids)
        if not vectors:
            return {}
        found = list(vectors)
        sims = np.stack([vectors[c] for c in found]) @ np.asarray(vector, dtype=np.float32)
        return dict(zip(found, sims.tolist(), strict=True))

    def chunk_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks (those the store has): rows of the dense matrix
        when it is read, else read from the store and remembered up to MAX_KEPT_VECTORS chunks
        (~1.5 KB each)."""
        if self._matrix is None and vector_file.present(self.index.gen_dir(self.generation)):
            self._dense_matrix()  # one read of a local file beats a store query
        if self._matrix is not None:  # every vector is in memory already
            matrix, rows = self._matrix[1], self._row_of
            return {c: matrix[rows[c]] for c in dict.fromkeys(ids) if c in rows}
        kept = self._vectors
        found = {c: v for c in dict.fromkeys(ids) if (v := kept.get(c)) is not None}
        missing = [c for c in dict.fromkeys(ids) if c not in found]
        if missing:
            got = self.collection.get(ids=missing, include=["embeddings"])
            vectors = np.asarray(got["embeddings"], dtype=np.float32) if got["ids"] else []
            fresh = dict(zip(got["ids"], vectors, strict=True))
            with self._cache_lock:
                if len(kept) + len(fresh) > MAX_KEPT_VECTORS:
                    kept.clear()  # crude but bounded: the hot set refills in a few questions
                kept.update(fresh)
            found.update(fresh)
        return found

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        return self._table().get(ids)

    def inventory(self) -> Any:
        """The subjects and words of this generation (advisor.index.inventory), built once from the
        chunk table and kept beside it, with the embedding model's words as its dictionary."""
        from advisor.index.inventory import Inventory
        from advisor.index.models import model_words

        with self._ranker_lock:
            if getattr(self, "_inventory", None) is None:
                path = self.index.gen_dir(self.generation) / INVENTORY
                try:
                    inventory = Inventory.load(path)
                except (OSError, ValueError, KeyError):
                    inventory = Inventory.build(self._table().rows())
                    with contextlib.suppress(OSError):  # a read-only index still answers
                        inventory.save(path)
                inventory.dictionary = model_words(self.index.settings.embedding_model)
                self._inventory = inventory
            return self._inventory

    def unit_vectors(self, ids: list[str]) -> dict[str, Any]:
        """Per chunk, the vectors of its quotable units ((units, dim) float32 arrays, read-only),
        when indexed; remembered for up to MAX_KEPT_UNIT_CHUNKS chunks."""
        from advisor.index.unit_vectors import UnitVectorTable

        kept = self._unit_vectors
        with self._cache_lock:  # what is kept now: a clear below (or elsewhere) cannot lose it
            found = {c: kept[c] for c in dict.fromkeys(ids) if c in kept}
        missing = [c for c in dict.fromkeys(ids) if c not in found]
        if missing:
            fresh = UnitVectorTable(self.keyword._conn()).get(missing, dtype=np.float32)
            for v in fresh.values():
                v.flags.writeable = False  # shared by every question that meets the chunk
            with self._cache_lock:
                if len(kept) + len(fresh) > MAX_KEPT_UNIT_CHUNKS:
                    kept.clear()
                kept.update(fresh)
            found.update(fresh)
        return {c: found[c] for c in ids if c in found}

    def leading_chunks(self, n: int) -> dict[str, list[str]]:
        return self._table().leading(n)

    def vectors(self, ids: list[str], batch: int = 5000) -> dict[str, list[float]]:
        """The stored vectors of these chunks (for whole-article similarity)."""
        out: dict[str, list[float]] = {}
        for start in range(0, len(ids), batch):
            got = self.collection.get(ids=ids[start : start + batch], include=["embeddings"])
            out.update(zip(got["ids"], got["embeddings"], strict=True))
        return out

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """An article's chunks in order, remembered for up to MAX_KEPT_ARTICLES articles
        (follow-up suggestions and subject articles read the same few again and again)."""
        chunks = self._articles.get(doc_id)
        if chunks is None:
            chunks = self._table().doc_chunks(doc_id)
            with self._cache_lock:
                if len(self._articles) >= MAX_KEPT_ARTICLES:
                    self._articles.clear()
                self._articles[doc_id] = chunks
        return list(chunks)

    def outline(self) -> tuple[tuple[str, str, str, str], ...]:
        """(doc_id, title, section, url) per section: read once, as a generation never changes
        (a refusal's follow-ups scan it; the query costs ~15 ms on 350 articles)."""
        if self._outline is None:
            rows = tuple(self._table().outline())
            with self._cache_lock:
                self._outline = self._outline or rows
        return self._outline

    def sections_by_heading(self) -> dict[frozenset[str], tuple[tuple[str, str], ...]]:
        """(doc_id, section) of every section by the content stems of its own heading (the
        path's last part), built once from the outline: a question can name a heading. A
        heading in its title's words ("Pay > Civil Engineers") names only the article, which
        its title finds."""
        if self._headings is None:
            found: dict[frozenset[str], list[tuple[str, str]]] = {}
            for doc_id, title, section, _url in self.outline():
                stems = frozenset(text_stems(section.split(" > ")[-1]))
                if section and stems and not stems <= set(text_stems(title)):
                    found.setdefault(stems, []).append((doc_id, section))
            with self._cache_lock:
                self._headings = self._headings or {k: tuple(v) for k, v in found.items()}
        return self._headings

    def table_chunks(self, doc_ids: list[str]) -> list[Chunk]:
        """The fact-table chunks of these documents, each document's read once (the query
        runs outside the lock, so requests never wait on each other's reads)."""
        wanted = list(dict.fromkeys(doc_ids))
        missing = [d for d in wanted if d not in self._tables]
        if missing:
            found = self._table().table_chunks(missing)
            with self._cache_lock:
                for d in missing:
                    self._tables.setdefault(d, [c for c in found if c.doc_id == d])
        return [c for d in wanted for c in self._tables[d]]

    def neighbour(self, chunk: Chunk, step: int) -> Chunk | None:
        return self._table().at(chunk.doc_id, chunk.position + step)

    def stats(self) -> tuple[int, int]:
        return self._table().stats()

    def count(self) -> int:
        if not hasattr(self, "_count"):
            self._count = self.stats()[1]
        return self._count


def rebuild_keyword_from_store(collection: Any, path: Path, batch: int = 5000) -> None:
    """Server mode on a new replica: rebuild the local keyword table from the collection once.
    Built under a name of its own (two processes sharing the folder may rebuild at once) and
    renamed into place only when complete, so no reader ever opens half a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        kw = KeywordIndex(tmp)
        table = ChunkTable(kw._conn(), create=True)
        offset = 0
        while True:
            got = collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            if not got["ids"]:
                break
            chunks = [
                chunk_from_record(i, d, m)
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            ]
            kw.add(chunks)
            table.upsert(chunks)
            offset += len(got["ids"])
        kw.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # of two complete copies, the later one stays: both are the same
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)


def chunk_from_record(chunk_id: str, document: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        text=document,
        position=int(meta.get("position", 0)),
        url=str(meta.get("url", "")),
        source=str(meta.get("source", "")),
        published=str(meta.get("published", "")),
    )


class LiveIndex:
    """The live generation for a long-running process (`serve`, `chat`, an eval).

    `reader()` returns the reader of the generation the pointer names. When an ingest flips
    the pointer, a generation this machine can open at once (keyword table and ranker on disk)
    is opened on the spot; one it must first rebuild them for (a server-mode replica) opens in
    a background thread while the previous one keeps answering. A reader that is replaced is
    released (Chroma client, files, lease) once no request holds it any more.
    """

    def __init__(
        self, settings: Settings, index: Index | None = None, poll_seconds: float | None = None
    ) -> None:
        self.settings = settings
        self._index = index  # opened on first use: constructing an Advisor stays cheap
        self.poll_seconds = poll_seconds  # None: as often as the store suggests
        self._lock = threading.Lock()
        self._reader: IndexReader | None = None
        self._wanted: str | None = None  # the generation the pointer named when last read
        self._opening: dict[str, threading.Event] = {}  # set once opened (or failed)
        self._next_check = 0.0
        self._checking = False  # a caller is reading the pointer (outside the lock)

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = Index(self.settings)
        return self._index

    def _interval(self) -> float:
        return self.index.store.poll_seconds if self.poll_seconds is None else self.poll_seconds

    def reader(self) -> IndexReader:
        """The live generation's reader. The pointer is read, and a new generation opened,
        outside the lock by one caller at a time: a slow or hung store delays that caller
        only, never every question."""
        with self._lock:
            if self._reader is None:
                self._reader = self.index.reader()
                self._wanted = self._reader.generation
                self._next_check = time.monotonic() + self._interval()
                return self._reader
            if time.monotonic() < self._next_check or self._checking:
                return self._reader
            self._next_check = time.monotonic() + self._interval()
            self._checking = True
        try:
            live = self.index.current()
        except StoreError:  # server unreachable or a bad pointer: keep answering meanwhile
            log.warning("cannot read the index pointer; still answering", exc_info=True)
            live = None
        finally:
            with self._lock:
                self._checking = False
        with self._lock:
            here = self._follow(live)
        if here is not None:  # opens at once (a client and a table): this caller waits for it
            self._open(here, warm=False)
        with self._lock:
            return self._reader

    def _follow(self, live: str | None) -> str | None:
        """Called under the lock with the pointer just read. Returns the generation this
        caller should open now; one that must first be rebuilt opens in a background thread."""
        assert self._reader is not None
        if live is None:
            return None
        self._wanted = live
        if live == self._reader.generation or live in self._opening:
            return None
        self._opening[live] = threading.Event()
        if self.index.ready_locally(live):
            return live
        threading.Thread(target=self._open, args=(live,), name=f"open-{live}", daemon=True).start()
        return None

    def _open(self, generation: str, warm: bool = True) -> None:
        reader: IndexReader | None = None
        try:
            reader = self.index.open(generation)
            if warm:
                reader.warm()  # the slow part, done before any question waits for it
        except Exception:  # the old generation keeps answering; the next poll retries
            log.warning("could not open index generation %s", generation, exc_info=True)
            if reader is not None:
                reader.close()
            reader = None
        finally:  # even when interrupted: the next poll may open it again, settle() returns
            with self._lock:
                self._opening.pop(generation).set()
                if reader is not None and self._wanted == generation:
                    self._reader = reader
                    reader = None
        if reader is not None:  # the pointer moved on while it opened: never go back to it
            reader.close()
        if warm:
            with contextlib.suppress(Exception):
                self.index.forget_dropped()

    def settle(self, timeout: float = 300.0) -> None:
        """Wait for generations being opened (tests, warm-up)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                opening = list(self._opening.values())
            if not opening:
                return
            for done in opening:
                done.wait(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                raise TimeoutError("index generations still opening")

    def close(self) -> None:
        self.settle()
        with self._lock:
            reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        if self._index is not None:
            self._index.close()
