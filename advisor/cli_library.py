"""`career-advisor library`: the libraries that can be downloaded, and adding one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from advisor.cli_common import (
    ChromaUrl,
    IndexDir,
    build_settings,
    err,
    fail,
    out,
    progress_printer,
)

library_app = typer.Typer(
    help="Libraries of articles to download and index (the BLS career pages: `library add ooh`).",
    no_args_is_help=True,
)


@library_app.command("list")
def library_list() -> None:
    """The libraries that can be added, and how much of each is downloaded."""
    from advisor.ingest.download import Downloader, sources

    settings = build_settings()
    table = Table("name", "library", "pages", "downloaded")
    for name, source in sources().items():
        downloader = Downloader(source, settings.library_dir / name)
        have = len(source.addresses) - len(downloader.missing())
        downloader.close()
        table.add_row(name, source.title, str(len(source.addresses)), str(have))
    out.print(table)


@library_app.command(
    "add",
    help="Download a library's pages and index them as they arrive. Polite (one request a "
    "second, an identifying user agent) and resumable: run it again to continue or to retry "
    "failed pages. A running server answers from new pages at once.",
)
def library_add(
    name: Annotated[str, typer.Argument(help="Which library (see `library list`), e.g. ooh")],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Just this page (its file name, e.g. electricians); repeatable"
        ),
    ] = None,
    library_dir: Annotated[
        Path | None, typer.Option(help="Where libraries are kept [env: ADVISOR_LIBRARY_DIR]")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Fetch from this address instead [env: ADVISOR_LIBRARY_BASE_URL]"),
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option(help="Seconds between requests [env: ADVISOR_DOWNLOAD_DELAY]", min=0),
    ] = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Download only")] = False,
) -> None:
    # the help is the decorator's: a docstring's line breaks would show in the terminal
    from advisor.index.activity import ActivityLog
    from advisor.index.generations import IndexBusy
    from advisor.ingest.download import DownloadError, sources
    from advisor.ingest.libraries import add_library

    settings = build_settings(
        library_dir=library_dir, library_base_url=base_url, download_delay=delay,
        index_dir=index_dir, chroma_url=chroma_url,
    )  # fmt: skip
    source = sources().get(name)
    what = (source.label if source else "") or f"the {name} library"
    bar, update = progress_printer()
    try:
        with bar, ActivityLog(settings.index_dir, what, forward=update) as log:
            report = add_library(settings, name, tuple(only or ()), log, index=not no_index)
    except (ValueError, DownloadError, IndexBusy) as exc:
        raise fail(str(exc)) from None
    for address, reason in report.failed.items():
        err.print(f"[yellow]failed[/yellow] {address}: {reason}")
    if report.ingest is not None:
        for problem in report.ingest.problems:
            err.print(f"[yellow]skipped[/yellow] {problem.path}: {problem.reason}")
    out.print(
        f"{report.fetched} pages downloaded, {report.kept} already there, "
        f"{len(report.failed)} failed, in {report.folder}"
        + (f"; the index has {report.ingest.documents} articles" if report.ingest else "")
    )
    if report.failed:
        raise fail("some pages failed; run the same command again to retry them")
