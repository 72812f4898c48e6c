"""The embedding backends agree: ONNX Runtime (fp32 and int8) against sentence-transformers."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from advisor.index.embeddings import load_embeddings, token_counter

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


@pytest.fixture
def probe_cache(tmp_path, monkeypatch):
    import advisor.index.embeddings as emb

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    emb.probed_dtype.cache_clear()
    yield tmp_path / "career-advisor" / "dtype-probe.json"
    emb.probed_dtype.cache_clear()


def _speeds(float32: float, bfloat16: float) -> dict:
    return {
        "float32": {"cpu": float32, "wall": float32},
        "bfloat16": {"cpu": bfloat16, "wall": bfloat16},
    }


def test_auto_dtype_is_measured_and_remembered_not_read_from_cpu_flags(probe_cache, monkeypatch):
    """On a Xeon that advertises AVX512-BF16, bf16 embedded 51.6 chunks/s against 70.7 for
    float32: auto must follow the measurement, whatever the CPU flags say."""
    import advisor.index.embeddings as emb

    calls = []

    def measure(name=""):
        calls.append(name)
        return _speeds(70.7, 51.6)

    monkeypatch.setattr(emb, "measure_dtypes", measure)
    monkeypatch.setattr(emb, "cpu_has_native_bf16", lambda: True, raising=False)
    assert emb.resolve_dtype("auto") == "float32"
    (entry,) = json.loads(probe_cache.read_text()).values()
    assert entry["float32 chunks per cpu-s"] == 70.7 and entry["bfloat16 chunks per cpu-s"] == 51.6

    emb.probed_dtype.cache_clear()  # as a new process would: the file answers, no new probe
    assert emb.resolve_dtype("auto") == "float32" and len(calls) == 1

    # another CPU, torch version, thread count or model is measured on its own
    monkeypatch.setattr(emb, "_probe_key", lambda name: "another machine")
    monkeypatch.setattr(emb, "measure_dtypes", lambda name="": _speeds(29.0, 55.0))
    emb.probed_dtype.cache_clear()
    assert emb.resolve_dtype("auto") == "bfloat16"
    assert len(json.loads(probe_cache.read_text())) == 2

    assert emb.resolve_dtype("float32") == "float32"  # explicit choices are not probed
    with pytest.raises(ValueError, match="dtype"):
        emb.resolve_dtype("fp8")


def test_bfloat16_must_win_clearly(probe_cache, monkeypatch):
    import advisor.index.embeddings as emb

    monkeypatch.setattr(emb, "measure_dtypes", lambda name="": _speeds(50.0, 52.0))  # noise
    assert emb.probed_dtype() == "float32"


class BusyModel:
    """Embeddings that spend `seconds` of CPU per call: the probe times CPU, not the clock."""

    def __init__(self, seconds: float, calls: list[str], dtype: str) -> None:
        self.seconds, self.calls, self.dtype = seconds, calls, dtype

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(self.dtype)
        end = time.process_time() + self.seconds
        while time.process_time() < end:
            pass
        return [[0.0] for _ in texts]


@pytest.mark.parametrize(
    ("float32", "bfloat16", "rounds"),
    [(0.01, 0.05, 1), (0.05, 0.01, 1), (0.02, 0.021, 3)],  # slower, faster, a close call
)
def test_the_probe_stops_once_the_gap_is_decisive(monkeypatch, float32, bfloat16, rounds):
    """A format several times slower after one round stays slower: the probe (part of a first
    ingest) stops there; a close call gets every round."""
    import advisor.index.embeddings as emb

    calls: list[str] = []
    seconds = {"float32": float32, "bfloat16": bfloat16}
    monkeypatch.setattr(
        emb, "load_embeddings", lambda name, backend, dtype: BusyModel(seconds[dtype], calls, dtype)
    )
    emb.measure_dtypes()
    assert calls.count("bfloat16") == calls.count("float32") == 1 + rounds  # warm-up + rounds


def test_probe_measures_both_formats_on_this_machine(probe_cache, capsys):
    import advisor.index.embeddings as emb

    choice = emb.probed_dtype()
    (entry,) = json.loads(probe_cache.read_text()).values()
    f32, bf16 = entry["float32 chunks per cpu-s"], entry["bfloat16 chunks per cpu-s"]
    assert f32 > 0 and bf16 > 0
    assert choice == ("bfloat16" if bf16 >= emb.BF16_MIN_GAIN * f32 else "float32")
    with capsys.disabled():
        print(f"\ndtype probe on {emb.cpu_model()}: {entry} -> {choice}")
