"""A seeded slice of the fuzzers, and the inputs that broke the parsers before.

The same targets as ``bench/fuzz.py`` (``tests/fuzz/targets.py``), drawn
deterministically (``derandomize``) so a run in CI is the same run every time;
the long run (100,000 inputs a target) is the bench's job. Every input must end
in the parser's own one-line error or in success: any other exception is what a
user would see as a traceback.
"""

from __future__ import annotations

import struct
import tempfile
import traceback
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, Phase, given, settings

from cli_process import assert_one_line_error, cuecard
from fuzz.targets import Target, targets

# Inputs per target in the suite: together about 20 s on 2 cores (docx-full starts a
# sandboxed worker per input, a quarter second each).
SLICE = {"config": 300, "audio": 300, "documents": 300, "docx": 200, "pdf": 150, "docx-full": 12,
         "provider-streams": 300, "ledger-rows": 200}


@pytest.mark.parametrize("target", targets(), ids=lambda t: t.name)
def test_the_seeded_slice_ends_every_input_in_a_clean_refusal(target: Target) -> None:
    failures: list[str] = []

    @settings(max_examples=SLICE[target.name], database=None, deadline=None,
              phases=[Phase.generate], derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def one(data: object) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                target.run(data, Path(scratch))
            except target.allowed:
                pass
            except Exception as err:  # the finding: recorded with its input, then reported
                where = traceback.extract_tb(err.__traceback__)[-1]
                failures.append(f"{type(err).__name__} at {Path(where.filename).name}:"
                                f"{where.lineno} for {data!r:.200}")

    one()
    assert not failures, "\n".join(failures[:5])


# -- the first pass's findings, through the real command line --------------------------


def test_a_config_nested_five_hundred_deep_is_one_line_in_every_command(
    cuecard_home: Path,
) -> None:
    config = cuecard_home / "config.toml"
    config.write_text("a=" + "[" * 500, encoding="utf-8")
    env = {"CUECARD_CONFIG": str(config)}
    for args in (["config", "show"], ["privacy", "report"], ["ask", "Why us?"]):
        line = assert_one_line_error(cuecard(*args, env=env, timeout=120))
        assert "nested too deeply" in line, (args, line)


def test_config_set_on_a_file_with_a_key_given_twice_is_one_line(cuecard_home: Path) -> None:
    config = cuecard_home / "config.toml"
    config.write_text('[assist]\nopenai = { model = "a", model = "b" }\n', encoding="utf-8")
    proc = cuecard("config", "set", "assist.provider", "offline",
                   env={"CUECARD_CONFIG": str(config)}, timeout=120)
    line = assert_one_line_error(proc)
    assert str(config) in line and "not valid TOML" in line
    assert config.read_text(encoding="utf-8").count("model") == 2  # nothing lost


def _wav(tag: int, rate: int, bits: int, data: bytes) -> bytes:
    channels = 1
    align = max(1, channels * bits // 8)
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("name", "header", "says"),
    [
        ("tag99.wav", _wav(99, 16000, 16, bytes(3200)), "re-export"),
        ("tag0.wav", _wav(0, 16000, 16, bytes(3200)), "re-export"),
        ("zerobits.wav", _wav(1, 16000, 0, bytes(3200)), "re-export"),
        ("onehertz.wav", _wav(1, 1, 16, bytes(16000)), "1 Hz"),
    ],
)
def test_replay_refuses_a_lying_wav_header_in_one_line(
    tmp_path: Path, name: str, header: bytes, says: str
) -> None:
    clip = tmp_path / name
    clip.write_bytes(header)
    line = assert_one_line_error(cuecard("replay", str(clip), "--fast", timeout=120))
    assert name in line and says in line, line


def test_a_header_that_promises_hours_the_file_cannot_hold_is_refused(tmp_path: Path) -> None:
    from cuecard.audio.errors import AudioError
    from cuecard.audio.files import open_recording

    honest = tmp_path / "silence.flac"
    sf.write(honest, np.zeros(16000 * 60, dtype=np.float32), 16000)  # a minute of silence:
    with open_recording(honest) as rec:  # FLAC packs it into very few bytes, and it is real
        assert rec.duration_s == pytest.approx(60.0)
    raw = bytearray(honest.read_bytes())
    assert raw[:4] == b"fLaC"
    info = int.from_bytes(raw[18:26], "big")  # STREAMINFO: rate, channels, bits, total samples
    raw[18:26] = ((info & ~(2**36 - 1)) | (2**36 - 1)).to_bytes(8, "big")  # 1,193 hours
    liar = tmp_path / "liar.flac"
    liar.write_bytes(bytes(raw))
    with pytest.raises(AudioError, match="more than it can hold"):
        open_recording(liar)


def test_a_docx_whose_entry_claims_an_unknown_zip_version_is_one_line(tmp_path: Path) -> None:
    doc = tmp_path / "resume.docx"
    with zipfile.ZipFile(doc, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    raw = bytearray(doc.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 6 : central + 8] = struct.pack("<H", 135)  # "needs zip version 13.5"
    doc.write_bytes(bytes(raw))
    line = assert_one_line_error(cuecard("profile", "add", str(doc), timeout=120))
    assert "resume.docx" in line and "Word document" in line


def test_a_ledger_row_with_a_superscript_digit_is_read_as_no_number(tmp_path: Path) -> None:
    """bench/fuzz.py's find at 20,000 inputs: '¹' passes str.isdigit() and int() refuses it."""
    from fuzz.targets import _run_ledger

    _run_ledger([{"opened": "¹", "bytes_sent": "²"}, {"port": "٣"}], tmp_path)
