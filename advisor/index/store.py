"""Where vectors, the live-generation pointer, manifests and leases live: a folder with one
embedded Chroma store per generation (`LocalStore`), or a `chroma run` server with one
collection per generation (`ServerStore`). Both implement `VectorStore`, so the index never
asks which one it has."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

COLLECTION_META = {"hnsw:space": "cosine"}
# gen-000012, optionally with the random tag that keeps two concurrent ingests apart. Anything
# else read as a pointer is refused: the name becomes a path and a collection name.
GENERATION = re.compile(r"gen-\d{6}(?:-[0-9a-f]{6})?")
POINTER = "CURRENT"
LEASES = "leases"
MANIFEST = "manifest.json"
# A question looks at a server's pointer at most this often (two requests each time); the
# local pointer is one stat() and is looked at on every question.
SERVER_POLL_SECONDS = 1.0
LOCAL_POLL_SECONDS = 0.0


class StoreError(RuntimeError):
    """The vector store is missing, unreachable or not what the index expects."""


def check_generation(value: object, where: str) -> str:
    """A generation name read from a pointer, a claim or a lease, refused unless well formed."""
    if not isinstance(value, str) or not GENERATION.fullmatch(value):
        raise StoreError(f"{where} holds {str(value)[:80]!r}, which is not a generation name")
    return value


@dataclass(frozen=True)
class Lease:
    """A process answers from (or writes) `generation`: garbage collection keeps it."""

    generation: str
    holder: str  # host-pid-random, unique per process and index
    host: str
    pid: int
    at: float  # time.time() of the last refresh

    @property
    def key(self) -> str:
        return f"{self.generation}@{self.holder}"


class Handle:
    """A reader's own access to one generation's vectors, released with `close`."""

    def __init__(self, collection: Any, client: Any = None) -> None:
        self.collection, self._client = collection, client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


@runtime_checkable
class VectorStore(Protocol):
    """What the index needs from a store, whichever it is."""

    rebuilds_locally: bool
    """True when a generation's keyword table and ranker are a local copy that this machine
    rebuilds from the store (a server); False when they are part of the generation."""
    poll_seconds: float
    """How often a long-running reader looks at the pointer."""

    def collection(self, generation: str, create: bool = False) -> Any: ...
    def open(self, generation: str) -> Handle: ...
    def copy(self, source: str | None, target: str) -> None: ...
    def drop(self, generation: str) -> None: ...
    def release(self, generation: str) -> None: ...
    def generations(self) -> list[str]: ...
    def pointer(self) -> str | None: ...
    def compare_and_set(self, expected: str | None, new: str) -> bool: ...
    def save_manifest(self, generation: str, manifest: dict[str, Any]) -> None: ...
    def load_manifest(self, generation: str) -> dict[str, Any] | None: ...
    def put_lease(self, lease: Lease) -> None: ...
    def remove_lease(self, lease: Lease) -> None: ...
    def leases(self) -> list[Lease]: ...
    def close(self) -> None: ...


def _telemetry_off() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_settings(**extra: Any) -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False, **extra)


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


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target under a name no other process uses, fsync, rename, fsync the
    folder: readers see the old text or the new one, never a mix, even after a power cut."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _lease_from(meta: dict[str, Any]) -> Lease | None:
    try:
        return Lease(
            check_generation(meta["generation"], "a lease"),
            str(meta["holder"]),
            str(meta["host"]),
            int(meta["pid"]),
            float(meta["at"]),
        )
    except (KeyError, TypeError, ValueError, StoreError):
        return None  # a damaged lease protects nothing


class LocalStore:
    """Embedded Chroma: `<index_dir>/<generation>/chroma/` per generation; the pointer is the
    file `<index_dir>/CURRENT`, leases are files in `<index_dir>/leases/`."""

    rebuilds_locally = False
    poll_seconds = LOCAL_POLL_SECONDS

    def __init__(self, index_dir: Path, name: str) -> None:
        self.index_dir = index_dir
        self.name = name
        self._clients: dict[str, Any] = {}  # the writer's clients, released before the flip
        self._pointer: str | None = None
        self._pointer_stamp: tuple[int, int] | None = None

    def _new_client(self, generation: str) -> Any:
        _telemetry_off()
        import chromadb

        path = self.index_dir / check_generation(generation, "a generation") / "chroma"
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())

    def _get(self, client: Any, generation: str, create: bool) -> Any:
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

    def collection(self, generation: str, create: bool = False) -> Any:
        if generation not in self._clients:
            self._clients[generation] = self._new_client(generation)
        return self._get(self._clients[generation], generation, create)

    def open(self, generation: str) -> Handle:
        """A client of the reader's own: closing it (chromadb counts the clients of one
        folder) lets go of the generation's files once no one else uses them."""
        client = self._new_client(generation)
        try:
            return Handle(self._get(client, generation, False), client)
        except Exception:
            client.close()
            raise

    def copy(self, source: str | None, target: str) -> None:
        import shutil

        if source is not None:
            self.release(source)  # flush nothing half-written into the copy
            shutil.copytree(self.index_dir / source / "chroma", self.index_dir / target / "chroma")

    def drop(self, generation: str) -> None:
        import shutil

        self.release(generation)
        shutil.rmtree(self.index_dir / generation / "chroma", ignore_errors=True)

    def generations(self) -> list[str]:
        return sorted(
            p.parent.name
            for p in self.index_dir.glob("gen-*/chroma")
            if GENERATION.fullmatch(p.parent.name)
        )

    def release(self, generation: str) -> None:
        client = self._clients.pop(generation, None)
        if client is not None:
            client.close()

    # -- the pointer: a file, replaced under a lock so a flip is a compare-and-set --------
    def pointer(self) -> str | None:
        path = self.index_dir / POINTER
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_ino)  # the rename gives a new inode
            if stamp != self._pointer_stamp:  # asked on every question: read only on change
                text = path.read_text(encoding="utf-8").strip()
                self._pointer = check_generation(text, str(path)) if text else None
                self._pointer_stamp = stamp
        except FileNotFoundError:
            self._pointer_stamp, self._pointer = None, None
        return self._pointer

    @contextlib.contextmanager
    def _pointer_lock(self):  # type: ignore[no-untyped-def]
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / ".pointer.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # held for a read and a rename: microseconds
            yield

    def compare_and_set(self, expected: str | None, new: str) -> bool:
        check_generation(new, "the new pointer")
        with self._pointer_lock():
            self._pointer_stamp = None  # read the file itself, not what we remembered
            if self.pointer() != expected:
                return False
            write_atomic(self.index_dir / POINTER, new)
            return True

    # -- manifests: a file in the generation's folder ------------------------------------
    def save_manifest(self, generation: str, manifest: dict[str, Any]) -> None:
        write_atomic(self.index_dir / generation / MANIFEST, json.dumps(manifest, indent=1))

    def load_manifest(self, generation: str) -> dict[str, Any] | None:
        try:
            path = self.index_dir / check_generation(generation, "a generation") / MANIFEST
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    # -- leases: one small file per (generation, holder), its content refreshed -----------
    def _lease_path(self, lease: Lease) -> Path:
        return self.index_dir / LEASES / f"{lease.key.replace(os.sep, '_')}.json"

    def put_lease(self, lease: Lease) -> None:
        (self.index_dir / LEASES).mkdir(parents=True, exist_ok=True)
        path = self._lease_path(lease)
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
        tmp.write_text(json.dumps(lease.__dict__), encoding="utf-8")
        os.replace(tmp, path)

    def remove_lease(self, lease: Lease) -> None:
        self._lease_path(lease).unlink(missing_ok=True)

    def leases(self) -> list[Lease]:
        found = []
        for path in (self.index_dir / LEASES).glob("gen-*.json"):
            with contextlib.suppress(OSError, ValueError):
                lease = _lease_from(json.loads(path.read_text(encoding="utf-8")))
                if lease is not None:
                    found.append(lease)
        return found

    def close(self) -> None:
        for generation in list(self._clients):
            self.release(generation)


# Flip claims kept behind the newest: a machine that read the pointer before these many flips
# and flips only now would recreate a deleted step; it finds its claim behind the hint instead
# (see ServerStore._state) and is told the pointer moved.
KEEP_CLAIMS = 16
# Seconds any one call to the Chroma server may take (chromadb's HTTP client waits forever by
# default): a hung server is then an error, not a stuck request.
CHROMA_TIMEOUT = 30.0


class ServerStore:
    """A `chroma run` server: collection `<name>__<generation>` per generation.

    The pointer is a chain of claims: flipping from the generation of step n to a new one
    creates the collection `<name>__flip-<n+1>` (its metadata names the new generation). The
    server refuses a second collection of the same name, so of two machines flipping from the
    same step exactly one wins: a compare-and-set. `<name>__pointer` remembers the latest step
    so readers need not walk the chain from the start; they follow it from there.
    """

    rebuilds_locally = True
    poll_seconds = SERVER_POLL_SECONDS

    def __init__(self, url: str, name: str, token: str = "", ca_file: str = "") -> None:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.hostname
            or parsed.path not in ("", "/")
            or parsed.query
        ):
            raise StoreError(
                f"ADVISOR_CHROMA_URL must look like http://host:port or https://host:port, got {url!r}"
            )
        if token and parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost"):
            log.warning("ADVISOR_CHROMA_TOKEN is sent in clear text to %s; use https://", url)
        self.url, self.name, self._client_obj = url, name, None
        self._parsed = parsed
        self._token, self._ca_file = token, ca_file

    def __repr__(self) -> str:  # never the token
        return f"ServerStore({self.url!r}, {self.name!r})"

    def _client(self) -> Any:
        if self._client_obj is None:
            _telemetry_off()
            import chromadb

            https = self._parsed.scheme == "https"
            extra = {"chroma_server_ssl_verify": str(self._ca_file)} if self._ca_file else {}
            headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
            client = None
            try:
                self._preflight(headers)  # chromadb's first calls have no timeout of their own
                client = chromadb.HttpClient(
                    host=self._parsed.hostname,
                    port=self._parsed.port or (443 if https else 80),
                    ssl=https,
                    headers=headers,
                    settings=_chroma_settings(**extra),
                )
                _with_timeout(client)
                client.heartbeat()
            except Exception as err:
                if client is not None:
                    client.close()
                raise StoreError(f"cannot reach the Chroma server at {self.url}: {err}") from err
            self._client_obj = client
        return self._client_obj

    def _preflight(self, headers: dict[str, str] | None) -> None:
        """One heartbeat within CHROMA_TIMEOUT: a server that accepts connections and never
        answers is an error here, not a hang inside the client's constructor."""
        import httpx

        verify: bool | str = str(self._ca_file) if self._ca_file else True
        reply = httpx.get(
            f"{self.url.rstrip('/')}/api/v2/heartbeat",
            headers=headers,
            timeout=CHROMA_TIMEOUT,
            verify=verify,
        )
        reply.raise_for_status()

    def _cname(self, generation: str) -> str:
        return f"{self.name}__{check_generation(generation, 'a generation')}"

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

    def open(self, generation: str) -> Handle:
        return Handle(self.collection(generation))  # the HTTP client is shared and stays

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

    def release(self, generation: str) -> None:
        """Nothing per generation is held here: the HTTP client serves them all."""

    def generations(self) -> list[str]:
        prefix = f"{self.name}__"
        names = [c if isinstance(c, str) else c.name for c in self._client().list_collections()]
        return sorted(
            n.removeprefix(prefix)
            for n in names
            if n.startswith(prefix) and GENERATION.fullmatch(n.removeprefix(prefix))
        )

    # -- the pointer -------------------------------------------------------------------
    def _claim(self, step: int) -> Any | None:
        from chromadb.errors import NotFoundError

        try:
            return self._client().get_collection(f"{self.name}__flip-{step:08d}")
        except (NotFoundError, ValueError):  # ValueError: how older chromadb says not found
            return None

    def _state(self) -> tuple[str | None, int]:
        """(live generation, its step) : the remembered step, then any claims after it."""
        hint = self._client().get_or_create_collection(f"{self.name}__pointer")
        meta = hint.metadata or {}
        current, step = meta.get("current"), int(meta.get("step", 0))
        while (claim := self._claim(step + 1)) is not None:
            current, step = (claim.metadata or {}).get("to"), step + 1
        if current is not None:
            check_generation(current, f"the pointer on {self.url}")
        return current, step

    def _checked_state(self) -> tuple[str | None, int]:
        try:
            return self._state()
        except StoreError:
            raise
        except Exception as err:  # a failing server is one error kind for the callers
            raise StoreError(f"cannot read the pointer on {self.url}: {err}") from err

    def pointer(self) -> str | None:
        """The live generation, kept on the server so every replica sees the same one."""
        return self._checked_state()[0]

    def compare_and_set(self, expected: str | None, new: str) -> bool:
        check_generation(new, "the new pointer")
        current, step = self._checked_state()
        if current != expected:
            return False
        claim = {"from": expected or "", "to": new, "at": time.time(), "id": secrets.token_hex(8)}
        try:
            self._client().create_collection(f"{self.name}__flip-{step + 1:08d}", metadata=claim)
        except Exception as err:
            # the claim may have been made and only the reply lost (a proxy's 502 after Chroma
            # committed): whose claim this step holds decides, never the error alone
            won = self._claimed(step + 1, claim["id"], err)
            if not won:
                return False  # another machine claimed this step first
        if self._pruned_past(step + 1):  # this machine read the pointer before many flips: its
            with contextlib.suppress(Exception):  # step was pruned and claimed again; undo
                self._client().delete_collection(f"{self.name}__flip-{step + 1:08d}")
            return False
        # remember the step, so readers start here (a late write only costs them one hop)
        with contextlib.suppress(Exception):
            hint = self._client().get_or_create_collection(f"{self.name}__pointer")
            hint.modify(metadata={"current": new, "step": step + 1})
            self._prune_claims(step + 1)
        return True

    def _pruned_past(self, step: int) -> bool:
        """The hint is so far past `step` that its claim may have been pruned: only then can a
        claim at `step` be made now by a writer that read the pointer long ago. (A writer
        whose reply was lost and whose win others already built on is not past it by this
        much.) If the hint cannot be read, the claim stands: it was made."""
        try:
            return self._hint_step() >= step + KEEP_CLAIMS
        except Exception:
            return False

    def _hint_step(self) -> int:
        hint = self._client().get_or_create_collection(f"{self.name}__pointer")
        return int((hint.metadata or {}).get("step", 0))

    def _claimed(self, step: int, claim_id: str, err: Exception) -> bool:
        """After a failed create: True if the step's claim is ours, False if another's."""
        try:
            found = self._claim(step)
        except Exception as again:  # the outcome is unknown: say so, drop nothing
            raise StoreError(
                f"cannot tell whether the pointer flipped on {self.url}: {again}"
            ) from err
        if found is None:  # nobody claimed it: the server failed
            raise StoreError(f"cannot flip the pointer on {self.url}: {err}") from err
        return (found.metadata or {}).get("id") == claim_id

    def _prune_claims(self, step: int) -> None:
        """Delete claims older than the last KEEP_CLAIMS steps, once the hint has moved past
        them (readers start at the hint): the chain would otherwise grow by one per ingest."""
        hint_step = self._hint_step()
        prefix = f"{self.name}__flip-"
        for c in self._client().list_collections():
            name = c if isinstance(c, str) else c.name
            tail = name.removeprefix(prefix)
            if (
                name.startswith(prefix)
                and tail.isdigit()
                and int(tail) <= min(step, hint_step) - KEEP_CLAIMS
            ):
                with contextlib.suppress(Exception):
                    self._client().delete_collection(name)

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

    # -- leases: one record per (generation, holder) ---------------------------------------
    def _leases(self) -> Any:
        return self._client().get_or_create_collection(f"{self.name}__leases")

    def put_lease(self, lease: Lease) -> None:
        self._leases().upsert(ids=[lease.key], metadatas=[lease.__dict__], embeddings=[[1.0]])

    def remove_lease(self, lease: Lease) -> None:
        self._leases().delete(ids=[lease.key])

    def leases(self) -> list[Lease]:
        got = self._leases().get(include=["metadatas"])
        return [x for x in (_lease_from(m or {}) for m in got["metadatas"]) if x is not None]

    def close(self) -> None:
        client, self._client_obj = self._client_obj, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()  # chromadb keeps every HTTP client's system until closed


def _with_timeout(client: Any) -> None:
    """Give the Chroma HTTP client's session CHROMA_TIMEOUT (it is created with none)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT)
    else:  # a chromadb that builds its client otherwise: say so rather than hang silently
        log.warning("cannot set a timeout on the Chroma client; a hung server will hang calls")


def open_store(
    index_dir: Path, name: str, chroma_url: str = "", token: str = "", ca_file: str = ""
) -> VectorStore:
    if chroma_url:
        return ServerStore(chroma_url, name, token, ca_file)
    return LocalStore(index_dir, name)
