"""Libraries downloaded from the web the polite way: a known list of page addresses fetched one
at a time (an identifying user agent, a pause between requests, a few retries), each page
written whole and recorded with its address and checksum, so a stopped download resumes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from advisor import __version__

if TYPE_CHECKING:
    import httpx

    from advisor.settings import Settings

PAGES = "pages"  # the folder that is indexed; the manifest lives beside it, not in it
MANIFEST = "manifest.json"
RETRIES = 2  # a page gets three tries: a busy server (429, 5xx) or a dropped connection
MAX_RETRY_WAIT = 60.0  # seconds; a longer Retry-After is treated as "fail and retry next run"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
PAGE_TIMEOUT = 30.0  # seconds for one page: BLS pages are 100-130 KB


@dataclass(frozen=True)
class Source:
    """A library that can be downloaded: its pages and how its publisher asks to be cited."""

    name: str
    title: str
    origin: str  # the scheme and host its addresses are written with
    addresses: tuple[str, ...]
    citation: str
    label: str = ""  # for progress lines: "Adding the career pages: downloading 4 of 342 pages"

    def file_name(self, address: str) -> str:
        """The local file of a page: the last part of its path, as an .html file.

        >>> OOH_LIKE.file_name("https://www.bls.gov/ooh/math/actuaries.htm")
        'actuaries.html'
        """
        stem = urlsplit(address).path.rstrip("/").rsplit("/", 1)[-1]
        return stem.rsplit(".", 1)[0] + ".html"

    def located(self, address: str, base_url: str) -> str:
        """Where to fetch a page from: its address with the origin replaced by `base_url`
        (a mirror, or a test server).

        >>> OOH_LIKE.located("https://www.bls.gov/ooh/math/actuaries.htm", "http://127.0.0.1:8000/")
        'http://127.0.0.1:8000/ooh/math/actuaries.htm'
        """
        if not base_url:
            return address
        return base_url.rstrip("/") + address[len(self.origin) :]


def _addresses(name: str) -> tuple[str, ...]:
    text = (resources.files("advisor.ingest") / "page-lists" / f"{name}.txt").read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def sources() -> dict[str, Source]:
    """The libraries `career-advisor library add` knows, by name."""
    return {
        "ooh": Source(
            name="ooh",
            title="BLS Occupational Outlook Handbook (occupation pages)",
            origin="https://www.bls.gov",
            addresses=_addresses("ooh"),
            citation=(
                "Bureau of Labor Statistics, U.S. Department of Labor, Occupational Outlook "
                "Handbook, <Occupation>, at <page address>. A U.S. Government work, in the "
                "public domain."
            ),
            label="the career pages",
        )
    }


OOH_LIKE = Source("ooh", "", "https://www.bls.gov", (), "")  # for the docstring examples


def user_agent(contact: str = "") -> str:
    """Who is asking, so the publisher can tell (and reach) us.

    >>> user_agent("me@example.org")
    'career-advisor/0.1.0 (library download; contact: me@example.org)'
    """
    who = f"; contact: {contact}" if contact else ""
    return f"career-advisor/{__version__} (library download{who})"


class Downloader:
    """Fetches a source's missing pages into `folder`/pages, recording each in the manifest.

    `delay` is the least time between two requests' starts; `select` narrows the pages (an
    occupation's file name without .html, e.g. "electricians")."""

    def __init__(
        self,
        source: Source,
        folder: Path,
        base_url: str = "",
        delay: float = 1.0,
        contact: str = "",
        max_bytes: int = 20 * 2**20,
        select: tuple[str, ...] = (),
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source, self.folder, self.base_url = source, Path(folder), base_url
        self.delay, self.max_bytes, self.sleep = delay, max_bytes, sleep
        self.wanted = self._select(select)
        import httpx  # here, not at the top: `ingest` reads this module's folder names

        self.client = client or httpx.Client(
            headers={"User-Agent": user_agent(contact)},
            timeout=PAGE_TIMEOUT,
            follow_redirects=True,
        )
        self._last_request = float("-inf")
        self.manifest = self._read_manifest()
        for leftover in self.pages_dir.glob(".*.part"):  # a write cut short by a killed run
            leftover.unlink(missing_ok=True)

    def _select(self, select: tuple[str, ...]) -> tuple[str, ...]:
        if not select:
            return self.source.addresses
        stem = {a: self.source.file_name(a).removesuffix(".html") for a in self.source.addresses}
        unknown = sorted(set(select) - set(stem.values()))
        if unknown:
            raise ValueError(f"not a page of {self.source.name}: {', '.join(unknown)}")
        return tuple(a for a in self.source.addresses if stem[a] in select)

    @property
    def pages_dir(self) -> Path:
        return self.folder / PAGES

    def missing(self) -> list[str]:
        """Wanted addresses without a whole, recorded page on disk (checked by checksum)."""
        return [a for a in self.wanted if not self._have(a)]

    def _have(self, address: str) -> bool:
        entry = self.manifest["pages"].get(address)
        if not entry:
            return False
        path = self.pages_dir / entry["file"]
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        except OSError:
            return False

    def get(self, address: str) -> str | None:
        """Fetch one page and record it: None when written, else why not (recorded as failed;
        the next run tries it again)."""
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._save(address, self._fetch(address))
        except DownloadError as exc:
            self.manifest["failed"][address] = str(exc)
            self._write_manifest()
            return str(exc)
        return None

    def _fetch(self, address: str) -> bytes:
        import httpx

        url = self.source.located(address, self.base_url)
        for attempt in range(RETRIES + 1):
            self._wait_turn()
            try:
                response = self.client.get(url)
            except httpx.HTTPError as exc:
                if attempt == RETRIES:
                    raise DownloadError(f"{type(exc).__name__}: {exc}") from None
                continue
            if response.status_code in RETRY_STATUS and attempt < RETRIES:
                wait = _retry_after(response, self.delay * 2 ** (attempt + 1))
                if wait is None:
                    raise DownloadError(f"HTTP {response.status_code}, asked to wait too long")
                self.sleep(wait)
                continue
            return self._checked(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_turn(self) -> None:
        gap = time.monotonic() - self._last_request
        if gap < self.delay:
            self.sleep(self.delay - gap)
        self._last_request = time.monotonic()

    def _checked(self, response: httpx.Response) -> bytes:
        if response.status_code != 200:
            raise DownloadError(f"HTTP {response.status_code}")
        kind = response.headers.get("content-type", "")
        if "html" not in kind:
            raise DownloadError(f"not a web page ({kind or 'no content type'})")
        if len(response.content) > self.max_bytes:
            raise DownloadError(f"larger than {self.max_bytes // 2**20} MB")
        return response.content

    def _save(self, address: str, data: bytes) -> None:
        name = self.source.file_name(address)
        _write_whole(self.pages_dir / name, data)
        self.manifest["pages"][address] = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.manifest["failed"].pop(address, None)
        self._write_manifest()

    def _read_manifest(self) -> dict:
        path = self.folder / MANIFEST
        blank = {"source": self.source.name, "title": self.source.title,
                 "citation": self.source.citation, "pages": {}, "failed": {}}  # fmt: skip
        try:
            return blank | json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return blank
        except (OSError, ValueError) as exc:  # a damaged manifest: start it again, pages stay
            raise DownloadError(f"{path} is unreadable ({exc}); delete it to start over") from None

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=1, sort_keys=True)
        _write_whole(self.folder / MANIFEST, text.encode())

    def close(self) -> None:
        self.client.close()


class DownloadError(Exception):
    """A page that could not be fetched (the reason is shown to the user)."""


def default_paths(settings: Settings) -> list[Path]:
    """What `ingest` reads when given no paths: the corpus folders, then every downloaded
    library's pages (a library is recognised by its manifest)."""
    root = Path(settings.library_dir)
    found = sorted(p.parent / PAGES for p in root.glob(f"*/{MANIFEST}")) if root.is_dir() else []
    return [Path(p) for p in settings.corpus] + [p for p in found if p.is_dir()]


def _retry_after(response: httpx.Response, default: float) -> float | None:
    """Seconds to wait before retrying: the server's Retry-After (in seconds) when it gives one
    and it is reasonable, else `default`; None when it asks for longer than MAX_RETRY_WAIT."""
    raw = response.headers.get("retry-after", "")
    with contextlib.suppress(ValueError):
        wait = float(raw)
        return wait if wait <= MAX_RETRY_WAIT else None
    return default


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file so it is either absent, the old version, or whole: never cut short."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
