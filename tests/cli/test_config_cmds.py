"""`cuecard config …` and bad settings files: one line naming the file or key, exit 1, fast.

Each bad input is one an attacker or an accident produces: a file saved in
another encoding, config.toml replaced by a FIFO (which would block a naive
reader forever), linked to /dev/zero (which would never end) or to a folder,
a huge file, and provider URLs that cannot be connected to (which used to
hang `ask` or raise a traceback). Every one is refused in the reader, before
anything else runs: the in-process bound is one second, and the real command
line must print exactly one line with no traceback.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.conftest import assert_one_line_error, cuecard
from cuecard import __version__, config, paths

BAD_FILES: dict[str, Callable[[Path, Path], None]] = {
    "not utf-8": lambda p, _: p.write_bytes(b'[assist]\nprovider = "caf\xe9"\n'),
    "fifo": lambda p, _: os.mkfifo(p),
    "link to a fifo": lambda p, tmp: (os.mkfifo(tmp / "pipe"), p.symlink_to(tmp / "pipe")),
    "link to /dev/zero": lambda p, _: p.symlink_to("/dev/zero"),
    "device": lambda p, _: p.symlink_to("/dev/null"),
    "folder": lambda p, _: p.mkdir(),
    "link to a folder": lambda p, tmp: p.symlink_to(tmp),
    "broken link": lambda p, tmp: p.symlink_to(tmp / "gone.toml"),
    "over 1 MB": lambda p, _: p.write_text("# " + "x" * 1_100_000 + "\n", encoding="utf-8"),
    "not toml": lambda p, _: p.write_text("[assist\nprovider = 1\n", encoding="utf-8"),
}
BAD_URLS = {
    "not a url": "not an http(s) URL",
    "http://": "has no host",
    "http://127.0.0.1:99999/v1": "bad port",
    "ftp://127.0.0.1/v1": "not an http(s) URL",
    "http://127.0.0.1:0/v1": "bad port",
}


def config_file() -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_one_line_naming_it_within_a_second(kind: str, tmp_path: Path) -> None:
    path = config_file()
    BAD_FILES[kind](path, tmp_path)
    started = time.monotonic()
    with pytest.raises(config.ConfigError) as caught:
        config.load()
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert str(path) in message and "\n" not in message, message

    proc = cuecard("config", "show", timeout=30)  # a FIFO that blocked would time out here
    line = assert_one_line_error(proc)
    assert str(path) in line


@pytest.mark.parametrize("url", list(BAD_URLS))
def test_a_bad_base_url_is_one_line_naming_the_key(url: str) -> None:
    config_file().write_text(f'[assist.local]\nbase_url = "{url}"\n', encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(config.ConfigError, match=re.escape(BAD_URLS[url])) as caught:
        config.load()
    assert time.monotonic() - started < 1.0
    assert "assist.local.base_url" in str(caught.value)
    for command in (("config", "show"), ("ask", "Why this job?")):
        line = assert_one_line_error(cuecard(*command, timeout=30))
        assert "assist.local.base_url" in line and BAD_URLS[url] in line


def test_show_and_path_create_nothing(cuecard_home: Path) -> None:
    assert cuecard("config", "show").returncode == 0
    assert cuecard("config", "show", "--json").returncode == 0
    path = cuecard("config", "path")
    assert path.stdout.strip() == str(paths.config_file())
    assert not paths.config_file().exists()


def test_cuecard_config_overrides_the_path_everywhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "work.toml"
    env = {"CUECARD_CONFIG": str(elsewhere)}
    assert cuecard("config", "path", env=env).stdout.strip() == str(elsewhere)
    assert cuecard("config", "set", "ui.theme", "light", env=env).returncode == 0
    assert config.load(elsewhere).ui.theme == "light"
    assert not paths.config_dir().exists()


def test_set_types_values_by_the_setting_and_keeps_comments() -> None:
    path = config_file()
    path.write_text('[assist]  # answers\nprovider = "offline"  # for now\n', encoding="utf-8")
    for key, value in [
        ("assist.provider", "openai"),
        ("assist.fallback", "anthropic,offline"),
        ("audio.mic", "2"),  # a device number stays text
        ("speech.cpu_threads", "2"),
        ("ui.opacity", "0.8"),
        ("privacy.redact", "true"),
        ("privacy.redact_terms", '["person:Alex Rivera", "org:Paylane"]'),
        ("assist.local.base_url", "http://127.0.0.1:8080/v1"),
    ]:
        proc = cuecard("config", "set", key, value)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"set {key} = ")
    cfg = config.load(path)
    assert cfg.assist.provider == "openai" and cfg.assist.fallback == ["anthropic", "offline"]
    assert cfg.audio.mic == "2" and cfg.speech.cpu_threads == 2 and cfg.ui.opacity == 0.8
    assert cfg.privacy.redact and cfg.privacy.redact_terms == ["person:Alex Rivera", "org:Paylane"]
    assert cfg.assist.local.base_url == "http://127.0.0.1:8080/v1"
    text = path.read_text(encoding="utf-8")
    assert "# answers" in text and "# for now" in text

    unset = cuecard("config", "unset", "audio.mic")
    assert unset.returncode == 0 and "default applies" in unset.stdout
    assert config.load(path).audio.mic is None


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("assist.provider", "bogus", "assist.provider"),
        ("speech.cpu_threads", "lots", "speech.cpu_threads"),
        ("ui.opacity", "true", "ui.opacity"),
        ("nope.key", "1", "unknown setting"),
        ("assist", "1", "is a section"),
        ("assist.local.base_url", "http://", "has no host"),
    ],
)
def test_set_refuses_a_bad_value_in_one_line_and_writes_nothing(
    key: str, value: str, says: str
) -> None:
    line = assert_one_line_error(cuecard("config", "set", key, value))
    assert says in line
    assert not paths.config_file().exists()


def test_version() -> None:
    proc = cuecard("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"cuecard {__version__}"
