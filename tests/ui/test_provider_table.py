"""One provider table: a provider added as one catalog row shows up in every front end.

The row is added at run time (``fakes/echo_provider.py`` is its module), the way a new
vendor would be: Settings' "Answers come from", model field and Keys page, the first-run
wizard's key step, an answer card's heading, the key variables tests clear, the keychain
entries and environment variable ``secrets`` knows, ``cuecard keys set|list|remove`` (its
choices and help), config validation and its ``[assist.NAME]`` section, the egress
allowlist, ``doctor`` and ``config set`` all read it.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from cuecard import catalog
from cuecard.config import Config
from cuecard.ui.desktop.first_run import AnswersPage
from cuecard.ui.desktop.settings import SettingsDialog
from cuecard.ui.view import Section, section_label

ECHO = catalog.ProviderInfo(
    "echo", "Echo Labs", "fakes.echo_provider:EchoProvider", needs_key=True,
    env_var="CUECARD_ECHO_KEY", host="api.echo.invalid", api_url="https://api.echo.invalid/v1",
    default_model="echo-1", billed=True,
)  # fmt: skip


@pytest.fixture
def echo_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PROVIDERS", {**catalog.PROVIDERS, "echo": ECHO})


def test_settings_offer_a_new_row_and_ask_for_its_key(qtbot: QtBot, echo_row: None) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    assert dialog.answers.provider.findData("echo") >= 0
    provider = dialog.answers.provider
    assert provider.itemText(provider.findData("echo")) == "Echo Labs (your key)"
    assert dialog.findChild(QLineEdit, "key_echo") is not None
    model = dialog.fields[("assist", "echo", "model")].widget
    assert isinstance(model, QLineEdit)
    dialog.answers.provider.setCurrentIndex(dialog.answers.provider.findData("echo"))
    assert dialog.answers.form.isRowVisible(model.parentWidget())
    model.setText("echo-2")
    assert dialog.validate(), dialog.collect()["assist"]
    assert dialog.candidate.assist.section("echo").model == "echo-2"
    dialog.answers.provider.setCurrentIndex(dialog.answers.provider.findData("openai"))
    assert not dialog.answers.form.isRowVisible(model.parentWidget())



# The keychain and subprocess tests run before any test here that starts the CLI's egress
# guard: its audit hook, once installed, refuses the dbus-daemon a private keychain needs
# and any other program.
def test_secrets_keep_a_new_rows_key(
    echo_row: None, keychain: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from cuecard.privacy import secrets
    from privacy.support import fake_key

    assert "echo" in secrets.providers() and "echo" in secrets.keychain_users()
    assert secrets.env_vars()["echo"] == secrets.env_var("echo") == "CUECARD_ECHO_KEY"
    with pytest.raises(secrets.MissingKey, match="no Echo Labs key: .*CUECARD_ECHO_KEY"):
        secrets.require_key("echo")
    key = fake_key()
    try:
        secrets.set_key("echo", key)
        assert keyring.get_password("cuecard", "echo") == key
        assert "echo" in secrets.keychain_entries()
        monkeypatch.setenv("CUECARD_ECHO_KEY", fake_key())
        assert secrets.require_key("echo").source == "env"
    finally:
        secrets.delete_key("echo")


def test_the_keys_command_takes_a_new_row(echo_row: None, keychain: object) -> None:
    import contextlib
    import json

    import keyring
    import keyring.errors
    from typer.testing import CliRunner

    from cuecard.cli import app
    from privacy.support import fake_key

    runner, key = CliRunner(), fake_key()
    try:
        done = runner.invoke(app, ["keys", "set", "echo", "--no-check", "--no-use"],
                             input=key + "\n")  # fmt: skip
        assert done.exit_code == 0, done.output
        assert "stored your Echo Labs key" in done.output
        assert keyring.get_password("cuecard", "echo") == key
        listed = runner.invoke(app, ["keys", "list", "--json"])
        rows = {r["provider"]: r for r in json.loads(listed.output)["keys"]}
        assert rows["echo"]["source"] == "keychain" and rows["echo"]["masked"].endswith(key[-4:])
        gone = runner.invoke(app, ["keys", "remove", "echo"])
        assert "removed your Echo Labs key" in gone.output
        assert keyring.get_password("cuecard", "echo") is None
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password("cuecard", "echo")
    refused = runner.invoke(app, ["keys", "set", "echo2"], input="x\n")
    assert refused.exit_code == 2 and "echo" in refused.output  # a usage error naming the choices


def test_keys_help_names_a_new_row() -> None:
    """The help is read from the table when the CLI is imported: a row there is listed."""
    import subprocess
    import sys

    code = (
        "from cuecard import catalog\n"
        "catalog.PROVIDERS['echo'] = catalog.ProviderInfo('echo', 'Echo Labs', "
        "'fakes.echo_provider:EchoProvider', needs_key=True, env_var='CUECARD_ECHO_KEY')\n"
        "from cuecard.cli import app\n"
        "app(['keys', 'set', '--help'], prog_name='cuecard')\n"
    )
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "openai, anthropic, google or echo" in done.stdout

def test_the_wizard_offers_a_new_keyed_row(qtbot: QtBot, echo_row: None) -> None:
    page = AnswersPage(Config())
    qtbot.addWidget(page)
    assert page.provider.itemText(page.provider.findData("echo")) == "Echo Labs"
    assert "Echo Labs" in page.keyed.text()


def test_a_card_names_the_row_that_wrote_it(echo_row: None) -> None:
    section = Section("echo")
    section.provider, section.model = "echo", "echo-1"
    assert section_label(section) == "From Echo Labs · echo-1"
    assert "CUECARD_ECHO_KEY" in catalog.env_vars() and "echo" in catalog.keyed()


def test_vendor_modules_take_their_public_url_from_the_table() -> None:
    from cuecard.assist.providers.openai_provider import OpenAIProvider

    provider = OpenAIProvider(api_key="sk-test-x", model="gpt-4o-mini")
    assert provider.base_url == catalog.PROVIDERS["openai"].api_url
    for spec in catalog.PROVIDERS.values():
        if spec.api_url is not None:
            assert spec.host is not None and f"//{spec.host}" in spec.api_url


LOCALISH = catalog.ProviderInfo(
    "echo", "Echo Server", "fakes.echo_provider:EchoProvider", default_model="echo-1",
    default_base_url="http://127.0.0.1:9/v1",
)  # fmt: skip
"""A provider that needs no key (like a local server): config, the guard and doctor."""


def test_config_the_egress_allowlist_and_doctor_take_a_new_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    from typer.testing import CliRunner

    from cuecard import config as config_mod
    from cuecard.cli import app
    from cuecard.cli.assist_cmds import _doctor
    from cuecard.privacy.policy import EgressPolicy

    monkeypatch.setattr(catalog, "PROVIDERS", {**catalog.PROVIDERS, "echo": LOCALISH})
    cfg = config_mod.parse({"assist": {"provider": "echo",
                                       "echo": {"base_url": "http://127.0.0.1:7/v1"}}})  # fmt: skip
    assert cfg.assist.section("echo").base_url == "http://127.0.0.1:7/v1"
    with pytest.raises(config_mod.ConfigError, match="unknown setting"):
        config_mod.parse({"assist": {"echo2": {"model": "x"}}})  # not a row: still refused
    policy = EgressPolicy.from_config(cfg)
    assert {(d.host, d.port, d.label) for d in policy.destinations} == {("127.0.0.1", 7, "echo")}
    checks = asyncio.run(_doctor(cfg))
    echo = next(c for c in checks if c["check"] == "provider echo")
    assert echo["ok"] and "echo-1" in echo["detail"], echo
    done = CliRunner().invoke(app, ["config", "set", "assist.provider", "echo"])
    assert done.exit_code == 0, done.output
    assert config_mod.load().assist.provider == "echo"

