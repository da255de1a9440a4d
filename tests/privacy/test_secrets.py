"""Keys in a real OS keychain (Secret Service on a private D-Bus), through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from typer.testing import CliRunner

from cuecard.cli import app
from cuecard.privacy import secrets
from privacy.support import fake_key, grep_bytes

runner = CliRunner()


def cuecard(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_mask_shows_a_public_prefix_and_the_last_four_only() -> None:
    key = fake_key()
    assert secrets.mask(key) == "sk-…" + key[-4:]
    assert secrets.mask("sk-ant-" + "b" * 30 + "wxyz") == "sk-ant-…wxyz"
    assert secrets.mask("AIza" + "c" * 35) == "AIza…cccc"
    assert secrets.mask("0123456789abcdef") == "…cdef"
    assert secrets.mask("short") == "…"  # a short secret shows no tail at all
    resolved = secrets.ResolvedKey("openai", key, "env")
    assert key not in repr(resolved) and key not in str(resolved) and key not in f"{resolved}"


def test_keys_set_via_cli_is_read_back_from_the_real_keychain(
    subprocess_env: dict[str, str], cuecard_home: Path
) -> None:
    key = fake_key()
    res = cuecard("keys", "set", "openai", "--no-check", env=subprocess_env, stdin=key + "\n")
    assert res.returncode == 0, res.stderr
    assert "SecretService" in res.stdout
    assert key not in res.stdout + res.stderr
    assert key[-4:] in res.stdout  # the masked tail confirms which key was stored
    # read back through keyring itself, not through our code
    assert keyring.get_password("cuecard", "openai") == key
    assert "SecretService" in type(keyring.get_keyring()).__module__

    listed = cuecard("keys", "list", "--json", env=subprocess_env)
    assert listed.returncode == 0, listed.stderr
    rows = {r["provider"]: r for r in json.loads(listed.stdout)["keys"]}
    assert rows["openai"] == {
        "provider": "openai",
        "masked": "sk-…" + key[-4:],
        "source": "keychain",
        "in_keychain": True,
    }
    assert rows["anthropic"]["source"] is None
    assert key not in listed.stdout

    # the key is in no file cuecard wrote (config, logs, anything under its home)
    assert grep_bytes(cuecard_home, [key.encode(), key[8:28].encode()]) == []

    removed = cuecard("keys", "remove", "openai", env=subprocess_env)
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert keyring.get_password("cuecard", "openai") is None
    again = cuecard("keys", "remove", "openai", env=subprocess_env)
    assert again.returncode == 0 and "no OpenAI key" in again.stdout


def test_resolution_order_argument_then_env_then_keychain(monkeypatch: pytest.MonkeyPatch) -> None:
    stored, env, arg = fake_key(), fake_key(), fake_key()
    assert secrets.resolve_key("anthropic") is None
    with pytest.raises(secrets.MissingKey, match="cuecard keys set anthropic"):
        secrets.require_key("anthropic")
    secrets.set_key("anthropic", f"  {stored}\n")  # a paste's whitespace is trimmed
    assert secrets.resolve_key("anthropic") == secrets.ResolvedKey("anthropic", stored, "keychain")
    monkeypatch.setenv("CUECARD_ANTHROPIC_KEY", env)
    assert secrets.resolve_key("anthropic") == secrets.ResolvedKey("anthropic", env, "env")
    by_arg = secrets.resolve_key("anthropic", arg)
    assert by_arg == secrets.ResolvedKey("anthropic", arg, "argument")
    infos = {i.provider: i for i in secrets.list_keys()}
    assert infos["anthropic"] == secrets.KeyInfo("anthropic", "sk-…" + env[-4:], "env", True)


def test_bad_input_gets_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("", "   ", "sk-has space", "sk-\x07bell"):
        with pytest.raises(secrets.BadKey):
            secrets.set_key("openai", bad)
    assert keyring.get_password("cuecard", "openai") is None
    with pytest.raises(secrets.SecretsError, match="unknown provider"):
        secrets.set_key("mistral", fake_key())
    result = runner.invoke(app, ["keys", "set", "mistral"], input="x\n")
    assert result.exit_code == 2  # a usage error


def test_cli_set_reads_stdin_and_rejects_an_empty_key() -> None:
    key = fake_key()
    result = runner.invoke(app, ["keys", "set", "google", "--no-check"], input=key + "\n")
    assert result.exit_code == 0, result.output
    assert keyring.get_password("cuecard", "google") == key
    empty = runner.invoke(app, ["keys", "set", "google", "--no-check"], input="\n")
    assert empty.exit_code == 1
    assert "no key given" in empty.output
    assert keyring.get_password("cuecard", "google") == key  # unchanged


@pytest.mark.parametrize(
    "env_change",
    [
        {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},  # nothing installed
        {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"},  # headless, no session bus
    ],
    ids=["no-backend", "no-dbus"],
)
def test_no_keychain_is_a_clear_one_line_error(
    subprocess_env: dict[str, str], env_change: dict[str, str]
) -> None:
    env = {**subprocess_env, **env_change}
    key = fake_key()
    res = cuecard("keys", "set", "openai", env=env, stdin=key + "\n")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr  # one line, no traceback
    line = lines[0]
    assert line.startswith("cuecard: ")
    assert "keychain" in line and "CUECARD_OPENAI_KEY" in line
    if sys.platform.startswith("linux"):
        assert "gnome-keyring" in line
    assert key not in res.stdout + res.stderr

    # with the key in the environment, cuecard still works without a keychain
    listed = cuecard("keys", "list", "--json", env={**env, "CUECARD_OPENAI_KEY": key})
    assert listed.returncode == 0, listed.stderr
    rows = {r["provider"]: r for r in json.loads(listed.stdout)["keys"]}
    assert rows["openai"]["source"] == "env"
    assert key not in listed.stdout


def test_vault_master_key_entry_is_listed_by_name_only() -> None:
    secrets.set_secret(secrets.VAULT_MASTER_USER, "master")
    secrets.set_key("openai", fake_key())
    assert secrets.keychain_entries() == ["openai", secrets.VAULT_MASTER_USER]
    assert secrets.delete_secret(secrets.VAULT_MASTER_USER) is True
    assert secrets.delete_secret(secrets.VAULT_MASTER_USER) is False
    assert os.environ["PYTHON_KEYRING_BACKEND"].endswith("SecretService.Keyring")


# -- keys never in argv ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "Why this job?", "--key", "{key}"),
        ("ask", "Why this job?", "--key={key}"),
        ("doctor", "--key", "{key}"),
        ("keys", "set", "openai", "{key}"),  # an extra argument: click would echo it
        ("ask", "my key is {key} please"),
        ("ask", "Why?", "--key"),  # refused even without a value
    ],
    ids=["ask-key", "ask-key-equals", "doctor-key", "keys-set-arg", "in-a-question", "bare"],
)
def test_a_key_in_argv_is_refused_in_one_line_and_not_echoed(
    args: tuple[str, ...], subprocess_env: dict[str, str]
) -> None:
    key = fake_key()
    res = cuecard(*(a.format(key=key) for a in args), env=subprocess_env)
    assert res.returncode == 2, res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("cuecard: ") and "visible to every user of this computer" in line
    assert key not in res.stdout + res.stderr and key[-12:] not in res.stderr
    assert res.stdout == ""
    assert keyring.get_password("cuecard", "openai") is None


def test_key_stdin_is_used_for_one_command_and_never_stored(
    subprocess_env: dict[str, str], cuecard_home: Path
) -> None:
    from fakes.provider_server import FakeProviderServer, Reply

    key = fake_key()
    with FakeProviderServer(default=Reply(text="- From the key on stdin"),
                            require_key=key) as srv:  # fmt: skip
        config = cuecard_home / "config" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[assist]\nprovider = "openai"\n'
                          f'[assist.openai]\nbase_url = "{srv.openai_base_url}"\n')  # fmt: skip
        res = cuecard("ask", "Why this job?", "--sample", "--key-stdin", env=subprocess_env,
                      stdin=key + "\n")  # fmt: skip
        assert res.returncode == 0, res.stderr
        assert "From the key on stdin" in res.stdout
        assert srv.generations[-1].api_key == key
        doctor = cuecard("doctor", "--json", "--key-stdin", env=subprocess_env, stdin=key + "\n")
        checks = {c["check"]: c for c in json.loads(doctor.stdout)}
        assert checks["provider openai"]["ok"], checks
        assert key not in res.stdout + res.stderr + doctor.stdout + doctor.stderr
        # without it, the same command has no key (it was used once, stored nowhere)
        res = cuecard("ask", "Why this job?", "--sample", env=subprocess_env)
        assert "no openai key" in res.stderr.lower()
    assert keyring.get_password("cuecard", "openai") is None
    assert grep_bytes(cuecard_home, [key.encode()]) == []
    empty = cuecard("ask", "Why?", "--key-stdin", env=subprocess_env, stdin="\n")
    assert empty.returncode == 1 and "no key given" in empty.stderr
