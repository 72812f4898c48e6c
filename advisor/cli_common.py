"""What every `career-advisor` command shares: settings from flags and env, errors without
tracebacks, the progress bar, and the options several commands take."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from advisor.settings import Settings

err = Console(stderr=True)
out = Console()

IndexDir = Annotated[
    Path | None, typer.Option("--index-dir", help="Index folder [env: ADVISOR_INDEX_DIR]")
]
ChromaUrl = Annotated[
    str | None, typer.Option("--chroma-url", help="Chroma server URL [env: ADVISOR_CHROMA_URL]")
]
Retriever = Annotated[
    str | None, typer.Option("--retriever", help="hybrid | dense | bm25 [env: ADVISOR_RETRIEVER]")
]
Llm = Annotated[
    str | None, typer.Option("--llm", help="local, local:PATH or provider:model [env: ADVISOR_LLM]")
]


def build_settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:  # a bad ADVISOR_* value or flag: say which, no traceback
        raise fail(str(exc), 2) from None


def fail(message: str, code: int = 1) -> typer.Exit:
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


def run_ingest(
    settings: Settings, paths: list[Path] | None, rebuild: bool = False, quiet: bool = False
):
    from advisor.index.activity import ActivityLog
    from advisor.index.generations import IndexBusy
    from advisor.ingest.build import ingest

    bar, update = progress_printer()
    shown = contextlib.nullcontext() if quiet else bar
    try:
        with (
            shown,
            ActivityLog(settings.index_dir, "the library", None if quiet else update) as log,
        ):
            report = ingest(settings, paths, log, rebuild)
    except IndexBusy as exc:
        raise fail(str(exc)) from None
    for problem in report.problems:
        err.print(f"[yellow]skipped[/yellow] {problem.path}: {problem.reason}")
    return report
