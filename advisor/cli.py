"""`career-advisor` command line: a thin layer over the library (settings built here, once)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from advisor.cli_common import (
    ChromaUrl,
    IndexDir,
    Llm,
    Retriever,
    build_settings,
    err,
    fail,
    out,
    progress_printer,
    run_ingest,
)
from advisor.cli_library import library_app
from advisor.settings import Settings, settings_table

app = typer.Typer(
    help="Career Advisor: cited answers to career questions, from your own articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(library_app, name="library")


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders [default: ADVISOR_CORPUS or corpus/]"),
    ] = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything instead of updating")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar")] = False,
    in_steps: Annotated[
        bool,
        typer.Option(
            "--in-steps",
            help="Make each folder answerable as soon as it is indexed (one update per folder)",
        ),
    ] = False,
) -> None:
    """Build or update the index from articles (Markdown, text, HTML, PDF)."""
    settings = build_settings(index_dir=index_dir, chroma_url=chroma_url)
    if in_steps:
        from advisor.ingest.download import default_paths

        steps = list(paths or default_paths(settings))
        for n in range(1, len(steps)):  # the last step is the whole run below
            run_ingest(settings, steps[:n], rebuild, quiet)
        paths = steps
    report = run_ingest(settings, paths or None, rebuild, quiet)
    summary = {
        "documents": report.documents,
        "files_seen": report.files_seen,
        "docs_added": report.docs_added,
        "docs_updated": report.docs_updated,
        "docs_removed": report.docs_removed,
        "chunks_added": report.chunks_added,
        "chunks_removed": report.chunks_removed,
        "chunks_unchanged": report.chunks_unchanged,
        "chunks_total": report.chunks_total,
        "skipped": len(report.problems),
        "boilerplate_copies_skipped": report.boilerplate_skipped,
        "seconds": round(report.seconds, 2),
        "generation": report.generation,
        "index_dir": str(settings.index_dir),
    }
    if as_json:
        print(json.dumps(summary))
    else:
        table = Table(title="Ingest summary", show_header=False)
        for key, value in summary.items():
            table.add_row(key.replace("_", " "), str(value))
        out.print(table)
    if not report.ok:
        raise fail("nothing could be ingested")


def _advisor(settings: Settings):
    from advisor.advisor import Advisor
    from advisor.llm.chat import make_answerer

    return Advisor(settings, answerer=make_answerer(settings))


def _open_advisor(settings: Settings):
    """An Advisor on an existing index, or a clear next step when there is none."""
    from advisor.index.generations import IndexMissing
    from advisor.index.store import StoreError

    advisor = _advisor(settings)
    try:
        advisor.reader()
    except IndexMissing as exc:
        raise fail(f"{exc}") from None
    except StoreError as exc:
        raise fail(str(exc)) from None
    return advisor


def _print_answer(answer) -> None:
    if answer.table is not None:
        out.print(_rich_table(answer.table))
    else:
        out.print(answer.text, markup=False, highlight=False)
    for c in answer.citations:
        where = " > ".join(p for p in (c.title, c.section) if p)
        extra = ", ".join(p for p in (c.url or c.source, c.published) if p)
        out.print(
            f"  [{c.n}] {where}" + (f" ({extra})" if extra else ""), markup=False, style="dim"
        )
    if answer.follow_ups:
        out.print(
            "You could also ask: " + " | ".join(answer.follow_ups), markup=False, style="cyan"
        )


def _rich_table(table) -> Table:
    """A side-by-side answer as a terminal table, each value with its [n]."""
    shown = Table(title=Text(table.caption), caption=Text(table.note) if table.note else None)
    for header in ("", *table.columns):
        shown.add_column(Text(header))
    for label, cells in table.rows:
        shown.add_row(
            Text(label),
            *(
                Text("\n".join(c.lines or (c.text,)) + (f" [{c.cite}]" if c.cite else ""))
                for c in cells
            ),
        )
    return shown


def _print_explanation(report: dict) -> None:
    subjects = (
        ", ".join(
            f"{s['name']}"
            + ("" if s["known"] else " (not in the library)")
            + (f" -> {', '.join(s['articles'])}" if s["articles"] else "")
            for s in report["subjects"]
        )
        or "none named"
    )
    out.print(f"question: {report['question']}", markup=False)
    out.print(f"asks: {report['ask']}", markup=False, style="dim")
    out.print(
        f"subjects: {subjects}; attribute: {report['attribute'] or '-'}; "
        f"comparison: {report['comparison']}; verdict: {report['verdict']} "
        f"(support {report['support']})",
        markup=False,
    )
    if decision := report["decision"]:
        pulls = " ".join(f"{k}={v:+g}" for k, v in decision["strongest_signals"].items())
        named = "; answered: it names the quoted section" if decision["named_section"] else ""
        out.print(
            f"answerable: {decision['answerable']} (bar {decision['threshold']}){named} | {pulls}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for label, rows in (("quoted", report["quoted"]), ("next", report["next_best"])):
        for u in rows:
            feats = " ".join(f"{k}={v:g}" for k, v in u["features"].items() if v)
            out.print(
                f"{label:6} score {u['score']:.2f} support {u['support']:.2f} | {feats}\n"
                f"       {u['text'][:160]}  ({u['source'][:70]})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    retriever: Retriever = None,
    llm: Llm = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Also show the question analysis and why each quote was chosen"
        ),
    ] = False,
) -> None:
    """Ask one question and print a cited answer."""
    settings = build_settings(
        index_dir=index_dir, chroma_url=chroma_url, retriever=retriever, llm=llm
    )
    advisor = _open_advisor(settings)
    answer = advisor.ask(question)
    if explain:
        from advisor.answer.explain import explain as explain_question

        report = explain_question(advisor.prepare(question))
        if as_json:
            print(json.dumps({**answer.to_dict(), "explain": report}, ensure_ascii=False))
            return
        _print_explanation(report)
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(answer)


@app.command()
def chat(
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    retriever: Retriever = None,
    llm: Llm = None,
) -> None:
    """A conversation in the terminal (empty line or Ctrl-D to quit)."""
    settings = build_settings(
        index_dir=index_dir, chroma_url=chroma_url, retriever=retriever, llm=llm
    )
    advisor = _open_advisor(settings)
    history: list = []
    out.print("Ask a career question (empty line to quit).", style="bold")
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        answer = None
        for event in advisor.stream(question, history):
            if event.kind == "answer":
                answer = event.answer
        _print_answer(answer)
        history.append((question, answer))


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Option("--questions", help="JSONL question file")],
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Corpus folder (repeatable)")],
    retriever: Annotated[
        list[str] | None, typer.Option("--retriever", help="hybrid|dense|bm25 (repeat to compare)")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write summary and records here")
    ] = None,
    llm: Llm = None,
) -> None:
    """Score the advisor on a question file over a corpus indexed in a private store."""
    from advisor.evals.harness import build_index, load_questions, run

    try:
        items = load_questions(questions)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    missing = [str(p) for p in corpus if not p.exists()]
    if missing:
        raise fail(f"corpus not found: {', '.join(missing)}")
    base = build_settings(llm=llm)
    bar, update = progress_printer()
    results = {}
    with bar:
        eval_settings, _ = build_index(base, list(corpus), update)
        for mode in retriever or ["hybrid"]:
            task = bar.add_task(f"{mode}", total=len(items))
            results[mode] = run(
                eval_settings.with_(retriever=mode),
                items,
                lambda done, total, t=task: bar.update(t, completed=done),
            )
    table = Table(
        "metric",
        *results.keys(),
        title=f"{questions.name} over {', '.join(p.name for p in corpus)}",
    )
    for metric in next(iter(results.values()))["summary"]:
        table.add_row(metric, *(str(r["summary"][metric]) for r in results.values()))
    out.print(table)
    for mode, result in results.items():
        if result.get("by_kind"):
            kinds = Table(
                "kind",
                "n",
                "hit@5",
                "fact coverage",
                "refused (unanswerable)",
                "false refusals",
                title=f"{mode}: per kind",
            )
            for kind, row in result["by_kind"].items():
                kinds.add_row(
                    kind,
                    str(row["questions"]),
                    str(row["hit_at_5"]),
                    str(row["fact_coverage"]),
                    str(row["refusal_recall"]),
                    str(row["false_refusal_rate"]),
                )
            out.print(kinds)
    if json_out:
        payload = results[next(iter(results))] if len(results) == 1 else {"runs": results}
        if len(results) > 1:
            payload["summary"] = {m: r["summary"] for m, r in results.items()}
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        err.print(f"wrote {json_out}")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [env: ADVISOR_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: ADVISOR_PORT]")] = None,
    index_dir: IndexDir = None,
    chroma_url: ChromaUrl = None,
    retriever: Retriever = None,
    llm: Llm = None,
    insecure: Annotated[
        bool | None,
        typer.Option(
            "--insecure",
            help="Allow a non-loopback --host without ADVISOR_AUTH [env: ADVISOR_INSECURE]",
        ),
    ] = None,
) -> None:
    """Start the chat UI (building the index in the background if there is none)."""
    from advisor.index.generations import Index
    from advisor.index.store import StoreError
    from advisor.ui.app import check_exposure

    settings = build_settings(
        host=host,
        port=port,
        index_dir=index_dir,
        chroma_url=chroma_url,
        retriever=retriever,
        llm=llm,
        insecure=insecure or None,
    )
    try:
        check_exposure(settings)  # before anything is built or opened
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    if not port_free(settings.host, settings.port):  # before any thread or build starts
        raise fail(port_taken(settings), 1)
    try:
        missing = Index(settings).current() is None
    except StoreError as exc:
        raise fail(str(exc)) from None
    builder = _build_in_background(settings) if missing else None
    from advisor.ui.app import launch

    code = 0
    try:
        launch(settings, _advisor(settings))
    except OSError as exc:  # taken between the check and the launch
        err.print(f"[red]error:[/red] {port_taken(settings)} ({exc.strerror or exc})")
        code = 1
    except KeyboardInterrupt:
        pass
    finally:
        if builder is not None and builder.poll() is None:
            builder.terminate()  # an interrupted build leaves no index behind, only leftovers
            builder.wait()
    # Straight out: a model still loading in the warm-up thread (native code) aborts the
    # interpreter's teardown ("terminate called without an active exception": seen when the
    # launch failed at once on a taken port). Nothing is left to write: serving only reads.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def port_free(host: str, port: int) -> bool:
    """Nothing listens on host:port (a bind test, as the server itself will bind)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def port_taken(settings: Settings) -> str:
    return (
        f"port {settings.port} on {settings.host} is in use (another `career-advisor serve`?). "
        f"Stop that one with Ctrl+C, or serve on another port: career-advisor serve --port "
        f"{settings.port + 1} (or ADVISOR_PORT={settings.port + 1})."
    )


def _build_in_background(settings: Settings):
    """Start building the first index in a child process, so the page is up at once (its
    status line shows the progress) and the server never holds the embedding model's memory;
    each folder answers as soon as it is indexed."""
    import os
    import subprocess

    from advisor.ingest.download import default_paths

    paths = ", ".join(map(str, default_paths(settings)))
    err.print(f"No index at {settings.index_dir} yet: building it from {paths} in the background")
    command = [sys.executable, "-m", "advisor.cli", "ingest", "--quiet", "--in-steps"]
    return subprocess.Popen(command, env={**os.environ, **settings.to_env()})


@app.command()
def settings() -> None:
    """List every setting, its environment variable and default."""
    table = Table("variable", "default", "meaning")
    for row in settings_table():
        table.add_row(*row)
    out.print(table)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
