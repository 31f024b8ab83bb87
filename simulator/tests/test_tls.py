"""HTTPS with --tls-cert/--tls-key, using a self-signed certificate made here."""

import datetime
import ipaddress

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_certificate(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https(start_sim, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    sim = start_sim("--tls-cert", str(cert), "--tls-key", str(key), scheme="https")
    client = sim.client(verify=str(cert))
    token = client.login()
    system = client.create(token)
    assert system["url"].startswith("https://127.0.0.1:%d/product/" % sim.port)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.base_url + "/healthz", timeout=10)  # not trusted without the certificate
    with pytest.raises(requests.ConnectionError):
        requests.get("http://127.0.0.1:%d/healthz" % sim.port, timeout=10)
    assert requests.get(sim.base_url + "/healthz", verify=str(cert), timeout=10).json() == {"status": "ok"}
    # Dropping works on TLS connections too.
    client.control_ok("SetFaults", {"drop_rate": 1.0})
    with pytest.raises(requests.ConnectionError):
        sim.client(verify=str(cert)).call("TagService/ListTags", {}, token)
