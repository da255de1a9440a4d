"""Canary: plant a realistic fake key, run the flows, and hunt for it (and for what was said).

The key goes into the real keychain through the CLI; the provider is a loopback
fake that answers 401 and echoes the presented key in its body, as a careless
server might. Then every file under the temporary home, the logs (written at
DEBUG, a provider traceback included), the exports and every command's output
are scanned with detect-secrets and with a plain byte search, for the key and,
for a default (not kept) session, for any transcript sentence or prompt text.
A deliberately leaky file proves that the scanner finds such a key at all.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import openai
import pytest

from cuecard import config as config_mod
from cuecard import paths
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.logsafe import configure_logging, log_file
from cuecard.privacy.policy import EgressPolicy
from cuecard.privacy.transport import make_http_client
from fakes.provider_server import FakeProviderServer
from privacy.support import fake_key, files_under, grep_bytes

DEMO = Path(__file__).resolve().parents[2] / "src" / "cuecard" / "assets" / "demo_interview.flac"


def detect_secrets_findings(paths_: list[Path]) -> dict[str, list[str]]:
    """detect-secrets' default plugins over these files: {file: [secret types]}."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection()
    with default_settings():
        for path in paths_:
            collection.scan_file(str(path))
    found: dict[str, list[str]] = {}
    for filename, secret in collection:
        found.setdefault(Path(filename).name, []).append(secret.type)
    return found


def text_files(root: Path) -> list[Path]:
    """Files detect-secrets can read as text (the vault is binary: the byte search covers it)."""
    out = []
    for path in files_under(root):
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        out.append(path)
    return out


@pytest.fixture
def provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(require_key="the-only-key-the-fake-accepts") as srv:
        yield srv


def cli(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_scanner_finds_a_planted_key_in_a_leaky_file(tmp_path: Path) -> None:
    """Positive control: without it, a clean scan would prove nothing."""
    key = fake_key()
    leaky = tmp_path / "leaky_settings.py"
    leaky.write_text(f'OPENAI_API_KEY = "{key}"\napi_key: "{key}"\n', encoding="utf-8")
    clean = tmp_path / "clean.log"
    clean.write_text("answered 3 questions in 1.2 s\n", encoding="utf-8")
    findings = detect_secrets_findings([leaky, clean])
    assert "leaky_settings.py" in findings and "clean.log" not in findings
    assert grep_bytes(tmp_path, [key.encode()]) != []


def test_canary_key_and_transcript_never_reach_a_file(
    provider: FakeProviderServer,
    subprocess_env: dict[str, str],
    cuecard_home: Path,
    tmp_path: Path,
) -> None:
    key = fake_key()
    outputs = tmp_path / "outputs"  # everything the commands printed, crash output included
    outputs.mkdir()

    def run(name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        res = cli(*args, env=subprocess_env, stdin=stdin)
        (outputs / f"{name}.stdout").write_text(res.stdout, encoding="utf-8")
        (outputs / f"{name}.stderr").write_text(res.stderr, encoding="utf-8")
        return res

    # 1. the key goes in through the CLI, into the real keychain
    assert run("keys-set", "keys", "set", "openai", "--no-check", stdin=key + "\n").returncode == 0
    # 2. the configured provider is the fake, which rejects the key and echoes it back
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[assist]\nprovider = "openai"\nfallback = ["offline"]\n\n'
        f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{provider.openai_base_url}"\n',
        encoding="utf-8",
    )
    # 3. a default session: nothing kept
    demo = run("demo", "demo", "--fast", "--json", "--show-prompts")
    assert demo.returncode == 0, demo.stderr[-2000:]
    events = [json.loads(line) for line in demo.stdout.splitlines() if line.startswith("{")]
    said = [e["text"] for e in events if e.get("type") == "utterance" and e.get("final")]
    assert len(said) >= 8, "the demo should have been transcribed"
    generations = provider.generations
    assert generations, "the session should have asked the (fake) provider"
    assert all(g.api_key == key for g in generations)  # the planted key really was used
    # the prompt text exactly as it reached the provider
    prompts = [
        m["content"]
        for g in generations
        for m in g.body.get("messages", [])
        if isinstance(m.get("content"), str)
    ]
    assert prompts
    # what left was text: every request the provider saw is a JSON prompt, no audio in it
    for request in provider.requests:
        assert isinstance(request.body, dict | None), request.path
        assert request.path.endswith(("/chat/completions", "/models")), request.path
    home_files = files_under(cuecard_home)
    sentences = [s.encode() for s in said if len(s) >= 20]
    prompt_bits = [p[-60:].encode() for p in prompts if len(p) >= 60]
    assert prompt_bits
    assert grep_bytes(cuecard_home, sentences + prompt_bits) == [], "transcript in a file"

    # 4. the same recording kept (when --keep is wired), exported, reported, erased
    replay = run("replay", "replay", str(DEMO), "--fast", "--json", "--keep")
    assert replay.returncode == 0, replay.stderr[-2000:]
    exported = run("export", "data", "export")
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "export.json").write_text(exported.stdout, encoding="utf-8")
    assert run("report", "privacy", "report", "--json").returncode == 0
    assert run("where", "data", "where", "--json").returncode == 0

    # 5. provider errors with tracebacks, logged at DEBUG in this process
    configure_logging(logging.DEBUG)
    try:
        log = logging.getLogger("cuecard.canary")
        ledger = Ledger()
        policy = EgressPolicy.from_config(config_mod.load(config))

        async def rejected() -> None:
            async with openai.AsyncOpenAI(
                api_key=key,
                base_url=provider.openai_base_url,
                http_client=make_http_client(policy, ledger, "doctor"),
                max_retries=0,
            ) as client:
                await client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )

        with pytest.raises(openai.AuthenticationError) as info:
            anyio.run(rejected)
        assert key in str(info.value)  # the server did echo it: the filter has work to do
        log.debug("provider failed", exc_info=info.value)
        log.exception("provider failed: %s", info.value, exc_info=info.value)
        log.debug("headers %s", httpx2.Headers({"x-api-key": key, "x-goog-api-key": key}))
        for handler in logging.getLogger().handlers:
            handler.flush()
        log_text = log_file().read_text(encoding="utf-8")
        assert "AuthenticationError" in log_text and "Traceback" in log_text
        assert "[redacted]" in log_text  # the echoed key was there, and was masked
    finally:
        configure_logging(logging.WARNING, file=False)

    # 6. scan: the key nowhere (files, logs, vault, exports, outputs); the scanner sees nothing
    needles = [key.encode(), key[8:28].encode(), key[-16:].encode()]
    for root in (cuecard_home, outputs, tmp_path):
        assert grep_bytes(root, needles) == [], f"the key leaked under {root}"
    scanned = text_files(cuecard_home) + text_files(outputs) + [tmp_path / "export.json"]
    assert log_file() in scanned
    assert detect_secrets_findings(scanned) == {}
    assert home_files  # the scan did look at files (the config, at least)
