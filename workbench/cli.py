"""The `workbench` command: a thin click layer over the core. Errors become one line and a non-zero exit."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.store import DEFAULT_DB_PATH, Store, open_store

if TYPE_CHECKING:
    from workbench.ingest import IngestReport

F = TypeVar("F", bound=Callable[..., Any])
PACKAGE_SEEDS = Path(__file__).resolve().parent.parent / "seeds"

console = Console()
error_console = Console(stderr=True)


def _given_before_the_command(
    name: str, fallback: object
) -> Callable[[click.Context, click.Parameter, object], object]:
    """An option a command leaves unset takes the value given to `workbench` itself: `workbench --db X ingest`
    must ingest into X, not silently into the default database."""

    def resolve(ctx: click.Context, _: click.Parameter, value: object) -> object:
        if value is not None:
            return value
        parent = ctx.parent
        while parent is not None:
            if parent.params.get(name) is not None:
                return parent.params[name]
            parent = parent.parent
        return fallback

    return resolve


def db_option(function: F) -> F:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_given_before_the_command("db_path", DEFAULT_DB_PATH),
        show_default=str(DEFAULT_DB_PATH),
        help="SQLite database file.",
    )(function)


def reviewer_option(function: F) -> F:
    return click.option(
        "--reviewer",
        default=None,
        callback=_given_before_the_command("reviewer", None),
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


def run_ingest(store: Store, paths: list[Path], max_bytes: int | None = None) -> IngestReport:
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


# A run over a whole folder of wire copy lists thousands of files: past this many, added and skipped files are
# summed up in one row each (failures are always listed, one row per file, since each needs attention). The report
# names as many of each (workbench.ingest.REPORT_LISTED_FILES, not imported here: ingest is slow to import).
MAX_LISTED_FILES = 50


def print_ingest_report(report: IngestReport) -> None:
    table = Table(title="Ingest summary", show_lines=False)
    table.add_column("File", overflow="fold")
    table.add_column("Result")
    table.add_column("Sentences", justify="right")
    table.add_column("Claims", justify="right")
    # Counts are exact; names are kept for the first files only, so a list is printed only if it is whole.
    listed = (
        len(report.added) + len(report.skipped) <= MAX_LISTED_FILES
        and report.added.complete
        and report.skipped.complete
    )
    if listed:
        for path, sentences, claims in report.added:
            table.add_row(escape_markup(path), "[green]added[/]", str(sentences), str(claims))
        for path in report.skipped:
            table.add_row(escape_markup(path), "[dim]unchanged, skipped[/]", "", "")
    else:
        added = report.added
        table.add_row(f"{len(added):,} files", "[green]added[/]", f"{added.sentences:,}", f"{added.claims:,}")
        if report.skipped:
            table.add_row(f"{len(report.skipped):,} files", "[dim]unchanged, skipped[/]", "", "")
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
    "--max-size", type=click.FloatRange(min=0.001), default=None, help="Largest file to read, in MB (default 5)."
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
        print_final_counts(store, config.required_signoffs)
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
    "--reviewer",
    default=None,
    callback=_given_before_the_command("reviewer", None),
    help="Reviewer recorded with the change (default: config reviewer, else OS user).",
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
        # With two sign-offs required, setting the verdict a claim already has is this reviewer agreeing to it.
        signed = bool(new_status and not changes and config.required_signoffs > 1)
        signed = signed and sign_off_verdict(store, claim_id, who)
    if signed:
        click.echo(f"{claim_id}: {who} signed off the verdict {new_status!r}")
    elif not changes:
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


def print_final_counts(store: Store, required_signoffs: int) -> None:
    from workbench.reviewers import final_counts

    final, reviewed = final_counts(store, required_signoffs)
    rule = "two reviewers agree" if required_signoffs > 1 else "one reviewer's verdict"
    console.print(f"Final: {final} of {reviewed} reviewed claims ({rule})", highlight=False)


def sign_off_verdict(store: Store, claim_id: str, reviewer: str) -> bool:
    from workbench.reviewers import sign_off

    return sign_off(store, claim_id, reviewer=reviewer)


def configured_reviewer(db_path: Path, reviewer: str | None) -> str:
    from workbench.config import load_config

    return reviewer or load_config(db_path).reviewer or default_reviewer()


def short(text: str | None, width: int = 70) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@cli.command()
@click.argument("claim_id", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the oldest N entries.")
@db_option
def history(claim_id: str | None, limit: int | None, db_path: Path) -> None:
    """Print the audit trail: who changed what, from what to what, and when (all claims, or one).

    Nothing is ever deleted from it: undone changes stay, marked with the undo that reverted them.
    """
    from workbench.corrections import claim_history
    from workbench.errors import NotFoundError

    with open_store(db_path, readonly=True) as store:
        if claim_id is not None and not _claim_known(store, claim_id):
            raise NotFoundError(f"no claim with id {claim_id!r}")
        rows = claim_history(store, claim_id, limit)
    table = Table(title=f"History of {claim_id}" if claim_id else "History")
    table.add_column("#", justify="right")
    table.add_column("When")
    table.add_column("Who")
    if claim_id is None:
        table.add_column("Claim")
    table.add_column("Action")
    table.add_column("Field")
    table.add_column("From → to", overflow="fold")
    for row in rows:
        change = f"{escape_markup(short(row['old_value'], 40))} → {escape_markup(short(row['new_value'], 40))}"
        action = row["action"] + (f" [dim](undone by #{row['undone_by']})[/]" if row["undone_by"] else "")
        cells = [str(row["id"]), row["at"], escape_markup(row["reviewer"] or "")]
        if claim_id is None:
            cells.append(row["claim_id"])
        table.add_row(*cells, action, row["field"] or "", change)
    console.print(table)
    if not rows:
        console.print("No changes recorded yet.")


def _claim_known(store: Store, claim_id: str) -> bool:
    query = "SELECT 1 FROM claims WHERE id = ? UNION ALL SELECT 1 FROM retired_claims WHERE id = ?"
    return store.conn.execute(query, [claim_id, claim_id]).fetchone() is not None


@cli.command(name="merge")
@click.argument("other_db", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def merge_command(other_db: Path, db_path: Path) -> None:
    """Bring in another reviewer's verdicts from OTHER_DB (same articles); OTHER_DB is only read.

    Claims are matched by id, else by source spans. Where only they reviewed, their verdict is taken; where
    both reviewed and differ, yours stays and the disagreement is listed (see `workbench conflicts`).
    """
    from workbench.reviewers import merge_reviews

    with open_store(db_path, create=False) as store:
        report = merge_reviews(store, other_db)
    table = Table(title=f"Merged verdicts from {other_db}")
    for column in ("Outcome", "Claim", "Matched by", "Yours", "Theirs", "Reviewer", "Claim text"):
        table.add_column(column, overflow="fold")
    styles = {"imported": "green", "conflict": "red", "agreed": "cyan", "already": "dim", "unmatched": "yellow"}
    for row in report.rows:
        table.add_row(
            f"[{styles[row.outcome]}]{row.outcome}[/]",
            row.claim_id or row.other_claim_id,
            row.matched_by,
            row.local_status or "",
            row.other_status,
            escape_markup(row.other_reviewer),
            escape_markup(short(row.text, 60)),
        )
    console.print(table)
    counts = ", ".join(f"{report.count(name)} {name}" for name in styles)
    console.print(f"{counts}. Your verdicts were never overwritten.", highlight=False)


@cli.command()
@click.option("--resolve", "conflict_id", type=int, default=None, help="Settle this conflict (with --status).")
@click.option("--status", "new_status", default=None, help="The verdict that settles the conflict.")
@click.option("--all", "show_all", is_flag=True, help="List resolved conflicts too.")
@reviewer_option
@db_option
def conflicts(
    conflict_id: int | None, new_status: str | None, show_all: bool, reviewer: str | None, db_path: Path
) -> None:
    """List disagreements between your verdicts and merged ones, or settle one with --resolve ID --status S."""
    from workbench.config import load_config
    from workbench.reviewers import list_conflicts, resolve_conflict

    config = load_config(db_path)
    if conflict_id is not None:
        if new_status is None:
            raise click.UsageError("--resolve needs --status")
        who = reviewer or config.reviewer or default_reviewer()
        with open_store(db_path, create=False) as store:
            resolved = resolve_conflict(store, conflict_id, new_status, reviewer=who, statuses=config.status_names)
        click.echo(f"conflict {resolved.id} on {resolved.claim_id}: resolved as {resolved.resolved_status!r} by {who}")
        return
    with open_store(db_path, readonly=True) as store:
        rows = list_conflicts(store, state=None if show_all else "open")
        texts = {row[0]: row[1] for row in store.conn.execute("SELECT id, text FROM claims")}
    table = Table(title="Reviewer conflicts" + ("" if show_all else " (open)"))
    for column in ("#", "Claim", "Yours", "Theirs", "Their reviewer", "State", "Claim text"):
        table.add_column(column, overflow="fold")
    for row in rows:
        state = row.state if row.state == "open" else f"{row.state}: {row.resolved_status} ({row.resolved_by})"
        table.add_row(
            str(row.id),
            row.claim_id,
            f"{row.local_status} ({row.local_reviewer or '?'})",
            row.other_status,
            escape_markup(row.other_reviewer),
            escape_markup(state),
            escape_markup(short(texts.get(row.claim_id), 60)),
        )
    console.print(table)


@cli.command(name="agreement")
@db_option
def agreement_command(db_path: Path) -> None:
    """Print verdict counts per status for each reviewer, and Cohen's kappa between each pair of reviewers.

    A reviewer's verdict is their latest status on a claim that they have not undone; kappa is computed over
    the claims both reviewers gave a verdict on.
    """
    from workbench.config import load_config
    from workbench.export import ordered_statuses
    from workbench.models import UNREVIEWED
    from workbench.reviewers import agreement

    config = load_config(db_path)
    with open_store(db_path, readonly=True) as store:
        report = agreement(store)
    reviewers = sorted(report.per_reviewer)
    used = {status for counts in report.per_reviewer.values() for status in counts}
    counts = Table(title="Verdicts per reviewer")
    counts.add_column("Status")
    for reviewer in reviewers:
        counts.add_column(escape_markup(reviewer), justify="right")
    for name in ordered_statuses(config, used):
        if name == UNREVIEWED:
            continue
        counts.add_row(name, *(str(report.per_reviewer[reviewer].get(name, 0)) for reviewer in reviewers))
    console.print(counts)
    pairs = Table(title="Agreement between reviewers")
    for column in ("Reviewer", "Reviewer", "Both reviewed", "Agreed", "Cohen's kappa"):
        pairs.add_column(column, justify="right" if column not in ("Reviewer",) else "left")
    for pair in report.pairs:
        kappa = "n/a" if pair.kappa is None else f"{pair.kappa:.3f}"
        pairs.add_row(
            escape_markup(pair.first), escape_markup(pair.second), str(pair.both_reviewed), str(pair.agreed), kappa
        )
    console.print(pairs)
    if not report.pairs:
        console.print("Fewer than two reviewers have verdicts: nothing to compare.")


@cli.command(name="regroup")
@db_option
def regroup_command(db_path: Path) -> None:
    """Group every source passage again from scratch, keeping claim ids, then re-apply hand corrections.

    Claims left without passages are retired with their verdicts (kept, listed below), never deleted.
    """
    from workbench.corrections import regroup

    with open_store(db_path, create=False) as store:
        report = regroup(store)
    console.print(
        f"{report.mentions} passages in {report.groups} groups; {report.kept_ids} kept their claim id, "
        f"{len(report.new_claims)} new claims, {len(report.retired_claims)} retired, "
        f"{report.moved_mentions} passages moved; {report.corrections_applied} hand corrections applied",
        highlight=False,
    )
    for claim_id, verdict in report.retired_with_verdict:
        console.print(f"retired with a verdict: {claim_id} ({verdict})", highlight=False)


@cli.command(name="discrepancies")
@click.option("--contradictions", "show_contradictions", is_flag=True, help="List contradicting claim pairs instead.")
@click.option(
    "--kind",
    type=click.Choice(["number", "date", "spelling", "claimant", "hedging"]),
    default=None,
    help="Only this kind of discrepancy.",
)
@db_option
def discrepancies_command(show_contradictions: bool, kind: str | None, db_path: Path) -> None:
    """List claims whose sources disagree (numbers, dates, spellings, claimants, hedging), with the differing spans.

    With --contradictions: pairs of claims from different documents where one negates the other.
    """
    from workbench import discrepancies

    with open_store(db_path, readonly=True) as store:
        if show_contradictions:
            table = Table(title="Contradicting claims")
            for column in ("Score", "Claim", "Text", "Claim", "Text", "Shared words"):
                table.add_column(column, overflow="fold")
            for row in discrepancies.all_contradictions(store):
                table.add_row(
                    f"{row['score']:.2f}",
                    row["claim_a"],
                    escape_markup(short(row["text_a"], 60)),
                    row["claim_b"],
                    escape_markup(short(row["text_b"], 60)),
                    ", ".join(row["evidence"].get("shared", [])),
                )
            console.print(table)
            return
        flagged = discrepancies.flagged_claims(store, kind)
        table = Table(title=f"Claims whose sources disagree ({len(flagged)})", show_lines=True)
        for column in ("Claim", "Text", "Kind", "Differing spans (document: text @ offset)"):
            table.add_column(column, overflow="fold")
        for claim in flagged:
            for found in discrepancies.claim_discrepancies(store, claim["id"]):
                if kind is not None and found.kind != kind:
                    continue
                spans = "\n".join(
                    f"{_document_name(store, span.document_id)}: {escape_markup(span.text)!s} @ {span.start}"
                    for span in found.spans
                )
                table.add_row(claim["id"], escape_markup(short(claim["text"], 60)), found.kind, spans)
        console.print(table)


def _document_name(store: Store, document_id: str) -> str:
    row = store.conn.execute("SELECT file_name FROM documents WHERE id = ?", [document_id]).fetchone()
    return escape_markup(row[0]) if row else document_id


@cli.group()
def correct() -> None:
    """Fix the machine's grouping by hand: merge claims, split a passage off, edit wording or claimant.

    Every correction is stored, shows in `workbench history`, can be undone (`workbench undo`) and survives
    re-ingest and `workbench regroup`.
    """


@correct.command(name="merge")
@click.argument("source_claim")
@click.argument("target_claim")
@reviewer_option
@db_option
def correct_merge(source_claim: str, target_claim: str, reviewer: str | None, db_path: Path) -> None:
    """Fold SOURCE_CLAIM's passages into TARGET_CLAIM (SOURCE_CLAIM and its verdict are retired, not deleted)."""
    from workbench.corrections import merge_claims

    with open_store(db_path, create=False) as store:
        result = merge_claims(store, source_claim, target_claim, reviewer=configured_reviewer(db_path, reviewer))
    click.echo(result.description)


@correct.command(name="split")
@click.argument("mention_id")
@reviewer_option
@db_option
def correct_split(mention_id: str, reviewer: str | None, db_path: Path) -> None:
    """Take source passage MENTION_ID out of its claim into a claim of its own (see `correct sources`)."""
    from workbench.corrections import split_mention

    with open_store(db_path, create=False) as store:
        result = split_mention(store, mention_id, reviewer=configured_reviewer(db_path, reviewer))
    click.echo(result.description)


@correct.command(name="edit")
@click.argument("claim_id")
@click.option("--text", default=None, help="New wording of the claim.")
@click.option("--claimant", default=None, help='New claimant ("" clears it).')
@reviewer_option
@db_option
def correct_edit(claim_id: str, text: str | None, claimant: str | None, reviewer: str | None, db_path: Path) -> None:
    """Change CLAIM_ID's wording and/or claimant."""
    from workbench.corrections import edit_claim

    if text is None and claimant is None:
        raise click.UsageError("give --text and/or --claimant")
    with open_store(db_path, create=False) as store:
        results = edit_claim(
            store, claim_id, reviewer=configured_reviewer(db_path, reviewer), text=text, claimant=claimant
        )
    for result in results:
        click.echo(result.description)
    if not results:
        click.echo(f"{claim_id}: nothing changed (already so)")


@correct.command(name="sources")
@click.argument("claim_id")
@db_option
def correct_sources(claim_id: str, db_path: Path) -> None:
    """List CLAIM_ID's source passages with their mention ids (for `correct split`)."""
    from workbench.corrections import claim_mentions
    from workbench.errors import NotFoundError

    with open_store(db_path, readonly=True) as store:
        if not store.conn.execute("SELECT 1 FROM claims WHERE id = ?", [claim_id]).fetchone():
            raise NotFoundError(f"no claim with id {claim_id!r}")
        rows = claim_mentions(store, claim_id)
    table = Table(title=f"Sources of {claim_id}")
    for column in ("Mention", "Document", "Offsets", "Quote"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["id"], escape_markup(row["file_name"]), f"{row['start']}-{row['end']}", escape_markup(row["quote"])
        )
    console.print(table)


@cli.command()
@reviewer_option
@db_option
def undo(reviewer: str | None, db_path: Path) -> None:
    """Undo your most recent change of any kind (status, note, merge, split, edit), like `z` in the UI."""
    from workbench.review import undo_last

    who = configured_reviewer(db_path, reviewer)
    with open_store(db_path, create=False) as store:
        change = undo_last(store, reviewer=who)
    if change is None:
        click.echo(f"nothing to undo for {who}")
        return
    click.echo(f"undid {change.action} on {change.claim_id}: {change.field} back to {describe_value(change.new_value)}")


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
