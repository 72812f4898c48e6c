"""Round trip over the whole library, a test set nobody has to write: each section heading
becomes the question the app itself suggests for it ("What are the PMP eligibility
requirements?"), asked fresh; it should be answered from the section it came from (for an OOH
page, the Summary's facts may answer too). Kept as a check that no one fits on: read its
misses.

    python -m advisor.evals.round_trip --corpus corpus --corpus ../shared/corpus/seed \\
        --corpus ../shared/corpus/ooh/html [--sample 500] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advisor.advisor import Advisor
from advisor.answer.suggest import Occupation, question_for_section
from advisor.evals.harness import build_index
from advisor.settings import Settings

SEED = 13
SAMPLE = 500  # OOH headings asked (there are thousands; the articles' are all asked)
SUMMARY = "Summary"  # an OOH page's Quick Facts: they state pay, schooling, outlook too


def _top(section: str) -> str:
    return section.split(" > ")[0].strip()


def headings(advisor: Advisor) -> list[dict[str, str]]:
    """Every section's suggested question, with where it came from and whether the page is
    an OOH one (it has the standard sections)."""
    by_doc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, title, section, _url in advisor.outline():
        by_doc[doc_id].append((title, section))
    out = []
    for doc_id, sections in sorted(by_doc.items()):
        title = sections[0][0]
        occupation = Occupation.of(title, [s for _, s in sections])
        for _, section in sections:
            question = question_for_section(title, section, occupation)
            if question:
                out.append(
                    {
                        "doc_id": doc_id,
                        "section": section,
                        "question": question,
                        "ooh": occupation is not None,
                    }
                )
    return out


def judge(item: dict[str, str], cited: Sequence[tuple[str, str]], refused: bool) -> str:
    """same section / summary (an OOH page's facts) / other aspect (same page, another
    section) / other subject (another page) / refused."""
    if refused or not cited:
        return "refused"
    top = _top(item["section"])
    if any(d == item["doc_id"] and _top(s) == top for d, s in cited):
        return "same section"
    if any(d == item["doc_id"] for d, _ in cited):
        first = next(s for d, s in cited if d == item["doc_id"])
        return "summary" if item["ooh"] and _top(first) == SUMMARY else "other aspect"
    return "other subject"


def run(advisor: Advisor, items: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        answer = advisor.ask(item["question"])
        cited = [(c.doc_id, c.section) for c in answer.citations]
        out.append(
            {
                **item,
                "verdict": judge(item, cited, answer.refused),
                "answer": answer.text,
                "cited": cited,
            }
        )
    return out


def summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def share(group: Sequence[dict[str, Any]], *verdicts: str) -> float:
        return round(sum(r["verdict"] in verdicts for r in group) / len(group), 3) if group else 0.0

    articles = [r for r in records if not r["ooh"]]
    ooh = [r for r in records if r["ooh"]]
    return {
        "articles": len(articles),
        "articles_same_section": share(articles, "same section"),
        "articles_right_page": share(articles, "same section", "other aspect"),
        "ooh": len(ooh),
        "ooh_same_section_or_summary": share(ooh, "same section", "summary"),
        "ooh_other_subject": share(ooh, "other subject"),
        "ooh_other_aspect": share(ooh, "other aspect"),
        "ooh_refused": share(ooh, "refused"),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--sample", type=int, default=SAMPLE, help="OOH headings asked")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    settings, _ = build_index(Settings.from_env(), args.corpus)
    advisor = Advisor(settings)
    items = headings(advisor)
    articles = [i for i in items if not i["ooh"]]
    ooh = [i for i in items if i["ooh"]]
    ooh = random.Random(SEED).sample(ooh, min(args.sample, len(ooh)))
    records = run(advisor, articles + ooh)
    report = summary(records)
    print(json.dumps(report, indent=1))
    for r in records:
        if r["verdict"] not in ("same section", "summary"):
            print(f"{r['verdict']:<13} {r['question']}  <- {r['doc_id']} > {r['section']}")
    if args.json:
        args.json.write_text(json.dumps({"summary": report, "records": records}, indent=1))


if __name__ == "__main__":
    main()
