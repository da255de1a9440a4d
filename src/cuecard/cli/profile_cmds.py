"""``cuecard profile``: the documents answers are grounded in (add, list, show, remove, search,
stories), and the vocabulary they give the recogniser (vocabulary).

The profile modules (and bm25s for ``search``) are imported inside the
commands so ``cuecard --help`` stays instant.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuecard.cli.common import fail, out

if TYPE_CHECKING:
    from cuecard.profile.documents import Chunk
    from cuecard.profile.store import ProfileDoc


class Kind(StrEnum):
    """The ``--kind`` choices (typer shows them in ``--help`` and rejects others, exit 2)."""

    resume = "resume"
    job = "job"
    stories = "stories"
    notes = "notes"


KIND_NAMES = {"resume": "résumé", "job": "job description", "stories": "stories", "notes": "notes"}
ARTICLE = {"resume": "a ", "job": "a ", "stories": "", "notes": ""}

profile_app = typer.Typer(
    help="Your résumé, job description, stories and notes: what answers are grounded in.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _when(iso: str) -> str:
    return iso.replace("T", " ")[:16] + " UTC" if "T" in iso else iso


def _first_line(text: str, width: int = 96) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def _doc_json(doc: ProfileDoc) -> dict[str, object]:
    return asdict(doc)


def _chunk_json(chunk: Chunk) -> dict[str, object]:
    return {
        "position": chunk.position,
        "title": chunk.title,
        "words": chunk.words,
        "source": chunk.source,
        "kind": chunk.kind,
        "text": chunk.text,
    }


@profile_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="PDF, DOCX, Markdown (.md) or text (.txt).")],
    kind: Annotated[
        Kind | None,
        typer.Option(
            "--kind", help="What the document is; guessed from its name and content if left out."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy a document into your profile (the original stays where it is)."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import ProfileStore

    store = ProfileStore()
    try:
        doc = store.add(file.expanduser(), kind=kind.value if kind else None)  # type: ignore[arg-type]
        older = [d for d in store.documents() if d.name == doc.name and d.id != doc.id]
    except ProfileError as err:
        fail(str(err))
    if as_json:
        out(json.dumps(_doc_json(doc)))
        return
    out(
        f"Added {doc.name} as {ARTICLE[doc.kind]}{KIND_NAMES[doc.kind]} (id {doc.id}, {doc.chunks} "
        f"chunk{'s' if doc.chunks != 1 else ''})."
    )
    if kind is None:
        what = f"{ARTICLE[doc.kind]}{KIND_NAMES[doc.kind]}"
        out(f"Not {what}? Remove it and add it again with --kind.")
    for old in older:
        out(
            f"You also have an older {old.name} (id {old.id}): "
            f"`cuecard profile remove {old.id}` if it is out of date."
        )


@profile_app.command("list")
def list_documents(as_json: JsonOpt = False) -> None:
    """List the documents in your profile."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import ProfileStore

    try:
        docs = ProfileStore().documents()
    except ProfileError as err:
        fail(str(err))
    if as_json:
        out(json.dumps([_doc_json(d) for d in docs], indent=2))
        return
    if not docs:
        out("Your profile is empty: add your résumé with `cuecard profile add resume.pdf`.")
        return
    out(f"{'ID':<10} {'KIND':<8} {'CHUNKS':>6}  {'ADDED':<20} NAME")
    for d in docs:
        out(f"{d.id:<10} {d.kind:<8} {d.chunks:>6}  {_when(d.added):<20} {d.name}")


@profile_app.command("show")
def show(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Id (or its start) or file name.")],
    as_json: JsonOpt = False,
) -> None:
    """Show how a document was cut into chunks, with the first line of each."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import ProfileStore

    store = ProfileStore()
    try:
        doc = store.find(doc_id)
        chunks = store.chunks_of(doc)
    except ProfileError as err:
        fail(str(err))
    if as_json:
        out(json.dumps({**_doc_json(doc), "chunk_list": [_chunk_json(c) for c in chunks]}))
        return
    out(
        f"{doc.name} — {KIND_NAMES[doc.kind]}, {len(chunks)} chunk"
        f"{'s' if len(chunks) != 1 else ''}, added {_when(doc.added)} (id {doc.id})"
    )
    for chunk in chunks:
        title = chunk.title or "(untitled)"
        out(f"  [{chunk.position + 1}] {title} — {chunk.words} words")
        out(f"      {_first_line(chunk.text)}")


@profile_app.command("remove")
def remove(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Id (or its start) or file name.")],
) -> None:
    """Delete cuecard's copy of a document; your original file is untouched."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import ProfileStore

    try:
        doc = ProfileStore().remove(doc_id)
    except ProfileError as err:
        fail(str(err))
    out(f"Removed {doc.name} (id {doc.id}) from your profile; your original file is untouched.")


@profile_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="A question, as an interviewer would ask it.")],
    k: Annotated[int, typer.Option("-k", min=1, max=12, help="How many chunks.")] = 4,
    sample: Annotated[
        bool, typer.Option("--sample", help="Search the bundled demo profile instead of yours.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show which parts of your profile an answer to QUERY would be grounded in."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.retrieval import ProfileIndex, default_semantic
    from cuecard.profile.store import profile_chunks

    try:
        chunks = profile_chunks(sample=sample)
    except ProfileError as err:
        fail(str(err))
    if not chunks:
        fail("your profile is empty: add your résumé with `cuecard profile add resume.pdf`")
    found = ProfileIndex(chunks, semantic=default_semantic()).scored(query, k)
    if as_json:
        out(json.dumps([{**_chunk_json(c), "score": round(s, 3)} for c, s in found], indent=2))
        return
    if not found:
        out("Nothing in your profile matches that question.")
        return
    for chunk, score in found:
        out(f"{score:5.2f}  {chunk.source} › {chunk.title or '(untitled)'}")
        out(f"       {_first_line(chunk.text)}")


@profile_app.command("stories")
def stories(
    sample: Annotated[
        bool, typer.Option("--sample", help="Show the bundled demo profile's stories instead.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List your stories, what each is about, and the common questions you have no story for."""
    from cuecard.profile.bank import load_story_bank
    from cuecard.profile.reading import ProfileError

    try:
        bank = load_story_bank(sample=sample)
    except ProfileError as err:
        fail(str(err))
    if as_json:
        out(json.dumps(bank.to_json(), indent=2))
        return
    if not bank.stories:
        out(
            "You have no stories yet: write a few in a file, one '## Title (competency)' heading "
            "per story with Situation, Task, Action and Result, and add it with "
            "`cuecard profile add stories.md`."
        )
    else:
        out(f"Your stories ({len(bank.stories)}):")
        for story in bank.stories:
            about = (
                ", ".join([*story.labelled, *(f"{c} (guessed)" for c in story.inferred)])
                or "not sure what this is about: add a label, e.g. '## Title (conflict)'"
            )
            out(f"  {story.title}")
            out(f"      about: {about}  ·  {story.words} words  ·  {story.source}")
            for tip in story.advice:
                out(f"      tip: {tip}")
    if bank.gaps:
        out("")
        out("Common questions with no story yet:")
        for gap in bank.gaps:
            out(f"  - {gap.message}")


@profile_app.command("vocabulary")
def vocabulary_cmd(
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="A name or term you expect to hear (repeat for more)."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="Leave a term out of the list (repeat for more)."),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Show the bundled demo profile's vocabulary.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The names and terms the recogniser expects: yours first, then your profile's."""
    from cuecard import config
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import profile_chunks
    from cuecard.profile.vocabulary import vocabulary

    try:
        cfg = config.load()
        if add or remove:
            cfg = _edit_vocabulary(cfg, list(add or ()), list(remove or ()))
        sp = cfg.speech
        chunks = profile_chunks(sample=sample) if sp.vocabulary_from_profile else []
    except (config.ConfigError, ProfileError) as err:
        fail(str(err))
    terms = vocabulary(chunks, yours=sp.vocabulary, exclude=sp.vocabulary_exclude,
                       from_profile=sp.vocabulary_from_profile)  # fmt: skip
    if as_json:
        out(json.dumps([asdict(t) for t in terms], indent=2))
        return
    if not terms:
        out("No vocabulary yet: add your résumé (`cuecard profile add resume.pdf`) or a term "
            "(`cuecard profile vocabulary --add \"Harbor Health\"`).")  # fmt: skip
        return
    out(f"Names and terms the recogniser expects ({len(terms)}, best first):")
    for term in terms:
        where = "you added it" if term.kind == "yours" else ", ".join(term.sources) or "profile"
        out(f"  {term.text}  ({term.kind}; {where})")
    out("Change it with --add TERM / --remove TERM, or speech.vocabulary in `cuecard config`.")


def _edit_vocabulary(cfg: Any, add: list[str], remove: list[str]) -> Any:
    """Add to ``speech.vocabulary``; a removed term leaves it, or is excluded if it came
    from the profile. One write, validated before it is saved."""
    from cuecard import config

    yours = [t for t in cfg.speech.vocabulary]
    exclude = [t for t in cfg.speech.vocabulary_exclude]
    for term in (" ".join(t.split()) for t in add):
        if term and term.casefold() not in {t.casefold() for t in yours}:
            yours.append(term)
        exclude = [t for t in exclude if t.casefold() != term.casefold()]
    for term in (" ".join(t.split()) for t in remove):
        kept = [t for t in yours if t.casefold() != term.casefold()]
        if len(kept) == len(yours) and term.casefold() not in {t.casefold() for t in exclude}:
            exclude.append(term)
        yours = kept
    _, cfg = config.update({"speech.vocabulary": yours, "speech.vocabulary_exclude": exclude})
    return cfg


def register(app: typer.Typer) -> None:
    """Add ``cuecard profile …`` to the main app."""
    app.add_typer(profile_app, name="profile")
