"""The profile store on disk, under the test's own CUECARD_HOME."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from cuecard import paths
from cuecard.profile.reading import ProfileError
from cuecard.profile.store import ProfileStore, profile_chunks, sample_chunks

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "cuecard" / "assets" / "sample_profile"


@pytest.fixture
def resume(tmp_path: Path) -> Path:
    path = tmp_path / "my résumé.md"
    path.write_bytes((SAMPLE / "resume.md").read_bytes())
    return path


def test_add_copies_the_file_as_imported(cuecard_home: Path, resume: Path) -> None:
    store = ProfileStore()
    doc = store.add(resume)
    assert store.root == paths.data_dir() / "profile"
    assert str(store.root).startswith(str(cuecard_home))
    copy = store.root / "docs" / doc.id / "my résumé.md"
    assert copy.read_bytes() == resume.read_bytes()
    assert doc.name == "my résumé.md"
    assert doc.kind == "resume"
    assert doc.chunks == len(store.chunks_of(doc)) == 4
    assert doc.bytes == resume.stat().st_size
    assert len(doc.id) == 8 and doc.sha256.startswith(doc.id)

    manifest = json.loads(store.manifest_path.read_text(encoding="utf-8"))
    assert manifest["version"] == 1
    [entry] = manifest["documents"]
    assert entry["id"] == doc.id and entry["kind"] == "resume" and entry["chunks"] == 4
    assert entry["added"].endswith("+00:00")
    assert "Paylane" not in store.manifest_path.read_text(encoding="utf-8")  # no content


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_stored_documents_are_private(resume: Path) -> None:
    store = ProfileStore()
    doc = store.add(resume)
    folder = store.root / "docs" / doc.id
    for path in (store.root, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in (store.manifest_path, folder / doc.name, folder / "text.md"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_kind_override_list_find_and_show(tmp_path: Path, resume: Path) -> None:
    store = ProfileStore()
    notes = tmp_path / "northwind.txt"
    notes.write_text("I like the data platform team.\n", encoding="utf-8")
    first = store.add(resume)
    second = store.add(notes, kind="job")
    assert second.kind == "job"
    assert [d.id for d in store.documents()] == [first.id, second.id]
    assert store.find(second.id[:5]) == second
    assert store.find("northwind.txt") == second
    chunks = store.chunks()
    assert {c.doc_id for c in chunks} == {first.id, second.id}
    assert [c.kind for c in chunks if c.doc_id == second.id] == ["job"]
    with pytest.raises(ProfileError, match="no document 'zzzz' in your profile"):
        store.find("zzzz")


def test_same_file_twice_is_refused(resume: Path) -> None:
    store = ProfileStore()
    doc = store.add(resume)
    with pytest.raises(ProfileError) as info:
        store.add(resume)
    assert str(info.value) == (
        f"my résumé.md is already in your profile as {doc.id} (my résumé.md); "
        "remove it first to add it again"
    )
    assert len(store.documents()) == 1


def test_a_bad_file_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ProfileStore()
    bad = tmp_path / "resume.pdf"
    bad.write_bytes(b"not a pdf" * 20)
    with pytest.raises(ProfileError, match="could not be read as a PDF"):
        store.add(bad)
    assert store.documents() == []
    assert not (store.root / "docs").exists() or not any((store.root / "docs").iterdir())


def test_remove_deletes_the_copy_not_the_original(resume: Path) -> None:
    store = ProfileStore()
    doc = store.add(resume)
    removed = store.remove(doc.id)
    assert removed == doc
    assert store.documents() == []
    assert not (store.root / "docs" / doc.id).exists()
    assert resume.exists()
    with pytest.raises(ProfileError):
        store.remove(doc.id)


def test_text_cache_is_rebuilt_and_a_lost_copy_is_skipped(resume: Path) -> None:
    store = ProfileStore()
    doc = store.add(resume)
    folder = store.root / "docs" / doc.id
    before = store.chunks_of(doc)
    (folder / "text.md").unlink()
    assert store.chunks_of(doc) == before
    assert (folder / "text.md").exists()

    (folder / "text.md").unlink()
    (folder / doc.name).unlink()
    with pytest.raises(ProfileError, match=r"stored copy of my résumé\.md is missing"):
        store.chunks_of(doc)
    assert store.chunks() == []  # a session goes on without it


def test_damaged_manifest_is_one_line(resume: Path) -> None:
    store = ProfileStore()
    store.add(resume)
    store.manifest_path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        store.documents()
    assert "is damaged" in str(info.value) and "\n" not in str(info.value)


def test_empty_profile_never_falls_back_to_the_sample() -> None:
    assert ProfileStore().documents() == []
    assert profile_chunks() == []
    demo = profile_chunks(sample=True)
    assert demo == sample_chunks()
    assert {c.kind for c in demo} == {"resume", "job", "stories"}
    assert all(c.doc_id.startswith("sample-") for c in demo)
    assert any("Alex Rivera" in c.title or "Paylane" in c.text for c in demo)
    assert not any("fictional" in c.text.lower() for c in demo)  # the notice is a comment


def test_sample_profile_files_say_they_are_fictional() -> None:
    for name in ("resume.md", "job.md", "stories.md"):
        assert "fictional" in (SAMPLE / name).read_text(encoding="utf-8").lower(), name


def test_store_root_follows_cuecard_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUECARD_HOME", str(tmp_path / "elsewhere"))
    assert ProfileStore().root == tmp_path / "elsewhere" / "data" / "profile"
    assert os.environ["CUECARD_HOME"].endswith("elsewhere")
