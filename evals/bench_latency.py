"""Latency budget of one warm answer, stage by stage, next to the floor (one query embedding
plus one vector search) measured in the same run; plus cold start in a fresh process.

    python -m advisor.evals.bench_latency [--index-dir DIR] [--questions FILE] [-n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from advisor.advisor import Advisor
from advisor.answer.compose import compose
from advisor.answer.gather import expand_query, with_each_subject_hit, with_figure_hit
from advisor.answer.scoring import rank_hits
from advisor.answer.suggest import suggest_follow_ups
from advisor.answer.tuning import RERANK_CANDIDATES
from advisor.index.retrieval import CANDIDATES, rrf
from advisor.records import Hit
from advisor.settings import Settings

DEFAULT_QUESTIONS = [
    "What is the median annual pay for accountants and auditors?",
    "Which certifications help me move into engineering management?",
    "What does an engineering director do?",
    "How fast is employment of nurses projected to grow?",
    "What level of education do electricians need?",
]


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def stage_times(advisor: Advisor, question: str) -> dict[str, float]:
    """One answer through the same stages as Advisor.prepare and stream, each timed (ms)."""
    t: dict[str, float] = {}
    clock = time.perf_counter
    searcher, reader = advisor.searcher(), advisor.reader()
    s = clock()
    query = advisor.condense(question, [])
    t["condense"] = clock() - s
    s = clock()
    analysis = advisor.analyse(query)
    t["analysis"] = clock() - s
    s = clock()
    vector = advisor.embed_query(analysis.query.text)
    t["embed"] = clock() - s
    s = clock()
    dense = reader.dense(vector, CANDIDATES)
    t["dense search"] = clock() - s
    s = clock()
    kw = reader.keyword_search(expand_query(analysis.query), CANDIDATES)
    t["keyword search"] = clock() - s
    s = clock()
    fused = rrf([[c for c, _ in dense], [c for c, _ in kw]], [1.0, 1.0])
    top = sorted(fused, key=fused.__getitem__, reverse=True)[:RERANK_CANDIDATES]
    chunks = reader.chunks(top)
    sims = dict(dense)
    candidates = [
        Hit(chunk=chunks[c], score=fused[c], dense=sims.get(c, 0.0)) for c in top if c in chunks
    ]
    t["fusion"] = clock() - s
    s = clock()
    candidates = advisor.gatherer().completed(analysis, candidates)
    t["subject articles + fact tables"] = clock() - s
    s = clock()
    idf = advisor.idf(analysis.query)
    scored = advisor.score(analysis, candidates, idf)
    t["unit scoring"] = clock() - s
    s = clock()
    ranking = rank_hits(analysis, candidates, scored, idf)
    order = with_each_subject_hit(analysis, candidates, ranking, advisor.settings.top_k)
    order = with_figure_hit(analysis, candidates, order, ranking, scored)
    place = {old: new for new, old in enumerate(order)}
    hits = [candidates[i] for i in order]
    units = [u.moved(place[u.hit]) for u in scored if u.hit in place]
    t["ranking"] = clock() - s
    s = clock()
    draft = compose(analysis, hits, units)
    t["compose"] = clock() - s
    s = clock()
    if not draft.refused:
        suggest_follow_ups(analysis.query, hits, draft, searcher, reader)
    t["follow-ups"] = clock() - s
    s = clock()
    json.dumps({"answer": draft.text, "citations": [c.to_dict() for c in draft.citations]})
    t["rendering"] = clock() - s
    return {k: v * 1000 for k, v in t.items()}


def floor_ms(advisor: Advisor, question: str) -> float:
    s = time.perf_counter()
    advisor.reader().dense(advisor.embed_query(question), 5)
    return (time.perf_counter() - s) * 1000


def cold_start(index_dir: Path) -> float:
    exe = Path(sys.executable).parent / "career-advisor"
    env = {**os.environ, "ADVISOR_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1"}
    s = time.perf_counter()
    subprocess.run(
        [str(exe), "ask", DEFAULT_QUESTIONS[0], "--json"], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index-dir",
        type=Path,
        help="an index (default: the eval cache of corpus/ + seed + OOH, the mixed library)",
    )
    parser.add_argument(
        "--questions", type=Path, help="JSONL question file (default: a few built-in questions)"
    )
    parser.add_argument("-n", type=int, default=200, help="questions to time")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    index_dir = args.index_dir
    if index_dir is None:  # the index `career-advisor eval` builds over the mixed library
        from advisor.evals.harness import cache_dir, embedding_variant

        corpus = [Path("corpus"), Path("../shared/corpus/seed"), Path("../shared/corpus/ooh/html")]
        index_dir = cache_dir(corpus, embedding_variant(Settings.from_env()))
    questions = DEFAULT_QUESTIONS
    if args.questions:
        questions = [
            json.loads(line)["question"]
            for line in args.questions.read_text().splitlines()
            if line.strip()
        ]
    questions = (questions * (args.n // len(questions) + 1))[: args.n]
    advisor = Advisor(Settings.from_env(index_dir=index_dir))
    advisor.warm()
    docs, chunks = advisor.reader().stats()
    stages: dict[str, list[float]] = defaultdict(list)
    end_to_end: list[float] = []
    first_text: list[float] = []
    floors: list[float] = []
    for q in questions:  # each measurement starts without cached query embeddings
        advisor.forget_queries()
        for name, ms in stage_times(advisor, q).items():
            stages[name].append(ms)
        advisor.forget_queries()
        s = time.perf_counter()
        first = None
        for event in advisor.stream(q):
            if first is None and event.kind == "token":
                first = time.perf_counter()  # the answer text starts; follow-ups come after
        end_to_end.append((time.perf_counter() - s) * 1000)
        first_text.append(((first or time.perf_counter()) - s) * 1000)
        advisor.forget_queries()
        floors.append(floor_ms(advisor, q))
    print(
        f"index: {index_dir} ({docs} documents, {chunks} chunks); {len(questions)} questions, warm"
    )
    print(f"{'stage':<32}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in stages.items():
        print(f"{name:<32}{pct(values, 50):>9.2f}{pct(values, 95):>9.2f}")
    e50, f50 = pct(end_to_end, 50), pct(floors, 50)
    print(f"{'end to end':<32}{e50:>9.2f}{pct(end_to_end, 95):>9.2f}")
    print(
        f"{'floor':<32}{f50:>9.2f}{pct(floors, 95):>9.2f}   (one query embedding + one vector search)"
    )
    t50 = pct(first_text, 50)
    print(f"{'answer text starts':<32}{t50:>9.2f}{pct(first_text, 95):>9.2f}")
    print(
        f"end-to-end p50 is {e50 / f50:.2f}x the floor (target <= 2x); the answer text starts at {t50 / f50:.2f}x"
    )
    cold = cold_start(index_dir)
    print(f"cold start (process start to first answer, index built): {cold:.1f} s (target < 8 s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "stages": {
                        k: {"p50": pct(v, 50), "p95": pct(v, 95)} for k, v in stages.items()
                    },
                    "end_to_end": {"p50": e50, "p95": pct(end_to_end, 95)},
                    "answer_text_starts": {"p50": t50, "p95": pct(first_text, 95)},
                    "floor": {"p50": f50},
                    "cold_start_s": cold,
                    "chunks": chunks,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
