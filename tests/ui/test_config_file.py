"""The desktop writes only what the user changed into config.toml: their comments stay."""

from __future__ import annotations

from pathlib import Path

from cuecard import config as config_mod
from cuecard.config import Config
from cuecard.ui.desktop.config_file import config_path, save_changes

USER_FILE = """\
# my interview setup — do not lose this comment
[speech]
model = "tiny.en"   # the small one, it is fast

[assist]
provider = "offline"       # until I buy a key
fallback = []

[audio]
mic = "USB Mic"  # the good headset
"""


def test_only_changed_keys_are_written_and_comments_stay() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_FILE, encoding="utf-8")
    old = config_mod.load()
    new = old.model_copy(deep=True)
    new.assist.provider = "local"
    new.assist.local.base_url = "http://127.0.0.1:1234/v1"
    new.ui.font_size = 22
    new.audio.mic = None  # back to the system default: the line goes
    save_changes(old, new)
    text = path.read_text(encoding="utf-8")
    assert config_mod.load() == new
    assert "# my interview setup — do not lose this comment" in text
    assert 'model = "tiny.en"   # the small one, it is fast' in text
    assert 'provider = "local"       # until I buy a key' in text
    assert "the good headset" not in text and "mic =" not in text
    assert "[assist.local]" in text and "[ui]\nfont_size = 22" in text
    assert text.count("=") == 6  # nothing else was added: no defaults spelled out


def test_no_change_writes_nothing_and_a_new_file_is_private(cuecard_home: Path) -> None:
    path = config_path()
    assert not path.exists()
    save_changes(Config(), Config())
    assert not path.exists()
    cfg = Config.model_validate({"assist": {"provider": "openai"}})
    save_changes(Config(), cfg)
    assert config_mod.load() == cfg and path.stat().st_mode & 0o777 == 0o600


def test_an_inline_table_is_edited_in_place_comment_kept() -> None:
    """A layout a line editor could not handle: the one TOML-aware writer keeps it whole."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('assist = { provider = "offline" }  # inline table\n', encoding="utf-8")
    old = config_mod.load()
    new = old.model_copy(deep=True)
    new.assist.provider = "google"
    save_changes(old, new)
    assert config_mod.load() == new
    assert path.read_text(encoding="utf-8") == 'assist = { provider = "google" }  # inline table\n'
