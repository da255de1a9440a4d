"""The privacy layer: what may leave the device, what is kept, and proof of both.

- ``egress``: the guarded httpx transport (enforcement) and the audit-hook tripwire
- ``ledger``: every connection allowed or blocked, metadata only
- ``report``: the ledger grouped by destination, with a one-line verdict
- ``secrets``: API keys in the OS keychain
- ``logsafe``: logging that masks key-shaped text and drops SDK debug records
- ``redaction``: placeholders for personal details in prompts, restored for display
- ``vault`` / ``recorder``: the opt-in encrypted store of kept sessions
- ``inventory``: every file and keychain entry cuecard keeps, and erasing them

Submodules are imported where they are used, so importing this package is free.
"""
