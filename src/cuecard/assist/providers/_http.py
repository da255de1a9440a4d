"""The one HTTP client type every provider is given: ``httpx2.AsyncClient``.

The official SDKs installed here (openai, anthropic, google-genai) run on ``httpx2``, the
maintained fork of httpx, and the egress guard builds its clients with the same package
(``cuecard.privacy.transport.make_http_client``), so the bytes of every answer travel through
the guarded transport the SDK was handed, with its connection pool reused across answers.
A provider built without one gets a guarded client for its own endpoint only
(``transport.client_for``): no code path sends through an unguarded client
(``tests/privacy/test_one_http_stack.py`` scans the source and checks at run time).
"""

from __future__ import annotations

import httpx2

HttpClient = httpx2.AsyncClient
"""What a provider accepts as ``http_client``."""
