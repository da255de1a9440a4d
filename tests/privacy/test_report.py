"""The privacy report: grouping, the one-line verdict, the status line, the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cuecard.cli import app
from cuecard.privacy.ledger import Ledger, LedgerEntry, process_ledger
from cuecard.privacy.report import render_text, status_line, summarize

runner = CliRunner()


def two_providers() -> Ledger:
    ledger = Ledger()
    for _ in range(2):
        e = ledger.record(
            host="api.openai.com", port=443, purpose="answer", outcome="allowed", label="openai",
            bytes_sent=1200,
        )  # fmt: skip
        ledger.add_bytes(e, received=3400)
        ledger.finish(e)
    ledger.record(
        host="api.anthropic.com", port=443, purpose="doctor", outcome="allowed", label="anthropic",
        bytes_sent=300, bytes_received=500,
    )  # fmt: skip
    return ledger


def test_verdict_for_configured_providers() -> None:
    report = summarize(two_providers())
    assert report.verdict == (
        "2 destinations, both your configured providers (anthropic, openai); 0 blocked"
    )
    first = report.destinations[0]
    assert (first.host, first.allowed, first.bytes_sent, first.bytes_received) == (
        "api.openai.com", 2, 2400, 6800,
    )  # fmt: skip
    assert status_line(two_providers()) == (
        "egress: sent to anthropic, openai: 2.7 kB out, 7.3 kB in · 0 blocked"
    )


def test_verdict_counts_blocked_and_keeps_them_apart() -> None:
    ledger = two_providers()
    ledger.record(
        host="127.0.0.1", port=9999, purpose="answer", outcome="blocked", reason="not-allowed"
    )
    ledger.record(
        host="telemetry.example", port=443, purpose="unattributed", outcome="blocked",
        layer="socket", reason="name-not-allowed",
    )  # fmt: skip
    ledger.record(host="true", port=0, purpose="subprocess", outcome="blocked", layer="process")
    report = summarize(ledger)
    assert report.blocked == 3
    assert report.verdict.endswith("; 3 blocked")
    assert report.verdict.startswith("2 destinations, both your configured providers")
    assert [d.host for d in report.destinations][-2:] == ["127.0.0.1", "telemetry.example"]
    text = render_text(report, scope="test")
    assert "BLOCKED 127.0.0.1:9999" in text and "nothing sent" in text
    assert "Programs started: true (0 allowed, 1 blocked)" in text
    assert text.splitlines()[-1] == f"Verdict: {report.verdict}"


def test_nothing_sent_and_single_destination() -> None:
    assert summarize(Ledger()).verdict == "nothing left this device; 0 blocked"
    assert status_line(Ledger()) == "egress: nothing sent · 0 blocked"
    one = Ledger()
    one.record(
        host="127.0.0.1", port=11434, purpose="answer", outcome="allowed", label="local",
        opened=True,
    )  # fmt: skip
    assert summarize(one).verdict == ("1 destination, your configured provider (local); 0 blocked")
    download = Ledger()
    download.record(
        host="huggingface.co", port=443, purpose="model-download", outcome="allowed",
        label="model download", opened=True,
    )  # fmt: skip
    assert summarize(download).verdict == (
        "1 destination, allowed by your config (model download); 0 blocked"
    )


def test_ledger_round_trips_and_has_no_content_fields() -> None:
    ledger = two_providers()
    again = Ledger.from_json(ledger.to_json())
    assert again.entries() == ledger.entries()
    fields = set(LedgerEntry.__dataclass_fields__)
    assert fields == {
        "id", "time", "host", "port", "purpose", "outcome", "layer", "label", "reason",
        "bytes_sent", "bytes_received", "duration_s",
    }  # fmt: skip


def test_cli_report_for_this_process_is_json() -> None:
    process_ledger().clear()
    result = runner.invoke(app, ["privacy", "report", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "nothing left this device; 0 blocked"
    assert data["scope"].startswith("this process")
    text = runner.invoke(app, ["privacy", "report"])
    assert "Verdict: nothing left this device; 0 blocked" in text.output
