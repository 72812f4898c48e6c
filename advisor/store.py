"""Where vectors live: a local Chroma directory per index generation, or a collection per
generation on a `chroma run` server. Both expose the same small interface to the index."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Protocol

COLLECTION_META = {"hnsw:space": "cosine"}


class StoreError(RuntimeError):
    """The vector store is missing, unreachable or not what the index expects."""


def _telemetry_off() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def check_cosine(collection: Any) -> Any:
    """Refuse a collection built with another distance: scores would silently mean nothing."""
    meta = collection.metadata or {}
    space = meta.get("hnsw:space")
    if space is None:
        config = getattr(collection, "configuration_json", None) or {}
        space = (config.get("hnsw") or {}).get("space") or (config.get("spann") or {}).get("space")
    if space not in (None, "cosine"):
        raise StoreError(f"collection {collection.name!r} uses {space!r} distance, expected cosine")
    return collection


class VectorStore(Protocol):
    """One Chroma collection per index generation."""

    def collection(self, generation: str, create: bool = False) -> Any: ...
    def copy(self, source: str | None, target: str) -> None: ...
    def drop(self, generation: str) -> None: ...
    def generations(self) -> list[str]: ...
    def close(self) -> None: ...


class LocalStore:
    """Embedded Chroma: `<index_dir>/<generation>/chroma/` per generation."""

    def __init__(self, index_dir: Path, name: str) -> None:
        self.index_dir = index_dir
        self.name = name
        self._clients: dict[str, Any] = {}

    def _client(self, generation: str) -> Any:
        if generation not in self._clients:
            _telemetry_off()
            import chromadb

            path = self.index_dir / generation / "chroma"
            self._clients[generation] = chromadb.PersistentClient(
                path=str(path), settings=_chroma_settings()
            )
        return self._clients[generation]

    def collection(self, generation: str, create: bool = False) -> Any:
        client = self._client(generation)
        if create:
            return check_cosine(
                client.get_or_create_collection(self.name, metadata=COLLECTION_META)
            )
        try:
            return check_cosine(client.get_collection(self.name))
        except Exception as err:  # chromadb raises NotFoundError/ValueError by version
            raise StoreError(
                f"no collection {self.name!r} in {self.index_dir / generation}"
            ) from err

    def copy(self, source: str | None, target: str) -> None:
        if source is not None:
            self.release(source)  # flush nothing half-written into the copy
            shutil.copytree(self.index_dir / source / "chroma", self.index_dir / target / "chroma")

    def drop(self, generation: str) -> None:
        self.release(generation)
        shutil.rmtree(self.index_dir / generation / "chroma", ignore_errors=True)

    def generations(self) -> list[str]:
        return sorted(p.parent.name for p in self.index_dir.glob("gen-*/chroma"))

    def release(self, generation: str) -> None:
        client = self._clients.pop(generation, None)
        if client is not None and hasattr(client, "close"):
            client.close()

    def close(self) -> None:
        for generation in list(self._clients):
            self.release(generation)


class ServerStore:
    """A `chroma run` server: collection `<name>__<generation>` per generation."""

    def __init__(self, url: str, name: str) -> None:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise StoreError(f"ADVISOR_CHROMA_URL must look like http://host:port, got {url!r}")
        self.url, self.name, self._client_obj = url, name, None
        self._parsed = parsed

    def _client(self) -> Any:
        if self._client_obj is None:
            _telemetry_off()
            import chromadb

            try:
                self._client_obj = chromadb.HttpClient(
                    host=self._parsed.hostname,
                    port=self._parsed.port or (443 if self._parsed.scheme == "https" else 80),
                    ssl=self._parsed.scheme == "https",
                    settings=_chroma_settings(),
                )
                self._client_obj.heartbeat()
            except Exception as err:
                self._client_obj = None
                raise StoreError(f"cannot reach the Chroma server at {self.url}: {err}") from err
        return self._client_obj

    def _cname(self, generation: str) -> str:
        return f"{self.name}__{generation}"

    def collection(self, generation: str, create: bool = False) -> Any:
        client = self._client()
        if create:
            coll = client.get_or_create_collection(
                self._cname(generation), metadata=COLLECTION_META
            )
            return check_cosine(coll)
        try:
            return check_cosine(client.get_collection(self._cname(generation)))
        except Exception as err:
            raise StoreError(f"no collection {self._cname(generation)!r} on {self.url}") from err

    def copy(self, source: str | None, target: str, batch: int = 2000) -> None:
        dst = self.collection(target, create=True)
        if source is None:
            return
        src = self.collection(source)
        offset = 0
        while True:
            got = src.get(
                include=["embeddings", "documents", "metadatas"], limit=batch, offset=offset
            )
            if not got["ids"]:
                break
            dst.add(
                ids=got["ids"],
                embeddings=got["embeddings"],
                documents=got["documents"],
                metadatas=got["metadatas"],
            )
            offset += len(got["ids"])

    def drop(self, generation: str) -> None:
        with contextlib.suppress(Exception):  # already gone
            self._client().delete_collection(self._cname(generation))
        with contextlib.suppress(Exception):
            self._manifests().delete(where={"generation": generation})

    # The ingest manifest lives on the server too, so any machine can ingest incrementally:
    # one record per document (JSON in the document field; the vector is a placeholder).
    def _manifests(self) -> Any:
        return self._client().get_or_create_collection(f"{self.name}__manifests")

    def save_manifest(self, generation: str, manifest: dict[str, Any], batch: int = 1000) -> None:
        head = {k: v for k, v in manifest.items() if k != "docs"}
        # documents first, the header last: a manifest without its header is incomplete
        rows = [
            (f"{generation}/{doc_id}", meta) for doc_id, meta in manifest.get("docs", {}).items()
        ] + [(f"{generation}/", head)]
        coll = self._manifests()
        coll.delete(where={"generation": generation})  # nothing stale from an earlier attempt
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            coll.upsert(
                ids=[i for i, _ in part],
                documents=[json.dumps(m) for _, m in part],
                metadatas=[{"generation": generation} for _ in part],
                embeddings=[[1.0] for _ in part],
            )

    def load_manifest(self, generation: str, batch: int = 1000) -> dict[str, Any] | None:
        coll, offset = self._manifests(), 0
        manifest: dict[str, Any] | None = None
        docs: dict[str, Any] = {}
        while True:
            got = coll.get(
                where={"generation": generation}, include=["documents"], limit=batch, offset=offset
            )
            if not got["ids"]:
                break
            for rid, text in zip(got["ids"], got["documents"], strict=True):
                doc_id = rid.split("/", 1)[1]
                if doc_id:
                    docs[doc_id] = json.loads(text)
                else:
                    manifest = json.loads(text)
            offset += len(got["ids"])
        if manifest is None:
            return None
        return {**manifest, "docs": docs}

    def generations(self) -> list[str]:
        prefix = f"{self.name}__gen-"
        names = [c if isinstance(c, str) else c.name for c in self._client().list_collections()]
        return sorted(n.removeprefix(f"{self.name}__") for n in names if n.startswith(prefix))

    def pointer(self) -> str | None:
        """The live generation, kept on the server so every replica sees the same one."""
        coll = self._client().get_or_create_collection(f"{self.name}__pointer")
        return (coll.metadata or {}).get("current")

    def set_pointer(self, generation: str) -> None:
        coll = self._client().get_or_create_collection(f"{self.name}__pointer")
        coll.modify(metadata={"current": generation})

    def close(self) -> None:
        self._client_obj = None


def open_store(index_dir: Path, name: str, chroma_url: str = "") -> LocalStore | ServerStore:
    return ServerStore(chroma_url, name) if chroma_url else LocalStore(index_dir, name)
