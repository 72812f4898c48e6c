"""`library add`: download a known library's pages in batches and index each batch as it
lands, so a running server answers from the first pages while the rest arrive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.ingest.build import IngestReport, ingest
from advisor.ingest.download import Downloader, default_paths, sources
from advisor.settings import Settings

# Pages downloaded between two index updates. Each update writes a new generation (a copy of
# the last one plus the new pages), so smaller batches show pages sooner but copy more; 50
# pages are under a minute of downloading at the default pace and about 1,200 passages.
BATCH_PAGES = 50

Progress = Callable[[str, int, int], None]


@dataclass
class LibraryReport:
    """What `add_library` did: pages fetched now, pages already there, pages that failed
    (address -> reason), and the last index update."""

    folder: Path
    wanted: int = 0
    fetched: int = 0
    kept: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    ingest: IngestReport | None = None

    @property
    def done(self) -> int:
        """Pages dealt with so far, failed ones included."""
        return self.kept + self.fetched + len(self.failed)


def add_library(
    settings: Settings,
    name: str,
    select: tuple[str, ...] = (),
    progress: Progress | None = None,
    index: bool = True,
    batch_pages: int = BATCH_PAGES,
) -> LibraryReport:
    """Download the missing pages of library `name` into settings.library_dir/`name` and, with
    `index`, bring the index up to date after every `batch_pages` pages (and once at the end,
    so pages left unindexed by an interrupted run are indexed too)."""
    known = sources()
    if name not in known:
        raise ValueError(f"unknown library {name!r}; known: {', '.join(sorted(known))}")
    progress = progress or (lambda stage, done, total: None)
    downloader = Downloader(
        known[name],
        Path(settings.library_dir) / name,
        base_url=settings.library_base_url,
        delay=settings.download_delay,
        contact=settings.download_contact,
        max_bytes=int(settings.max_file_mb * 2**20),
        select=select,
    )
    report = LibraryReport(downloader.folder, wanted=len(downloader.wanted))
    try:
        pending = downloader.missing()
        report.kept = report.wanted - len(pending)
        for start in range(0, len(pending), max(1, batch_pages)):
            fetched = report.fetched
            for address in pending[start : start + batch_pages]:
                progress("downloading", report.done, report.wanted)
                reason = downloader.get(address)
                if reason is None:
                    report.fetched += 1
                else:
                    report.failed[address] = reason
            progress("downloading", report.done, report.wanted)
            if index and report.fetched > fetched:
                report.ingest = ingest(settings, default_paths(settings), progress)
        if index and not report.fetched:  # pages an interrupted run downloaded, or none new
            report.ingest = ingest(settings, default_paths(settings), progress)
    finally:
        downloader.close()
    return report
