"""Ingest benchmark: our full build and unchanged re-ingest of seed + OOH pages, against the
LangChain tutorial recipe (BeautifulSoup text, RecursiveCharacterTextSplitter 1000/200, same
model, Chroma) measured in the same run. Each phase runs in its own process for peak memory.

    python -m advisor.evals.bench_ingest [--skip-baseline] [--compare-float32] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(os.environ.get("ADVISOR_SHARED_DIR", "../shared"))  # run from the repository root


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_ours(index_dir: str, paths: list[str], dtype: str = "auto") -> dict:
    from advisor.ingest.build import ingest
    from advisor.settings import Settings

    settings = Settings.from_env(env={}, index_dir=Path(index_dir), embedding_dtype=dtype)
    started = time.perf_counter()
    report = ingest(settings, [Path(p) for p in paths])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "chunks": report.chunks_total,
        "embedded": report.chunks_added,
        "documents": report.documents,
        "peak_mb": _peak_mb(),
        "dtype": _resolved(dtype),
    }


def _resolved(dtype: str) -> str:
    try:
        from advisor.index.embeddings import resolve_dtype
    except ImportError:  # an older tree (--against) names its dtype itself
        return dtype
    return resolve_dtype(dtype)


def phase_recipe(index_dir: str, paths: list[str], dtype: str = "") -> dict:
    """The LangChain RAG tutorial's indexing recipe, applied to the same files."""
    from bs4 import BeautifulSoup
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from advisor.index.embeddings import load_embeddings

    started = time.perf_counter()
    docs = []
    for root in paths:
        for path in sorted(Path(root).iterdir()):
            if path.suffix in (".html", ".txt"):
                raw = path.read_text(encoding="utf-8", errors="replace")
                text = (
                    BeautifulSoup(raw, "html.parser").get_text() if path.suffix == ".html" else raw
                )
                docs.append(Document(page_content=text, metadata={"source": str(path)}))
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    Chroma.from_documents(splits, load_embeddings(), persist_directory=index_dir)
    return {
        "seconds": time.perf_counter() - started,
        "chunks": len(splits),
        "documents": len(docs),
        "peak_mb": _peak_mb(),
    }


def run_phase(
    name: str, index_dir: str, paths: list[str], dtype: str = "auto", tree: str = ""
) -> dict:
    """One phase in a fresh process; with `tree`, that checkout's `advisor` package does the
    work (this file is run by path, so the older tree needs no copy of it)."""
    env = {**os.environ, "PYTHONPATH": tree} if tree else None
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()) if tree else "-m",
        *([] if tree else ["advisor.evals.bench_ingest"]),
        "--phase",
        name,
        "--index-dir",
        index_dir,
        "--dtype",
        dtype,
        *paths,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="corpus folders (default: ../shared seed + OOH)")
    parser.add_argument(
        "--skip-baseline", action="store_true", help="skip the slow tutorial recipe"
    )
    parser.add_argument(
        "--compare-float32", action="store_true", help="also time a full build in float32"
    )
    parser.add_argument(
        "--against",
        metavar="TREE",
        help="also time full float32 builds by another checkout (an older commit), "
        "alternating with this one's, twice each",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--dtype", default="auto", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.phase:  # child process
        fn = {"ours": phase_ours, "recipe": phase_recipe}[args.phase]
        print(json.dumps(fn(args.index_dir, args.paths, args.dtype)))
        return
    paths = args.paths or [str(SHARED / "corpus" / "seed"), str(SHARED / "corpus" / "ooh" / "html")]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        sys.exit(f"corpus not found: {', '.join(missing)}")
    results = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        steps = [
            ("full build", "ours", f"{tmp}/ours", "auto"),
            ("re-ingest unchanged", "ours", f"{tmp}/ours", "auto"),
        ]
        if args.compare_float32:
            steps.append(("full build, float32", "ours", f"{tmp}/ours32", "float32"))
        if not args.skip_baseline:
            steps.append(("tutorial recipe", "recipe", f"{tmp}/recipe", ""))
        trees = {}
        if args.against:
            for n in (1, 2):
                for who, tree in (("that tree", args.against), ("this tree", "")):
                    label = f"float32, {who} #{n}"
                    steps.append((label, "ours", f"{tmp}/{who[:4]}{n}", "float32"))
                    trees[label] = tree
        for label, phase, index_dir, dtype in steps:
            print(f"running: {label} ...", file=sys.stderr, flush=True)
            results[label] = r = run_phase(phase, index_dir, paths, dtype, trees.get(label, ""))
            r["chunks_per_s"] = (
                round(r.get("embedded", r["chunks"]) / r["seconds"], 1) if r["seconds"] else None
            )
    print(f"{'phase':<22}{'seconds':>9}{'chunks':>8}{'chunks/s':>10}{'peak MB':>9}  dtype")
    for label, *_ in steps:
        r = results[label]
        print(
            f"{label:<22}{r['seconds']:>9.1f}{r['chunks']:>8}{r['chunks_per_s'] or 0:>10}"
            f"{r['peak_mb']:>9.0f}  {r.get('dtype', 'float32')}"
        )
    if "tutorial recipe" in results:
        speedup = results["tutorial recipe"]["seconds"] / results["full build"]["seconds"]
        results["speedup_vs_recipe"] = round(speedup, 2)
        print(f"full build is {speedup:.2f}x faster than the tutorial recipe (target >= 2.5x)")
    print(
        f"re-ingest of the unchanged corpus: {results['re-ingest unchanged']['seconds']:.1f} s (target < 10 s)"
    )
    if args.against:
        that = sum(results[f"float32, that tree #{n}"]["seconds"] for n in (1, 2))
        this = sum(results[f"float32, this tree #{n}"]["seconds"] for n in (1, 2))
        results["slowdown_vs_tree"] = round(this / that, 3)
        print(f"this tree's full build takes {this / that:.2f}x the time of {args.against}'s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
