"""The embedding backends agree: ONNX Runtime (fp32 and int8) against sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.embeddings import load_embeddings, token_counter

pytestmark = pytest.mark.slow

TEXTS = [
    "Engineering managers lead teams and budgets.",
    "The PMP requires 35 hours of project management education.",
    "Certified ScrumMaster",
    "A much longer passage " * 80,
]


def test_token_counter_matches_the_model_tokenizer():
    count = token_counter()
    assert count("engineering manager") == 2
    assert count("A much longer passage " * 80) > 256  # no truncation when counting


# int8 trades some accuracy for speed: the README reports what it does to retrieval
@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.999), ("onnx-int8", 0.8)])
def test_onnx_backends_agree_with_torch(backend, floor, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = np.array(load_embeddings("", "torch").embed_documents(TEXTS))
    other = load_embeddings.__wrapped__("", backend)  # a fresh instance inside tmp cache
    got = np.array(other.embed_documents(TEXTS))
    assert got.shape == reference.shape
    cosines = (got * reference).sum(1)
    assert cosines.min() >= floor, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    # int8 scales activations per batch, so one text alone differs a little from in a batch
    single = np.array(other.embed_query(TEXTS[0]))
    assert float(single @ got[0]) >= (0.9999 if backend == "onnx" else 0.95)


def test_bfloat16_vectors_are_unit_length_and_close_to_float32():
    """bf16 (the default on CPUs with native bf16) computes in 8-bit mantissas; the vectors
    must still be normalized and point where the float32 ones do."""
    reference = np.array(load_embeddings("", "torch", "float32").embed_documents(TEXTS))
    bf16 = load_embeddings("", "torch", "bfloat16")
    got = np.array(bf16.embed_documents(TEXTS))
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * reference).sum(1).min() >= 0.99
    assert abs(np.linalg.norm(bf16.embed_query(TEXTS[0])) - 1.0) < 1e-5
    assert bf16.embed_documents([]) == []


def test_auto_dtype_follows_the_cpu(monkeypatch):
    import advisor.embeddings as emb

    monkeypatch.setattr(emb, "cpu_has_native_bf16", lambda: True)
    assert emb.resolve_dtype("auto") == "bfloat16"
    monkeypatch.setattr(emb, "cpu_has_native_bf16", lambda: False)
    assert emb.resolve_dtype("auto") == "float32"
    assert emb.resolve_dtype("float32") == "float32"
    with pytest.raises(ValueError, match="dtype"):
        emb.resolve_dtype("fp8")
