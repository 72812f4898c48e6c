"""Server mode for real: a `chroma run` server on loopback, ingest into it, two advisor
processes asking at once, a second replica with an empty local folder, then stop the server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from advisor.advisor import Advisor
from advisor.settings import Settings

from .conftest import CORPUS

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
    before = replica.reader().generation
    (corpus / "yak-note.md").write_text(
        "---\ntitle: Yak Careers\n---\n## Yak herders\nYak herders earn a median of $23,456 a year (Yak survey, 2025).\n",
        encoding="utf-8",
    )
    assert cli("ingest", str(corpus), "--json", env=env).returncode == 0
    assert replica.ask("What is a Certified ScrumMaster?").citations  # old or new: it answers
    deadline = time.time() + 120
    while replica.reader().generation == before and time.time() < deadline:
        time.sleep(0.5)
    assert replica.reader().generation != before
    assert "$23,456" in replica.ask("How much do yak herders earn?").text


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
