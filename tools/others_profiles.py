"""Rebuild tests/data/profiles/{bmad-*,tts-accessibility,research-ops,data-analytics-pm}.

The six profiles of ``tests/data/retrieval_questions_others.jsonl`` are other people's
documents, cut and rendered as its _SOURCES.md says. This script is that recipe, so
anyone can check that nothing was reworded: give it clones of the four public
repositories and it writes the same files.

Usage:
    python tools/others_profiles.py BMAD-METHOD pandoc_resume handbook join.tts.gsa.gov

(clones of jamon8888/BMAD-METHOD, mszep/pandoc_resume, 18F/handbook and
18F/join.tts.gsa.gov; the commits are the ones named in the _SOURCES.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "profiles"
BMAD = ("389f96a580a4a957bb24eee0485018de25e0e73d", "src/modules/career-coach/data/"
        "behavioral-question-examples.md")  # fmt: skip
CLARK = ("049f34fed18836354ae740b68b750fbd1c2058f0", "resume.md")
STALEY = ("00bd7a304c1171796a42e5fa1633504006d0cb30", "markdown/resume.md")
COSTELLO = ("0c59dd0d1536bb7d94b5245007e8d883f4b849a4", "_pages/about-us/teams/talent/resume.md")
JOBS = "5dfa66db0f4ba784dd39ebbe1b05f81f4a1c41df"


def show(repo: Path, commit: str, path: str) -> str:
    """A file as it was at ``commit`` (its parent's version if the commit deleted it)."""
    for ref in (commit, f"{commit}~1"):
        done = subprocess.run(
            ["git", "-C", str(repo), "show", f"{ref}:{path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout
    raise SystemExit(f"{path} is not in {repo} at {commit}: clone the full history")


def render(posting: str) -> str:
    """An 18F posting as its page shows it: front matter, Liquid comments and tags gone."""
    match = re.match(r"---\n(.*?)\n---\n", posting, re.S)
    front, body = (match.group(1), posting[match.end() :]) if match else ("", posting)
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', front, re.M)
    body = re.sub(r"\{%-?\s*comment.*?endcomment.*?%\}", "", body, flags=re.S)
    body = body.replace("{{ page.title }}", title.group(1) if title else "")
    body = re.sub(r"\{%.*?%\}", "", body, flags=re.S)
    body = re.sub(r"\{\{.*?\}\}", "", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return (f"# {title.group(1)}\n\n" if title else "") + body.strip() + "\n"


def plain(markdown: str) -> str:
    """What copying the rendered page from a browser gives: no markup, `•` bullets."""
    out = []
    for raw in markdown.splitlines():
        text = re.sub(r"^#{1,6}\s+", "", raw)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = text.replace("***", "").replace("**", "")
        out.append(re.sub(r"^(\s*)[-*]\s+", r"\1• ", text))
    return "\n".join(out).strip() + "\n"


def write(profile: str, name: str, text: str) -> None:
    (OUT / profile).mkdir(parents=True, exist_ok=True)
    (OUT / profile / name).write_text(text, encoding="utf-8")


def lines(text: str, first: int, last: int) -> str:
    return "".join(text.splitlines(keepends=True)[first - 1 : last])


def main(bmad_repo: Path, resume_repo: Path, handbook_repo: Path, jobs_repo: Path) -> None:
    stories = show(bmad_repo, *BMAD)
    head = "# Behavioral Question Examples Data\n\n"
    write("bmad-lead", "stories.md", head + lines(stories, 10, 77))
    write("bmad-comm", "stories.md", head + lines(stories, 78, 145))
    write("bmad-service", "stories.md", head + lines(stories, 146, 228))

    clark = show(resume_repo, *CLARK)  # the address and phone table and footer removed
    clark = re.sub(r"-{10,}\s+-{10,}\n.*?\n-{10,}\s+-{10,}\n", "", clark, count=1, flags=re.S)
    write("bmad-lead", "resume.md", clark.split("\n----\n\n> <")[0].rstrip() + "\n")
    staley = show(resume_repo, *STALEY)  # the contact line removed
    write("bmad-comm", "resume.md", staley.rsplit("\n----\n", 1)[0].rstrip() + "\n")

    page = show(handbook_repo, *COSTELLO)  # the résumé only, without the author's comments
    resume = page[page.index("AMANDA COSTELLO") : page.index("### Still have questions")]
    resume = re.sub(r"Workplace name, Unit name.*?`End of formatting example!`\n", "", resume,
                    flags=re.S)  # fmt: skip
    resume = "\n".join(x for x in resume.splitlines() if not re.fullmatch(r"\s*`.*`\s*", x))
    resume = re.sub(r"````.*?````\n", "", resume, flags=re.S)
    resume = re.sub(r"-{20,}\s*$", "", resume.rstrip())
    write("bmad-service", "resume.txt", plain(re.sub(r"\n{3,}", "\n\n", resume)))

    def posting(name: str) -> str:
        return render(show(jobs_repo, JOBS, name))

    write("bmad-lead", "job.md", posting("positions/10x-software-engineer-2024.md"))
    write("bmad-comm", "job.txt", plain(posting("fedramp-cyber-data-engineer-2024.md")))
    write("bmad-service", "job.txt", plain(posting("positions/login-engineer-2023.md")))
    write(
        "tts-accessibility",
        "job.md",
        posting("positions/Solutions-Accessibility-Lead-April2024.md"),
    )
    write("research-ops", "job.txt", plain(posting("positions/TTS-Research-Ops-Lead-April2024.md")))
    write("data-analytics-pm", "job.md", posting("positions/Data-Analytics-Product-Managers.md"))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*(Path(a) for a in sys.argv[1:]))
