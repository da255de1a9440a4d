"""One writer for config.toml: `listen --save`, `config set` and the desktop keep comments.

The file is the user's text. Whoever changes a value (the CLI saving devices,
`cuecard config set`, the desktop's Settings dialog) changes that value and
nothing else: comments, order, spacing and other settings stay as written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cuecard import config, paths
from cuecard.cli.live_cmds import save_devices
from cuecard.ui.desktop.config_file import SaveError, save_changes

USER_FILE = """\
# my cuecard settings — tuned before the Acme interview
[audio]   # devices
mic = "old"  # the laptop one
silence_warning_s = 4

[speech]
model = "tiny.en"  # small.en was too slow on this laptop

[assist]
provider = "offline"
# fallback = ["anthropic"]   (turned off for now)

[assist.local]
base_url = "http://127.0.0.1:11434/v1"  # ollama
"""


@pytest.fixture
def user_file(cuecard_home: Path) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_FILE, encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def test_save_devices_sets_two_keys_and_keeps_every_comment(user_file: Path) -> None:
    assert save_devices('Jabra "Evolve" \\ 2', "Speakers") == user_file
    text = user_file.read_text(encoding="utf-8")
    assert comments(text) == comments(USER_FILE)
    data = tomllib.loads(text)
    assert data["audio"] == {"mic": 'Jabra "Evolve" \\ 2', "loopback": "Speakers",
                             "silence_warning_s": 4}  # fmt: skip
    assert data["speech"] == {"model": "tiny.en"}
    assert text.count("mic =") == 1
    # everything but the two values is byte-for-byte the user's
    untouched = [line for line in USER_FILE.splitlines() if not line.startswith("mic =")]
    assert all(line in text.splitlines() for line in untouched)


def test_save_devices_on_a_fresh_machine_starts_from_the_commented_default(
    cuecard_home: Path,
) -> None:
    path = save_devices("USB Mic", "Monitor")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(config.DEFAULT_TEXT.rstrip("\n"))
    cfg = config.load(path)
    assert (cfg.audio.mic, cfg.audio.loopback) == ("USB Mic", "Monitor")
    assert cfg.assist.provider == "offline"


def test_the_desktop_writer_keeps_comments_and_writes_only_what_changed(user_file: Path) -> None:
    cfg = config.load(user_file)
    changed = cfg.model_copy(deep=True)
    changed.assist.provider = "local"
    changed.ui.theme = "light"
    changed.audio.mic = None  # cleared in the dialog: the key goes, the default (None) applies
    assert save_changes(cfg, changed) == user_file
    text = user_file.read_text(encoding="utf-8")
    assert comments(text) == [c for c in comments(USER_FILE) if c != "# the laptop one"]
    assert config.load(user_file) == changed
    assert 'provider = "local"' in text and "[ui]" in text and "mic =" not in text
    assert "openai" not in text  # defaults it did not change are not spelled out
    assert (user_file.stat().st_mode & 0o777) == 0o600


def test_a_bad_value_is_refused_and_the_file_left_as_it_was(user_file: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"^config error: assist\.local\.base_url: .*port"):
        config.update({"assist.local.base_url": "http://127.0.0.1:99999/v1"})
    assert user_file.read_text(encoding="utf-8") == USER_FILE
    with pytest.raises(SaveError, match="speech.beam_size"):
        cfg = config.load(user_file)
        bad = cfg.model_copy(deep=True)
        object.__setattr__(bad.speech, "beam_size", 99)  # past validation, as a bug could
        save_changes(cfg, bad)
    assert user_file.read_text(encoding="utf-8") == USER_FILE


def test_a_link_to_the_file_stays_a_link(cuecard_home: Path, tmp_path: Path) -> None:
    """Dotfile managers link config.toml to a repository: writing must not replace the link."""
    real = tmp_path / "dotfiles" / "cuecard.toml"
    real.parent.mkdir()
    real.write_text(USER_FILE, encoding="utf-8")
    link = paths.config_file()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(real)
    save_devices("USB Mic", "Monitor")
    assert link.is_symlink()
    assert config.load(real).audio.mic == "USB Mic"
