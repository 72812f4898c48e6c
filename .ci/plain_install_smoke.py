"""After a plain `pip install .`: ingest one Markdown, text, HTML and PDF file through the
installed `career-advisor` command, then ask one question per file and check that the answer
cites that file. Usage: python plain_install_smoke.py /path/to/career-advisor"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

MARKDOWN = """---
title: Becoming a Pastry Chef
source: smoke test
published: 2025-01-02
---
## Training
Most pastry chefs train at a culinary school for one to two years before they work in a bakery.
Apprentices learn laminated dough, tempering chocolate and plating desserts for restaurants.
"""

TEXT = """Forklift Operator Careers
Published: 2025-02-03

Certification

Forklift operators must hold a certification from their employer, renewed every three years.
The certification covers load limits, inspections and safe driving inside warehouses.
"""

# no <main>: the page goes through trafilatura (and jusText, which needs lxml_html_clean)
HTML = """<!doctype html><html><head><title>Lighthouse Keepers</title></head><body>
<nav><a href="/">Home</a> <a href="/jobs">Jobs</a></nav>
<div class="post"><h1>Lighthouse Keepers</h1>
<h2>Duties</h2>
<p>Lighthouse keepers maintain the lamp, record the weather every four hours and keep the fog
signal working. Keepers on remote stations often stay for several weeks at a time, so they
also repair the station's generators and radio equipment.</p>
<p>Most keepers today work for a coast guard or a heritage trust, and many stations are now
automated, so the work includes guiding visitors and keeping the buildings in good repair.</p>
</div><footer>Copyright</footer></body></html>
"""

PDF_TEXT = (
    "Beekeepers inspect each hive every nine days during the summer to check the queen and "
    "prevent swarming."
)

QUESTIONS = {  # question -> doc_id that must be cited
    "How long do pastry chefs train at culinary school?": "pastry",
    "How often must forklift operators renew their certification?": "forklift",
    "How often do lighthouse keepers record the weather?": "lighthouse",
    "How often do beekeepers inspect each hive?": "beekeeping",
}


def pdf_bytes(text: str) -> bytes:
    """A minimal one-page PDF with `text` in Helvetica (the tests' hand-written PDFs)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.pdfs import page_pdf, text_ops  # standard library only: runs anywhere

    return page_pdf(text_ops(text))


def run(cmd: list[str]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or "Traceback" in done.stderr:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    if "unavailable" in done.stderr:  # e.g. the ONNX query backend fell back to torch
        sys.exit(f"FAILED (degraded): {' '.join(cmd)}\n{done.stderr}")
    return done.stdout


def main() -> None:
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        (corpus / "pastry.md").write_text(MARKDOWN, encoding="utf-8")
        (corpus / "forklift.txt").write_text(TEXT, encoding="utf-8")
        (corpus / "lighthouse.html").write_text(HTML, encoding="utf-8")
        (corpus / "beekeeping.pdf").write_bytes(pdf_bytes(PDF_TEXT))
        summary = json.loads(
            run([exe, "ingest", str(corpus), "--index-dir", str(index), "--json"]).splitlines()[-1]
        )
        if summary["documents"] != 4 or summary["skipped"]:
            sys.exit(f"FAILED: expected 4 documents and no skipped file, got {summary}")
        print(f"ingested {summary['documents']} files, {summary['chunks_total']} chunks")
        for question, doc_id in QUESTIONS.items():
            answer = json.loads(run([exe, "ask", question, "--json", "--index-dir", str(index)]))
            cited = {c["doc_id"] for c in answer["citations"]}
            if answer["refused"] or doc_id not in cited:
                sys.exit(f"FAILED: {question!r} should cite {doc_id}, got {answer}")
            print(f"answered from {doc_id}: {answer['answer'][:80]!r}")


if __name__ == "__main__":
    main()
