"""The keyword table: chunks in an SQLite FTS5 table stored next to the vectors.

FTS5 keeps it on disk, updates rows in place on incremental ingest and answers word lookups
(document frequencies, "does any chunk hold all these words"). Ranking the top k goes to the
bm25s ranker (advisor/index/bm25.py); `search` here is FTS5's own BM25, kept as the baseline.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from advisor.records import Chunk
from advisor.text.terms import query_terms, stem

COMMON_SHARE = 0.5  # a word in more than half of all chunks is too common to search by
MIN_TERMS = 3

# Column weights for bm25(): title and section names carry a page's subject.
_WEIGHTS = (0.0, 0.0, 4.0, 2.0, 1.0)  # chunk_id, doc_id, title, section, text

# Entries of each per-index cache (document frequencies, AND queries) before it is emptied:
# ~10 MB of small keys, far more than the distinct words and follow-ups a library meets
MAX_CACHED = 100_000


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
        # every live thread's connection, for close(). The server's handler threads come and go
        # (anyio ends one idle for 10 s): a thread that has ended gets its connection closed
        # when the next one opens, or each burst of requests left a few connections (a file and
        # a page cache each) open for the life of the index.
        self._open: dict[threading.Thread, sqlite3.Connection] = {}
        self._open_lock = threading.Lock()
        self._df_cache: dict[str, int] = {}
        self._all_cache: dict[tuple[str, ...], bool] = {}  # contains_all on a read-only index
        if not readonly:
            self._conn().execute(self.SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._open.get(threading.current_thread()) is not conn:  # none, closed
            if self.readonly:
                conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(self.path, check_same_thread=False)
            self._local.conn = conn
            with self._open_lock:
                ended = [t for t in self._open if not t.is_alive()]
                gone = [self._open.pop(t) for t in ended]
                self._open[threading.current_thread()] = conn
            for old in gone:
                old.close()
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

    def rows(self) -> Iterable[tuple[str, str, str, str]]:
        """(chunk_id, title, section, text) of every chunk."""
        return self._conn().execute("SELECT chunk_id, title, section, text FROM chunks")

    def rows_with_docs(self) -> list[tuple[str, str, str]]:
        """(doc_id, section, text) of every chunk, in chunk id order."""
        query = "SELECT doc_id, section, text FROM chunks ORDER BY chunk_id"
        return list(self._conn().execute(query))

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM chunks").fetchone()[0]

    def search(self, text: str, k: int = 20) -> list[tuple[str, float]]:
        """(chunk_id, score) best first; score is -bm25 (higher is better)."""
        terms = self._selective(query_terms(text))
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        weights = ", ".join(str(w) for w in _WEIGHTS)
        sql = (
            f"SELECT chunk_id, -bm25(chunks, {weights}) FROM chunks WHERE chunks MATCH ? "
            f"ORDER BY bm25(chunks, {weights}) LIMIT ?"
        )
        return [(r[0], float(r[1])) for r in self._conn().execute(sql, (match, k)).fetchall()]

    def _selective(self, terms: list[str]) -> list[str]:
        """Drop words most chunks contain (they barely move BM25 but make SQLite score a large
        share of the index), keeping at least the three rarest. The words come from the same
        pipeline as the table's own tokenizer (folded, porter-stemmed), so counts agree."""
        if len(terms) <= MIN_TERMS:
            return terms
        stemmed = {t: stem(t) for t in terms}
        df = self.doc_freq(list(stemmed.values()))
        limit = COMMON_SHARE * self.size()
        rare = [t for t in terms if df.get(stemmed[t], 0) <= limit]
        if len(rare) < MIN_TERMS:
            rare = sorted(terms, key=lambda t: df.get(stemmed[t], 0))[:MIN_TERMS]
        return rare

    def size(self) -> int:
        if not hasattr(self._local, "size"):
            self._local.size = self.count()
        return self._local.size

    def contains_all(self, words: list[str], doc_id: str = "") -> bool:
        """Some chunk (of `doc_id`, when given) holds every one of these words (an AND query,
        no ranking)."""
        if not words:
            return False
        key = (*words, doc_id)
        # follow-ups are checked again and again; .get, as another thread may clear the cache
        known = self._all_cache.get(key) if self.readonly else None
        if known is not None:
            return known
        match = " ".join(f'"{w}"' for w in words)
        sql = "SELECT 1 FROM chunks WHERE chunks MATCH ?" + (" AND doc_id = ?" if doc_id else "")
        params = (match, doc_id) if doc_id else (match,)
        found = self._conn().execute(sql + " LIMIT 1", params).fetchone() is not None
        if self.readonly:
            if len(self._all_cache) > MAX_CACHED:
                self._all_cache.clear()
            self._all_cache[key] = found
        return found

    def doc_freq(self, stems: list[str]) -> dict[str, int]:
        """How many chunks contain each (porter-stemmed) term; cached on a read-only index,
        where the counts cannot change."""
        if not self.readonly:
            return self._doc_freq(list(dict.fromkeys(stems)))
        cache = self._df_cache
        counts = {s: cache.get(s) for s in dict.fromkeys(stems)}  # .get: another thread may clear
        missing = [s for s, n in counts.items() if n is None]
        if missing:
            if len(cache) > MAX_CACHED:
                cache.clear()
            found = self._doc_freq(missing)
            fresh = {s: found.get(s, 0) for s in missing}
            cache.update(fresh)
            counts.update(fresh)
        return {s: n for s in stems if (n := counts[s])}

    def _doc_freq(self, stems: list[str]) -> dict[str, int]:
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
        """Close every thread's connection (the server's handler threads each opened one):
        a generation that is dropped must leave no file open behind."""
        with self._open_lock:
            opened, self._open = self._open, {}
        for conn in opened.values():
            conn.close()
        self._local.conn = None
