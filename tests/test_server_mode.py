"""Server mode for real: a `chroma run` server on loopback, ingest into it, two advisor
processes asking at once, a second replica with an empty local folder, then stop the server."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

import pytest

from advisor.advisor import Advisor
from advisor.index.generations import Index, IndexBusy
from advisor.index.store import StoreError
from advisor.ingest.build import ingest
from advisor.settings import Settings

from .conftest import CORPUS, article

pytestmark = [pytest.mark.slow, pytest.mark.server]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.skip("chroma CLI not installed")
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")  # noqa: SIM115 (open while the server runs)
    proc = subprocess.Popen(
        [
            str(exe),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "career-advisor"
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=300)


def test_ingest_and_concurrent_asks_against_a_chroma_server(chroma_server, tmp_path):
    env = {
        **os.environ,
        "ADVISOR_CHROMA_URL": chroma_server,
        "ADVISOR_INDEX_DIR": str(tmp_path / "replica-a"),
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    done = cli("ingest", str(corpus), "--json", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["documents"] >= 8 and summary["chunks_added"] > 0

    questions = ["What is the PMP certification?", "What does an engineering director do?"]
    with ThreadPoolExecutor(2) as pool:  # two separate advisor processes at once
        results = list(pool.map(lambda q: cli("ask", q, "--json", env=env), questions))
    for result in results:
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        assert not answer["refused"] and answer["citations"]

    # a replica on another machine has no local keyword table: it rebuilds it from the server
    other = {**env, "ADVISOR_INDEX_DIR": str(tmp_path / "replica-b")}
    result = cli("ask", "What is a Certified ScrumMaster?", "--json", env=other)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["citations"]

    # an incremental update is seen by both replicas through the server's pointer
    (corpus / "extra-note.md").write_text(
        "---\ntitle: Zebra Careers\n---\n## Zebra keepers\nZebra keepers earn a median of $12,345 a year (Zebra survey, 2025).\n",
        encoding="utf-8",
    )
    assert cli("ingest", str(corpus), "--json", env=env).returncode == 0
    for e in (env, other):
        answer = json.loads(
            cli("ask", "How much do zebra keepers earn?", "--json", env=e)
            .stdout.strip()
            .splitlines()[-1]
        )
        assert "$12,345" in answer["answer"]

    # and the other machine can ingest too: the manifest on the server tells it what is there
    again = cli("ingest", str(corpus), "--json", env=other)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["chunks_added"] == 0 and summary["chunks_removed"] == 0
    assert summary["documents"] == len(list(corpus.glob("*.md")))

    # a running replica keeps answering while it opens a new generation in the background
    replica = Advisor(Settings.from_env(env={}, chroma_url=chroma_server, index_dir=tmp_path / "c"))
    replica.live.poll_seconds = 0  # look at the pointer on every question
    before = replica.reader().generation
    (corpus / "yak-note.md").write_text(
        "---\ntitle: Yak Careers\n---\n## Yak herders\nYak herders earn a median of $23,456 a year (Yak survey, 2025).\n",
        encoding="utf-8",
    )
    assert cli("ingest", str(corpus), "--json", env=env).returncode == 0
    assert replica.ask("What is a Certified ScrumMaster?").citations  # old or new: it answers
    replica.live.settle()  # the new generation has been opened in the background
    assert replica.reader().generation != before
    assert "$23,456" in replica.ask("How much do yak herders earn?").text
    replica.live.close()


def test_unreachable_server_is_a_clear_error(tmp_path):
    env = {
        **os.environ,
        "ADVISOR_CHROMA_URL": f"http://127.0.0.1:{free_port()}",
        "ADVISOR_INDEX_DIR": str(tmp_path / "x"),
    }
    result = cli("ask", "hello?", env=env)
    assert (
        result.returncode != 0
        and "Chroma server" in result.stderr
        and "Traceback" not in result.stderr
    )


def server_settings(url: str, folder: Path, **kw) -> Settings:
    return Settings.from_env(env={}, chroma_url=url, index_dir=folder, **kw)


def small_corpus(folder: Path, name: str, fact: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(article(name.title(), f"## Facts\n{fact}"), encoding="utf-8")
    return folder


def test_two_machines_flipping_at_once_exactly_one_wins(chroma_server, tmp_path, monkeypatch):
    """Both ingests reach the flip together (a barrier right before it): one generation goes
    live, the other ingest is told so and its generation is removed from the server."""
    base = small_corpus(tmp_path / "base", "base", "Gadget engineers earn $70,000 a year.")
    first = ingest(server_settings(chroma_server, tmp_path / "m0"), [base])
    barrier = threading.Barrier(2, timeout=300)
    real_flip = Index.flip

    def flip(self, *args, **kwargs):
        barrier.wait()  # both have checked whatever they check before this point
        return real_flip(self, *args, **kwargs)

    monkeypatch.setattr(Index, "flip", flip)
    outcomes: dict[str, object] = {}

    def machine(name: str) -> None:
        extra = small_corpus(tmp_path / f"extra-{name}", name, f"{name} facts: $1{len(name)},000.")
        try:
            settings = server_settings(chroma_server, tmp_path / f"machine-{name}")
            outcomes[name] = ingest(settings, [base, extra]).generation
        except IndexBusy as err:
            outcomes[name] = err

    threads = [threading.Thread(target=machine, args=(n,)) for n in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [g for g in outcomes.values() if isinstance(g, str)]
    lost = [e for e in outcomes.values() if isinstance(e, IndexBusy)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "run ingest again" in str(lost[0])
    index = Index(server_settings(chroma_server, tmp_path / "observer"))
    assert index.current() == won[0]
    assert set(index.store.generations()) == {first.generation, won[0]}  # the loser's is gone
    index.close()


def test_a_replica_still_answering_keeps_its_generation(chroma_server, tmp_path):
    corpus = small_corpus(tmp_path / "c", "pay", "Gadget engineers earn $70,000 a year.")
    writer = server_settings(chroma_server, tmp_path / "writer")
    first = ingest(writer, [corpus]).generation
    replica = Index(server_settings(chroma_server, tmp_path / "replica"))
    old = replica.reader()  # on another machine, answering from the first generation
    for figure in ("$71,000", "$72,000"):
        small_corpus(corpus, "pay", f"Gadget engineers earn {figure} a year.")
        ingest(writer, [corpus])
    assert first in replica.store.generations()  # neither live nor previous, but in use
    hits = old.dense([0.0] * 383 + [1.0], 1)
    assert hits and old.chunks([hits[0][0]])
    old.close()  # the replica moved on
    small_corpus(corpus, "pay", "Gadget engineers earn $73,000 a year.")
    ingest(writer, [corpus])
    assert first not in replica.store.generations()
    replica.close()


def test_a_bad_pointer_on_the_server_is_refused(chroma_server, tmp_path):
    settings = server_settings(chroma_server, tmp_path / "m")
    index = Index(settings)
    assert index.store.compare_and_set(None, "gen-000001-aaaaaa")
    client = index.store._client()
    hint = client.get_or_create_collection(f"{settings.collection}__pointer")
    hint.modify(metadata={"current": "../../etc", "step": 99})  # no claim after step 99
    with pytest.raises(StoreError, match="not a generation name"):
        index.current()
    index.close()
    env = {
        **os.environ,
        "ADVISOR_CHROMA_URL": chroma_server,
        "ADVISOR_INDEX_DIR": str(tmp_path / "x"),
    }
    result = cli("ask", "hello?", env=env)
    assert result.returncode != 0 and "not a generation name" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


class _AuthProxy(http.server.BaseHTTPRequestHandler):
    """What a team puts in front of Chroma: TLS, and a bearer token checked on every request."""

    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    token = ""
    seen: ClassVar[list[str]] = []

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.headers.get("Authorization") or "")
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tls_proxy(chroma_server, tmp_path):
    """https://127.0.0.1:PORT with a self-signed certificate, token `s3cret-token`."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    parsed = urlparse(chroma_server)
    handler = type("Proxy", (_AuthProxy,), {})
    handler.upstream, handler.token, handler.seen = (
        (parsed.hostname, parsed.port),
        "s3cret-token",
        [],
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert, handler
    server.shutdown()
    server.server_close()
    thread.join()


def test_token_and_tls_reach_a_protected_server(tls_proxy, tmp_path):
    url, cert, proxy = tls_proxy
    good = server_settings(
        url, tmp_path / "m", chroma_token="s3cret-token", chroma_ca_file=str(cert)
    )
    assert "s3cret-token" not in repr(good)
    index = Index(good)
    assert "s3cret-token" not in repr(index.store)
    assert index.current() is None
    index.flip(None, "gen-000001-aaaaaa")
    coll = index.store.collection("gen-000001-aaaaaa", create=True)
    coll.add(ids=["a"], embeddings=[[1.0, 0.0]], documents=["x"], metadatas=[{"doc_id": "d"}])
    assert coll.query(query_embeddings=[[1.0, 0.0]], n_results=1)["ids"] == [["a"]]
    assert index.current() == "gen-000001-aaaaaa"
    index.close()
    assert proxy.seen and set(proxy.seen) == {"Bearer s3cret-token"}  # on every request

    for bad in (
        good.with_(chroma_token="wrong"),  # refused by the proxy
        good.with_(chroma_ca_file=str(tmp_path / "missing.pem")),  # cannot verify the server
        server_settings(url, tmp_path / "m", chroma_token="s3cret-token"),  # self-signed: untrusted
        server_settings(url.replace("https", "http"), tmp_path / "m"),  # plain text to a TLS port
    ):
        with pytest.raises(StoreError, match="Chroma server"):
            Index(bad).current()


class LostReplies:
    """A Chroma client whose flip claims commit on the server and then fail on the way back,
    as behind a proxy that answers 502 after Chroma committed."""

    def __init__(self, client) -> None:
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def create_collection(self, name, *args, **kwargs):
        made = self.client.create_collection(name, *args, **kwargs)
        if "__flip-" in name:
            raise ConnectionError("502 Bad Gateway (the server committed)")
        return made


def test_a_flip_whose_reply_is_lost_keeps_the_live_generation(chroma_server, tmp_path, monkeypatch):
    """The claim committed, the reply did not come back: the ingest reads whose claim the step
    holds, finds its own, and the generation the pointer names stays (it was dropped before,
    and no replica could open an index)."""
    from advisor.index.store import ServerStore

    corpus = small_corpus(tmp_path / "c", "pay", "Gadget engineers earn $70,000 a year.")
    real = ServerStore._client
    monkeypatch.setattr(ServerStore, "_client", lambda self: LostReplies(real(self)))
    report = ingest(server_settings(chroma_server, tmp_path / "writer"), [corpus])
    monkeypatch.setattr(ServerStore, "_client", real)
    replica = Index(server_settings(chroma_server, tmp_path / "replica"))
    assert replica.current() == report.generation
    assert report.generation in replica.store.generations()
    reader = replica.reader()
    assert reader.dense([0.0] * 383 + [1.0], 1)  # a replica opens and answers from it
    reader.close()
    replica.close()


def test_old_flip_claims_are_deleted(chroma_server, tmp_path, monkeypatch):
    from advisor.index import store

    monkeypatch.setattr(store, "KEEP_CLAIMS", 2)
    corpus = tmp_path / "c"
    writer = server_settings(chroma_server, tmp_path / "writer")
    for figure in ("$70,000", "$71,000", "$72,000", "$73,000", "$74,000", "$75,000"):
        small_corpus(corpus, "pay", f"Gadget engineers earn {figure} a year.")
        last = ingest(writer, [corpus]).generation
    index = Index(server_settings(chroma_server, tmp_path / "observer"))
    names = [c if isinstance(c, str) else c.name for c in index.store._client().list_collections()]
    claims = sorted(n for n in names if "__flip-" in n)
    assert len(claims) <= 3, claims  # the newest and the two before it, not all six
    assert index.current() == last
    index.close()
