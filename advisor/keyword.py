"""The keyword side of retrieval: BM25 over an SQLite FTS5 table stored next to the vectors.

FTS5 keeps the index on disk (nothing to re-read at start), updates rows in place on
incremental ingest, and ranks with BM25 inside SQLite rather than in Python.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from advisor.records import Chunk
from advisor.terms import query_terms

# Column weights for bm25(): title and section names carry a page's subject.
_WEIGHTS = (0.0, 0.0, 4.0, 2.0, 1.0)  # chunk_id, doc_id, title, section, text


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: any content word (quoted, so no operator injection)."""
    return " OR ".join(f'"{t}"' for t in query_terms(text))


class KeywordIndex:
    """BM25 search over chunks; one SQLite file per index generation."""

    SCHEMA = (
        "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
        "chunk_id UNINDEXED, doc_id UNINDEXED, title, section, text, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        if not readonly:
            self._conn().execute(self.SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.readonly:
                conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(self.path, check_same_thread=False)
            self._local.conn = conn
        return conn

    def add(self, chunks: Iterable[Chunk]) -> None:
        conn = self._conn()
        with conn:
            conn.executemany(
                "INSERT INTO chunks(chunk_id, doc_id, title, section, text) VALUES (?, ?, ?, ?, ?)",
                [(c.chunk_id, c.doc_id, c.title, c.section, c.text) for c in chunks],
            )

    def delete(self, chunk_ids: Iterable[str]) -> None:
        conn = self._conn()
        with conn:
            conn.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(i,) for i in chunk_ids])

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM chunks").fetchone()[0]

    def search(self, text: str, k: int = 20) -> list[tuple[str, float]]:
        """(chunk_id, score) best first; score is -bm25 (higher is better)."""
        match = fts_query(text)
        if not match:
            return []
        weights = ", ".join(str(w) for w in _WEIGHTS)
        rows = (
            self._conn()
            .execute(
                f"SELECT chunk_id, -bm25(chunks, {weights}) AS s FROM chunks "
                "WHERE chunks MATCH ? ORDER BY bm25(chunks, " + weights + ") LIMIT ?",
                (match, k),
            )
            .fetchall()
        )
        return [(r[0], float(r[1])) for r in rows]

    def doc_freq(self, stems: list[str]) -> dict[str, int]:
        """How many chunks contain each (porter-stemmed) term."""
        if not stems:
            return {}
        conn = self._conn()
        if not getattr(self._local, "vocab", False):
            conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, 'chunks', 'row')"
            )
            self._local.vocab = True
        marks = ",".join("?" * len(stems))
        rows = conn.execute(f"SELECT term, doc FROM temp.vocab WHERE term IN ({marks})", stems)
        return {term: int(doc) for term, doc in rows}

    def optimize(self) -> None:
        conn = self._conn()
        with conn:
            conn.execute("INSERT INTO chunks(chunks) VALUES ('optimize')")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
