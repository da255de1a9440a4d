"""One loopback HTTP server that speaks the streaming wire formats of OpenAI, Anthropic and Gemini.

Real sockets, real HTTP/1.1 (h11, chunked bodies, keep-alive), server-sent events shaped like the
real services send them, so the official SDKs run unmodified against it. It runs its own asyncio
loop in a daemon thread, so the same object works from async tests, sync tests and bench scripts.

Endpoints
    POST /v1/chat/completions                      OpenAI (and local OpenAI-compatible servers)
    GET  /v1/models                                OpenAI list; Anthropic list when the request
                                                   carries an ``anthropic-version`` header
    POST /v1/messages                              Anthropic
    GET  /v1beta/models                            Gemini list
    POST /v1beta/models/{model}:streamGenerateContent?alt=sse   Gemini

API
    with FakeProviderServer(default=Reply(first_token_delay_s=0.4)) as srv:   # or `async with`
                                       (tls=ssl server context: the same over HTTPS)
        srv.openai_base_url        "http://127.0.0.1:PORT/v1"  (also for the `local` provider)
        srv.anthropic_base_url     "http://127.0.0.1:PORT"
        srv.google_base_url        "http://127.0.0.1:PORT/"    (the SDK adds /v1beta)
        srv.enqueue(Reply(...), ...)   scripted replies for the next generation requests, FIFO;
                                       when the queue is empty ``srv.default`` answers
        srv.fail_next(429, times=2)    shorthand: N error replies, then the default succeeds
        srv.models[api]                model ids each API lists ("openai", "anthropic", "google");
                                       a request for a model not listed gets that API's real 404
        srv.models_status              HTTP status of the model-list endpoints (500: listing fails)
        srv.require_key                when set, any other presented key gets that API's real
                                       answer: 401 (OpenAI, Anthropic), 400 API_KEY_INVALID
                                       (Gemini), on generation and model-list requests alike
        srv.requests                   every RecordedRequest, in arrival order
        srv.generations                only the streaming generation requests
        srv.connection_count           TCP connections accepted so far (connection reuse checks)

    Reply fields: text / pieces (chunking), first_token_delay_s, chunk_delay_s, status (error
    reply with the API's real error body), cut_after (close the connection after K text chunks),
    stall_after (stop sending after K text chunks, keep the connection open), error_after (the
    API's in-stream error event after K text chunks: Anthropic ``event: error`` overloaded,
    OpenAI ``data: {"error": ...}``, Gemini ``data: {"error": {"code": 503 ...}}``), hang (read
    the request, never send a byte), finish (override the finish/stop reason), usage, raw (events
    sent verbatim: malformed replies).

    RecordedRequest: api, method, path, query, headers (lower-case names), body (parsed JSON),
    api_key (the key the client presented), connection_id, chunks_sent, completed (whole response
    sent), usage (input, output tokens reported), disconnected (threading.Event, set when the
    client closed the connection before the response was complete); wait_disconnect(timeout).

A 401 body echoes the presented key verbatim, as a careless server might, so tests can prove the
client never relays server text that holds the key.

From a shell: ``python tests/fakes/provider_server.py --first-token-ms 400`` serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import h11

Api = Literal["openai", "anthropic", "google", "unknown"]

DEFAULT_TEXT = (
    "- Led the billing migration to Postgres, zero downtime\n"
    "- Cut p95 latency 40% by batching writes\n"
    "- Would start by measuring before changing anything"
)

DEFAULT_MODELS: dict[str, list[str]] = {
    "openai": [
        "gpt-4o-mini",
        "gpt-4o",
        "gpt-4.1",
        "gpt-4.1-mini",
        "o3-mini",
        "text-embedding-3-small",
        "whisper-1",
        "tts-1",
        "dall-e-3",
        "gpt-3.5-turbo",
        "llama3.2",
        "qwen2.5:7b",
    ],
    "anthropic": [
        "claude-haiku-4-5",
        "claude-3-5-haiku-latest",
        "claude-sonnet-4-5",
        "claude-opus-4-1",
        "claude-3-7-sonnet-latest",
    ],
    "google": ["gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"],
}


@dataclass
class Reply:
    """How the server answers one generation request."""

    text: str = DEFAULT_TEXT
    pieces: Sequence[str] | None = None
    """Exact chunking of ``text``; default one piece per word (with its trailing space)."""
    first_token_delay_s: float = 0.0
    """After headers and the preamble events, before the first text chunk."""
    chunk_delay_s: float = 0.0
    status: int = 200
    cut_after: int | None = None
    stall_after: int | None = None
    error_after: int | None = None
    """After this many text chunks, send the API's in-stream error event (overloaded)."""
    hang: bool = False
    finish: str | None = None
    """Finish/stop reason to send instead of the normal one (content_filter, refusal, SAFETY)."""
    usage: bool = True
    raw: Sequence[str] | None = None
    """Server-sent events sent verbatim after a 200 instead of the API's own (each one whole,
    e.g. ``'data: {...}\\n\\n'``): replies of a shape the real API does not send."""

    def chunks(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        return re.findall(r"\S+\s*", self.text) or [self.text]


@dataclass
class RecordedRequest:
    id: int
    api: Api
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    api_key: str | None
    connection_id: int
    chunks_sent: int = 0
    completed: bool = False
    usage: tuple[int, int] | None = None
    disconnected: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def model(self) -> str | None:
        if self.api == "google":
            m = re.match(r"/v1beta/models/([^:]+):", self.path)
            return unquote(m.group(1)) if m else None
        return self.body.get("model") if isinstance(self.body, dict) else None

    def wait_disconnect(self, timeout: float = 2.0) -> bool:
        """True once the client closed the connection before the response was complete."""
        return self.disconnected.wait(timeout)


class _ClientGone(Exception):
    """The client closed the connection while we were answering."""


class FakeProviderServer:
    def __init__(
        self,
        *,
        default: Reply | None = None,
        require_key: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.default = default or Reply()
        self.tls = tls  # a server context: serve HTTPS (connection_count counts handshakes done)
        self.require_key = require_key
        self.models: dict[str, list[str]] = {k: list(v) for k, v in DEFAULT_MODELS.items()}
        self.models_status = 200
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._conn_ids = itertools.count(1)
        self._connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeProviderServer:
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._on_connect, "127.0.0.1", 0, ssl=self.tls)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-provider-server", daemon=True)
        self._thread.start()
        started.wait(5)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        thread.join(5)
        self._loop = self._thread = None

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeProviderServer:
        return self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- scripting and records -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url

    @property
    def google_base_url(self) -> str:
        return f"{self.base_url}/"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def fail_next(self, status: int, times: int = 1) -> None:
        self.enqueue(*(Reply(status=status) for _ in range(times)))

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def generations(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def connection_count(self) -> int:
        with self._lock:
            return self._connections

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    # ---- HTTP plumbing ---------------------------------------------------------------------

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self._connections += 1
        conn_id = next(self._conn_ids)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                got = await self._read_request(conn, reader)
                if got is None:
                    return
                req, body = got
                rec = self._record(req, body, conn_id)
                keep = await _Exchange(self, rec, conn, reader, writer).run()
                if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (_ClientGone, ConnectionError, h11.ProtocolError):
            return
        except asyncio.CancelledError:
            return
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request, bytes] | None:
        req: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and req is None:
                    return None
                continue
            if isinstance(event, h11.Request):
                req = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert req is not None
                return req, bytes(body)
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None

    def _record(self, req: h11.Request, body: bytes, conn_id: int) -> RecordedRequest:
        headers = {k.decode().lower(): v.decode() for k, v in req.headers}
        target = urlsplit(req.target.decode())
        query = dict(parse_qsl(target.query))
        path = target.path
        auth = headers.get("authorization", "")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else None
        if path.startswith("/v1beta/"):
            api: Api = "google"
            key = headers.get("x-goog-api-key") or query.get("key")
        elif path == "/v1/messages" or "anthropic-version" in headers:
            api = "anthropic"  # x-api-key, or a Bearer token as anthropic>=2 sends it
            key = headers.get("x-api-key") or bearer
        elif path.startswith("/v1/"):
            api, key = "openai", bearer
        else:
            api, key = "unknown", None
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        rec = RecordedRequest(
            id=next(self._ids),
            api=api,
            method=req.method.decode(),
            path=path,
            query=query,
            headers=headers,
            body=parsed,
            api_key=key,
            connection_id=conn_id,
        )
        with self._lock:
            self._requests.append(rec)
        return rec


class _Exchange:
    """One request/response on a connection, watching for the client hanging up meanwhile."""

    def __init__(
        self,
        server: FakeProviderServer,
        rec: RecordedRequest,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.srv = server
        self.rec = rec
        self.conn = conn
        self.reader = reader
        self.writer = writer
        self._gone = asyncio.Event()

    async def run(self) -> bool:
        watcher = asyncio.create_task(self._watch_eof())
        work = asyncio.create_task(self._respond())
        gone = asyncio.create_task(self._gone.wait())
        try:
            done, _ = await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
            if work in done:
                return work.result()
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            if not self.rec.completed:
                self.rec.disconnected.set()
            return False
        finally:
            for t in (watcher, work, gone):
                t.cancel()
            await asyncio.gather(watcher, gone, return_exceptions=True)

    async def _watch_eof(self) -> None:
        """A client never sends during a response, so a read that ends means it hung up."""
        try:
            data = await self.reader.read(1)
        except ConnectionError:
            data = b""
        if not data:
            self._gone.set()

    # ---- writing helpers -------------------------------------------------------------------

    async def _send(self, event: h11.Event) -> None:
        data = self.conn.send(event)
        if data:
            self.writer.write(data)
            try:
                await self.writer.drain()
            except ConnectionError as err:
                raise _ClientGone from err

    async def _json(self, status: int, payload: Any, extra: Sequence[tuple[str, str]] = ()) -> bool:
        body = json.dumps(payload).encode()
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
            *extra,
        ]
        await self._send(h11.Response(status_code=status, headers=headers))
        await self._send(h11.Data(data=body))
        await self._send(h11.EndOfMessage())
        self.rec.completed = True
        return True

    async def _start_sse(self) -> None:
        await self._send(
            h11.Response(
                status_code=200,
                headers=[
                    ("content-type", "text/event-stream; charset=utf-8"),
                    ("cache-control", "no-cache"),
                ],
            )
        )

    async def _sse(self, data: str) -> None:
        await self._send(h11.Data(data=data.encode()))

    async def _end_sse(self) -> bool:
        await self._send(h11.EndOfMessage())
        self.rec.completed = True
        return True

    async def _cut(self) -> bool:
        """Drop the connection mid-body, as a dying proxy or server does."""
        self.writer.close()
        return False

    async def _forever(self) -> bool:
        await asyncio.Event().wait()
        return False

    # ---- routing ---------------------------------------------------------------------------

    async def _respond(self) -> bool:
        rec, srv = self.rec, self.srv
        if rec.method == "GET" and rec.path in ("/v1/models", "/v1beta/models"):
            return await self._models()
        if rec.method != "POST" or rec.api == "unknown":
            return await self._json(404, {"error": {"message": f"no route {rec.path}"}})
        reply = srv._next_reply()
        if reply.hang:
            return await self._forever()
        if srv.require_key is not None and rec.api_key != srv.require_key:
            return await self._error(401, bad_key=True)
        if reply.status != 200:
            return await self._error(reply.status)
        if rec.model not in srv.models.get(rec.api, []):
            return await self._error(404)
        if reply.raw is not None:
            await self._start_sse()
            for data in reply.raw:
                await self._sse(data)
            return await self._end_sse()
        if rec.api == "openai":
            return await self._openai(reply)
        if rec.api == "anthropic":
            return await self._anthropic(reply)
        return await self._google(reply)

    async def _models(self) -> bool:
        rec, srv = self.rec, self.srv
        if srv.require_key is not None and rec.api_key != srv.require_key:
            return await self._error(401, bad_key=True)  # the real APIs check the key here too
        if srv.models_status != 200:
            return await self._error(srv.models_status)
        ids = srv.models.get(rec.api, [])
        if rec.api == "openai":
            data = [
                {"id": m, "object": "model", "created": 1_700_000_000 + i, "owned_by": "system"}
                for i, m in enumerate(ids)
            ]
            return await self._json(200, {"object": "list", "data": data})
        if rec.api == "anthropic":
            data = [
                {
                    "type": "model",
                    "id": m,
                    "display_name": m.replace("-", " ").title(),
                    "created_at": "2025-02-19T00:00:00Z",
                }
                for m in ids
            ]
            return await self._json(
                200,
                {
                    "data": data,
                    "has_more": False,
                    "first_id": ids[0] if ids else None,
                    "last_id": ids[-1] if ids else None,
                },
            )
        models = [
            {
                "name": f"models/{m}",
                "version": "001",
                "displayName": m,
                "description": m,
                "inputTokenLimit": 1_048_576,
                "outputTokenLimit": 8192,
                "supportedGenerationMethods": (
                    ["embedContent"] if "embedding" in m else ["generateContent", "countTokens"]
                ),
            }
            for m in ids
        ]
        return await self._json(200, {"models": models})

    # ---- errors, shaped as each API sends them ---------------------------------------------

    async def _error(self, status: int, *, bad_key: bool = False) -> bool:
        rec = self.rec
        model = rec.model or "?"
        key = rec.api_key or ""
        extra: list[tuple[str, str]] = []
        if status == 429:
            extra.append(("retry-after", "1"))
        if rec.api == "anthropic":
            etype, msg = {
                400: ("invalid_request_error", "messages: field required"),
                401: ("authentication_error", f"invalid x-api-key {key}"),
                403: ("permission_error", "Your API key does not have permission"),
                404: ("not_found_error", f"model: {model}"),
                429: ("rate_limit_error", "Number of request tokens has exceeded your rate limit"),
                500: ("api_error", "Internal server error"),
                529: ("overloaded_error", "Overloaded"),
            }.get(status, ("api_error", "error"))
            payload: Any = {
                "type": "error",
                "error": {"type": etype, "message": msg},
                "request_id": "req_fake",
            }
            extra.append(("request-id", "req_fake"))
        elif rec.api == "google":
            gstatus, msg = {
                400: ("INVALID_ARGUMENT", "Invalid JSON payload received."),
                401: ("UNAUTHENTICATED", f"API key not valid: {key}"),
                403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
                404: (
                    "NOT_FOUND",
                    f"models/{model} is not found for API version v1beta, or is not supported for "
                    "generateContent. Call ListModels to see the list of available models and "
                    "their supported methods.",
                ),
                429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
                500: ("INTERNAL", "An internal error has occurred."),
                503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
            }.get(status, ("UNKNOWN", "error"))
            payload = {"error": {"code": status, "message": msg, "status": gstatus}}
            if bad_key:  # what Gemini really answers to a wrong key
                status = 400
                payload = {
                    "error": {
                        "code": 400,
                        "message": "API key not valid. Please pass a valid API key.",
                        "status": "INVALID_ARGUMENT",
                        "details": [
                            {
                                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                "reason": "API_KEY_INVALID",
                                "domain": "googleapis.com",
                                "metadata": {"service": "generativelanguage.googleapis.com"},
                            }
                        ],
                    }
                }
        else:
            etype, code, msg = {
                400: ("invalid_request_error", None, "Invalid request."),
                401: (
                    "invalid_request_error",
                    "invalid_api_key",
                    f"Incorrect API key provided: {key}.",
                ),
                403: ("invalid_request_error", "unsupported_country_region_territory", "No."),
                404: (
                    "invalid_request_error",
                    "model_not_found",
                    f"The model `{model}` does not exist or you do not have access to it.",
                ),
                429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
                500: ("server_error", None, "The server had an error processing your request."),
            }.get(status, ("server_error", None, "error"))
            payload = {"error": {"message": msg, "type": etype, "param": None, "code": code}}
        return await self._json(status, payload, extra)

    # ---- streams ---------------------------------------------------------------------------

    def _prompt_words(self) -> int:
        return len(json.dumps(self.rec.body).split())

    async def _text_chunks(self, reply: Reply, send: Any) -> bool | None:
        """Send each text chunk via ``send``; returns a final value when the stream must stop."""
        chunks = reply.chunks()
        await asyncio.sleep(reply.first_token_delay_s)
        for i, piece in enumerate(chunks):
            if reply.cut_after is not None and i >= reply.cut_after:
                return await self._cut()
            if reply.stall_after is not None and i >= reply.stall_after:
                return await self._forever()
            if reply.error_after is not None and i >= reply.error_after:
                await self._sse(self._stream_error())
                return await self._end_sse()
            if i and reply.chunk_delay_s:
                await asyncio.sleep(reply.chunk_delay_s)
            await send(piece)
            self.rec.chunks_sent += 1
        return None

    def _stream_error(self) -> str:
        """The error event each API sends inside an already-started 200 stream."""
        if self.rec.api == "anthropic":
            err = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            return f"event: error\ndata: {json.dumps(err)}\n\n"
        if self.rec.api == "google":
            err = {
                "error": {
                    "code": 503,
                    "message": "The model is overloaded.",
                    "status": "UNAVAILABLE",
                }
            }
            return f"data: {json.dumps(err)}\r\n\r\n"
        err = {
            "error": {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
                "param": None,
                "code": None,
            }
        }
        return f"data: {json.dumps(err)}\n\n"

    async def _openai(self, reply: Reply) -> bool:
        body = self.rec.body
        if not body.get("stream"):
            return await self._error(400)
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            payload = {
                **base,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if want_usage:
                payload["usage"] = None
            return f"data: {json.dumps(payload)}\n\n"

        await self._start_sse()
        await self._sse(chunk({"role": "assistant", "content": "", "refusal": None}))

        async def send(piece: str) -> None:
            await self._sse(chunk({"content": piece}))

        stop = await self._text_chunks(reply, send)
        if stop is not None:
            return stop
        await self._sse(chunk({}, reply.finish or "stop"))
        if want_usage and reply.usage:
            usage = (self._prompt_words(), self.rec.chunks_sent)
            self.rec.usage = usage
            payload = {
                **base,
                "choices": [],
                "usage": {
                    "prompt_tokens": usage[0],
                    "completion_tokens": usage[1],
                    "total_tokens": sum(usage),
                    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                    "completion_tokens_details": {
                        "reasoning_tokens": 0,
                        "audio_tokens": 0,
                        "accepted_prediction_tokens": 0,
                        "rejected_prediction_tokens": 0,
                    },
                },
            }
            await self._sse(f"data: {json.dumps(payload)}\n\n")
        await self._sse("data: [DONE]\n\n")
        return await self._end_sse()

    async def _anthropic(self, reply: Reply) -> bool:
        body = self.rec.body

        def event(name: str, payload: dict[str, Any]) -> str:
            return f"event: {name}\ndata: {json.dumps(payload)}\n\n"

        input_tokens = self._prompt_words()
        await self._start_sse()
        await self._sse(
            event(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_fake",
                        "type": "message",
                        "role": "assistant",
                        "content": [],
                        "model": body["model"],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {
                            "input_tokens": input_tokens,
                            "cache_creation_input_tokens": 0,
                            "cache_read_input_tokens": 0,
                            "output_tokens": 1,
                        },
                    },
                },
            )
        )
        await self._sse(
            event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        await self._sse(event("ping", {"type": "ping"}))

        async def send(piece: str) -> None:
            await self._sse(
                event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                )
            )

        stop = await self._text_chunks(reply, send)
        if stop is not None:
            return stop
        await self._sse(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        usage = (input_tokens, self.rec.chunks_sent)
        self.rec.usage = usage
        await self._sse(
            event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reply.finish or "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": usage[1]},
                },
            )
        )
        await self._sse(event("message_stop", {"type": "message_stop"}))
        return await self._end_sse()

    async def _google(self, reply: Reply) -> bool:
        streaming = self.rec.path.endswith(":streamGenerateContent")
        if self.rec.query.get("alt") != "sse" or not streaming:
            return await self._error(400)
        model = self.rec.model
        input_tokens = self._prompt_words()
        chunks = reply.chunks()
        last = len(chunks) - 1
        await self._start_sse()

        def payload(text: str, finish: str | None, out: int) -> str:
            cand: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}}
            if finish:
                cand["finishReason"] = finish
            cand["index"] = 0
            data: dict[str, Any] = {"candidates": [cand]}
            if reply.usage:
                data["usageMetadata"] = {
                    "promptTokenCount": input_tokens,
                    "candidatesTokenCount": out,
                    "totalTokenCount": input_tokens + out,
                    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": input_tokens}],
                }
            data["modelVersion"] = model
            data["responseId"] = "resp_fake"
            return f"data: {json.dumps(data, separators=(',', ':'))}\r\n\r\n"

        async def send(piece: str) -> None:
            n = self.rec.chunks_sent
            finish = (reply.finish or "STOP") if n == last else None
            await self._sse(payload(piece, finish, n + 1))

        stop = await self._text_chunks(reply, send)
        if stop is not None:
            return stop
        if reply.usage:
            self.rec.usage = (input_tokens, self.rec.chunks_sent)
        return await self._end_sse()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-token-ms", type=float, default=0.0)
    parser.add_argument("--chunk-ms", type=float, default=0.0)
    args = parser.parse_args()
    reply = Reply(
        first_token_delay_s=args.first_token_ms / 1000, chunk_delay_s=args.chunk_ms / 1000
    )
    with FakeProviderServer(default=reply) as srv:
        print(f"openai/local: {srv.openai_base_url}", flush=True)
        print(f"anthropic:    {srv.anthropic_base_url}", flush=True)
        print(f"google:       {srv.google_base_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
