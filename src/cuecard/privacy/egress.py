"""The egress guard as the app starts it: the policy, both layers and the ledger, together.

Only the destinations the user configured, and a ledger of everything. Two
layers, because Python's audit hooks are a tripwire, not a sandbox:

1. **Enforcement at the client** (``privacy.transport``): every HTTP client
   cuecard builds checks each request against the ``EgressPolicy``
   (``privacy.policy``) before a byte is sent.
2. **A process-wide tripwire** (``privacy.tripwire``): an audit hook on name
   resolution, connects and process launches, for what slips past the transport.

Both layers record into a ``Ledger`` (metadata only, never content), which
``startup`` makes write through to the persistent store that ``cuecard privacy
report`` reads from another process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx2

from cuecard.privacy.ledger import Ledger, process_ledger

if TYPE_CHECKING:
    from cuecard.config import Config

from cuecard.privacy.policy import EgressPolicy
from cuecard.privacy.transport import make_http_client
from cuecard.privacy.tripwire import Tripwire, install_audit_hook, set_hf_offline


@dataclass(slots=True)
class Guard:
    """What start-up hands to the rest of the app: the policy, the ledger, the tripwire."""

    policy: EgressPolicy
    ledger: Ledger
    tripwire: Tripwire | None = field(default=None)

    def client(self, purpose: str, provider: str = "", **options: Any) -> httpx2.AsyncClient:
        """A guarded client for one purpose, its requests recorded under ``provider``."""
        return make_http_client(self.policy, self.ledger, purpose, label=provider, **options)


def startup(
    config: Config,
    *,
    download: bool = False,
    tripwire: bool = True,
    command: str | None = None,
    persist: bool = True,
) -> Guard:
    """Build the policy from config and arm the tripwire; the CLI calls this first.

    ``download=True`` only for ``cuecard models download``: it adds the download
    hosts and leaves Hugging Face online. Everything else runs with
    ``HF_HUB_OFFLINE=1``. ``command`` names what the ledger files this
    process's connections under (the CLI's ``main`` sets it from the command
    words). With ``persist`` the process ledger writes through to the store
    ``cuecard privacy report`` reads, kept for ``privacy.retention_days``.
    """
    policy = EgressPolicy.from_config(config, download=download)
    ledger = process_ledger()
    if command is not None:  # else the CLI's main() has named it already
        ledger.set_context(command=command)
    if persist:
        from cuecard.privacy import ledger_store

        ledger_store.persist(ledger, retention_days=config.privacy.retention_days)
    if tripwire:
        # The SDKs describe the platform in their headers; platform.uname() runs
        # `uname -p` in a subprocess the first time. Answer it before the hook is
        # armed (the result is cached), so that harmless launch is neither
        # blocked nor reported as a blocked program.
        import platform

        platform.uname()
        platform.processor()
    installed = install_audit_hook(policy, ledger) if tripwire else None
    if not tripwire:
        set_hf_offline(not download)
    return Guard(policy, ledger, installed)
