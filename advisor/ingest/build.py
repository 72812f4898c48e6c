"""Ingestion: files -> documents -> chunks -> a new index generation, incrementally.

Unchanged files (same bytes) are not even parsed; unchanged chunks (same content hash) are
not embedded again; chunks of changed or deleted documents are removed. The pointer to the
new generation flips only when everything is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.index import vector_file
from advisor.index.bm25 import BM25Ranker
from advisor.index.embeddings import (
    load_document_embeddings,
    model_path,
    prepare_query_model,
    resolve_dtype,
    token_counter,
)
from advisor.index.generations import (
    INVENTORY,
    KEYWORD,
    MAX_EXACT_DENSE,
    RANKER,
    ChunkTable,
    Index,
    PointerMoved,
)
from advisor.index.inventory import Inventory
from advisor.index.keyword import KeywordIndex
from advisor.index.store import StoreError
from advisor.index.unit_vectors import UNIT_VECTORS_VERSION, UnitVectorTable, span_encoder
from advisor.ingest import boilerplate
from advisor.ingest.chunking import chunk_document
from advisor.ingest.download import default_paths
from advisor.ingest.loaders import LoadError, Problem, discover, read_source
from advisor.ingest.loaders.sandbox import Parser
from advisor.limits import MAX_DOC_CHARS, MAX_DOC_CHUNKS
from advisor.records import Chunk, Document
from advisor.settings import Settings

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_BATCH = 256  # per call; sentence-transformers batches inside it
CHUNKER_VERSION = 7  # bump when loaders or chunking change what a file becomes


@dataclass
class IngestReport:
    documents: int = 0  # documents in the index afterwards
    files_seen: int = 0
    docs_added: int = 0
    docs_updated: int = 0
    docs_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    chunks_total: int = 0
    boilerplate_skipped: int = 0  # copies of site boilerplate left out (one copy stays indexed)
    seconds: float = 0.0
    generation: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be ingested."""
        return self.documents > 0


@dataclass
class _Plan:
    docs: dict[str, dict[str, Any]]  # the new manifest's documents
    new_chunks: dict[str, list[Chunk]]  # doc_id -> chunks, for changed documents
    removed_docs: list[str]
    remove_ids: set[str]
    add: list[Chunk]
    restamp: list[Chunk]  # kept chunks whose position or metadata changed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _under(path: str, roots: list[Path]) -> bool:
    p = Path(path).resolve()
    return any(p == r or r in p.parents for r in roots)


def _parser(settings: Settings) -> Parser:
    return Parser(settings.parse_seconds, settings.parse_memory_mb)


def _chunker_key(settings: Settings) -> str:
    model = settings.embedding_model or "bundled"
    return (
        f"v{CHUNKER_VERSION}:{settings.max_chunk_tokens}:{model}:{settings.embedding_backend}"
        f":{settings.boilerplate_share}"
    )


def plan(
    settings: Settings,
    paths: list[Path],
    old: dict[str, Any],
    progress: Progress,
    parser: Parser | None = None,
) -> tuple[_Plan, list[Problem], int]:
    """Decide what to add, keep and remove, parsing only files whose bytes changed (and pages
    whose share of site boilerplate changed)."""
    if parser is None:
        with _parser(settings) as own:
            return plan(settings, paths, old, progress, own)
    files, problems = discover(paths, settings.follow_links)
    roots = [Path(p).resolve() for p in paths]
    old_docs: dict[str, dict[str, Any]] = old.get("docs", {})
    same_chunker = old.get("chunker") == _chunker_key(settings)
    max_bytes = int(settings.max_file_mb * 2**20)
    docs: dict[str, dict[str, Any]] = {}
    loaded: dict[str, Document] = {}
    kept_old: set[str] = set()  # could not be read this time: the previous version stays
    owner: dict[str, str] = {}
    for i, path in enumerate(files):
        progress("reading", i, len(files))
        doc_id = path.stem
        if doc_id in owner:
            problems.append(Problem(str(path), f"same name as {owner[doc_id]}; rename one of them"))
            continue
        prev = old_docs.get(doc_id)
        try:
            data = read_source(path, max_bytes)  # read once: these bytes are hashed and parsed
            digest = _sha256(data)
            if prev and prev["sha256"] == digest and same_chunker and prev["path"] == str(path):
                docs[doc_id], owner[doc_id] = prev, str(path)
                continue
            doc = parser.parse(path, data)
        except LoadError as err:
            problems.append(Problem(str(path), str(err)))
            if prev:  # keep the version we had rather than lose it
                docs[doc_id], owner[doc_id] = prev, str(path)
                kept_old.add(doc_id)
            continue
        owner[doc_id], loaded[doc_id] = str(path), doc
        docs[doc_id] = {
            "path": str(path),
            "sha256": digest,
            "title": doc.title,
            "source": doc.source,
            "topics": list(doc.topics),  # the Explore tab groups articles by them
            "boilerplate": boilerplate.candidates(doc),
        }
    progress("reading", len(files), len(files))
    # documents we had that live under the ingested folders but are gone now
    removed = [d for d, m in old_docs.items() if d not in docs and _under(m["path"], roots)]
    elsewhere = {d: m for d, m in old_docs.items() if d not in docs and d not in removed}
    frozen = {d: docs[d] for d in kept_old} | elsewhere  # their chunks stay as they are
    new_chunks = _chunk_all(settings, docs, loaded, frozen, old_docs, problems, progress, parser)
    docs.update(elsewhere)
    old_ids = {cid for m in old_docs.values() for cid in m["chunks"]}
    new_ids = {cid for m in docs.values() for cid in m["chunks"]}
    add = [c for cs in new_chunks.values() for c in cs if c.chunk_id not in old_ids]
    restamp = [c for cs in new_chunks.values() for c in cs if c.chunk_id in old_ids]
    result = _Plan(docs, new_chunks, removed, old_ids - new_ids, add, restamp)
    return result, problems, len(files)


def _site(meta: dict[str, Any]) -> str:
    """Pages of one site share boilerplate: the site's name, else the folder they came from."""
    return meta.get("source") or str(Path(meta["path"]).parent)


def _skips(
    settings: Settings, docs: dict[str, dict[str, Any]], frozen: dict[str, dict[str, Any]]
) -> dict[str, list[str]]:
    table = {d: (_site(m), m.get("boilerplate", [])) for d, m in (docs | frozen).items()}
    fixed = {d: m.get("skipped", []) for d, m in frozen.items()}
    return boilerplate.skipped(table, settings.boilerplate_share, fixed)


def _chunk_all(
    settings: Settings,
    docs: dict[str, dict[str, Any]],
    loaded: dict[str, Document],
    frozen: dict[str, dict[str, Any]],
    old_docs: dict[str, dict[str, Any]],
    problems: list[Problem],
    progress: Progress,
    parser: Parser,
) -> dict[str, list[Chunk]]:
    """Chunk the loaded documents, and again the unchanged ones whose skipped boilerplate
    changed (the page that kept a shared paragraph was removed, say). Updates `docs` in place."""
    frozen = dict(frozen)
    while True:  # a page that cannot be re-read keeps its chunks: decide again without it
        skips = _skips(settings, docs, frozen)
        stale = [
            d
            for d, m in docs.items()
            if d not in loaded and d not in frozen and m.get("skipped", []) != skips[d]
        ]
        unreadable = []
        for doc_id in stale:
            path = Path(docs[doc_id]["path"])
            try:
                data = read_source(path, int(settings.max_file_mb * 2**20))
                if _sha256(data) != docs[doc_id]["sha256"]:  # changed since it was planned
                    raise LoadError("changed while ingesting")
                loaded[doc_id] = parser.parse(path, data)
            except LoadError as err:
                problems.append(Problem(str(path), f"cannot re-read to update shared text: {err}"))
                unreadable.append(doc_id)
        if not unreadable:
            break
        frozen.update({d: docs[d] for d in unreadable})
    count = token_counter(settings.embedding_model)
    new_chunks: dict[str, list[Chunk]] = {}
    for i, (doc_id, doc) in enumerate(loaded.items()):
        progress("chunking", i, len(loaded))
        try:
            chunks = _chunks(doc, skips[doc_id], settings.max_chunk_tokens, count)
        except LoadError as err:
            problems.append(Problem(docs[doc_id]["path"], str(err)))
            if doc_id in old_docs:
                docs[doc_id] = old_docs[doc_id]
            else:
                del docs[doc_id]
            continue
        new_chunks[doc_id] = chunks
        docs[doc_id] = {
            **docs[doc_id],
            "skipped": skips[doc_id],
            "chunks": [c.chunk_id for c in chunks],
        }
    progress("chunking", len(loaded), len(loaded))
    return new_chunks


def _chunks(doc: Document, skipped: list[str], max_tokens: int, count) -> list[Chunk]:
    chars = sum(len(b.text) for b in doc.blocks)
    if chars > MAX_DOC_CHARS:  # before chunking and embedding it: that is the costly part
        raise LoadError(f"{chars:,} characters of text after parsing (at most {MAX_DOC_CHARS:,})")
    try:
        chunks = chunk_document(boilerplate.without(doc, skipped), max_tokens, count)
        if not chunks:  # nothing but boilerplate: this page keeps its copies
            chunks = chunk_document(doc, max_tokens, count)
    except Exception as err:  # a chunking bug on one file must not stop the others
        raise LoadError(f"could not be chunked ({type(err).__name__}: {err})") from err
    if not chunks:
        raise LoadError("no text found")
    if len(chunks) > MAX_DOC_CHUNKS:
        raise LoadError(f"{len(chunks):,} passages after chunking (at most {MAX_DOC_CHUNKS:,})")
    return chunks


def _embed_and_write(
    collection: Any,
    kw: KeywordIndex,
    table: ChunkTable,
    chunks: list[Chunk],
    settings: Settings,
    progress: Progress,
) -> None:
    embeddings = load_document_embeddings(settings) if chunks else None
    encoder = span_encoder(embeddings) if chunks else None
    units = UnitVectorTable(table.conn, create=True)
    # similar lengths in one batch waste no padding: about 1.6x faster than file order here
    chunks = sorted(chunks, key=lambda c: len(c.embed_text))
    for start in range(0, len(chunks), EMBED_BATCH):
        progress("embedding", start, len(chunks))
        batch = chunks[start : start + EMBED_BATCH]
        if encoder is not None:  # one forward pass gives the chunk and its units' vectors
            vectors, unit_vectors = encoder.encode(batch)
            units.upsert(zip([c.chunk_id for c in batch], unit_vectors, strict=True))
        else:
            vectors = embeddings.embed_documents([c.embed_text for c in batch])
        collection.upsert(
            ids=[c.chunk_id for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[c.metadata() for c in batch],
        )
        kw.add(batch)
        table.upsert(batch)
    progress("embedding", len(chunks), len(chunks))


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Bring the index in line with the files under `paths` (default: the corpus folders and
    the downloaded libraries, see `download.default_paths`)."""
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    paths = [Path(p) for p in (paths or default_paths(settings))]
    index = Index(settings)
    report = IngestReport()
    try:
        with index.writer_lock():
            live = index.current()
            old = {"docs": {}} if rebuild else index.manifest(live)
            if live and old.get("unit_vectors") != UNIT_VECTORS_VERSION:
                rebuild, old = True, {"docs": {}}  # every chunk needs its unit vectors
            todo, report.problems, report.files_seen = plan(settings, paths, old, progress)
            _count(report, todo, old.get("docs", {}))
            changed = todo.add or todo.remove_ids or todo.restamp or rebuild or live is None
            if live and not index.has_ranker(live):  # written by an older version: add it now
                changed = True
            if changed and todo.docs:
                # before the flip: a server that answers from the new generation at once finds
                # the query model ready instead of exporting it itself (loading torch)
                prepare_query_model(settings)
                report.generation = _write_generation(
                    index, live, todo, settings, progress, rebuild
                )
            else:
                report.generation = live or ""
                if not todo.docs:
                    report.documents = 0
    finally:
        index.close()  # its leases and connections
    report.seconds = time.perf_counter() - started
    return report


def _count(report: IngestReport, todo: _Plan, old_docs: dict[str, Any]) -> None:
    report.docs_added = sum(1 for d in todo.new_chunks if d not in old_docs)
    report.docs_updated = len(todo.new_chunks) - report.docs_added
    report.docs_removed = len(todo.removed_docs)
    report.chunks_added, report.chunks_removed = len(todo.add), len(todo.remove_ids)
    report.chunks_total = sum(len(m["chunks"]) for m in todo.docs.values())
    report.chunks_unchanged = report.chunks_total - report.chunks_added
    report.boilerplate_skipped = sum(len(m.get("skipped", [])) for m in todo.docs.values())
    report.documents = len(todo.docs)


def _write_generation(
    index: Index,
    live: str | None,
    todo: _Plan,
    settings: Settings,
    progress: Progress,
    rebuild: bool,
) -> str:
    target = index.new_generation_name()
    index.hold(target)  # a lease: garbage collection by another machine keeps it
    index.collect_garbage(keep=[g for g in (live,) if g])  # leftovers of crashed runs
    progress("copying", 0, 1)
    index.prepare(None if rebuild else live, target)
    progress("copying", 1, 1)
    collection = index.store.collection(target, create=True)
    kw = KeywordIndex(index.gen_dir(target) / KEYWORD)
    table = ChunkTable(kw._conn(), create=True)
    if todo.remove_ids:
        ids = sorted(todo.remove_ids)
        for start in range(0, len(ids), 5000):
            collection.delete(ids=ids[start : start + 5000])
        kw.delete(ids)
        table.delete(ids)
        UnitVectorTable(table.conn, create=True).delete(ids)
    if todo.restamp:  # same text, new position: no embedding needed
        for start in range(0, len(todo.restamp), 5000):
            part = todo.restamp[start : start + 5000]
            collection.update(
                ids=[c.chunk_id for c in part], metadatas=[c.metadata() for c in part]
            )
        table.upsert(todo.restamp)
    _embed_and_write(collection, kw, table, todo.add, settings, progress)
    kw.optimize()
    progress("ranking", 0, 1)
    BM25Ranker.build(kw.rows()).save(index.gen_dir(target) / RANKER)
    Inventory.build(table.rows()).save(index.gen_dir(target) / INVENTORY)
    progress("ranking", 1, 1)
    chunks = table.stats()[1]
    kw.close()
    if chunks <= MAX_EXACT_DENSE:  # searched exactly: every reader loads every vector
        vector_file.save(index.gen_dir(target), *vector_file.read_all(collection))
    else:  # searched by Chroma's HNSW; a copy from the previous generation would be stale
        vector_file.remove(index.gen_dir(target))
    manifest = {
        "version": 1,
        "chunker": _chunker_key(settings),
        "embedding_model": Path(model_path(settings.embedding_model)).name,
        # not part of the chunker key: bf16 and float32 vectors agree to cosine 0.996, so an
        # index may mix them (machines with and without bf16) without re-embedding
        "embedding_dtype": resolve_dtype(settings.embedding_dtype, settings.embedding_model)
        if settings.embedding_backend == "torch"
        else settings.embedding_backend,
        "unit_vectors": UNIT_VECTORS_VERSION,
        "docs": todo.docs,
    }
    index.write_manifest(target, manifest)
    index.seal(target)  # every file fsynced before the pointer moves
    try:
        index.flip(live, target)  # compare-and-set: of two racing ingests exactly one wins
    except PointerMoved:
        with contextlib.suppress(StoreError):
            if index.current() != target:  # never drop the generation the pointer names
                index.drop_generation(target)
        raise
    index.unhold(target)  # live now: the pointer protects it
    index.collect_garbage(keep=[target] + ([live] if live else []))
    return target
