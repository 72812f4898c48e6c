"""`career-advisor` command line: a thin layer over the library (settings built here, once)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from advisor.settings import Settings, settings_table

app = typer.Typer(
    help="Career Advisor: cited answers to career questions, from your own articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Index folder [env: ADVISOR_INDEX_DIR]")]
ChromaUrl = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL [env: ADVISOR_CHROMA_URL]")]
Retriever = Annotated[str | None, typer.Option("--retriever", help="hybrid | dense | bm25 [env: ADVISOR_RETRIEVER]")]
Llm = Annotated[str | None, typer.Option("--llm", help="Chat model provider:model [env: ADVISOR_LLM]")]


def build_settings(**overrides: object) -> Settings:
    return Settings.from_env(**overrides)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def progress_printer():
    """A rich progress bar driven by ingest's (stage, done, total) callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )  # fmt: skip
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))

    return bar, update


def run_ingest(settings: Settings, paths: list[Path] | None, rebuild: bool = False, quiet: bool = False):
    from advisor.index import IndexBusy
    from advisor.ingest import ingest

    bar, update = progress_printer()
    try:
        if quiet:
            report = ingest(settings, paths, None, rebuild)
        else:
            with bar:
                report = ingest(settings, paths, update, rebuild)
    except IndexBusy as exc:
        raise _fail(str(exc)) from None
    for problem in report.problems:
        err.print(f"[yellow]skipped[/yellow] {problem.path}: {problem.reason}")
    return report


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders [default: ADVISOR_CORPUS or corpus/]")] = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything instead of updating")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Build or update the index from articles (Markdown, text, HTML, PDF)."""
    settings = build_settings(index_dir=index_dir, chroma_url=chroma_url)
    report = run_ingest(settings, paths or None, rebuild)
    summary = {
        "documents": report.documents,
        "files_seen": report.files_seen,
        "docs_added": report.docs_added,
        "docs_updated": report.docs_updated,
        "docs_removed": report.docs_removed,
        "chunks_added": report.chunks_added,
        "chunks_removed": report.chunks_removed,
        "chunks_unchanged": report.chunks_unchanged,
        "chunks_total": report.chunks_total,
        "skipped": len(report.problems),
        "seconds": round(report.seconds, 2),
        "generation": report.generation,
        "index_dir": str(settings.index_dir),
    }
    if as_json:
        print(json.dumps(summary))
    else:
        table = Table(title="Ingest summary", show_header=False)
        for key, value in summary.items():
            table.add_row(key.replace("_", " "), str(value))
        out.print(table)
    if not report.ok:
        raise _fail("nothing could be ingested")


@app.command()
def settings() -> None:
    """List every setting, its environment variable and default."""
    table = Table("variable", "default", "meaning")
    for row in settings_table():
        table.add_row(*row)
    out.print(table)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
