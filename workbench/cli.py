"""The `workbench` command: a thin click layer over the core. Errors become one line and a non-zero exit."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.store import DEFAULT_DB_PATH, Store, open_store

F = TypeVar("F", bound=Callable[..., Any])
PACKAGE_SEEDS = Path(__file__).resolve().parent.parent / "seeds"

console = Console()
error_console = Console(stderr=True)


def db_option(function: F) -> F:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_DB_PATH,
        show_default=True,
        help="SQLite database file.",
    )(function)


def reviewer_option(function: F) -> F:
    return click.option(
        "--reviewer",
        default=None,
        help="Reviewer name recorded with each change (default: your OS user name).",
    )(function)


def report_error(message: str) -> None:
    """One unwrapped line on stderr, so scripts and people both read it whole."""
    click.echo(f"error: {message}", err=True)


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "reviewer"


def default_seeds_folder() -> Path:
    local = Path("seeds")
    return local if local.is_dir() else PACKAGE_SEEDS


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="workbench")
@db_option
@reviewer_option
@click.pass_context
def cli(ctx: click.Context, db_path: Path, reviewer: str | None) -> None:
    """Fact-checking workbench: extract claims from news articles, group them across sources, review them.

    With no command: ingest the seed articles if the database is empty, then open the review UI.
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db_path) as store:
        empty = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
        if empty and not store.readonly:
            seeds = default_seeds_folder()
            console.print(f"Empty database: ingesting the seed articles from {seeds}")
            report = run_ingest(store, [seeds])
            print_ingest_report(report)
    launch_review(db_path, reviewer)


def run_ingest(store: Store, paths: list[Path], max_bytes: int | None = None) -> Any:
    from workbench.ingest import DEFAULT_MAX_BYTES, ingest_paths

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
        disable=not error_console.is_terminal,
    ) as progress:
        task = progress.add_task("Ingesting", total=None)
        return ingest_paths(
            store,
            paths,
            max_bytes=max_bytes or DEFAULT_MAX_BYTES,
            on_total=lambda total: progress.update(task, total=total),
            on_file=lambda path: progress.update(
                task, advance=1, description=f"Ingesting {escape_markup(path.name[:40])}"
            ),
        )


def print_ingest_report(report: Any) -> None:
    table = Table(title="Ingest summary", show_lines=False)
    table.add_column("File", overflow="fold")
    table.add_column("Result")
    table.add_column("Sentences", justify="right")
    table.add_column("Claims", justify="right")
    for path, sentences, claims in report.added:
        table.add_row(escape_markup(path), "[green]added[/]", str(sentences), str(claims))
    for path in report.skipped:
        table.add_row(escape_markup(path), "[dim]unchanged, skipped[/]", "", "")
    for path, reason in report.failed:
        table.add_row(escape_markup(path), f"[red]failed:[/] {escape_markup(reason)}", "", "")
    console.print(table)
    console.print(
        f"{len(report.added)} added, {len(report.skipped)} skipped, {len(report.failed)} failed; "
        f"{report.new_claims} new claims, {report.joined_claims} new sources for existing claims"
    )


def escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--max-size", type=click.FloatRange(min=0.001), default=None, help="Largest file to read, in MB (default 20)."
)
@db_option
def ingest(paths: tuple[Path, ...], max_size: float | None, db_path: Path) -> None:
    """Read article files and folders (.txt, .md; recursively), extract claims and group them.

    Files already ingested (same bytes) are skipped; new files keep every existing claim id and verdict.
    Exits non-zero if any file failed.
    """
    with open_store(db_path) as store:
        max_bytes = int(max_size * 1_048_576) if max_size else None
        report = run_ingest(store, list(paths), max_bytes)
    print_ingest_report(report)
    for path, reason in report.failed:
        report_error(f"{path}: {reason}")
    if report.failed:
        sys.exit(1)


def launch_review(db_path: Path, reviewer: str | None) -> None:
    from workbench.ui.app import run_app

    run_app(db_path, reviewer or default_reviewer())


@cli.command()
@db_option
@reviewer_option
def review(db_path: Path, reviewer: str | None) -> None:
    """Open the keyboard-driven review UI (press ? inside for the keys)."""
    open_store(db_path).close()  # fail here, with one line, before the UI takes the screen
    launch_review(db_path, reviewer)


@cli.command()
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "json", "claimreview", "markdown"]),
    default="csv",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--status", "statuses", multiple=True, help="Only claims with this status (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--org", default=None, help="Reviewing organisation named in ClaimReview output (default: from config).")
@db_option
def export(
    export_format: str,
    output: Path | None,
    statuses: tuple[str, ...],
    force: bool,
    org: str | None,
    db_path: Path,
) -> None:
    """Export claims and verdicts as CSV (default), JSON, ClaimReview JSON-LD or a Markdown report.

    CSV is UTF-8 with a byte order mark (so Excel reads it as UTF-8); cells that a spreadsheet would run as a
    formula are prefixed with '. ClaimReview holds reviewed claims only.
    """
    from workbench import export as exporter
    from workbench.config import load_config
    from workbench.review import validate_status

    config = load_config(db_path)
    with open_store(db_path, readonly=True) as store:
        # statuses left in the data by an older vocabulary can still be exported
        present = [row[0] for row in store.conn.execute("SELECT DISTINCT status FROM reviews")]
        allowed = exporter.ordered_statuses(config, present)
        for name in statuses:
            validate_status(name, allowed)
        if output is None:
            write_export_to_stdout(store, export_format, list(statuses), org, config)
        else:
            count = exporter.write_file(
                store, export_format, output, list(statuses), org=org, force=force, config=config
            )
            error_console.print(f"Wrote {count} claims to {escape_markup(str(output))}", highlight=False)


def write_export_to_stdout(store: Store, export_format: str, statuses: list[str], org: str | None, config: Any) -> None:
    """Exports are UTF-8 whatever the terminal's locale, and CSV keeps its CRLF rows untranslated."""
    import io

    from workbench import export as exporter

    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        exporter.write_format(store, export_format, out, statuses, org=org, config=config)
        out.flush()
    finally:
        out.detach()  # sys.stdout still owns the underlying buffer


@cli.command()
@db_option
def status(db_path: Path) -> None:
    """Print counts of claims per status (in the configured order) and per document."""
    from workbench.config import load_config
    from workbench.export import ordered_statuses, status_counts

    config = load_config(db_path)
    with open_store(db_path, readonly=True) as store:
        per_status = status_counts(store)
        total = sum(per_status.values())
        table = Table(title=f"Claims by status ({total} claims)")
        table.add_column("Status")
        table.add_column("Name")
        table.add_column("Claims", justify="right")
        table.add_column("Share", justify="right")
        for name in ordered_statuses(config, per_status):
            definition = config.status(name)
            count = per_status.get(name, 0)
            share = f"{100 * count / total:.0f}%" if total else "–"
            label = f"[{definition.color}]{escape_markup(definition.label)}[/]"
            table.add_row(label, name, str(count), share)
        console.print(table)
        documents = Table(title="Documents")
        documents.add_column("File", overflow="fold")
        documents.add_column("Title", overflow="fold")
        documents.add_column("Claims", justify="right")
        documents.add_column("Reviewed", justify="right")
        for row in store.conn.execute(
            """
            SELECT d.file_name, d.title, COUNT(DISTINCT m.claim_id),
                   COUNT(DISTINCT CASE WHEN r.status != 'unreviewed' THEN m.claim_id END)
            FROM documents d LEFT JOIN mentions m ON m.document_id = d.id
            LEFT JOIN reviews r ON r.claim_id = m.claim_id
            GROUP BY d.id ORDER BY d.seq
            """
        ):
            documents.add_row(escape_markup(row[0]), escape_markup(row[1] or ""), str(row[2]), str(row[3]))
        console.print(documents)


@cli.command(name="set")
@click.argument("claim_id")
@click.option("--status", "new_status", default=None, help="New verification status (one of the configured ones).")
@click.option("--note", default=None, help='New note (replaces the old one; "" clears it).')
@click.option(
    "--reviewer", default=None, help="Reviewer recorded with the change (default: config reviewer, else OS user)."
)
@db_option
def set_command(claim_id: str, new_status: str | None, note: str | None, reviewer: str | None, db_path: Path) -> None:
    """Change one claim's status and/or note from a script (only the fields given change).

    Writes the same history rows as the review UI. Exits 1 on an unknown claim id or status.
    """
    from workbench.config import load_config
    from workbench.review import update_review, validate_status

    if new_status is None and note is None:
        raise click.UsageError("give --status and/or --note")
    config = load_config(db_path)
    if new_status is not None:
        validate_status(new_status, config.status_names)
    who = reviewer or config.reviewer or default_reviewer()
    with open_store(db_path, create=False) as store:
        changes = update_review(
            store, claim_id, reviewer=who, status=new_status, note=note, statuses=config.status_names
        )
    if not changes:
        click.echo(f"{claim_id}: nothing changed (already so)")
    for change in changes:
        click.echo(
            f"{claim_id}: {change.field} {describe_value(change.old_value)} -> {describe_value(change.new_value)}"
        )


def describe_value(value: str | None) -> str:
    """A status or note as one short line: notes can be long and span lines."""
    text = " ".join((value or "").split())
    if not text:
        return "(empty)"
    return repr(text if len(text) <= 60 else text[:57] + "...")


@cli.command()
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, hidden=True)
def score(threshold: float | None) -> None:
    """Score sentences (one per line on stdin) for check-worthiness: prints `score<TAB>sentence`.

    Scores are in 0..1; 0.5 is the decision threshold.
    """
    from workbench.extract.checkworthiness import score_sentences

    lines = [line.rstrip("\n") for line in sys.stdin]
    sentences = [line for line in lines if line.strip()]
    for value, sentence in zip(score_sentences(sentences), sentences, strict=True):
        click.echo(f"{value:.4f}\t{sentence}")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        error_console.print("Aborted.")
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exit_request:
        sys.exit(exit_request.exit_code)
    except WorkbenchError as error:
        report_error(str(error))
        sys.exit(1)
    except KeyboardInterrupt:
        error_console.print("Interrupted.")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
