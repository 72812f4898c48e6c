"""One settings object for the whole app, built once at the entry point.

Values come from (lowest to highest priority) defaults, `ADVISOR_*` environment variables and
explicit overrides (CLI flags). Nothing here reads the environment at import time.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "ADVISOR_"
CHOICES = {  # checked when settings are built, so a typo fails at once, not after an hour
    "retriever": ("hybrid", "dense", "bm25"),
    "embedding_backend": ("torch", "onnx", "onnx-int8"),
    "embedding_dtype": ("auto", "float32", "bfloat16"),
    "query_backend": ("", "onnx"),
    "llm_role": ("answer", "condense"),
}


# Fields whose values must never reach a repr, a log or an error message.
SECRET_FIELDS = frozenset({"auth", "llm_api_key", "state_secret"})
_SECRET_SUFFIXES = ("_key", "_token", "_secret", "_password")


def is_secret(name: str) -> bool:
    """True for a secret field, including ones added later (chroma_token, ...)."""
    return name in SECRET_FIELDS or name.endswith(_SECRET_SUFFIXES)


def _split_paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(p) for p in value.split(os.pathsep) if p.strip())


def _to_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every knob of the app. Field docs double as the settings table of docs/settings.md."""

    index_dir: Path = Path("vectorstore")
    """Where the local index lives (Chroma store, keyword index, manifest)."""
    corpus: tuple[Path, ...] = (Path("corpus"),)
    """Default paths to ingest (os.pathsep-separated in the env var)."""
    collection: str = "career_advisor"
    """Chroma collection name prefix."""
    chroma_url: str = ""
    """When set (http://host:port or https://host:port), use a `chroma run` server instead of the local store."""
    chroma_token: str = dataclasses.field(default="", repr=False)
    """Token sent to the Chroma server as `Authorization: Bearer <token>` (checked by Chroma's token auth or the proxy in front of it)."""
    chroma_ca_file: str = ""
    """CA bundle (PEM) to verify an https Chroma server's certificate with; empty = the system's."""
    embedding_model: str = ""
    """Path or name of a sentence-transformers model; empty = the bundled all-MiniLM-L6-v2."""
    embedding_backend: str = "torch"
    """torch (sentence-transformers), onnx or onnx-int8 (ONNX Runtime, exported on first use)."""
    embedding_dtype: str = "auto"
    """Number format for embedding documents with torch: float32, bfloat16, or auto (whichever
    a short probe measures faster on this machine, remembered in the user's cache folder;
    bf16 vectors are at cosine 0.996 to float32)."""
    query_backend: str = "onnx"
    """How questions are embedded: onnx (same vectors as torch, faster) or empty = as documents."""
    max_chunk_tokens: int = 200
    """Upper bound of a chunk's text in model tokens (the model reads 256, the heading path too)."""
    boilerplate_share: float = 0.5
    """A paragraph repeated word for word on at least this share of a site's pages (20 or more)
    is indexed once, in the first of them; 0 indexes every copy."""
    library_dir: Path = Path("library")
    """Where downloaded libraries are kept (`career-advisor library add ooh` writes
    library/ooh/); `ingest` with no paths reads them after the corpus."""
    library_base_url: str = ""
    """Fetch library pages from this address instead of the publisher's (a mirror, a test
    server): its scheme and host replace the publisher's; empty = the publisher's site."""
    download_delay: float = 1.0
    """Seconds between two page requests of a library download (the publisher's server is
    shared with everyone; 342 pages take about six minutes)."""
    download_contact: str = ""
    """An e-mail or web address added to the download's user agent, so the publisher can reach
    you if your downloads cause trouble."""
    max_file_mb: float = 20.0
    """Files larger than this are reported and skipped."""
    parse_seconds: float = 30.0
    """Time budget to parse one file (in a worker process); slower files are reported and
    skipped. 0 parses in the ingest process without a budget."""
    parse_memory_mb: int = 1024
    """Memory budget to parse one file; files that need more are reported and skipped."""
    follow_links: bool = False
    """Follow symbolic links that lead outside the ingested files and folders (reported and
    skipped otherwise)."""
    retriever: str = "hybrid"
    """hybrid, dense or bm25."""
    top_k: int = 5
    """How many chunks the answerer sees."""
    llm: str = ""
    """Optional chat model: `provider:model` for init_chat_model (e.g. `ollama:llama3.2`), or
    `local` (the bundled SmolLM2, extra `local-llm`) / `local:PATH` (a .gguf file or model folder)."""
    llm_base_url: str = ""
    """Optional OpenAI-compatible base URL (vLLM, llama.cpp, Ollama's /v1); uses `llm` as model."""
    llm_api_key: str = ""
    """API key for the OpenAI-compatible server, if it needs one."""
    llm_timeout: float = 30.0
    """Seconds an LLM call may take (connecting, waiting for the local model, generating);
    past it the answer keeps what was checked so far, or quotes the sources instead."""
    llm_max_tokens: int = 300
    """Longest LLM reply in tokens (an answer is a few quoted sentences)."""
    llm_retries: int = 2
    """Retries of an LLM call that failed before its first token."""
    llm_role: str = "answer"
    """What the LLM does: answer (rewrites follow-ups and writes the checked answer) or
    condense (rewrites follow-ups only; the quoting answerer answers)."""
    host: str = "127.0.0.1"
    """Where `serve` listens (loopback by default)."""
    port: int = 7860
    """Port where `serve` listens."""
    auth: str = ""
    """Optional basic auth for the UI, `user:password`."""
    insecure: bool = False
    """Allow `serve` on a non-loopback host without ADVISOR_AUTH (also the `--insecure` flag)."""
    state_secret: str = ""
    """Secret that signs and encrypts the chat saved in the browser; set the same value on every
    replica. Empty: one is generated and kept in ADVISOR_STATE_SECRET_FILE."""
    state_secret_file: str = ""
    """Where the generated state secret is kept; empty = `state-secret` in the index folder."""
    max_question_chars: int = 2000
    """Longer questions are refused politely, server side."""
    concurrency: int = 4
    """Answers computed at once for the page's chat (the JSON API `/ask` answers one at a time
    in a group of its own and waits, up to 2 s, while page answers are computed: API traffic never
    queues ahead of conversations, and a flood of it kept chat p95 within 1.5-1.8x)."""
    queue_size: int = 256
    """Requests waiting beyond this get a 'busy' message. The queue is shared by the page and
    the API: a flood of API calls (answered one at a time) must leave room for conversations."""
    api_calls_per_second: float = 20.0
    """Calls to the public JSON API (`/gradio_api/call/...`) let in per second, all callers
    together: a burst waits its turn (up to 10 s, then HTTP 429), so it cannot take the CPU
    from the people chatting. 0 or less lets every call in at once."""
    max_request_kb: int = 256
    """Request bodies larger than this are refused (HTTP 413) before they are read. The page
    sends its saved chat with every question (20 signed turns are about 80 KB; the saved chat is
    kept within half of this)."""
    session_ttl: float = 3600.0
    """Seconds a browser session's server-side page state (the article open in Explore) is kept
    after its last use. Conversations are not server state: the browser holds them."""
    max_sessions: int = 1000
    """Browser sessions whose page state is held in memory at once; the least recently used
    beyond this are dropped (a conversation is never lost with them)."""
    feedback_file: Path = Path("feedback/feedback.jsonl")
    """Where thumbs up/down are appended."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `ADVISOR_<FIELD>` variables, then non-None overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                shown = ", ".join(a or "(empty)" for a in allowed)
                raise ValueError(
                    f"{ENV_PREFIX}{name.upper()} must be one of {shown}, got {value!r}"
                )

    def __repr__(self) -> str:
        """Like the dataclass repr, with secrets (auth, keys, tokens) shown as '***' when set."""
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            shown.append(f"{f.name}={'***' if is_secret(f.name) and value else repr(value)}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    def to_env(self) -> dict[str, str]:
        """These settings as `ADVISOR_*` variables, for a child process (`from_env` reads them
        back to equal settings).

        >>> Settings(port=8000).to_env()["ADVISOR_PORT"]
        '8000'
        """
        return {
            ENV_PREFIX + f.name.upper(): _as_env(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }

    def with_(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _as_env(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return os.pathsep.join(str(v) for v in value)
    return str(value)


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if kind == "Path":
        return Path(raw)
    if kind.startswith("tuple"):
        return _split_paths(raw)
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "bool":
        return _to_bool(raw)
    return raw


def settings_table() -> list[tuple[str, str, str]]:
    """(env var, default, description) rows, for docs and `career-advisor settings`."""
    import ast
    import inspect

    source = inspect.getsource(Settings)
    docs: dict[str, str] = {}
    tree = ast.parse(source)
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr):
            docs[node.target.id] = str(nxt.value.value)  # type: ignore[union-attr]
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        if isinstance(default, tuple):
            default = os.pathsep.join(str(p) for p in default)
        rows.append((ENV_PREFIX + f.name.upper(), str(default), docs.get(f.name, "")))
    return rows
