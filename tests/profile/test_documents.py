"""Reading and chunking real documents, and refusing bad ones with one line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest

from cuecard.profile.documents import MAX_WORDS, chunk_text, guess_kind, load_chunks, sentences
from cuecard.profile.normalise import is_star_story
from cuecard.profile.reading import ProfileError, read_text, strip_comments

WritePdf = Callable[[str, Sequence[Sequence[str]]], Path]
PdfBytes = Callable[[Sequence[Sequence[str]]], bytes]

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "cuecard" / "assets" / "sample_profile"


def one_line_error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(ProfileError) as info:
        read_text(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message
    assert path.name in message
    return message


# --- formats -----------------------------------------------------------------


def test_markdown_resume_chunks_follow_its_headings() -> None:
    kind, text, chunks = load_chunks(SAMPLE / "resume.md")
    assert kind == "resume"
    assert "Fictional sample profile" not in text  # HTML comments are not profile text
    titles = [c.title for c in chunks]
    assert titles[0] == "Summary"
    assert any(t.startswith("Experience › Paylane") for t in titles)
    assert any(t.startswith("Experience › Tallyroute") for t in titles)
    # Education and Skills are tiny siblings: merged rather than left as fragments.
    assert "Education / Skills" in titles
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert all(c.source == "resume.md" and c.kind == "resume" for c in chunks)
    assert "**" not in text or all("**" not in c.text for c in chunks)


def test_each_star_story_is_one_chunk() -> None:
    kind, _, chunks = load_chunks(SAMPLE / "stories.md")
    assert kind == "stories"
    assert len(chunks) == 4
    for chunk in chunks:
        assert is_star_story(chunk.text), chunk.title
        for label in ("Situation:", "Task:", "Action:", "Result:"):
            assert chunk.text.count(label) == 1
    assert chunks[1].title == "Designing a rate limiter for the public API"


def test_a_long_story_stays_whole_but_long_prose_is_cut() -> None:
    labels = ("Situation", "Task", "Action", "Result")
    story = "## Big story\n\n" + "\n\n".join(f"{x}: " + "word " * 69 + "end." for x in labels)
    assert len(chunk_text(story, "s.md")) == 1  # 280 words, but a STAR story

    prose = "## Notes\n\n" + "\n\n".join(
        " ".join(f"w{p}x{i}" for i in range(90)) + "." for p in range(6)
    )
    chunks = chunk_text(prose, "notes.md")
    assert len(chunks) >= 3
    assert all(c.words <= MAX_WORDS for c in chunks)
    joined = " ".join(c.text for c in chunks).split()
    assert joined == " ".join(prose.split("\n\n")[1:]).split()  # nothing lost, nothing added


def test_one_huge_paragraph_is_cut_at_sentences() -> None:
    para = " ".join(f"Sentence number {i} says something about work." for i in range(100))
    chunks = chunk_text(para, "wall.txt")
    assert len(chunks) >= 3
    for chunk in chunks:
        assert chunk.words <= MAX_WORDS
        assert chunk.text.endswith(".")


def test_plain_text_headings_and_wrapped_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "Alex Rivera\n\nEXPERIENCE\n\nBuilt a rate limiter that cut\nabuse by ninety percent.\n"
        "- Led the migration\n- Mentored two engineers\n\nWhy Northwind\n\n"
        "I like the data platform and the team.\n",
        encoding="utf-8",
    )
    text = read_text(path)
    assert "## EXPERIENCE" in text and "## Why Northwind" in text
    chunks = chunk_text(text, path.name)
    body = "\n".join(c.text for c in chunks)
    assert "Built a rate limiter that cut abuse by ninety percent." in body  # wrap joined
    assert "- Led the migration\n- Mentored two engineers" in body  # bullets kept apart
    assert any("EXPERIENCE" in c.title for c in chunks)


def test_text_encodings(tmp_path: Path) -> None:
    latin = tmp_path / "cp1252.txt"
    latin.write_bytes("Résumé — café".encode("cp1252"))
    assert "Résumé" in read_text(latin)
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Notes: résumé".encode("utf-16"))
    assert "résumé" in read_text(utf16)
    bom = tmp_path / "bom.md"
    bom.write_bytes("\ufeff# Title\n\nHello there".encode())
    assert read_text(bom).startswith("# Title")


def test_pdf_text_is_extracted(write_pdf: WritePdf) -> None:
    path = write_pdf(
        "resume.pdf",
        [
            ["Alex Rivera", "", "EXPERIENCE", "Built the API rate limiter at Paylane."],
            ["SKILLS", "Go, Python, PostgreSQL, Redis."],
        ],
    )
    kind, text, chunks = load_chunks(path)
    assert kind == "resume"
    assert "Built the API rate limiter at Paylane." in text
    assert "Go, Python, PostgreSQL, Redis." in text
    assert chunks and all(c.source == "resume.pdf" for c in chunks)


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Alex Rivera", level=0)
    document.add_heading("Experience", level=1)
    document.add_paragraph("Built the API rate limiter at Paylane.")
    document.add_paragraph("Led the Postgres migration.", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Skills"
    table.cell(0, 1).text = "Go and Python"
    path = tmp_path / "cv.docx"
    document.save(str(path))

    kind, text, chunks = load_chunks(path)
    assert kind == "resume"
    assert text.startswith("# Alex Rivera")
    assert "## Experience" in text
    assert "- Led the Postgres migration." in text
    assert "Go and Python" in text
    assert any(c.title == "Experience" for c in chunks)


def test_sentences_are_substrings() -> None:
    text = strip_comments((SAMPLE / "stories.md").read_text(encoding="utf-8"))
    for chunk in chunk_text(text, "stories.md", kind="stories"):
        parts = sentences(chunk.text)
        assert len(parts) > 4
        for part in parts:
            assert part in chunk.text


def test_kind_is_guessed_from_name_then_content() -> None:
    assert guess_kind("Alex_CV.pdf", "") == "resume"
    assert guess_kind("northwind-job.md", "") == "job"
    assert guess_kind("my stories.md", "") == "stories"
    assert guess_kind("a.md", "Situation: x\nTask: y\nAction: z\nResult: w") == "stories"
    assert guess_kind("a.md", "Responsibilities: build APIs") == "job"
    assert guess_kind("a.md", "Experience ... Education ...") == "resume"
    assert guess_kind("a.md", "salary expectations and questions to ask") == "notes"


# --- limits and damage -----------------------------------------------------------


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "resume.pdf"
    with path.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    started = time.perf_counter()
    message = one_line_error(path)
    assert time.perf_counter() - started < 0.5
    assert message == (
        "resume.pdf is 200 MB; cuecard reads documents up to 20 MB — export just your résumé pages"
    )


def test_200_page_pdf_is_refused_quickly(write_pdf: WritePdf) -> None:
    lines = [f"Line {j} of a very long document about many things" for j in range(40)]
    path = write_pdf("book.pdf", [lines] * 200)
    started = time.perf_counter()
    message = one_line_error(path)
    elapsed = time.perf_counter() - started
    assert "200 pages" in message and "100 pages" in message
    assert elapsed < 5, elapsed


def test_100_page_pdf_is_read_in_time(write_pdf: WritePdf) -> None:
    lines = [f"Page line {j} about backend work and reliability." for j in range(40)]
    path = write_pdf("portfolio.pdf", [lines] * 100)
    started = time.perf_counter()
    text = read_text(path)
    elapsed = time.perf_counter() - started
    assert text.count("Page line 39 about backend work and reliability.") == 100
    assert elapsed < 10, elapsed


def test_pathological_pdf_page_hits_the_time_limit(write_pdf: WritePdf) -> None:
    # One page with a ~2 MB content stream keeps pypdf busy for several seconds.
    lines = [f"line {j} " + "word " * 30 for j in range(12_000)]
    path = write_pdf("slow.pdf", [lines])
    started = time.perf_counter()
    message = one_line_error(path, pdf_timeout_s=1.0)
    assert "took over 1 s" in message
    assert time.perf_counter() - started < 5


def test_password_protected_pdf(tmp_path: Path, make_pdf: PdfBytes) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([["Secret plan"]]))))
    writer.encrypt("hunter2", algorithm="AES-256")
    path = tmp_path / "resume.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    message = one_line_error(path)
    assert message == (
        "resume.pdf is password-protected: save an unprotected copy or paste it as text"
    )


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path, make_pdf: PdfBytes) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([["Open text"]]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "locked-for-editing.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert "Open text" in read_text(path)


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a pdf at all" * 10,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>\n%%EOF",
        bytes(range(256)) * 40,
    ],
    ids=["text", "broken-structure", "binary"],
)
def test_damaged_pdf(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "resume.pdf"
    path.write_bytes(data)
    message = one_line_error(path)
    assert message == (
        "resume.pdf could not be read as a PDF (it may be damaged): "
        "save it again or paste it as text"
    )


def test_truncated_pdf_is_read_or_refused_in_one_line(tmp_path: Path, make_pdf: PdfBytes) -> None:
    good = make_pdf([["First page text here."], ["Second page text here."]])
    path = tmp_path / "cut.pdf"
    path.write_bytes(good[: len(good) // 2])
    try:
        text = read_text(path)
    except ProfileError as err:
        assert "\n" not in str(err)
    else:
        assert "First page text here." in text


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    message = one_line_error(path)
    assert "no text layer" in message and "scanned" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("resume.pages", "is not a supported format: use PDF, DOCX, Markdown (.md) or plain text"),
        ("resume.doc", "is an old Word format: save it as .docx or PDF"),
        ("resume", "is not a supported format"),
    ],
)
def test_unknown_formats(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"anything")
    assert expected in one_line_error(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "not found" in one_line_error(tmp_path / "nope.md")
    folder = tmp_path / "dir.md"
    folder.mkdir()
    assert "is a folder" in one_line_error(folder)


def test_empty_and_binary_text(tmp_path: Path) -> None:
    empty = tmp_path / "notes.txt"
    empty.write_text("  \n\n ", encoding="utf-8")
    assert "has no text" in one_line_error(empty)
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert "does not look like text" in one_line_error(binary)


def test_damaged_and_bomb_docx(tmp_path: Path) -> None:
    broken = tmp_path / "cv.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert "could not be read as a Word document" in one_line_error(broken)

    not_word = tmp_path / "other.docx"
    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert "could not be read as a Word document" in one_line_error(not_word)

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (210 * 1024 * 1024))
    assert os.path.getsize(bomb) < 1024 * 1024
    assert "unpacks to 210 MB" in one_line_error(bomb)


def test_too_much_text(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_text("word " * 300_000, encoding="utf-8")
    assert "characters of text; cuecard reads up to 1,000,000" in one_line_error(path)


def test_pdfs_are_read_from_any_main_module(write_pdf: WritePdf) -> None:
    # The reader is `python -m cuecard.profile.extract`, not a multiprocessing child that must
    # re-import __main__: `python -` reads PDFs too, within the same deadline, and nothing but
    # the answer reaches stdout/stderr.
    good = write_pdf("resume.pdf", [["Read without a worker process."]])
    slow = write_pdf("slow.pdf", [[f"line {j} " + "word " * 30 for j in range(12_000)]])
    script = f"""
import time
from pathlib import Path
from cuecard.profile.reading import ProfileError, read_text
print(read_text(Path({str(good)!r})))
started = time.monotonic()
try:
    read_text(Path({str(slow)!r}), pdf_timeout_s=1.0)
except ProfileError as err:
    print(err)
print(round(time.monotonic() - started))
"""
    proc = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "Read without a worker process."
    assert lines[1].startswith("slow.pdf took over 1 s to read")
    assert int(lines[2]) <= 2


def _docx_with_xml_of(tmp_path: Path, megabytes: int) -> Path:
    """A small DOCX whose document.xml inflates to ``megabytes`` of real paragraphs."""
    source = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("hello")
    document.save(source)
    para = b"<w:p><w:r><w:t>word word word</w:t></w:r></w:p>"
    path = tmp_path / "cv.docx"
    with (
        zipfile.ZipFile(io.BytesIO(source.getvalue())) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, tail = data.partition(b"<w:body>")
                data = head + b"<w:body>" + para * (megabytes * 1024 * 1024 // len(para)) + tail
            archive.writestr(item, data)
    return path


def test_docx_with_40_mb_of_xml_is_refused_in_seconds(tmp_path: Path) -> None:
    # 155 KB on disk; python-docx alone takes far more than 512 MB and a long time on it.
    path = _docx_with_xml_of(tmp_path, 40)
    assert path.stat().st_size < 400 * 1024
    started = time.perf_counter()
    message = one_line_error(path)
    elapsed = time.perf_counter() - started
    assert elapsed < 12, elapsed  # the 10 s limit, and the reader's start
    if sys.platform.startswith("linux"):  # the address-space cap is enforced here
        assert message.startswith("cv.docx needs more than 512 MB of memory to read")
    else:
        assert "cv.docx" in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_the_reader_process_is_capped_in_memory(tmp_path: Path) -> None:
    path = _docx_with_xml_of(tmp_path, 10)
    message = one_line_error(path, memory_bytes=120 * 1024 * 1024)
    assert message == (
        "cv.docx needs more than 120 MB of memory to read (it may hide a very large or broken "
        "part): save a simpler copy or paste it as text"
    )


def test_docx_reader_hits_the_time_limit(tmp_path: Path) -> None:
    path = _docx_with_xml_of(tmp_path, 40)
    started = time.perf_counter()
    message = one_line_error(path, pdf_timeout_s=1.0, memory_bytes=4 * 1024**3)
    assert "took over 1 s to read" in message
    assert time.perf_counter() - started < 4


def test_a_damaged_docx_read_from_a_big_process_is_not_called_too_big(tmp_path: Path) -> None:
    """Linux carries ru_maxrss across exec: a worker started by a session with the speech model
    loaded looked as big as its parent, and every damaged file read as "needs 512 MB"."""
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    code = (
        "import sys, numpy\n"
        "held = numpy.ones(450 * 1024 * 1024 // 8)  # a parent as big as a running session\n"
        "from cuecard.profile.reading import ProfileError, read_text\n"
        "try:\n    read_text(__import__('pathlib').Path(sys.argv[1]))\n"
        "except ProfileError as err:\n    print(err)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert "could not be read as a Word document" in proc.stdout, proc.stdout + proc.stderr


def test_the_reader_runs_under_a_session_guard_and_is_sealed_itself(write_pdf: WritePdf) -> None:
    """The parent's audit hook admits exactly this worker (and no other program); the worker
    arms its own hook that allows nothing, so a parser could not reach the network unseen."""
    pdf = write_pdf("resume.pdf", [["Read while a session's guard is armed."]])
    code = (
        "import socket, subprocess, sys\n"
        "from cuecard.config import Config\n"
        "from cuecard.privacy.egress import startup\n"
        "from cuecard.privacy.policy import EgressBlocked\n"
        "startup(Config())\n"
        "from cuecard.profile.reading import read_text\n"
        "print('read:', 'guard is armed' in read_text(__import__('pathlib').Path(sys.argv[1])))\n"
        "try:\n    subprocess.run([sys.executable, '-c', 'pass'])\n"
        "except EgressBlocked:\n    print('other python: blocked')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(pdf)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.stdout.splitlines() == ["read: True", "other python: blocked"], proc.stderr
    sealed = (
        "import socket\nfrom cuecard.privacy.policy import EgressBlocked\n"
        "from cuecard.privacy.tripwire import seal\nseal()\n"
        "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "except EgressBlocked:\n    print('socket: blocked')\n"
    )
    proc = subprocess.run([sys.executable, "-c", sealed], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.stdout.strip() == "socket: blocked", proc.stderr
