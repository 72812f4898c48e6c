"""The same question over the same library gets the same answer in every process.

A small but varied library (the project's corpus, the seed article and every 20th OOH page) is
ingested twice, by two processes with different PYTHONHASHSEED values (so string sets and dicts
iterate in different orders), and what ingest wrote must be identical: chunks, their order in
the tables, vectors, unit vectors, manifest, inventory, keyword ranking. Then two more processes
with different seeds (the second in reverse order) ask the questions of the shared eval sets,
each after its conversation's earlier turns, over one of the indexes, and every answer must be
identical: text, refusal, citations, follow-ups, the chunks the answerer saw, and the dense
ranking of the question."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from subprocess import Popen

import numpy as np
import pytest

from .conftest import CORPUS, EVALS, OOH, ROOT, SEED, need

pytestmark = pytest.mark.slow

SEEDS = ("1", "3")
EVERY = 20  # every 20th OOH page by sorted name: 18 pages across the categories
QUESTION_FILES = ("mixed-dev.jsonl", "bank-train.jsonl")
# reported to be answered under some seeds and refused under others
CAREER_CHAT = [
    "hey! software engineer here, 4 yrs experience",
    "not sure I want to manage people",
    "what does the technical route up look like?",
    "and what about sideways moves, something more business-facing?",
]
DENSE_K = 30  # the retriever's candidates per side
TIMEOUT = 600

# Run in a fresh interpreter: `python -c DRIVER job.json`. Writes job["out"] (JSON) and, for an
# ingest, job["out"] + ".npz" (vectors and unit vectors by chunk id).
DRIVER = r"""
import json, sys, time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from tests.conftest import settings_for

job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
settings = settings_for(Path(job["index_dir"]), embedding_dtype=job["dtype"])
started = time.perf_counter()


def ingest_and_read():
    from advisor.index.generations import Index
    from advisor.ingest.build import ingest

    report = ingest(settings, [Path(p) for p in job["paths"]])
    assert report.ok, report.problems
    index = Index(settings)
    reader = index.reader()
    try:
        outline = [list(r) for r in reader.outline()]
        docs = sorted({r[0] for r in outline})
        chunks = [asdict(c) for d in docs for c in reader.doc_chunks(d)]
        ids = [c["chunk_id"] for c in chunks]
        vectors = reader.vectors(ids)
        units = reader.unit_vectors(ids)
        np.savez(
            job["out"] + ".npz",
            ids=np.asarray(ids),
            vectors=np.asarray([vectors[i] for i in ids], dtype=np.float32),
            unit_ids=np.asarray([i for i in ids for _ in range(len(units.get(i, ())))]),
            units=np.concatenate([units[i] for i in ids if i in units])
            if units
            else np.zeros((0, 0), dtype=np.float32),
        )
        inventory = reader.inventory()
        texts = list(dict.fromkeys(q for conv in job["conversations"] for q in conv))
        return {
            "report": {
                "documents": report.documents,
                "chunks_total": report.chunks_total,
                "boilerplate_skipped": report.boilerplate_skipped,
                "problems": [str(p) for p in report.problems],
            },
            "stats": list(reader.stats()),
            "outline": outline,
            "chunks": chunks,
            # the order the tables hand rows to the inventory and the BM25 ranker
            "table_order": [r[0] for r in reader.keyword.rows()],
            "ranker_ids": list(reader.ranker().ids),
            "manifest": index.manifest(reader.generation),
            "inventory": {
                "phrases": [[list(p), d] for p, d in inventory.phrases.items()],
                "titled": [[list(p), d] for p, d in inventory.titled.items()],
                "expansions": list(inventory.expansions.items()),
                "vocabulary": list(inventory.vocabulary.items()),
                "titles": list(inventory.titles.items()),
                "templates": sorted(inventory.templates),
            },
            "keyword": {t: reader.keyword_search(t, job["k"]) for t in texts},
        }
    finally:
        reader.close()
        index.close()


def ask_all():
    from advisor.advisor import Advisor
    from advisor.llm.chat import make_answerer

    answerer = make_answerer(settings)
    advisor = Advisor(settings, answerer=answerer)
    advisor.warm()
    searcher = advisor.searcher()

    def record(answer):
        return {
            "text": answer.text,
            "refused": answer.refused,
            "question": answer.question,
            "citations": [
                [c.n, c.doc_id, c.title, c.section, c.url, c.chunk_id, list(c.chunk_ids), c.quote]
                for c in answer.citations
            ],
            "follow_ups": list(answer.follow_ups),
            "retrieved": [c.chunk_id for c in answer.retrieved],
            "dense": [cid for cid, _ in searcher.dense(answer.question, job["k"])]
            if answer.question
            else [],
        }

    out = []
    for conversation in job["conversations"]:
        history, turns = [], []
        for question in conversation:  # earlier turns first, as evals/harness.py does
            answer = advisor.ask(question, history)
            turns.append(record(answer))
            history.append((question, answer))
        out.append(turns)
    return out


data = ingest_and_read() if job["mode"] == "ingest" else ask_all()
Path(job["out"]).write_text(
    json.dumps({"seconds": time.perf_counter() - started, "data": data}), encoding="utf-8"
)
"""


def conversations() -> list[list[str]]:
    """Each eval question after its history, in file order, then the four-turn chat."""
    out = []
    for name in QUESTION_FILES:
        for line in need(EVALS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                out.append([*(q.get("history") or []), q["question"]])
    return [*out, CAREER_CHAT]


def library(folder: Path) -> list[Path]:
    pages = sorted(need(OOH).glob("*.html"))[::EVERY]
    folder.mkdir()
    for page in pages:
        shutil.copy(page, folder / page.name)
    return [CORPUS, need(SEED), folder]


def start(mode: str, seed: str, index_dir: Path, work: Path, **job) -> tuple[Popen, Path]:
    """The driver in a fresh interpreter with this hash seed, importing this checkout."""
    out = work / f"{mode}-{seed}-{index_dir.name}.json"
    spec = work / f"{out.stem}.job.json"
    spec.write_text(
        json.dumps(
            {"mode": mode, "index_dir": str(index_dir), "out": str(out), "k": DENSE_K, **job}
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": seed,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = Popen(
        [sys.executable, "-c", DRIVER, str(spec)],
        cwd=ROOT,  # the parse worker (python -m) finds this checkout's package from here
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out


def finish(proc: Popen, out: Path) -> dict:
    try:
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"{out.stem} failed:\n{stderr[-4000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


def first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON values first differ, for a readable failure."""
    if type(a) is not type(b):
        return f"{path}: {a!r:.300} != {b!r:.300}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'first' if key in a else 'second'}"
            if (found := first_difference(a[key], b[key], f"{path}/{key}")) is not None:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if (found := first_difference(x, y, f"{path}[{i}]")) is not None:
                return found
        return None if len(a) == len(b) else f"{path}: {len(a)} items != {len(b)}"
    return None if a == b else f"{path}: {a!r:.300} != {b!r:.300}"


def same_arrays(first: Path, second: Path) -> None:
    a, b = np.load(first), np.load(second)
    for name in ("ids", "unit_ids"):
        assert a[name].tolist() == b[name].tolist(), name
    for name in ("vectors", "units"):
        assert a[name].shape == b[name].shape, name
        gap = float(np.abs(a[name] - b[name]).max()) if a[name].size else 0.0
        assert np.array_equal(a[name], b[name]), f"{name} differ by up to {gap:g}"


ANSWER = ("question", "text", "refused", "citations", "follow_ups")
RETRIEVAL = ("retrieved", "dense")


def differences(asked, first, second, keys) -> list[str]:
    found = []
    for conversation, a, b in zip(asked, first, second, strict=True):
        for n, (question, x, y) in enumerate(zip(conversation, a, b, strict=True)):
            where = first_difference({k: x[k] for k in keys}, {k: y[k] for k in keys})
            if where is not None:
                found.append(f"turn {n + 1} of {conversation!r}: {question!r} differs at {where}")
    return found


def test_the_same_library_gives_the_same_index_and_answers_in_every_process(tmp_path):
    need(EVALS)
    clock, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    paths = [str(p) for p in library(tmp_path / "ooh")]
    asked = conversations()
    indexes = {seed: tmp_path / f"index-{seed}" for seed in SEEDS}
    # float32: both ingests embed the same way, whatever the dtype probe would pick
    job = {"paths": paths, "dtype": "float32", "conversations": asked}

    # 1. two ingests of the same library, each into its own folder, under different hash seeds,
    # one after the other (the embedding model uses both cores by itself)
    built = {s: finish(*start("ingest", s, indexes[s], tmp_path, **job)) for s in SEEDS}
    first, second = (built[s]["data"] for s in SEEDS)
    assert first["report"]["documents"] >= 25 and first["report"]["chunks_total"] >= 400
    assert not first["report"]["problems"], first["report"]["problems"]
    where = first_difference(first, second)
    assert where is None, f"ingest under PYTHONHASHSEED={SEEDS} differs at {where}"
    same_arrays(*(tmp_path / f"ingest-{s}-{indexes[s].name}.json.npz" for s in SEEDS))

    # 2. the same conversations over one index by two processes at once (answering takes about
    # one core), under different hash seeds; the second meets them in reverse order, so no
    # answer may depend on what the process was asked before either
    index = indexes[SEEDS[0]]
    orders = dict(zip(SEEDS, (asked, asked[::-1]), strict=True))
    running = {
        s: start("ask", s, index, tmp_path, **{**job, "conversations": orders[s]}) for s in SEEDS
    }
    answered = {s: finish(*p) for s, p in running.items()}
    first, second = answered[SEEDS[0]]["data"], answered[SEEDS[1]]["data"][::-1]
    turns = sum(len(c) for c in asked)
    assert len(first) == len(second) == len(asked) and turns > 400
    assert len(first[-1]) == len(CAREER_CHAT)

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = {
        f"{k} {s}": round(v[s]["seconds"])
        for k, v in (("ingest", built), ("ask", answered))
        for s in SEEDS
    }
    print(
        f"\n{turns} turns; seconds: {seconds}; in all {time.perf_counter() - clock:.0f} s, "
        f"{used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime:.0f} cpu-s"
    )
    answers = differences(asked, first, second, ANSWER)
    retrieval = differences(asked, first, second, RETRIEVAL)
    processes = f"PYTHONHASHSEED={SEEDS[0]} (file order) and {SEEDS[1]} (reverse order)"
    assert not answers, (
        f"{len(answers)} of {turns} turns answered differently under {processes} "
        f"({len(retrieval)} with other retrieval results), first:\n" + "\n".join(answers[:3])
    )
    assert not retrieval, (
        f"{len(retrieval)} of {turns} turns retrieve differently under {processes}, first:\n"
        + "\n".join(retrieval[:3])
    )
