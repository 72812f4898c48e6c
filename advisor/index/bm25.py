"""Top-k BM25 ranking by bm25s: scores precomputed into a sparse matrix at ingest, so a query
only adds up the columns of its words and takes the top k with numpy.

One matrix per field (title, section, text), summed with the weights the FTS5 table uses. It is
rebuilt from the generation's chunks whenever a generation is written and saved next to it, so
vectors, keyword table and ranker always describe the same chunks.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from advisor.index import npy
from advisor.text.terms import TOKENIZER, stems, text_stems

FIELDS = (("title", 4.0), ("section", 2.0), ("text", 1.0))  # as the FTS5 column weights
K1, B = 1.2, 0.75  # FTS5's (and Lucene's classic) defaults
IDS = "ids.json"
STAMP = "tokenizer.txt"  # which word pipeline built the matrices (advisor.text.terms.TOKENIZER)


class StaleRanker(ValueError):
    """A saved ranker built by another word pipeline: its words would not match the query's."""


class BM25Ranker:
    """chunk ids plus one bm25s model per field (None for a field without a single word, which
    bm25s cannot index), rows in the same order."""

    def __init__(self, ids: list[str], models: dict[str, Any]) -> None:
        self.ids = ids
        self.models = models

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, str]]) -> BM25Ranker:
        """From (chunk_id, title, section, text) rows."""
        import bm25s

        ids: list[str] = []
        tokens: dict[str, list[list[str]]] = {name: [] for name, _ in FIELDS}
        titles: dict[str, list[str]] = {}  # a page's title, once per page rather than per chunk
        for chunk_id, title, section, text in rows:
            ids.append(chunk_id)
            if title not in titles:
                titles[title] = text_stems(title)
            tokens["title"].append(titles[title])
            tokens["section"].append(text_stems(section))
            tokens["text"].append(text_stems(text))
        models: dict[str, Any] = {}
        for name, _ in FIELDS:
            models[name] = None
            if any(tokens[name]):
                models[name] = bm25s.BM25(k1=K1, b=B, method="lucene")
                models[name].index(tokens[name], show_progress=False)
        return cls(ids, models)

    def save(self, path: Path) -> None:
        """Write to a private temporary folder, then rename it into place: a reader never sees
        half a ranker, and of two processes saving the same one, the second just discards its
        copy."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-"))
        try:
            for name, model in self.models.items():
                if model is not None:
                    model.save(tmp / name, show_progress=False)
            (tmp / IDS).write_text(json.dumps(self.ids))
            (tmp / STAMP).write_text(TOKENIZER)
            _discard_stale(path)
            os.rename(tmp, path)  # fails if another process got there first
        except OSError:
            if not (path / IDS).exists():
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, path: Path) -> BM25Ranker:
        """Memory-mapped: pages of the matrices are read as queries touch them. Read without
        bm25s (whose import, through scipy, takes a third of a second of every cold `ask`)."""
        if not is_current(path):
            raise StaleRanker(f"{path} was built by another tokenizer; rebuild it")
        ids = json.loads((path / IDS).read_text())
        models = {
            name: SavedField(path / name) if (path / name).exists() else None for name, _ in FIELDS
        }
        return cls(ids, models)

    def search(self, text: str, k: int = 20) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score) best first, only chunks that share a word with the query."""
        return self.search_stems(stems(text), k)

    def search_stems(self, terms: list[str], k: int = 20) -> list[tuple[str, float]]:
        """As `search`, for words already stemmed by advisor.text.terms (not stemmed again)."""
        if not terms or not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for name, weight in FIELDS:
            model = self.models[name]
            term_ids = model.get_tokens_ids(terms) if model is not None else []
            if term_ids:
                scores += weight * model.get_scores_from_ids(term_ids)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]


class SavedField:
    """One field's saved bm25s index, scored as bm25s scores it (its precomputed Lucene
    scores, one sparse column per word, summed per word in query order in float32), so
    rankings are the same to the last bit."""

    def __init__(self, folder: Path) -> None:
        params = json.loads((folder / "params.index.json").read_text())
        if params.get("method") != "lucene":  # other methods add a non-occurrence score
            raise ValueError(f"{folder}: a {params.get('method')} index, not lucene")
        self.vocab: dict[str, int] = json.loads((folder / "vocab.index.json").read_text())
        self.num_docs = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.data = npy.load(folder / "data.csc.index.npy", mmap_mode="r")
        self.indices = npy.load(folder / "indices.csc.index.npy", mmap_mode="r")
        self.indptr = npy.load(folder / "indptr.csc.index.npy", mmap_mode="r")

    def get_tokens_ids(self, terms: list[str]) -> list[int]:
        return [self.vocab[t] for t in terms if t in self.vocab]

    def get_scores_from_ids(self, term_ids: list[int]) -> np.ndarray:
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for term in term_ids:
            start, end = int(self.indptr[term]), int(self.indptr[term + 1])
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


def is_current(path: Path) -> bool:
    """A saved ranker built by today's word pipeline (a missing stamp means an older one)."""
    try:
        return (path / STAMP).read_text() == TOKENIZER
    except OSError:
        return False


def _discard_stale(path: Path) -> None:
    """Move a ranker of another word pipeline out of the way (renamed first, so a reader
    never sees half of one), so that the fresh one can take its place."""
    if path.exists() and not is_current(path):
        trash = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-stale-"))
        with contextlib.suppress(OSError):  # another process moved it already
            os.rename(path, trash / "old")
        shutil.rmtree(trash, ignore_errors=True)
