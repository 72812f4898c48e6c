"""The on-disk index: generations (vectors + keyword table + manifest) and the pointer to the
live one. Writers build a new generation beside the live one and then flip the pointer, so a
crash at any point leaves the previous generation answering.

Layout (local mode)::

    <index_dir>/CURRENT            name of the live generation
    <index_dir>/gen-000002/        chroma/ (vectors), keyword.sqlite (chunks, FTS5), bm25/
                                   (top-k ranker), manifest.json
    <index_dir>/.ingest.lock       held by the one running writer
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from advisor.bm25 import BM25Ranker
from advisor.keyword import KeywordIndex
from advisor.records import Chunk
from advisor.settings import Settings
from advisor.store import LocalStore, ServerStore, StoreError, open_store

MANIFEST = "manifest.json"
KEYWORD = "keyword.sqlite"
RANKER = "bm25"
POINTER = "CURRENT"


def _number(generation: str) -> int:
    """gen-000012 and gen-000012-a1b2c3 -> 12 (0 for anything else)."""
    parts = generation.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


class IndexMissing(StoreError):
    """No index has been built yet at this location."""


class IndexBusy(RuntimeError):
    """Another process is writing this index."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


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
        self._pointer: str | None = None
        self._pointer_stamp: int | None = None
        self.store: LocalStore | ServerStore = open_store(
            self.dir, settings.collection, settings.chroma_url
        )

    # -- the pointer ---------------------------------------------------------------------
    def current(self) -> str | None:
        if isinstance(self.store, ServerStore):
            return self.store.pointer()
        path = self.dir / POINTER
        try:
            stamp = path.stat().st_mtime_ns
            if stamp != self._pointer_stamp:  # asked on every question: read only on change
                self._pointer = path.read_text(encoding="utf-8").strip() or None
                self._pointer_stamp = stamp
        except FileNotFoundError:
            self._pointer_stamp, self._pointer = None, None
        return self._pointer

    def flip(self, generation: str) -> None:
        """Make `generation` live: one atomic rename (local) or one metadata write (server)."""
        if isinstance(self.store, ServerStore):
            self.store.set_pointer(generation)
            write_atomic(self.dir / POINTER, generation)  # local hint for `status`
        else:
            write_atomic(self.dir / POINTER, generation)

    def new_generation_name(self) -> str:
        """gen-NNNNNN, one more than any seen; on a server also a random tag, so two machines
        that ingest at once never write into the same collection."""
        existing = [p.name for p in self.dir.glob("gen-*")] + self.store.generations()
        existing.append(self.current() or "gen-000000")
        name = f"gen-{max(map(_number, existing), default=0) + 1:06d}"
        return f"{name}-{secrets.token_hex(3)}" if isinstance(self.store, ServerStore) else name

    def gen_dir(self, generation: str) -> Path:
        return self.dir / generation

    def ready_locally(self, generation: str) -> bool:
        """Opening the generation needs no rebuild here: keyword table and ranker are on disk
        (always so for the embedded store; in server mode on the machine that ingested)."""
        gen = self.gen_dir(generation)
        return isinstance(self.store, LocalStore) or (
            (gen / KEYWORD).exists() and (gen / RANKER).exists()
        )

    def has_ranker(self, generation: str) -> bool:
        """Server-mode replicas build a missing ranker themselves when they open the index."""
        return isinstance(self.store, ServerStore) or (self.gen_dir(generation) / RANKER).exists()

    # -- manifest ------------------------------------------------------------------------
    def manifest(self, generation: str | None) -> dict[str, Any]:
        """What the generation was built from; in server mode a machine that did not build it
        reads the copy kept on the server."""
        if generation is None:
            return {"docs": {}}
        try:
            return json.loads((self.gen_dir(generation) / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            if isinstance(self.store, ServerStore):
                return self.store.load_manifest(generation) or {"docs": {}}
            return {"docs": {}}

    def write_manifest(self, generation: str, manifest: dict[str, Any]) -> None:
        if isinstance(self.store, ServerStore):
            self.store.save_manifest(generation, manifest)
        write_atomic(self.gen_dir(generation) / MANIFEST, json.dumps(manifest, indent=1))

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
        if source_kw and not source_kw.exists() and isinstance(self.store, ServerStore):
            rebuild_keyword_from_store(self.store.collection(source), source_kw)
        if source_kw and source_kw.exists():
            src = sqlite3.connect(self.gen_dir(source) / KEYWORD)
            dst = sqlite3.connect(target_dir / KEYWORD)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()

    def collect_garbage(self, keep: Iterable[str]) -> None:
        """Remove generations other than `keep` (the live one and the one before it). On a
        server only older ones: a newer one may be another machine's ingest in progress."""
        keep = set(keep)
        names = {p.name for p in self.dir.glob("gen-*")} | set(self.store.generations())
        if isinstance(self.store, ServerStore):
            oldest_kept = min(map(_number, keep), default=0)
            names = {n for n in names if _number(n) < oldest_kept}
        for name in sorted(names - keep):
            self.drop_generation(name)

    def drop_generation(self, name: str) -> None:
        if isinstance(self.store, LocalStore):
            self.store.release(name)
        else:
            self.store.drop(name)
        shutil.rmtree(self.gen_dir(name), ignore_errors=True)

    # -- reader side ---------------------------------------------------------------------
    def reader(self) -> IndexReader:
        generation = self.current()
        if generation is None:
            raise IndexMissing(f"no index at {self.dir}; run `career-advisor ingest` to build one")
        return IndexReader(self, generation)


class IndexReader:
    """Read access to one generation: dense search, keyword search, chunk lookup, outline."""

    def __init__(self, index: Index, generation: str) -> None:
        self.index = index
        self.generation = generation
        self.collection = index.store.collection(generation)
        path = index.gen_dir(generation) / KEYWORD
        if not path.exists():
            if isinstance(index.store, LocalStore):
                raise IndexMissing(f"index generation {generation} has no keyword table")
            rebuild_keyword_from_store(self.collection, path)
        self.keyword = KeywordIndex(path, readonly=True)
        self._local = threading.local()
        self._ranker: BM25Ranker | None = None
        self._ranker_lock = threading.Lock()

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
                ):  # missing or damaged: rebuild from the table
                    self._ranker = BM25Ranker.build(self.keyword.rows())
                    if not path.exists():
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
        """(chunk_id, cosine similarity) best first."""
        n = self.count()
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector], n_results=min(k, n), include=["distances"]
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def similarities(self, vector: list[float], ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to these chunks (vectors are normalized)."""
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["embeddings"])
        return {
            cid: float(sum(a * b for a, b in zip(vector, emb, strict=True)))
            for cid, emb in zip(got["ids"], got["embeddings"], strict=True)
        }

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        return self._table().get(ids)

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
        return self._table().doc_chunks(doc_id)

    def outline(self) -> list[tuple[str, str, str, str]]:
        return self._table().outline()

    def table_chunks(self, doc_ids: list[str]) -> list[Chunk]:
        return self._table().table_chunks(doc_ids) if doc_ids else []

    def neighbour(self, chunk: Chunk, step: int) -> Chunk | None:
        return self._table().at(chunk.doc_id, chunk.position + step)

    def stats(self) -> tuple[int, int]:
        return self._table().stats()

    def count(self) -> int:
        if not hasattr(self, "_count"):
            self._count = self.stats()[1]
        return self._count


def rebuild_keyword_from_store(collection: Any, path: Path, batch: int = 5000) -> None:
    """Server mode on a new replica: rebuild the local keyword table from the collection once."""
    tmp = path.with_name(path.name + ".partial")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.unlink(missing_ok=True)
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
    os.replace(tmp, path)


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
