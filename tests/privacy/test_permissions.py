"""What cuecard writes is its owner's only: files 0600 whether or not they existed, folders
(parents included) 0700, even under ``umask 000``. Real CLI processes in a home of their own,
with the platform's own folders (no CUECARD_HOME), so ``~/.config`` itself is checked.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import cuecard
from cuecard.privacy.vault import Vault
from fakes.provider_server import FakeProviderServer, Reply
from privacy.conftest import PrivateKeychain

SRC = str(Path(cuecard.__file__).resolve().parents[1])
XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")


def umask_000() -> None:
    os.umask(0)


def run_in_home(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CUECARD_HOME", *XDG)}
    base.update(HOME=str(home), PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, text=True, env=base,
        timeout=120, check=False, preexec_fn=umask_000,
    )  # fmt: skip


def modes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): oct(stat.S_IMODE(p.lstat().st_mode))
        for p in sorted(root.rglob("*")) if not p.is_symlink()
    }  # fmt: skip


def test_everything_written_under_umask_000_is_private(tmp_path: Path) -> None:
    """`config set`, then `ask` against a provider (ledger, logs): every folder from ~/.config
    and ~/.local down is 0700, every file 0600."""
    home = tmp_path / "home"
    home.mkdir()
    with FakeProviderServer(default=Reply(text="- a point")) as srv:
        for key, value in (("assist.provider", "local"), ("assist.local.base_url",
                                                          srv.openai_base_url)):  # fmt: skip
            proc = run_in_home(home, "config", "set", key, value)
            assert proc.returncode == 0, proc.stderr
        asked = run_in_home(home, "ask", "Why this role?", "--sample")
        assert asked.returncode == 0, asked.stderr
    found = modes(home)
    assert ".config" in found and any(name.endswith("egress.sqlite3") for name in found), found
    wrong = {
        name: mode for name, mode in found.items()
        if mode != ("0o700" if (home / name).is_dir() else "0o600")
    }  # fmt: skip
    assert wrong == {}


def test_review_html_into_an_existing_world_readable_file_makes_it_private(
    tmp_path: Path, cuecard_home: Path, keychain: PrivateKeychain
) -> None:
    with Vault.open() as vault, vault.start_session() as writer:  # records as recorder.py keeps
        writer.append("utterance", {"id": 1, "speaker": "interviewer", "text": "Why us?",
                                    "start_s": 0.0, "end_s": 1.2})  # fmt: skip
        writer.append("question", {"id": 1, "text": "Why us?", "kind": "about-you",
                                   "confidence": 0.9, "utterance_id": 1, "end_s": 1.2})  # fmt: skip
        writer.append("utterance", {"id": 2, "speaker": "you", "text": "I like payments.",
                                    "start_s": 1.5, "end_s": 3.0})  # fmt: skip
    page = tmp_path / "review.html"
    page.write_text("old")
    page.chmod(0o644)
    proc = run_in_home(
        tmp_path, "review", "--html", str(page), CUECARD_HOME=str(cuecard_home), **keychain.env
    )
    assert proc.returncode == 0, proc.stderr
    assert "<html" in page.read_text().lower()
    assert oct(stat.S_IMODE(page.stat().st_mode)) == "0o600"
