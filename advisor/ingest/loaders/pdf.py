"""PDF files via pypdf: text per page, then the plain-text structure rules."""

from __future__ import annotations

import io
from pathlib import Path

from advisor.ingest.loaders.common import LoadError, doc_id_for, parse_date
from advisor.ingest.loaders.plaintext import parse as parse_plaintext
from advisor.records import Document


def _extract(data: bytes) -> tuple[str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF (remove the password first)")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = dict(reader.metadata or {})
    except LoadError:
        raise
    except LimitReachedError as err:  # pypdf's guards: page-tree cycles, bombs, huge streams
        raise LoadError(f"PDF exceeds a safety limit: {err}") from err
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        raise LoadError(f"corrupt PDF: {err}") from err
    # blank lines between pages keep paragraphs from running across page breaks
    return "\n\n".join(pages), info


def load(path: Path, data: bytes) -> Document:
    if not data.startswith(b"%PDF"):
        raise LoadError("not a PDF (missing %PDF header)")
    text, info = _extract(data)
    if not text.strip():
        raise LoadError("no extractable text (scanned PDF?)")
    title, published, blocks = parse_plaintext(text)
    meta_title = str(info.get("/Title") or "").strip()
    created = str(info.get("/CreationDate") or "")
    if created.startswith("D:") and len(created) >= 10:
        created = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
    return Document(
        doc_id=doc_id_for(path),
        title=meta_title or title or path.stem.replace("-", " ").title(),
        blocks=tuple(blocks),
        path=str(path),
        published=published or parse_date(created),
    )
