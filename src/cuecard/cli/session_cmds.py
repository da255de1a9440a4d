"""Commands that run a listening session or set it up: demo, replay, models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cuecard.audio.errors import FORMATS
from cuecard.cli.common import LanguageOpt, fail, out, with_language

FastOpt = Annotated[bool, typer.Option("--fast", help="Run as fast as the CPU allows.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per event per line.")]
PromptsOpt = Annotated[
    bool, typer.Option("--show-prompts", help="Print every prompt sent to a provider.")
]
KeepOpt = Annotated[
    bool, typer.Option("--keep", help="Keep this session in the encrypted vault (opt-in).")
]
NoAnswerOpt = Annotated[
    bool, typer.Option("--no-answers", help="Transcript only: detect nothing, send nothing.")
]


def _run(
    *,
    path: Path | None,
    interviewer: Path | None = None,
    you: Path | None = None,
    speaker: str | None = None,
    fast: bool,
    as_json: bool,
    title: str,
    answers: bool = True,
    demo: bool = False,
    show_prompts: bool = False,
    keep: bool = False,
    language: str | None = None,
) -> None:
    from cuecard import config as config_mod
    from cuecard.audio.errors import AudioError
    from cuecard.cli.running import run_in_terminal
    from cuecard.session import FileInput, Session

    try:
        cfg = config_mod.load()
    except config_mod.ConfigError as err:
        fail(str(err))
    cfg = with_language(cfg, language)
    spec = FileInput(
        path, interviewer=interviewer, you=you, speaker=speaker,  # type: ignore[arg-type]
        realtime=not fast, demo=demo,
    )  # fmt: skip
    try:
        session = Session(cfg, spec, answers=answers, keep=keep or cfg.privacy.keep_sessions)
    except AudioError as err:
        fail(str(err))
    summary = run_in_terminal(session, title=title, as_json=as_json, show_prompts=show_prompts)
    if not summary.counts.utterances:  # after session_end: the stream stays complete for scripts
        names = [str(p) for p in (path, interviewer, you) if p is not None]
        fail(f"no speech found in {' or '.join(names)}")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        fast: FastOpt = False,
        as_json: JsonOpt = False,
        gui: Annotated[bool, typer.Option("--gui", help="Run the demo in the desktop app.")] = (
            False
        ),
        show_prompts: PromptsOpt = False,
        no_answers: NoAnswerOpt = False,
        language: LanguageOpt = None,
    ) -> None:
        """Play the bundled mock interview through the real pipeline (no key, no network)."""
        if gui:
            from cuecard.cli.live_cmds import open_app

            open_app(demo=True, fast=fast)
            return
        from cuecard import paths

        _run(path=paths.demo_recording(), fast=fast, as_json=as_json, title="cuecard demo",
             answers=not no_answers, demo=True, show_prompts=show_prompts,
             language=language)  # fmt: skip

    @app.command()
    def replay(
        file: Annotated[Path | None, typer.Argument(help=f"Recording: {FORMATS}.")] = None,
        interviewer: Annotated[
            Path | None, typer.Option(help="A recording of the interviewer alone.")
        ] = None,
        you: Annotated[Path | None, typer.Option(help="A recording of you alone.")] = None,
        speaker: Annotated[
            str | None, typer.Option(help="Who a mono file is: interviewer or you.")
        ] = None,
        fast: FastOpt = False,
        as_json: JsonOpt = False,
        show_prompts: PromptsOpt = False,
        keep: KeepOpt = False,
        no_answers: NoAnswerOpt = False,
        language: LanguageOpt = None,
    ) -> None:
        """Replay a recorded interview as if it were live (stereo: left interviewer, right you)."""
        if speaker is not None and speaker not in ("interviewer", "you"):
            fail("--speaker must be 'interviewer' or 'you'", code=2)
        if file is None and interviewer is None and you is None:
            fail("give a recording, or --interviewer/--you files", code=2)
        _run(path=file, interviewer=interviewer, you=you, speaker=speaker, fast=fast,
             as_json=as_json, title=f"cuecard replay {(file or interviewer or you).name}",  # type: ignore[union-attr]
             answers=not no_answers, show_prompts=show_prompts, keep=keep,
             language=language)  # fmt: skip

    models_app = typer.Typer(help="Speech models: list, verify, download (explicitly).")
    app.add_typer(models_app, name="models")

    @models_app.command("list")
    def models_list() -> None:
        """Show the bundled model and any downloaded ones."""
        from cuecard.speech import model

        out(f"{model.BUNDLED}  (bundled)")
        if model.base_installed():
            out(f"{model.MULTILINGUAL}  (multilingual, from the cuecard[base] extra)")
        for size in model.known_sizes():
            if size in (model.BUNDLED, model.MULTILINGUAL):
                continue
            if (model.models_dir() / size / "model.bin").is_file():
                out(f"{size}  (downloaded)")

    @models_app.command("auto")
    def models_auto() -> None:
        """Measure again which model `speech.model = auto` uses on this machine."""
        from cuecard import config as config_mod
        from cuecard.speech import auto, model

        try:
            sp = config_mod.load().speech
            choice = auto.choose(compute_type=sp.compute_type, cpu_threads=sp.cpu_threads,
                                 again=True)  # fmt: skip
        except (config_mod.ConfigError, model.ModelError) as err:
            fail(str(err))
        for name, lag in choice.final_lag_p95_s.items():
            out(f"{name}: final lag p95 {lag:.2f} s (target {auto.TARGET_P95_S:.1f} s)")
        out(f"speech.model = auto uses {choice.model} on this machine")

    @models_app.command("verify")
    def models_verify(name: Annotated[str, typer.Argument()] = "tiny.en") -> None:
        """Check a model's files (SHA-256 for the bundled one)."""
        from cuecard.speech import model

        try:
            loc = model.locate(name)
            model.verify(loc)
        except model.ModelError as err:
            fail(str(err))
        out(f"{name}: ok ({loc.path})")

    @models_app.command("download")
    def models_download(name: Annotated[str, typer.Argument(help="e.g. small.en")]) -> None:
        """Download a larger model from the Hugging Face Hub (the only time cuecard fetches one)."""
        import os

        from cuecard import config as config_mod
        from cuecard.privacy.egress import startup
        from cuecard.speech import model

        try:
            cfg = config_mod.load()
        except config_mod.ConfigError as err:
            fail(str(err))
        # The one time the download hosts are allowed; Xet (native code the
        # guard cannot see) is off so the download goes through Python sockets.
        os.environ["HF_HUB_DISABLE_XET"] = "1"
        startup(cfg, download=True)
        try:
            path = model.download(name)
        except model.ModelError as err:
            fail(str(err))
        out(f'{name} downloaded to {path}; set speech.model = "{name}" in config.toml')
