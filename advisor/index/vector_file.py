"""Every chunk vector of a generation in one file beside its keyword table, written at ingest,
so a local reader searches without opening Chroma (importing chromadb and opening a client
take about a second, most of a cold `ask`). Chroma stays the store; this is a copy of it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from advisor.index import npy

VECTORS = "vectors.npy"
VECTOR_IDS = "vector-ids.txt"


def read_all(collection: Any, batch: int = 5000) -> tuple[list[str], np.ndarray]:
    """Every chunk id of a Chroma collection, sorted, and its vector as a row of a matrix."""
    ids: list[str] = []
    rows: list[Any] = []
    while True:
        got = collection.get(include=["embeddings"], limit=batch, offset=len(ids))
        if not got["ids"]:
            break
        ids += got["ids"]
        rows += list(got["embeddings"])
    order = sorted(range(len(ids)), key=ids.__getitem__)
    matrix = np.asarray(rows, dtype=np.float32)  # (n, dim); (0,) when empty
    return [ids[i] for i in order], matrix[order] if ids else matrix


def save(folder: Path, ids: list[str], matrix: np.ndarray) -> None:
    """Write the copy (the ids last: a reader takes the copy only when both are there)."""
    np.save(folder / VECTORS, matrix)
    tmp = folder / f".{VECTOR_IDS}.{os.getpid()}"
    tmp.write_text("".join(f"{c}\n" for c in ids), encoding="utf-8")
    os.replace(tmp, folder / VECTOR_IDS)


def load(folder: Path) -> tuple[list[str], np.ndarray] | None:
    """The copy written by `save`, or None when the generation has none (written by an older
    version, or a server-mode replica's) or it does not match itself."""
    try:
        ids = (folder / VECTOR_IDS).read_text(encoding="utf-8").splitlines()
        matrix = npy.load(folder / VECTORS)
    except (OSError, ValueError):
        return None
    if matrix.ndim != 2 or matrix.shape[0] != len(ids) or not ids:
        return None
    return ids, matrix.astype(np.float32, copy=False)


def remove(folder: Path) -> None:
    for name in (VECTOR_IDS, VECTORS):  # the ids first: without them the copy is not taken
        (folder / name).unlink(missing_ok=True)


def present(folder: Path) -> bool:
    return (folder / VECTOR_IDS).exists() and (folder / VECTORS).exists()
