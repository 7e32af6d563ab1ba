"""The production transport to SNS hosts (chalicelib.cloud.sns_http), against a loopback
HTTPS server with a certificate the test makes (no network): TLS verified, the body read, a
redirect not followed, an error status, a body over the bound or a host that does not answer
in time refused with FetchFailed."""
from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from chalicelib.cloud import sns_http

from .sns_host import key

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/cert.pem":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(PEM)
        elif self.path == "/big.pem":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * (sns_http.MAX_BYTES + 1))
        elif self.path == "/moved.pem":
            self.send_response(302)
            self.send_header("Location", "https://127.0.0.1:1/cert.pem")
            self.end_headers()
        elif self.path == "/slow.pem":
            self.server.release.wait(10)      # answers only once the test is done
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    """A loopback HTTPS server on a port the OS picks, and a client context trusting it."""
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key("tls").public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key("tls"), hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key("tls").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.release = threading.Event()
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server.socket = served.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    trusting = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    yield f"https://127.0.0.1:{server.server_address[1]}", trusting
    server.release.set()
    server.shutdown()
    server.server_close()


def test_a_certificate_is_fetched_over_verified_tls(https):
    base, trusting = https
    assert sns_http._urllib(f"{base}/cert.pem", 5, sns_http.MAX_BYTES, trusting) == PEM
    with pytest.raises(sns_http.FetchFailed, match="could not be fetched"):
        sns_http._urllib(f"{base}/cert.pem", 5, sns_http.MAX_BYTES)   # not a trusted CA


@pytest.mark.parametrize("path, why", [
    ("/moved.pem", "redirect"), ("/nothing.pem", "answered 404"),
    ("/big.pem", f"more than {sns_http.MAX_BYTES} bytes")])
def test_what_is_refused(https, path, why):
    base, trusting = https
    with pytest.raises(sns_http.FetchFailed, match=why):
        sns_http._urllib(f"{base}{path}", 5, sns_http.MAX_BYTES, trusting)


def test_a_host_that_does_not_answer_in_time(https):
    base, trusting = https
    with pytest.raises(sns_http.FetchFailed, match="timed out"):
        sns_http._urllib(f"{base}/slow.pem", 0.2, sns_http.MAX_BYTES, trusting)
