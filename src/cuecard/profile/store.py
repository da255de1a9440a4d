"""The user's profile on disk: their documents, kept as they imported them.

Layout under ``paths.data_dir()/profile/``::

    manifest.json            id, name, kind, added, chunks, bytes, sha256 per document
    docs/<id>/<name>         the file exactly as the user added it
    docs/<id>/text.md        its extracted text, so a session never parses a PDF again

Folders are private to the user (0700) and files 0600 where the OS allows it.
An id is the start of the file's SHA-256, so adding the same file twice is
caught. The bundled sample profile is reachable only through
``profile_chunks(sample=True)``: a real session with no documents gets no
profile, never somebody else's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from cuecard import paths
from cuecard.profile.documents import DOC_KINDS, Chunk, DocKind, chunk_text, load_chunks
from cuecard.profile.reading import ProfileError, read_text, strip_comments

_log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
SAMPLE_FILES: dict[str, DocKind] = {
    "resume.md": "resume",
    "job.md": "job",
    "stories.md": "stories",
}


@dataclass(frozen=True, slots=True)
class ProfileDoc:
    """One document in the manifest; never holds the document's text."""

    id: str
    name: str
    kind: DocKind
    added: str
    chunks: int
    bytes: int
    sha256: str


def _private_dir(path: Path) -> None:
    paths.private_dir(path)  # missing parents 0700 too, whatever the umask


def _private_write(path: Path, data: bytes) -> None:
    """Write through a temporary file so a crash never leaves half a manifest."""
    tmp = path.with_name(path.name + ".tmp")
    fd = paths.open_private(tmp)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


class ProfileStore:
    """Add, list, show and remove the user's documents."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or paths.data_dir() / "profile"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def _doc_dir(self, doc: ProfileDoc) -> Path:
        return self.root / "docs" / doc.id

    # -- manifest ---------------------------------------------------------

    def documents(self) -> list[ProfileDoc]:
        """Every document, oldest first."""
        if not self.manifest_path.exists():
            return []
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            docs = [ProfileDoc(**entry) for entry in data["documents"]]
        except (OSError, ValueError, KeyError, TypeError):
            raise ProfileError(
                f"the profile list at {self.manifest_path} is damaged: delete that folder and "
                "add your documents again"
            ) from None
        return [d for d in docs if d.kind in DOC_KINDS]

    def _save(self, docs: list[ProfileDoc]) -> None:
        _private_dir(self.root)
        payload: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "documents": [asdict(d) for d in docs],
        }
        _private_write(self.manifest_path, json.dumps(payload, indent=2).encode("utf-8"))

    def find(self, ref: str) -> ProfileDoc:
        """A document by id, id prefix (4+ characters) or exact file name."""
        docs = self.documents()
        matches = [d for d in docs if d.id == ref] or [d for d in docs if d.name == ref]
        if not matches and len(ref) >= 4:
            matches = [d for d in docs if d.id.startswith(ref.lower())]
        if not matches:
            raise ProfileError(
                f"no document {ref!r} in your profile: `cuecard profile list` shows the ids"
            )
        if len(matches) > 1:
            ids = ", ".join(d.id for d in matches)
            raise ProfileError(f"{ref!r} matches several documents ({ids}): use the id")
        return matches[0]

    # -- changes ----------------------------------------------------------

    def add(self, path: Path, *, kind: DocKind | None = None) -> ProfileDoc:
        """Copy ``path`` into the profile, after checking it can be read and chunked."""
        doc_kind, text, chunks = load_chunks(path, kind=kind)
        if not chunks:
            raise ProfileError(f"{path.name} has no text cuecard can use: write something first")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        docs = self.documents()
        for doc in docs:
            if doc.sha256 == digest:
                raise ProfileError(
                    f"{path.name} is already in your profile as {doc.id} ({doc.name}); "
                    "remove it first to add it again"
                )
        taken = {d.id for d in docs}
        length = 8
        while digest[:length] in taken:
            length += 2
        doc = ProfileDoc(
            id=digest[:length],
            name=path.name,
            kind=doc_kind,
            added=datetime.now(UTC).isoformat(timespec="seconds"),
            chunks=len(chunks),
            bytes=len(data),
            sha256=digest,
        )
        folder = self._doc_dir(doc)
        _private_dir(folder.parent)
        _private_dir(folder)
        try:
            _private_write(folder / doc.name, data)
            _private_write(folder / "text.md", text.encode("utf-8"))
            self._save([*docs, doc])
        except OSError as err:
            shutil.rmtree(folder, ignore_errors=True)
            raise ProfileError(
                f"could not save {path.name} into {self.root}: {err.strerror}"
            ) from None
        _log.info("profile: added a %s document (%d chunks)", doc.kind, doc.chunks)
        return doc

    def remove(self, ref: str) -> ProfileDoc:
        """Delete the stored copy and its text; the user's original file is untouched."""
        doc = self.find(ref)
        shutil.rmtree(self._doc_dir(doc), ignore_errors=True)
        self._save([d for d in self.documents() if d.id != doc.id])
        _log.info("profile: removed a %s document", doc.kind)
        return doc

    # -- reading ----------------------------------------------------------

    def text_of(self, doc: ProfileDoc) -> str:
        """The extracted text, re-extracted from the stored original if the cache is gone."""
        folder = self._doc_dir(doc)
        cache = folder / "text.md"
        try:
            return cache.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        original = folder / doc.name
        if not original.exists():
            raise ProfileError(
                f"the stored copy of {doc.name} is missing: `cuecard profile remove {doc.id}` "
                "and add it again"
            )
        text = read_text(original)
        with contextlib.suppress(OSError):
            _private_write(cache, text.encode("utf-8"))
        return text

    def chunks_of(self, doc: ProfileDoc) -> list[Chunk]:
        return chunk_text(self.text_of(doc), doc.name, kind=doc.kind, doc_id=doc.id)

    def chunks(self) -> list[Chunk]:
        """Every chunk of every document, for the session's index.

        A document that cannot be read is left out with a log line (no content),
        so one broken file does not stop an interview.
        """
        out: list[Chunk] = []
        for doc in self.documents():
            try:
                out += self.chunks_of(doc)
            except ProfileError:
                _log.warning("profile: skipped document %s (unreadable)", doc.id)
        return out


def sample_chunks() -> list[Chunk]:
    """The bundled fictional profile (Alex Rivera), for the demo only."""
    folder = resources.files("cuecard").joinpath("assets", "sample_profile")
    out: list[Chunk] = []
    for name, kind in SAMPLE_FILES.items():
        text = folder.joinpath(name).read_text(encoding="utf-8")
        text = strip_comments(text)
        out += chunk_text(text, name, kind=kind, doc_id=f"sample-{kind}")
    return out


def profile_chunks(*, sample: bool = False, store: ProfileStore | None = None) -> list[Chunk]:
    """The chunks a session answers from: the user's documents, or the sample if asked.

    ``sample`` is an explicit choice (the demo); an empty profile stays empty.
    """
    if sample:
        return sample_chunks()
    return (store or ProfileStore()).chunks()
