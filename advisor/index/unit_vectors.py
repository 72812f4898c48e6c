"""A vector for every quotable unit, pooled from the unit's token span in its chunk's own
forward pass: the chunk vectors come out exactly as sentence-transformers makes them, and the
unit vectors cost no extra model call at ingest. Stored beside the chunk table, per chunk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from advisor.records import Chunk
from advisor.text.units import parse_units

# Bump when the way unit vectors are made changes: ingest then re-embeds every chunk.
UNIT_VECTORS_VERSION = 1
SUB_BATCH = 32  # sentence-transformers' own batch size for this model on CPU


def _unit_rows(hidden: np.ndarray, offsets: np.ndarray, base: int, chunk: Chunk) -> np.ndarray:
    """Mean of the hidden states of the tokens inside each unit's character span."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts  # special and padding tokens have an empty span
    rows = []
    for unit in parse_units(chunk.text):
        inside = real & (starts >= base + unit.start) & (ends <= base + unit.end)
        if not inside.any():  # cut off by the model's window: the chunk's mean stands in
            inside = real
        rows.append(hidden[inside].mean(axis=0))
    out = np.asarray(rows, dtype=np.float32).reshape(-1, hidden.shape[-1])
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class SpanEncoder:
    """Chunk vectors (mean pooling, as sentence-transformers) plus per-unit vectors."""

    def __init__(self, client: Any) -> None:
        module = client[0]
        self.tokenizer = module.tokenizer
        self.model = module.auto_model
        self.max_tokens = int(client.max_seq_length)

    def encode(self, chunks: Sequence[Chunk]) -> tuple[list[list[float]], list[np.ndarray]]:
        vectors: list[list[float]] = []
        units: list[np.ndarray] = []
        for start in range(0, len(chunks), SUB_BATCH):
            v, u = self._batch(chunks[start : start + SUB_BATCH])
            vectors += v
            units += u
        return vectors, units

    def _batch(self, chunks: Sequence[Chunk]) -> tuple[list[list[float]], list[np.ndarray]]:
        import torch

        texts = [c.embed_text for c in chunks]
        enc = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_tokens,
            return_tensors="pt", return_offsets_mapping=True,
        )  # fmt: skip
        offsets = enc.pop("offset_mapping").numpy()
        with torch.inference_mode():
            hidden = self.model(**enc).last_hidden_state.float()
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        hidden_np = hidden.numpy()
        units = [
            _unit_rows(hidden_np[i], offsets[i], len(c.heading_path) + 1, c)
            for i, c in enumerate(chunks)
        ]
        return pooled.numpy().tolist(), units


def span_encoder(embeddings: Any) -> SpanEncoder | None:
    """A span encoder over the same sentence-transformers model the embeddings use; None for
    backends without one (ONNX), which then index no unit vectors."""
    client = getattr(getattr(embeddings, "inner", embeddings), "_client", None)
    if client is None or not hasattr(client, "max_seq_length"):
        return None
    return SpanEncoder(client)


class UnitVectorTable:
    """Unit vectors per chunk id, float16, in the generation's chunk database."""

    SCHEMA = "CREATE TABLE IF NOT EXISTS unit_vectors (chunk_id TEXT PRIMARY KEY, vecs BLOB)"

    def __init__(self, conn: sqlite3.Connection, create: bool = False) -> None:
        self.conn = conn
        if create:
            conn.execute(self.SCHEMA)

    def upsert(self, rows: Iterable[tuple[str, np.ndarray]]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO unit_vectors(chunk_id, vecs) VALUES (?, ?)",
                [(cid, np.asarray(v, dtype=np.float16).tobytes()) for cid, v in rows],
            )

    def delete(self, ids: Iterable[str]) -> None:
        with self.conn:
            self.conn.executemany(
                "DELETE FROM unit_vectors WHERE chunk_id = ?", [(i,) for i in ids]
            )

    def get(
        self, ids: Sequence[str], dim: int = 384, dtype: type = np.float32
    ) -> dict[str, np.ndarray]:
        """Vectors of these chunks ((units, dim) arrays of `dtype`; stored as float16);
        chunks without any are left out."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        try:
            rows = self.conn.execute(
                f"SELECT chunk_id, vecs FROM unit_vectors WHERE chunk_id IN ({marks})", list(ids)
            ).fetchall()
        except sqlite3.OperationalError:  # an index built before unit vectors existed
            return {}
        return {
            cid: np.frombuffer(blob, dtype=np.float16).astype(dtype).reshape(-1, dim)
            for cid, blob in rows
        }
