"""`cuecard keys set` asks the provider about a key before storing it.

The real CLI in a child process, the real SDKs speaking HTTP to the fake
provider server (which answers a wrong key as each real API does, on the
model list too), the tests' private Secret Service keychain, and the
persistent ledger read back through `cuecard privacy report --json`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from cuecard import paths
from fakes.provider_server import FakeProviderServer
from privacy.support import fake_key

LABELS = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google Gemini"}
MODEL_PATHS = {"openai": "/v1/models", "anthropic": "/v1/models", "google": "/v1beta/models"}


def keys_set(
    env: dict[str, str], provider: str, key: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", "keys", "set", provider, "--no-use", *args],
        input=key + "\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def point_at(provider: str, base_url: str) -> None:
    """The provider's base_url in config.toml (answers stay offline: only the key is checked)."""
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[assist.{provider}]\nbase_url = "{base_url}"\n', encoding="utf-8")


def base_url(srv: FakeProviderServer, provider: str) -> str:
    return {"openai": srv.openai_base_url, "anthropic": srv.anthropic_base_url,
            "google": srv.google_base_url}[provider]  # fmt: skip


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_an_accepted_key_is_stored_after_one_model_list_request_in_the_ledger(
    provider: str, subprocess_env: dict[str, str]
) -> None:
    key = fake_key()
    with FakeProviderServer(require_key=key) as srv:
        point_at(provider, base_url(srv, provider))
        proc = keys_set(subprocess_env, provider, key)
        requests = srv.requests
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.strip().splitlines()
    assert line.startswith(f"stored your {LABELS[provider]} key (")
    assert line.endswith(f": {LABELS[provider]} accepted it")
    assert keyring.get_password("cuecard", provider) == key
    (request,) = requests  # one cheap request, no prompt
    assert (request.method, request.path, request.api_key) == ("GET", MODEL_PATHS[provider], key)

    report = subprocess.run(
        [sys.executable, "-m", "cuecard", "privacy", "report", "--json"],
        capture_output=True, text=True, env=subprocess_env, timeout=60, check=True,
    )  # fmt: skip
    (dest,) = json.loads(report.stdout)["destinations"]
    assert dest["purposes"] == ["key-check"] and dest["labels"] == [provider]
    assert dest["commands"] == ["keys set"]
    assert dest["bytes_sent"] > 0 and dest["bytes_received"] > 0
    assert key not in report.stdout


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_a_rejected_key_is_not_stored_and_one_line_says_what_to_do(
    provider: str, subprocess_env: dict[str, str]
) -> None:
    key = fake_key()
    with FakeProviderServer(require_key="the-right-key") as srv:  # its 401 body echoes our key
        point_at(provider, base_url(srv, provider))
        proc = keys_set(subprocess_env, provider, key)
    assert proc.returncode == 1, proc.stdout
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"cuecard: {LABELS[provider]} rejected this key, so it was not stored")
    assert "https://" in line and "--no-check" in line
    assert key not in proc.stdout + proc.stderr
    assert keyring.get_password("cuecard", provider) is None

    forced = keys_set(subprocess_env, provider, key, "--no-check")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip().endswith(": not checked (--no-check)")
    assert keyring.get_password("cuecard", provider) == key


def test_an_unreachable_provider_stores_the_key_and_says_why_it_was_not_checked(
    subprocess_env: dict[str, str],
) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_at("openai", f"http://127.0.0.1:{port}/v1")
    key = fake_key()
    proc = keys_set(subprocess_env, "openai", key)
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.strip().splitlines()
    assert line.startswith("stored your OpenAI key (") and ": not checked: " in line
    assert "OpenAI" in line.split("not checked: ")[1]
    assert keyring.get_password("cuecard", "openai") == key


def test_no_check_sends_nothing(subprocess_env: dict[str, str]) -> None:
    key = fake_key()
    with FakeProviderServer(require_key="the-right-key") as srv:
        point_at("openai", srv.openai_base_url)
        proc = keys_set(subprocess_env, "openai", key, "--no-check")
        assert srv.requests == []
    assert proc.returncode == 0, proc.stderr
    assert keyring.get_password("cuecard", "openai") == key


def test_a_missing_keychain_is_said_before_the_provider_is_asked(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    key = fake_key()
    env = {**subprocess_env, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    with FakeProviderServer(require_key=key) as srv:
        point_at("openai", srv.openai_base_url)
        proc = keys_set(env, "openai", key)
        assert srv.requests == []
    assert proc.returncode == 1 and "keychain" in proc.stderr
