"""Scale run: grow an index to 200k+ chunks by reusing computed vectors (perturbed, under new
ids) and measure the index and query side at 10k, 50k and 200k chunks: insert throughput, size
on disk, peak memory, dense / keyword / end-to-end query p50 and p95. Embedding throughput is
measured on its own (batch sizes, threads), since embedding 200k chunks on 2 cores takes hours.

    python -m advisor.evals.bench_scale [--source-index DIR] [--sizes 10000 50000 200000]
        [--skip-embedding] [--png OUT] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from advisor.advisor import Advisor
from advisor.index.bm25 import BM25Ranker
from advisor.index.generations import KEYWORD, RANKER, ChunkTable, Index, write_atomic
from advisor.index.keyword import KeywordIndex
from advisor.settings import Settings

QUERIES = [
    "What is the median annual pay for accountants and auditors?",
    "How fast is employment of nurses projected to grow?",
    "Which certifications help me move into engineering management?",
    "What level of education do electricians need?",
    "How many jobs did carpenters hold?",
    "What does an engineering director do?",
]


def pct(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _rss_mb() -> float:
    """Current resident memory (Linux), to see what opening an index costs."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def load_source(index_dir: Path) -> tuple[list, np.ndarray]:
    reader = Index(Settings.from_env(env={}, index_dir=index_dir)).reader()
    got = reader.collection.get(include=["embeddings"])
    chunks = reader.chunks(got["ids"])
    ids = [i for i in got["ids"] if i in chunks]
    vectors = np.array(
        [v for i, v in zip(got["ids"], got["embeddings"], strict=True) if i in chunks],
        dtype=np.float32,
    )
    return [chunks[i] for i in ids], vectors


def variant(
    chunks: list, vectors: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[list, np.ndarray]:
    """Copy k of the corpus under new ids, vectors nudged so HNSW sees distinct points."""
    copies = [replace(c, chunk_id=f"{c.chunk_id}-v{k}", doc_id=f"{c.doc_id}-v{k}") for c in chunks]
    noisy = vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return copies, noisy


def measure_queries(
    advisor: Advisor, vectors: list[list[float]], rounds: int = 5
) -> dict[str, float]:
    reader = advisor.reader()
    dense, keyword, fts5, full = [], [], [], []
    for _ in range(rounds):
        for q, v in zip(QUERIES, vectors, strict=True):
            s = time.perf_counter()
            reader.dense(v, 30)
            dense.append((time.perf_counter() - s) * 1000)
            s = time.perf_counter()
            reader.keyword_search(q, 30)
            keyword.append((time.perf_counter() - s) * 1000)
            s = time.perf_counter()
            reader.keyword.search(q, 30)  # the baseline: SQLite FTS5's own bm25()
            fts5.append((time.perf_counter() - s) * 1000)
            s = time.perf_counter()
            advisor.ask(q)
            full.append((time.perf_counter() - s) * 1000)
    return {
        "dense_p50": pct(dense, 50),
        "dense_p95": pct(dense, 95),
        "keyword_p50": pct(keyword, 50),
        "keyword_p95": pct(keyword, 95),
        "fts5_p50": pct(fts5, 50),
        "fts5_p95": pct(fts5, 95),
        "answer_p50": pct(full, 50),
        "answer_p95": pct(full, 95),
    }


_SERVE = """
import sys
from pathlib import Path
from advisor.cli import app
try:
    app(["ask", sys.argv[1], "--json"], standalone_mode=False)
finally:  # VmHWM belongs to this process image; getrusage would count the parent before exec
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print("PEAK_MB", int(line.split()[1]) / 1024, file=sys.stderr)
"""


def serving_process(index_dir: Path) -> tuple[float, float]:
    """A fresh process answering one question from the index: seconds to its answer and its
    peak RSS in MB (what one app process needs, without this benchmark's copies)."""
    env = {**os.environ, "ADVISOR_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1"}
    s = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _SERVE, QUERIES[0]],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - s
    peaks = [float(x.split()[1]) for x in done.stderr.splitlines() if x.startswith("PEAK_MB")]
    return seconds, peaks[-1] if peaks else 0.0


def embedding_throughput(texts: list[str]) -> list[dict]:
    """Chunks/s of the bundled model on real chunk texts: number formats, batch sizes, thread
    counts and the ONNX backends (sorted by length, as ingest does)."""
    import torch

    from advisor.index.embeddings import load_embeddings

    texts = sorted(texts, key=len)
    rows = []

    def timed(label: str, embed, **info) -> None:
        embed(texts[:32])
        s = time.perf_counter()
        embed(texts)
        rows.append(
            {"variant": label, **info, "chunks_per_s": len(texts) / (time.perf_counter() - s)}
        )

    for dtype in ("float32", "bfloat16"):
        model = load_embeddings("", "torch", dtype)
        client = getattr(model, "inner", model)._client
        for threads in sorted({1, os.cpu_count() or 1}):
            torch.set_num_threads(threads)
            for batch in (32, 128):
                timed(
                    f"torch {dtype}",
                    lambda t, c=client, b=batch: c.encode(
                        t, batch_size=b, normalize_embeddings=True
                    ),
                    threads=threads,
                    batch=batch,
                )
        torch.set_num_threads(os.cpu_count() or 1)
    for backend in ("onnx", "onnx-int8"):
        timed(
            backend, load_embeddings("", backend).embed_documents, threads=os.cpu_count(), batch=32
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source-index", type=Path, help="an index to reuse vectors from (default: eval cache)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--png", type=Path, help="save a growth plot here (needs matplotlib)")
    parser.add_argument(
        "--skip-embedding", action="store_true", help="only the index side, not model throughput"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    source = args.source_index
    if source is None:
        from advisor.evals.harness import cache_dir

        source = cache_dir([Path("../shared/corpus/seed"), Path("../shared/corpus/ooh/html")])
    chunks, vectors = load_source(source)
    print(f"source: {source} ({len(chunks)} chunks)")
    rng = np.random.default_rng(0)
    sample = random.Random(0).sample(chunks, min(400, len(chunks)))  # not the first (shortest) ones
    texts = [] if args.skip_embedding else [c.embed_text for c in sample]
    results = {"embedding": embedding_throughput(texts) if texts else [], "sizes": []}
    for row in results["embedding"]:
        print(
            f"embedding {row['variant']}: {row['threads']} thread(s), batch {row['batch']}: "
            f"{row['chunks_per_s']:.1f} chunks/s"
        )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(env={}, index_dir=Path(tmp))
        index = Index(settings)
        gen = "gen-000001"
        index.gen_dir(gen).mkdir(parents=True)
        collection = index.store.collection(gen, create=True)
        kw = KeywordIndex(index.gen_dir(gen) / KEYWORD)
        table = ChunkTable(kw._conn(), create=True)
        write_atomic(index.dir / "CURRENT", gen)
        advisor = Advisor(settings)
        query_vectors = [advisor.embed_query(q) for q in QUERIES]
        total, k, insert_s = 0, 0, 0.0
        for target in sorted(args.sizes):
            while total < target:
                part, vecs = variant(chunks, vectors, k, rng)
                part, vecs = part[: target - total], vecs[: target - total]
                s = time.perf_counter()
                for i in range(0, len(part), 5000):
                    sl = part[i : i + 5000]
                    collection.add(
                        ids=[c.chunk_id for c in sl],
                        embeddings=vecs[i : i + 5000],
                        documents=[c.text for c in sl],
                        metadatas=[c.metadata() for c in sl],
                    )
                kw.add(part)
                table.upsert(part)
                insert_s += time.perf_counter() - s
                total += len(part)
                k += 1
            s = time.perf_counter()  # ingest rebuilds the ranker for every generation it writes
            BM25Ranker.build(kw.rows()).save(index.gen_dir(gen) / RANKER)
            ranker_build_s = time.perf_counter() - s
            rss_before = _rss_mb()
            s = time.perf_counter()
            advisor = Advisor(settings)  # reopen, as a fresh replica would
            advisor.warm()
            open_s, open_rss = time.perf_counter() - s, _rss_mb() - rss_before
            cold_s, serve_rss = serving_process(Path(tmp))
            row = {
                "chunks": total,
                "cold_start_s": cold_s,
                "serving_peak_rss_mb": serve_rss,
                "open_s": open_s,
                "open_rss_mb": open_rss,
                "ranker_build_s": ranker_build_s,
                "insert_chunks_per_s": total / insert_s,
                "disk_mb": dir_mb(Path(tmp)),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                **measure_queries(advisor, query_vectors),
            }
            results["sizes"].append(row)
            print(
                f"{total:>7} chunks: insert {row['insert_chunks_per_s']:.0f}/s, ranker build "
                f"{ranker_build_s:.1f} s, disk {row['disk_mb']:.0f} MB, peak RSS {row['peak_rss_mb']:.0f} MB, "
                f"open {row['open_s']:.2f} s (+{row['open_rss_mb']:.0f} MB), a fresh app process: "
                f"first answer {cold_s:.1f} s, peak RSS {serve_rss:.0f} MB; p50/p95 ms: "
                f"dense {row['dense_p50']:.1f}/{row['dense_p95']:.1f}, "
                f"keyword {row['keyword_p50']:.1f}/{row['keyword_p95']:.1f} "
                f"(FTS5 baseline {row['fts5_p50']:.1f}/{row['fts5_p95']:.1f}), "
                f"answer {row['answer_p50']:.1f}/{row['answer_p95']:.1f}",
                flush=True,
            )
        index.store.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.png:
        plot(results["sizes"], args.png)


def plot(rows: list[dict], out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    xs = [r["chunks"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (
        ("dense_p50", "dense p50"),
        ("keyword_p50", "keyword p50 (bm25s)"),
        ("fts5_p50", "keyword p50 (FTS5 baseline)"),
        ("answer_p50", "answer p50"),
        ("answer_p95", "answer p95"),
    ):
        ax.plot(xs, [r[key] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("chunks in index")
    ax.set_ylabel("ms")
    ax.legend()
    ax.set_title("Query latency as the index grows")
    fig.tight_layout()
    fig.savefig(out)
    print(f"plot saved to {out}")


if __name__ == "__main__":
    main()
