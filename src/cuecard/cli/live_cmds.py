"""Commands that use live devices or the desktop: listen, devices, app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuecard.cli.common import LanguageOpt, fail, out, with_language


def open_app(*, demo: bool = False, fast: bool = False) -> None:
    """Open the desktop overlay (``cuecard app`` / ``cuecard demo --gui``)."""
    import os
    import sys

    from cuecard import config as config_mod

    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        fail("no display to open the window on (DISPLAY is not set): use `cuecard demo` "
             "or `cuecard listen` in the terminal")  # fmt: skip
    from cuecard.syslibs import preflight_problem

    problem = preflight_problem()  # before Qt loads: Qt itself would abort with exit 134
    if problem:
        fail(problem)
    try:
        config_mod.load()
    except config_mod.ConfigError as err:
        fail(str(err))
    try:
        from cuecard.ui.desktop import run_app
    except ImportError as err:
        fail(f"the desktop app cannot start ({err}): reinstall cuecard with its Qt dependency")
    code = run_app(demo=demo, fast=fast)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""

    _register_capture(app)

    @app.command("app")
    def app_command() -> None:
        """Open the desktop overlay: question, talking points and transcript, always on top."""
        open_app()


# -- listen and devices (live capture) -----------------------------------------

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cuecard.audio.backend import Device

MicOpt = Annotated[
    str | None,
    typer.Option("--mic", help="Your microphone: number, name or part of it (`cuecard devices`)."),
]
LoopbackOpt = Annotated[
    str | None,
    typer.Option(
        "--loopback",
        help="What the computer plays (the call): number, name or part of it.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]

def config_name(device: Device, devices: Sequence[Device]) -> str:
    """How to name a device in config.toml: its name if no other device has it, else its id.

    Names read well and survive what ids do not (CoreAudio ids change across
    reboots); two identical headsets need the id.
    """
    same = [d for d in devices if d.name.casefold() == device.name.casefold()]
    return device.name if len(same) == 1 else device.id


def save_devices(mic: str, loopback: str) -> Path:
    """Remember the chosen devices in config.toml ([audio] mic, loopback), comments kept."""
    from cuecard import config as config_mod

    try:
        path, _ = config_mod.update({"audio.mic": mic, "audio.loopback": loopback})
    except config_mod.ConfigError as err:
        fail(f"cannot save the devices: {err}")
    return path


def _register_capture(app: typer.Typer) -> None:
    @app.command()
    def listen(
        mic: MicOpt = None,
        loopback: LoopbackOpt = None,
        save: Annotated[
            bool, typer.Option("--save", help="Remember these devices in config.toml.")
        ] = False,
        as_json: JsonOpt = False,
        no_answers: Annotated[
            bool,
            typer.Option("--no-answers", help="Transcript only: detect nothing, send nothing."),
        ] = False,
        show_prompts: Annotated[
            bool, typer.Option("--show-prompts", help="Print every prompt sent to a provider.")
        ] = False,
        duration: Annotated[
            float | None,
            typer.Option("--duration", min=1.0, help="Stop after this many seconds."),
        ] = None,
        language: LanguageOpt = None,
    ) -> None:
        """Listen to a live call: your microphone and what the computer plays. Ctrl-C stops."""
        from cuecard import config as config_mod
        from cuecard.audio.errors import AudioError
        from cuecard.cli.running import run_in_terminal
        from cuecard.session import LiveInput, Session

        try:
            cfg = config_mod.load()
        except config_mod.ConfigError as err:
            fail(str(err))
        cfg = with_language(cfg, language)
        try:
            session = Session(
                cfg, LiveInput(mic, loopback, stop_after_s=duration), answers=not no_answers
            )
        except AudioError as err:
            fail(str(err))
        you, them = session.devices["you"], session.devices["interviewer"]
        source = session.live_source
        assert source is not None
        if save:
            path = save_devices(config_name(you, source.available),
                                config_name(them, source.available))  # fmt: skip
            typer.echo(f"saved the devices in {path}", err=True)
        typer.echo(
            f"listening: you = {you.name!r}, interviewer = {them.name!r}; Ctrl-C stops",
            err=True,
        )
        run_in_terminal(
            session, title=f"cuecard listen · you: {you.name} · interviewer: {them.name}",
            as_json=as_json, show_prompts=show_prompts,
        )  # fmt: skip

    @app.command()
    def devices(
        as_json: JsonOpt = False,
        test: Annotated[
            bool, typer.Option("--test", help="Show a one-second level meter for each device.")
        ] = False,
    ) -> None:
        """List microphones and what can be captured of the computer's sound (* = default)."""
        from cuecard.audio.capture import backend_for_platform, list_devices, measure_levels
        from cuecard.audio.errors import AudioError
        from cuecard.ui.terminal import meter

        try:
            backend = backend_for_platform()
            found = list_devices(backend)
        except AudioError as err:
            fail(str(err))
        levels: dict[int, float | None] = {}
        if test:
            if not as_json:
                typer.echo("listening to every device for one second…", err=True)
            levels = measure_levels(backend, found, 1.0)
        if as_json:
            rows: list[dict[str, Any]] = []
            for d in found:
                row: dict[str, Any] = {
                    "index": d.index, "id": d.id, "name": d.name, "kind": d.kind,
                    "default": d.default, "channels": d.channels,
                }  # fmt: skip
                if test:
                    row["level_dbfs"] = levels.get(d.index)
                rows.append(row)
            out(json.dumps({"backend": backend.name, "devices": rows}, ensure_ascii=False))
            return
        for kind, title in (
            ("input", "microphones (--mic)"),
            ("loopback", "what the computer plays (--loopback)"),
        ):
            out(f"{title}:")
            of_kind = [d for d in found if d.kind == kind]
            if not of_kind:
                out(f"  none — {backend.missing_hint(kind)}")  # type: ignore[arg-type]
            for d in of_kind:
                line = f"  {d.index:>2} {'*' if d.default else ' '} {d.name}  [{d.id}]"
                if test:
                    level = levels.get(d.index)
                    if level is None:
                        line += "  cannot be read"
                    else:
                        line += f"  {meter(level)} {level:6.1f} dBFS"
                out(line)
        out(f"* = default ({backend.name})")
