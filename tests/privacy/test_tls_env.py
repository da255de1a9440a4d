"""The environment can neither weaken a provider's TLS nor leak it; proven on the wire.

The fake provider serves HTTPS with a certificate from a CA made here (with
``cryptography``). ``SSL_CERT_FILE`` and its relatives pointing at that CA must
not make cuecard trust it (a proxy that could read the prompt); only cuecard's
own seam, ``tls_context(cafile=…)`` passed in code, does. ``SSLKEYLOGFILE``
must never receive a session's secrets. Controls show that plain httpx, under
the same environment, does both: so the tests can fail.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import cuecard
from cuecard import config as config_mod
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.policy import EgressPolicy
from cuecard.privacy.transport import make_http_client, tls_context
from fakes.provider_server import FakeProviderServer, Reply

SRC = str(Path(cuecard.__file__).resolve().parents[1])
PROMPT = "What is your greatest tlsweakness?"


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("cuecard test CA")).issuer_name(
            _name("cuecard test CA")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")


def hostile_env(pki: Pki, keylog: Path) -> dict[str, str]:
    """Every variable that could point a TLS client at the test CA, and a key log."""
    return {
        "SSLKEYLOGFILE": str(keylog),
        "SSL_CERT_FILE": str(pki.ca),
        "SSL_CERT_DIR": str(pki.ca.parent),
        "REQUESTS_CA_BUNDLE": str(pki.ca),
        "CURL_CA_BUNDLE": str(pki.ca),
    }


def test_control_plain_httpx_obeys_the_environment(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without cuecard's context the same environment trusts the CA and logs the keys."""
    keylog = tmp_path / "keys.log"
    for name, value in hostile_env(pki, keylog).items():
        monkeypatch.setenv(name, value)
    with FakeProviderServer(tls=pki.server_context()) as srv:
        response = httpx2.get(f"{srv.openai_base_url}/models", timeout=10)
        assert response.status_code == 200  # SSL_CERT_FILE made the test CA trusted
    assert keylog.is_file() and b"CLIENT_" in keylog.read_bytes()


def test_ask_over_tls_ignores_ssl_cert_file_and_sslkeylogfile(pki: Pki, tmp_path: Path) -> None:
    """The real CLI: the CA the environment names is not trusted, and no key log is written."""
    keylog = tmp_path / "keys.log"
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    with FakeProviderServer(default=Reply(text="- never shown"), tls=pki.server_context()) as srv:
        (home / "config" / "config.toml").write_text(
            f'[assist]\nprovider = "local"\n[assist.local]\nbase_url = "{srv.openai_base_url}"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ, **hostile_env(pki, keylog), "CUECARD_HOME": str(home),
            "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
        }  # fmt: skip
        proc = subprocess.run(
            [sys.executable, "-m", "cuecard", "ask", PROMPT, "--sample"], capture_output=True,
            text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert srv.connection_count == 0 and srv.generations == []  # no handshake completed
    assert "never shown" not in proc.stdout and "From your notes" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert not keylog.exists() or keylog.read_bytes() == b""


@pytest.mark.anyio
async def test_the_seam_trusts_the_test_ca_and_still_writes_no_key_log(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole prompt over TLS through cuecard's guarded client: it arrives; no secrets logged."""
    keylog = tmp_path / "keys.log"
    for name, value in hostile_env(pki, keylog).items():
        monkeypatch.setenv(name, value)
    with FakeProviderServer(tls=pki.server_context()) as srv:
        cfg = config_mod.parse(
            {"assist": {"provider": "local", "local": {"base_url": srv.openai_base_url}}}
        )
        client = make_http_client(
            EgressPolicy.from_config(cfg), Ledger(), "answer", label="local",
            tls=tls_context(cafile=str(pki.ca)),
        )  # fmt: skip
        async with client:
            response = await client.post(
                f"{srv.openai_base_url}/chat/completions",
                json={"model": "gpt-4o-mini", "stream": True,
                      "messages": [{"role": "user", "content": PROMPT}]},
            )  # fmt: skip
            assert response.status_code == 200
        (generation,) = srv.generations
        assert PROMPT in str(generation.body)
    assert not keylog.exists() or keylog.read_bytes() == b""


def test_the_default_context_uses_no_environment(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hostile_env(pki, tmp_path / "keys.log").items():
        monkeypatch.setenv(name, value)
    ctx = tls_context()
    assert ctx.keylog_filename is None
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    issuers = {dict(x[0] for x in c["subject"]).get("commonName") for c in ctx.get_ca_certs()}
    assert "cuecard test CA" not in issuers
