"""Helpers the privacy tests share: loopback HTTP servers, fake keys, byte scans.

Imported as ``privacy.support`` (tests/ is on sys.path, see tests/conftest.py).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# -- loopback HTTP servers -----------------------------------------------------------


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 that counts every TCP connection it accepts.

    Routes: ``/stream?n=K`` streams K chunks of 1000 bytes (chunked, 20 ms apart);
    ``/echo`` (POST) answers with the number of body bytes; ``/v1/models``
    answers as the OpenAI API does; ``/v1/chat/completions`` answers 401 quoting
    the key like OpenAI's error does (for the canary test).
    """

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                outer.requests.append({"method": "GET", "path": self.path})
                if self.path.startswith("/stream"):
                    n = int(self.path.split("n=")[1]) if "n=" in self.path else 5
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for _ in range(n):
                        chunk = b"x" * 1000
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.wfile.flush()
                        time.sleep(0.02)
                    self.wfile.write(b"0\r\n\r\n")
                elif self.path.startswith("/v1/models"):
                    self._send(200, json.dumps({"object": "list", "data": []}).encode())
                else:
                    self._send(200, b'{"ok": true}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.requests.append({"method": "POST", "path": self.path, "bytes": len(body)})
                if self.path.startswith("/v1/chat/completions"):
                    auth = self.headers.get("Authorization", "")
                    key = auth.removeprefix("Bearer ")
                    err = {
                        "error": {
                            "message": f"Incorrect API key provided: {key}.",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    }
                    self._send(401, json.dumps(err).encode())
                else:
                    self._send(200, json.dumps({"received": len(body)}).encode())

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> Any:
                conn = super().get_request()
                outer.connections += 1
                return conn

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def fake_key(prefix: str = "sk-test-") -> str:
    """An obviously fake key, built at run time so nothing key-shaped is committed."""
    import secrets
    import string

    return prefix + "".join(secrets.choice(string.ascii_letters) for _ in range(40))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def grep_bytes(root: Path, needles: list[bytes]) -> list[str]:
    """Every (file, needle) where the needle occurs, in UTF-8 or UTF-16."""
    hits = []
    for path in files_under(root):
        data = path.read_bytes()
        for needle in needles:
            forms = {needle}
            with_text = needle.decode("utf-8", "ignore")
            forms.add(with_text.encode("utf-16-le"))
            if any(form in data for form in forms if form):
                hits.append(f"{path}: {needle[:12]!r}…")
    return hits
