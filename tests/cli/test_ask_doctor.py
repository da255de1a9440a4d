"""`cuecard ask` and `cuecard doctor`: checking a setup before the interview."""

from __future__ import annotations

import json
from pathlib import Path

from fakes.provider_server import FakeProviderServer, Reply

from .conftest import cuecard, json_events

KEY = "sk-test-" + "d" * 32


def write_config(home: Path, srv: FakeProviderServer, provider: str = "openai") -> None:
    cfg = home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(
        f'[assist]\nprovider = "{provider}"\nfallback = ["anthropic"]\n'
        f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{srv.openai_base_url}"\n'
        f'[assist.anthropic]\nmodel = "claude-3-5-haiku-latest"\n'
        f'base_url = "{srv.anthropic_base_url}"\n'
    )


def test_ask_offline_from_the_sample_profile() -> None:
    proc = cuecard("ask", "How would you design a rate limiter for a public API?", "--sample")
    assert proc.returncode == 0, proc.stderr
    assert "Offline notes" in proc.stdout and "token bucket" in proc.stdout


def test_ask_streams_from_the_configured_provider_with_the_key_from_the_environment(
    cuecard_home: Path,
) -> None:
    with FakeProviderServer(default=Reply(text="- First point\n- Second point")) as srv:
        write_config(cuecard_home, srv)
        proc = cuecard(
            "ask",
            "Why do you want to work here?",
            "--sample",
            "--json",
            "--show-prompt",
            env={"CUECARD_OPENAI_KEY": KEY},
        )
        assert proc.returncode == 0, proc.stderr
        events = json_events(proc.stdout)
        kinds = [e["type"] for e in events]
        assert kinds[0] == "prompt" and kinds[-1] == "suggestion_done"
        assert events[-1]["provider"] == "openai"
        assert (
            "".join(e["text"] for e in events if e["type"] == "suggestion_delta")
            == "- First point\n- Second point"
        )
        assert srv.generations[0].api_key == KEY
        assert KEY not in proc.stdout + proc.stderr


def test_ask_with_a_rejected_key_says_what_to_do_and_still_gives_notes(cuecard_home: Path) -> None:
    with FakeProviderServer(require_key="sk-test-" + "z" * 32) as srv:
        write_config(cuecard_home, srv)
        cfg = cuecard_home / "config" / "config.toml"
        cfg.write_text(cfg.read_text().replace('fallback = ["anthropic"]', "fallback = []"))
        proc = cuecard(
            "ask",
            "Tell me about a conflict with a teammate",
            "--sample",
            env={"CUECARD_OPENAI_KEY": KEY},
        )
        assert proc.returncode == 1, "a key that does not work must fail the check loudly"
        assert "OpenAI key was rejected" in proc.stderr and "cuecard keys set openai" in proc.stderr
        assert "From your notes" in proc.stdout  # the user still gets their notes
        assert "Priya" in proc.stdout
        assert KEY not in proc.stdout + proc.stderr


def test_doctor_reports_latency_to_first_token_per_provider(cuecard_home: Path) -> None:
    with FakeProviderServer(default=Reply(text="OK", first_token_delay_s=0.2)) as srv:
        write_config(cuecard_home, srv)
        proc = cuecard(
            "doctor", "--json", env={"CUECARD_OPENAI_KEY": KEY, "CUECARD_ANTHROPIC_KEY": KEY}
        )
        checks = {c["check"]: c for c in json.loads(proc.stdout)}
        assert proc.returncode == 0, proc.stdout
        for name in ("provider openai", "provider anthropic", "provider offline"):
            assert checks[name]["ok"], checks[name]
        first_token_ms = checks["provider openai"]["first_token_ms"]
        assert first_token_ms >= 150 and first_token_ms < 3000
        assert checks["fallback order"]["detail"] == "openai → anthropic → offline"
        assert checks["speech model"]["ok"]


def test_doctor_fails_loudly_on_a_bad_key(cuecard_home: Path) -> None:
    with FakeProviderServer(require_key="sk-test-" + "z" * 32) as srv:
        write_config(cuecard_home, srv)
        proc = cuecard("doctor", env={"CUECARD_OPENAI_KEY": KEY, "CUECARD_ANTHROPIC_KEY": KEY})
        assert proc.returncode == 1
        assert "FAIL provider openai: your OpenAI key was rejected" in proc.stdout
