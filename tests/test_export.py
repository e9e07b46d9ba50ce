"""Export formats parsed back: CSV (RFC 4180, formula-safe, notes round-trip), JSON, ClaimReview JSON-LD, Markdown."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.config import Config, StatusDef
from workbench.errors import InvalidValueError, WorkbenchError
from workbench.export import (
    CSV_COLUMNS,
    FORMULA_TRIGGERS,
    RatingScale,
    export_records,
    neutralise_formula,
    write_file,
    write_format,
)
from workbench.review import update_review
from workbench.store import Store

TRICKY_NOTE = 'Ministry says "no", see: a, b, c\nsecond line;\r\nthird line 🙂 — ü, 中文'
DOCUMENT_TEXTS = {
    "d1": "Alpha said the drones came at night. Beta denied it. The city banned flights.",
    "d2": "Reports: Alpha said drones came at night, officials told reporters. Gamma claimed 12 drones.",
    "d3": "Nothing about drones here, only a quote: Beta denied it.",
}


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbench.toml in the real user config folder must not change what these tests see."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


def span(document_id: str, quote: str) -> tuple[int, int]:
    start = DOCUMENT_TEXTS[document_id].index(quote)
    return start, start + len(quote)


def build_small_db(store: Store) -> None:
    """Three documents, five claims: sources spread over documents (stored out of order), one claim with none."""
    now = "2024-05-03T10:00:00.000Z"
    claims = [
        ("c1", "The drones came at night", "Alpha", 10),
        ("c2", "Beta denied it", "Beta", 20),
        ("c3", "The city banned flights", None, 30),
        ("c4", "12 drones were used", "Gamma", 40),
        ("c5", "A claim whose passages were all corrected away", None, 50),
    ]
    mentions = [  # inserted in an order unlike document order, to exercise the ordered merge
        ("m4", "c4", "d2", "Gamma claimed 12 drones"),
        ("m2b", "c2", "d3", "Beta denied it"),
        ("m1b", "c1", "d2", "Alpha said drones came at night"),
        ("m3", "c3", "d1", "The city banned flights"),
        ("m1a", "c1", "d1", "Alpha said the drones came at night"),
        ("m2a", "c2", "d1", "Beta denied it"),
    ]
    with store.write() as db:
        db["documents"].insert_all(
            {
                "id": document_id,
                "seq": seq,
                "file_name": f"{seq:03d}_{document_id}.txt",
                "source_path": f"/corpus/{document_id}.txt",
                "title": f"Story {document_id.upper()}" if document_id != "d3" else None,
                "outlet": "Wire" if document_id == "d2" else None,
                "text": DOCUMENT_TEXTS[document_id],
                "content_hash": f"hash-{document_id}",
                "ingested_at": now,
            }
            for seq, document_id in enumerate(DOCUMENT_TEXTS)
        )
        db["claims"].insert_all(
            {
                "id": claim_id,
                "text": text,
                "claimant": claimant,
                "channel": "said" if claimant else None,
                "checkworthiness": 0.75,
                "source_count": 0,
                "document_count": 0,
                "sort_key": sort_key,
                "created_at": now,
                "updated_at": now,
            }
            for claim_id, text, claimant, sort_key in claims
        )
        db["reviews"].insert_all(
            {"claim_id": claim_id, "status": "unreviewed", "note": "", "updated_at": now} for claim_id, *_ in claims
        )
        rows = []
        for mention_id, claim_id, document_id, quote in mentions:
            start, end = span(document_id, quote)
            rows.append(
                {
                    "id": mention_id,
                    "claim_id": claim_id,
                    "document_id": document_id,
                    "sentence_id": None,
                    "start": start,
                    "end": end,
                    "quote": quote,
                    "claim_text": None,
                    "claimant": None,
                    "channel": None,
                    "checkworthiness": 0.75,
                    "created_at": now,
                }
            )
        db["mentions"].insert_all(rows)


@pytest.fixture
def small_store(store: Store) -> Store:
    build_small_db(store)
    update_review(store, "c1", reviewer="ana", status="false", note=TRICKY_NOTE)
    update_review(store, "c2", reviewer="ben", status="true")
    update_review(store, "c3", reviewer="ana", status="not_checkworthy", note="Routine announcement")
    update_review(store, "c4", reviewer="ana", status="unverifiable", note="No count published")
    return store


def run_export(db_path: Path, *args: str) -> bytes:
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout_bytes


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def set_text_cells(store: Store, value: str) -> None:
    """Every free-text field an export copies into a cell starts with `value`."""
    with store.write():
        store.conn.execute("UPDATE claims SET text = ? || text, claimant = ? || COALESCE(claimant, '')", [value, value])
        store.conn.execute("UPDATE mentions SET quote = ? || quote", [value])
        store.conn.execute("UPDATE documents SET title = ? || COALESCE(title, file_name)", [value])
        store.conn.execute("UPDATE reviews SET note = ? || note, reviewer = ?", [value, value + "rev"])


# ------------------------------------------------------------------------------------------------------- CSV


def test_csv_has_the_documented_columns_one_row_per_claim_and_rfc4180_bytes(small_store: Store, db_path: Path) -> None:
    data = run_export(db_path)  # csv is the default
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads the sheet as UTF-8
    quoted_note = ('"' + TRICKY_NOTE.replace('"', '""') + '"').encode()
    assert quoted_note in data  # RFC 4180: quoted field, inner quotes doubled, line breaks kept
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(quoted_note, b"").replace(b"\r\n", b"")
    rows = read_csv(data)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["claim_id"] for row in rows] == ["c1", "c2", "c3", "c4", "c5"]
    first = rows[0]
    assert first["claim"] == "The drones came at night"
    assert first["claimant"] == "Alpha"
    assert first["status"] == "false"
    assert first["reviewer"] == "ana"
    assert first["reviewed_at"].startswith("20")
    assert float(first["checkworthiness"]) == 0.75
    assert first["source_count"] == "2"
    assert first["sources"] == "Story D1 | Story D2"
    assert first["first_source_quote"] == "Alpha said the drones came at night"
    # a document without a title is named by its file; one document quoted twice is listed once
    assert rows[1]["sources"] == "Story D1 | 002_d3.txt"
    assert rows[4]["source_count"] == "0" and rows[4]["sources"] == "" and rows[4]["first_source_quote"] == ""


@pytest.mark.parametrize(
    "note",
    [
        TRICKY_NOTE,
        'He said "yes", then "no"',
        "line one\nline two\n\nline four",
        "commas, everywhere, ,,,",
        "emoji 🙂🇺🇦 and RTL שלום",
        'trailing quote"',
        "",
    ],
)
def test_csv_notes_round_trip(small_store: Store, db_path: Path, note: str) -> None:
    update_review(small_store, "c2", reviewer="ana", note=note)
    rows = {row["claim_id"]: row for row in read_csv(run_export(db_path))}
    assert rows["c2"]["note"] == note
    assert rows["c2"]["claim"] == "Beta denied it"


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_csv_neutralises_formula_cells_in_every_text_column(small_store: Store, db_path: Path, trigger: str) -> None:
    set_text_cells(small_store, trigger + "1+2")
    rows = read_csv(run_export(db_path))
    text_columns = ("claim", "claimant", "note", "reviewer", "sources", "first_source_quote")
    for row in rows:
        for column in text_columns:
            if column in ("sources", "first_source_quote") and row["source_count"] == "0":
                continue
            assert row[column].startswith("'" + trigger + "1+2"), (column, row[column])
            assert not row[column].startswith(FORMULA_TRIGGERS)


def test_neutralise_formula_leaves_safe_text_and_numbers_alone() -> None:
    assert neutralise_formula("Putin said 2+2") == "Putin said 2+2"
    assert neutralise_formula("'quoted") == "'quoted"
    assert neutralise_formula(None) == ""
    assert neutralise_formula("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise_formula("@cmd") == "'@cmd"
    assert neutralise_formula("-5 %") == "'-5 %"


def test_status_filter_is_repeatable(small_store: Store, db_path: Path) -> None:
    rows = read_csv(run_export(db_path, "--status", "false", "--status", "true"))
    assert [(row["claim_id"], row["status"]) for row in rows] == [("c1", "false"), ("c2", "true")]
    claims = json.loads(run_export(db_path, "--format", "json", "--status", "unreviewed"))["claims"]
    assert [claim["id"] for claim in claims] == ["c5"]
    none = read_csv(run_export(db_path, "--status", "misleading"))
    assert none == []


def test_unknown_status_filter_is_an_error_naming_the_choices(small_store: Store, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--status", "bogus"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidValueError)
    assert "'bogus'" in str(result.exception) and "misleading" in str(result.exception)


# ------------------------------------------------------------------------------------------------------ JSON


def test_json_is_complete_and_quotes_are_verbatim_document_spans(small_store: Store, db_path: Path) -> None:
    claims = json.loads(run_export(db_path, "--format", "json"))["claims"]
    assert [claim["id"] for claim in claims] == ["c1", "c2", "c3", "c4", "c5"]
    first = claims[0]
    assert {"id", "text", "claimant", "status", "note", "reviewer", "reviewed_at", "checkworthiness", "sources"} <= set(
        first
    )
    assert first["note"] == TRICKY_NOTE and first["status"] == "false" and first["status_label"] == "False"
    assert [source["document"] for source in first["sources"]] == ["000_d1.txt", "001_d2.txt"]
    texts = {f"{seq:03d}_{key}.txt": text for seq, (key, text) in enumerate(DOCUMENT_TEXTS.items())}
    for claim in claims:
        for source in claim["sources"]:
            assert {"document", "title", "quote", "start", "end"} <= set(source)
            assert texts[source["document"]][source["start"] : source["end"]] == source["quote"]
    assert claims[4]["sources"] == []


def test_empty_database_exports_valid_empty_documents(store: Store, db_path: Path) -> None:
    assert json.loads(run_export(db_path, "--format", "json")) == {"claims": []}
    assert json.loads(run_export(db_path, "--format", "claimreview")) == []
    assert read_csv(run_export(db_path)) == []
    assert "No claims to report" in run_export(db_path, "--format", "markdown").decode()


def test_ordered_merge_matches_a_per_claim_query(seeded_store: Store) -> None:
    claim_ids = [row[0] for row in seeded_store.query("SELECT id FROM claims ORDER BY sort_key, id")]
    for index, claim_id in enumerate(claim_ids[::3]):
        update_review(seeded_store, claim_id, reviewer="ana", status=("false", "true", "misleading")[index % 3])
    for statuses in (None, ["false"], ["true", "unreviewed"]):
        records = list(export_records(seeded_store, statuses))
        assert records, statuses
        for record in records:
            expected = [
                (row[0], row[1], row[2], row[3])
                for row in seeded_store.query(
                    'SELECT d.file_name, m.quote, m.start, m."end" FROM mentions m JOIN documents d'
                    " ON d.id = m.document_id WHERE m.claim_id = ? ORDER BY d.seq, m.start",
                    [record["id"]],
                )
            ]
            got = [(s["document"], s["quote"], s["start"], s["end"]) for s in record["sources"]]
            assert got == expected
            assert statuses is None or record["status"] in statuses


# ------------------------------------------------------------------------------------------------ ClaimReview


def test_claimreview_holds_only_verdicts_with_the_required_keys(small_store: Store, db_path: Path) -> None:
    items = json.loads(run_export(db_path, "--format", "claimreview"))
    # c3 is not check-worthy and c5 unreviewed: neither is a published verdict
    assert [item["identifier"] for item in items] == ["c1", "c2", "c4"]
    for item in items:
        assert item["@context"] == "https://schema.org"
        assert item["@type"] == "ClaimReview"
        assert {"claimReviewed", "reviewRating", "itemReviewed", "datePublished", "author"} <= set(item)
        assert item["author"] == {"@type": "Organization", "name": "Unknown"}
        assert item["itemReviewed"]["@type"] == "Claim"
        assert item["reviewRating"]["@type"] == "Rating"
        assert len(item["datePublished"]) == 10 and item["datePublished"].startswith("20")
    false_item, true_item, unverifiable_item = items
    assert false_item["claimReviewed"] == "The drones came at night"
    assert false_item["itemReviewed"]["author"]["name"] == "Alpha"
    appearances = false_item["itemReviewed"]["appearance"]
    assert [appearance["text"] for appearance in appearances] == [
        "Alpha said the drones came at night",
        "Alpha said drones came at night",
    ]
    assert appearances[1]["publisher"]["name"] == "Wire"
    assert false_item["reviewBody"] == TRICKY_NOTE
    assert false_item["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "False",
        "ratingValue": 1,
        "bestRating": 3,
        "worstRating": 1,
    }
    assert true_item["reviewRating"]["ratingValue"] == 3 and true_item["reviewRating"]["alternateName"] == "True"
    assert "ratingValue" not in unverifiable_item["reviewRating"]
    assert unverifiable_item["reviewRating"]["alternateName"] == "Unverifiable"


def test_claimreview_organisation_from_option_then_config(small_store: Store, db_path: Path) -> None:
    items = json.loads(run_export(db_path, "--format", "claimreview", "--org", "Check Desk"))
    assert {item["author"]["name"] for item in items} == {"Check Desk"}
    (db_path.parent / "workbench.toml").write_text('organisation = "Example Fact Check"\n', encoding="utf-8")
    items = json.loads(run_export(db_path, "--format", "claimreview"))
    assert {item["author"]["name"] for item in items} == {"Example Fact Check"}


SIX_POINT_SCALE = """
organisation = "Six Point Desk"
[[status]]
name = "true"
label = "True"
key = "1"
[[status]]
name = "mostly_true"
label = "Mostly True"
key = "2"
[[status]]
name = "half_true"
label = "Half True"
key = "3"
[[status]]
name = "mostly_false"
label = "Mostly False"
key = "4"
[[status]]
name = "false"
label = "False"
key = "5"
[[status]]
name = "pants_on_fire"
label = "Pants on Fire!"
key = "6"
"""


def test_claimreview_rates_a_configured_six_point_scale(small_store: Store, db_path: Path) -> None:
    (db_path.parent / "workbench.toml").write_text(SIX_POINT_SCALE, encoding="utf-8")
    update_review(small_store, "c2", reviewer="ana", status="mostly_true", statuses=("mostly_true",))
    update_review(small_store, "c4", reviewer="ana", status="pants_on_fire", statuses=("pants_on_fire",))
    items = {item["identifier"]: item for item in json.loads(run_export(db_path, "--format", "claimreview"))}
    assert items["c2"]["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Mostly True",
        "ratingValue": 5,
        "bestRating": 6,
        "worstRating": 1,
    }
    assert items["c4"]["reviewRating"]["ratingValue"] == 1
    assert items["c4"]["reviewRating"]["alternateName"] == "Pants on Fire!"
    assert items["c1"]["reviewRating"]["ratingValue"] == 2
    assert items["c1"]["author"]["name"] == "Six Point Desk"
    # the configured statuses are valid filters; a status only the default scale has is not
    rows = read_csv(run_export(db_path, "--status", "mostly_true"))
    assert [row["claim_id"] for row in rows] == ["c2"]
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--status", "misleading"])
    assert result.exit_code == 1 and "mostly_true" in str(result.exception)


def test_rating_scale_of_unknown_names_follows_configured_order_best_first() -> None:
    statuses = (
        StatusDef("unreviewed", "Unreviewed", None, "grey50"),
        StatusDef("correct", "Correct", "c", "green"),
        StatusDef("partly", "Partly correct", "p", "yellow"),
        StatusDef("wrong", "Wrong", "w", "red"),
        StatusDef("unverifiable", "Unverifiable", "u", "magenta"),
        StatusDef("not_checkworthy", "Skip", "x", "blue"),
    )
    scale = RatingScale.from_statuses(statuses)
    assert scale.values == {"correct": 3, "partly": 2, "wrong": 1}
    assert (scale.best, scale.worst) == (3, 1)
    assert scale.rating("unverifiable", "Unverifiable") == {
        "@type": "Rating",
        "alternateName": "Unverifiable",
        "bestRating": 3,
        "worstRating": 1,
    }


# --------------------------------------------------------------------------------------------------- Markdown


def test_markdown_groups_by_verdict_with_notes_and_sources(small_store: Store, db_path: Path) -> None:
    report = run_export(db_path, "--format", "markdown").decode("utf-8")
    headings = [line for line in report.splitlines() if line.startswith("## ")]
    # configured order (unreviewed, true, false, misleading, unverifiable, not_checkworthy), empty groups left out
    assert headings == [
        "## Unreviewed (1)",
        "## True (1)",
        "## False (1)",
        "## Unverifiable (1)",
        "## Not check-worthy (1)",
    ]
    false_section = report.split("## False (1)")[1].split("\n## ")[0]
    assert "The drones came at night" in false_section
    assert "Claimant: Alpha" in false_section
    assert "> second line;" in false_section and "third line 🙂" in false_section
    assert "*Story D1*" in false_section and "*Story D2*, Wire" in false_section
    assert "> Alpha said the drones came at night" in false_section
    assert "Routine announcement" in report.split("## Not check-worthy (1)")[1]
    assert "| False | 1 |" in report and "| **Total** | 5 |" in report


def test_markdown_escapes_article_text(small_store: Store, db_path: Path) -> None:
    with small_store.write():
        small_store.conn.execute("UPDATE claims SET text = '# not a heading *or bold* [x](y)' WHERE id = 'c2'")
    report = run_export(db_path, "--format", "markdown", "--status", "true").decode("utf-8")
    assert "### 1. \\# not a heading \\*or bold\\* \\[x\\](y)" in report
    assert "## False" not in report


# ----------------------------------------------------------------------------------------------- output files


def test_output_file_is_kept_without_force_and_replaced_with_it(small_store: Store, db_path: Path) -> None:
    target = db_path.parent / "verdicts.csv"
    target.write_text("precious", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["export", "--db", str(db_path), "-o", str(target)])
    assert refused.exit_code == 1
    assert isinstance(refused.exception, WorkbenchError) and "--force" in str(refused.exception)
    assert target.read_text(encoding="utf-8") == "precious"
    forced = runner.invoke(cli, ["export", "--db", str(db_path), "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "Wrote 5 claims" in forced.stderr
    assert [row["claim_id"] for row in read_csv(target.read_bytes())] == ["c1", "c2", "c3", "c4", "c5"]
    assert not list(db_path.parent.glob(".verdicts.csv*"))  # no temporary file left


def test_output_file_equals_stdout_for_every_format(small_store: Store, db_path: Path) -> None:
    for export_format in ("csv", "json", "claimreview", "markdown"):
        target = db_path.parent / f"out.{export_format}"
        file_count = write_file(small_store, export_format, target, None, config=Config())
        buffer = io.StringIO(newline="")
        assert write_format(small_store, export_format, buffer, None, config=Config()) == file_count
        assert target.read_bytes().decode("utf-8") == buffer.getvalue()


def test_export_from_read_only_database_through_a_real_process(small_store: Store, db_path: Path) -> None:
    small_store.close()
    db_path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        before = db_path.read_bytes()
        env = {**os.environ, "XDG_CONFIG_HOME": str(db_path.parent / "user-config"), "LANG": "C", "LC_ALL": "C"}
        result = subprocess.run(
            [sys.executable, "-m", "workbench", "export", "--db", str(db_path), "--status", "false"],
            capture_output=True,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        rows = read_csv(result.stdout)
        assert [row["note"] for row in rows] == [TRICKY_NOTE]  # UTF-8 even under the C locale
        assert db_path.read_bytes() == before
    finally:
        db_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_bad_export_target_is_one_line_error(small_store: Store, db_path: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "export", "--db", str(db_path), "-o", str(tmp_path / "nope" / "x.csv")],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "user-config")},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: folder") and "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_format_is_refused(store: Store) -> None:
    with pytest.raises(InvalidValueError, match="yaml"):
        write_format(store, "yaml", io.StringIO(), None)
