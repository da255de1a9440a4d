"""One HTTP stack, and no unguarded client: every client cuecard builds carries the guard.

The SDKs run on ``httpx2``; the egress guard builds ``httpx2`` clients with its transport,
and a provider given no client builds a guarded one for its own endpoint. A source scan
fails on any other client construction or a second HTTP library; a run-time check builds
each provider both ways and looks at the transport its SDK really sends through.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cuecard import catalog
from cuecard.assist.chain import Deadlines
from cuecard.assist.factory import build_providers
from cuecard.assist.providers import build_provider
from cuecard.config import ProviderSettings, parse
from cuecard.privacy.egress import startup
from cuecard.privacy.transport import GuardedTransport

SRC = Path(__file__).resolve().parents[2] / "src" / "cuecard"
CLIENTS = {"AsyncClient", "Client"}
ALLOWED = {
    # the guard's own builders: every client they make has the guarded transport
    ("privacy/transport.py", "make_http_client"),
    # the warm-up dry run: an in-memory MockTransport, no socket (checked below)
    ("assist/providers/_sdk.py", "dry_run"),
}


def client_constructions() -> list[tuple[str, str, ast.Call]]:
    """(file, innermost function, call) for every ``httpx*.AsyncClient(...)``/``Client(...)``."""
    found: list[tuple[str, str, ast.Call]] = []

    class Scan(ast.NodeVisitor):
        def __init__(self, file: str) -> None:
            self.file, self.stack = file, ["<module>"]

        def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
            self.stack.append(node.name)
            self.generic_visit(node)
            self.stack.pop()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node: ast.Call) -> None:
            f = node.func
            if (isinstance(f, ast.Attribute) and f.attr in CLIENTS
                    and isinstance(f.value, ast.Name) and f.value.id.startswith("httpx")):
                found.append((self.file, self.stack[-1], node))  # fmt: skip
            self.generic_visit(node)

    for path in sorted(SRC.rglob("*.py")):
        Scan(str(path.relative_to(SRC))).visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_no_code_builds_an_http_client_outside_the_guard() -> None:
    calls = client_constructions()
    where = {(f, fn) for f, fn, _ in calls}
    assert where <= ALLOWED, f"an HTTP client built outside the guard: {where - ALLOWED}"
    assert ("privacy/transport.py", "make_http_client") in where  # the scan sees real calls
    for file, fn, call in calls:
        transport = next((k.value for k in call.keywords if k.arg == "transport"), None)
        assert isinstance(transport, ast.Call), f"{file}:{fn} builds a client with no transport"
        name = ast.unparse(transport.func)
        expected = "httpx2.MockTransport" if fn == "dry_run" else "Guarded"
        assert expected in name, f"{file}:{fn} uses {name}"


def test_one_http_library() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            for name in names:
                root = name.split(".")[0]
                assert root not in ("httpx", "requests", "aiohttp", "urllib3"), (
                    f"{path.relative_to(SRC)} imports {name}: httpx2 is cuecard's one HTTP stack"
                )


def sdk_transport(provider: object) -> object:
    inner = getattr(provider, "inner", provider)
    return inner._http._transport  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["openai", "anthropic", "google", "local"])
def test_every_provider_sends_through_a_guarded_transport(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-test-" + "g" * 32
    # built on its own, with no client: it makes a guarded one for its endpoint only
    alone = build_provider(name, ProviderSettings(), api_key=key, http_client=None,
                           deadlines=Deadlines())  # fmt: skip
    transport = sdk_transport(alone)
    assert isinstance(transport, GuardedTransport)
    assert [d.label for d in transport.policy.destinations] == [name]  # only its own endpoint
    # built for a session: the session guard's client
    spec = catalog.info(name)
    if spec.env_var:
        monkeypatch.setenv(spec.env_var, key)
    cfg = parse({"assist": {"provider": name}})
    (built,), problems = build_providers(cfg, startup(cfg, tripwire=False))
    assert problems == [] and isinstance(sdk_transport(built), GuardedTransport)
