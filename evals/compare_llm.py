"""Answerers side by side on one question set: each mode runs `career-advisor eval` in its own
process (so its peak memory is its own) over the same cached index, and the table adds
first-token and full-answer latency percentiles.

    python -m advisor.evals.compare_llm --questions Q.jsonl --corpus C [--corpus C2 ...] \
        --mode quote --mode local --mode local-condense --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from advisor.evals.metrics import _pct

# mode -> ADVISOR_* variables of that run (on top of the caller's environment)
MODES: dict[str, dict[str, str]] = {
    "quote": {"ADVISOR_LLM": "", "ADVISOR_LLM_BASE_URL": ""},
    "local": {"ADVISOR_LLM": "local", "ADVISOR_LLM_ROLE": "answer"},
    "local-condense": {"ADVISOR_LLM": "local", "ADVISOR_LLM_ROLE": "condense"},
}
SHOWN = (
    "fact_coverage",
    "citation_validity",
    "refusal_recall",
    "false_refusal_rate",
    "hit_at_1",
)


def run_mode(mode: str, questions: Path, corpus: list[Path], out: Path) -> dict[str, Any]:
    env = {**os.environ, **MODES[mode]}
    cmd = [sys.executable, "-m", "advisor.cli", "eval", "--questions", str(questions)]
    for c in corpus:
        cmd += ["--corpus", str(c)]
    cmd += ["--json", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode}: eval failed ({status})")
    result = json.loads(out.read_text(encoding="utf-8"))
    records = result["records"]
    first = [r["first_token_ms"] for r in records if not r["refused"]]
    full = [r["latency_ms"] for r in records]
    return {
        **{k: result["summary"][k] for k in SHOWN},
        "first_token_p50_ms": _pct(first, 50),
        "first_token_p95_ms": _pct(first, 95),
        "answer_p50_ms": _pct(full, 50),
        "answer_p95_ms": _pct(full, 95),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "wall_s": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--mode", action="append", choices=sorted(MODES))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    modes = args.mode or ["quote", "local"]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            results[mode] = run_mode(mode, args.questions, args.corpus, Path(tmp) / f"{mode}.json")
            if args.json:  # keep the per-question records beside the summary
                records = json.loads((Path(tmp) / f"{mode}.json").read_text(encoding="utf-8"))
                args.json.with_suffix(f".{mode}.json").write_text(
                    json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8"
                )
            print(f"{mode}: {results[mode]}", file=sys.stderr, flush=True)
    print(f"| metric | {' | '.join(modes)} |")
    print(f"| --- |{' --- |' * len(modes)}")
    for metric in next(iter(results.values())):
        print(f"| {metric} | {' | '.join(str(results[m][metric]) for m in modes)} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
