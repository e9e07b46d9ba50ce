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
from workbench.models import DEFAULT_STATUSES
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
            on_file=lambda path: progress.update(task, advance=1, description=f"Ingesting {path.name[:40]}"),
        )


def print_ingest_report(report: Any) -> None:
    table = Table(title="Ingest summary", show_lines=False)
    table.add_column("File", overflow="fold")
    table.add_column("Result")
    table.add_column("Sentences", justify="right")
    table.add_column("Claims", justify="right")
    for path, sentences, claims in report.added:
        table.add_row(path, "[green]added[/]", str(sentences), str(claims))
    for path in report.skipped:
        table.add_row(path, "[dim]unchanged, skipped[/]", "", "")
    for path, reason in report.failed:
        table.add_row(path, f"[red]failed:[/] {escape_markup(reason)}", "", "")
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
@click.option("--org", default=None, help="Reviewing organisation named in ClaimReview output.")
@db_option
def export(
    export_format: str,
    output: Path | None,
    statuses: tuple[str, ...],
    force: bool,
    org: str | None,
    db_path: Path,
) -> None:
    """Export claims and verdicts as CSV (default), JSON, ClaimReview JSON-LD or a Markdown report."""
    from workbench import export as exporter
    from workbench.review import validate_status

    for status in statuses:
        validate_status(status)
    with open_store(db_path, readonly=True) as store:
        if output is None:
            count = exporter.write_format(store, export_format, sys.stdout, list(statuses), org=org)
        else:
            count = exporter.write_file(store, export_format, output, list(statuses), org=org, force=force)
            error_console.print(f"Wrote {count} claims to {output}")


@cli.command()
@db_option
def status(db_path: Path) -> None:
    """Print counts of claims per status and per document."""
    with open_store(db_path, readonly=True) as store:
        per_status = dict(
            store.conn.execute(
                "SELECT COALESCE(r.status, 'unreviewed'), COUNT(*) FROM claims c"
                " LEFT JOIN reviews r ON r.claim_id = c.id GROUP BY 1"
            ).fetchall()
        )
        total = sum(per_status.values())
        table = Table(title=f"Claims by status ({total} claims)")
        table.add_column("Status")
        table.add_column("Claims", justify="right")
        for name in [*DEFAULT_STATUSES, *sorted(set(per_status) - set(DEFAULT_STATUSES))]:
            table.add_row(name, str(per_status.get(name, 0)))
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
@click.option("--status", "new_status", default=None, help="New verification status.")
@click.option("--note", default=None, help="New note (replaces the old one).")
@reviewer_option
@db_option
def set_command(claim_id: str, new_status: str | None, note: str | None, reviewer: str | None, db_path: Path) -> None:
    """Change one claim's status and/or note from a script (only the fields given change)."""
    from workbench.review import update_review

    if new_status is None and note is None:
        raise click.UsageError("give --status and/or --note")
    with open_store(db_path, create=False) as store:
        changes = update_review(store, claim_id, reviewer=reviewer or default_reviewer(), status=new_status, note=note)
    if not changes:
        console.print(f"{claim_id}: nothing changed")
    for change in changes:
        console.print(f"{claim_id}: {change.field} changed", highlight=False)


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
