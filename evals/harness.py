"""Eval harness: index a corpus in a private store, ask every question through the same Advisor
the UI uses, and keep everything needed to recompute the metrics from the JSON output."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.advisor import Advisor
from advisor.answer.answerer import Prepared
from advisor.evals.metrics import summarize, summarize_by_kind
from advisor.index.embeddings import resolve_dtype
from advisor.ingest.build import IngestReport, ingest
from advisor.records import Answer
from advisor.settings import Settings

RETRIEVED_FOR_MRR = 10


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n}: not a JSON object ({err.msg})") from err
    return questions


def cache_dir(corpus: list[Path], backend: str = "torch") -> Path:
    """A private index per corpus location and embedding variant; ingest itself skips
    unchanged content inside it."""
    base = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "career-advisor"
        / "eval-index"
    )
    paths = "\n".join(sorted(str(p.resolve()) for p in corpus))
    key = hashlib.sha256(paths.encode()).hexdigest()[:16]
    return base / (key if backend == "torch" else f"{key}-{backend}")


def embedding_variant(settings: Settings) -> str:
    """torch, torch-bfloat16, onnx, onnx-int8: indexes of different variants never mix."""
    backend = settings.embedding_backend
    if backend == "torch" and resolve_dtype(settings.embedding_dtype) != "float32":
        return f"torch-{resolve_dtype(settings.embedding_dtype)}"
    return backend


def build_index(
    settings: Settings, corpus: list[Path], progress: Callable | None = None
) -> tuple[Settings, IngestReport]:
    eval_settings = settings.with_(
        index_dir=cache_dir(corpus, embedding_variant(settings)), chroma_url=""
    )
    report = ingest(eval_settings, corpus, progress)
    return eval_settings, report


def _record(
    question: dict[str, Any], answer: Answer, retrieved: list[Any], latency_ms: float
) -> dict[str, Any]:
    by_id = {c.chunk_id: c for c in answer.retrieved}
    return {
        **question,
        "standalone": answer.question,
        "retrieved": [
            {
                "rank": i,
                "chunk_id": c.chunk_id,
                "doc_id": c.doc_id,
                "section": c.section,
                "text": c.text,
            }
            for i, c in enumerate(retrieved, start=1)
        ],
        "answer": answer.text,
        "passages": answer.to_dict().get("passages", []),
        "refused": answer.refused,
        "citations": [
            {
                **c.to_dict(),
                "chunk_id": c.chunk_id,
                "chunk_text": "\n".join(by_id[i].text for i in c.chunk_ids if i in by_id)
                or (by_id[c.chunk_id].text if c.chunk_id in by_id else c.snippet),
            }
            for c in answer.citations
        ],
        "follow_ups": list(answer.follow_ups),
        "latency_ms": round(latency_ms, 2),
        "answerer_chunk_ids": list(by_id),
    }


def _timed(
    advisor: Advisor, question: str, history: list, started: float, trace: Callable
) -> tuple[Answer, float]:
    """The answer, and when its first token came (ms after `started`)."""
    first, answer = None, None
    for event in advisor.stream(question, history, trace=trace):
        if event.kind == "token" and first is None:
            first = (time.perf_counter() - started) * 1000
        if event.kind == "answer":
            answer = event.answer
    assert answer is not None
    done = (time.perf_counter() - started) * 1000
    return answer, round(first if first is not None else done, 2)


def run(
    settings: Settings,
    questions: list[dict[str, Any]],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Ask each question (its history first, in one conversation) and score the answers."""
    from advisor.llm.chat import make_answerer

    answerer = make_answerer(settings)
    advisor = Advisor(settings, answerer=answerer)
    advisor.warm()
    if hasattr(answerer, "warm"):
        answerer.warm()  # load time is not answer time
    records = []
    for i, q in enumerate(questions):
        if progress:
            progress(i, len(questions))
        history: list[tuple[str, Answer]] = []
        for turn in q.get("history") or []:
            history.append((turn, advisor.ask(turn, history)))
        started = time.perf_counter()
        prepared: list[Prepared] = []
        answer, first_token = _timed(advisor, q["question"], history, started, prepared.append)
        latency = (time.perf_counter() - started) * 1000
        # the final ranking (cited chunks first) of what the answerer saw, then the rest of the
        # candidates in the order the answer ranked them, for MRR@10: the path that answered
        seen = {c.chunk_id for c in answer.retrieved}
        ranking = prepared[-1].ranking if prepared else ()
        more = [h.chunk for h in ranking if h.chunk.chunk_id not in seen]
        retrieved = (list(answer.retrieved) + more)[:RETRIEVED_FOR_MRR]
        records.append({**_record(q, answer, retrieved, latency), "first_token_ms": first_token})
    if progress:
        progress(len(questions), len(questions))
    return {
        "summary": summarize(records),
        "by_kind": summarize_by_kind(records),
        "records": records,
    }
