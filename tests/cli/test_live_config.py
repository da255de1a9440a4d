"""`listen --save` edits the user's config.toml in place: comments and other settings stay."""

from __future__ import annotations

import tomllib

from cuecard import config
from cuecard.cli.live_cmds import set_toml_keys


def test_keys_are_added_to_a_new_audio_section_of_the_default_file() -> None:
    text = set_toml_keys(config.DEFAULT_TEXT, "audio", {"mic": "USB Mic", "loopback": "Monitor"})
    assert text.startswith(config.DEFAULT_TEXT.rstrip("\n"))
    cfg = config.parse(tomllib.loads(text))
    assert (cfg.audio.mic, cfg.audio.loopback) == ("USB Mic", "Monitor")
    assert cfg.assist.provider == "offline"


def test_existing_keys_are_replaced_and_comments_kept() -> None:
    before = (
        '[audio]   # devices\nmic = "old"  # the laptop one\nsilence_warning_s = 4\n\n'
        '[speech]\nmodel = "tiny.en"\n'
    )
    text = set_toml_keys(before, "audio", {"mic": 'Jabra "Evolve" \\ 2', "loopback": "Speakers"})
    data = tomllib.loads(text)
    assert data["audio"] == {"mic": 'Jabra "Evolve" \\ 2', "loopback": "Speakers",
                             "silence_warning_s": 4}  # fmt: skip
    assert data["speech"] == {"model": "tiny.en"}
    assert "[audio]   # devices" in text
    assert text.count("mic =") == 1
