"""6. Secrets and TLS.

Every playbook run of the suite is made with -vvv, ANSIBLE_LOG_PATH and the recorder, with this
run's own random secret keys. This stage adds a -vvv run of playbooks/demo.yml (the secret key
and a token in the environment) and of playbooks/secrets.yml (successes and failures with
secrets, wrong secrets and tokens set), runs playbooks/tls.yml against an HTTPS simulator with
a self-signed certificate. Then, once every stage of the run has ended (reliability/run.py calls
`scan` last, whether the stages ran one after the other or side by side), everything every run
printed, logged and returned is scanned: for the secret keys and tokens handed to the modules,
and for any session token the simulators ever issued (found by hashing every token-shaped string
against their token tables).
"""

import datetime
import hashlib
import ipaddress
import re
import secrets
import sqlite3

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reliability.simulator import Simulator, free_port
from reliability.suite import PLAYBOOKS_DIR, run_playbook

# secrets.token_urlsafe(32), the simulator's session tokens: 43 URL-safe base64 characters.
TOKEN_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def run(context):
    sim = Simulator(context, "secrets", speed=50.0)
    context.simulators.append(sim)
    sim.start()
    demo(context, sim)
    failures(context, sim)
    sim.stop()
    tls(context)


def demo(context, sim):
    token = sim.login()
    context.extra_secrets.append(token)
    context.issued_tokens.append(token)
    key_id, secret = context.credentials["demo"]
    env = {"PUDDLE_SERVER_ADDRESS": sim.url, "PUDDLE_API_KEY_ID": key_id, "PUDDLE_API_SECRET_KEY": secret,
           "PUDDLE_API_TOKEN": token, "PUDDLE_DEMO_POLL_INTERVAL": "0.5", "PUDDLE_DEMO_SYSTEM_NAME": "secrets-demo"}
    run = run_playbook(context, "secrets-demo", context.collection / "playbooks" / "demo.yml", {}, env=env)
    context.checks.check("playbooks/demo.yml ran with -vvv, the secret key and a token set (%.0f s)" % run.seconds,
                         run.rc == 0, run.tail())


def failures(context, sim):
    token = sim.login()
    wrong_secret = "wrong-secret-" + secrets.token_hex(12)
    wrong_token = secrets.token_urlsafe(32)
    context.extra_secrets += [token, wrong_secret, wrong_token]
    extra = dict(context.connection_vars(sim), puddle_api_token=token, wrong_secret_key=wrong_secret,
                 wrong_api_token=wrong_token, unreachable_server_address="http://127.0.0.1:%d" % free_port(),
                 system_name="secrets-failures")
    run = run_playbook(context, "secrets-failures", PLAYBOOKS_DIR / "secrets.yml", extra)
    outcomes = {record["task"]: record["outcome"] for record in run.records()}
    expected_failures = [task for task in outcomes if task.startswith("Fail on")]
    context.checks.check("playbooks/secrets.yml: the successes passed and the %d failures failed" % len(
        expected_failures), run.rc == 0 and len(expected_failures) == 5 and all(
        (outcome == "failed") == task.startswith("Fail on") for task, outcome in outcomes.items()), outcomes)


def self_signed_certificate(directory):
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "puddle reliability suite")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def tls(context):
    check = context.checks.check
    cert, key = self_signed_certificate(context.state_dir / "tls")
    sim = Simulator(context, "tls", speed=50.0, tls=(cert, key))
    context.simulators.append(sim)
    sim.start()
    extra = dict(context.connection_vars(sim), ca_path=str(cert))
    run = run_playbook(context, "tls", PLAYBOOKS_DIR / "tls.yml", extra)
    outcome = {record["task"]: record for record in run.records()}
    default = outcome.get("List images with the default certificate check", {"outcome": None, "result": {}})
    message = default["result"].get("msg", "")
    check("TLS: validate_certs is on by default: a self-signed certificate fails the task, clearly (%s)" % message[:90],
          default["outcome"] == "failed" and "TLS verification failed" in message and "ca_path" in message, message)
    with_ca = outcome.get("List images with ca_path", {}).get("outcome")
    check("TLS: the same task passes with ca_path", with_ca == "ok", with_ca)
    unchecked = outcome.get("List images with validate_certs false", {}).get("outcome")
    check("TLS: and with validate_certs false", unchecked == "ok", unchecked)
    sim.stop()


def issued_token_hashes(context):
    """sha256 of every session token any simulator of the run issued (their token tables)."""
    hashes_ = set()
    for db in context.simulator_databases():
        if not db.exists():
            continue
        connection = sqlite3.connect(str(db))
        try:
            hashes_.update(row[0] for row in connection.execute("SELECT token_hash FROM tokens"))
        finally:
            connection.close()
    return hashes_


def find_secrets(paths, secret_values, issued):
    """(file name, what) for each secret value, and each issued session token, found in the files."""
    found = []
    for path in paths:
        text = path.read_text(errors="replace")
        for value in secret_values:
            if value in text:
                found.append((path.name, "a secret key or token given to the modules"))
        for candidate in set(TOKEN_SHAPE.findall(text)):
            if hashlib.sha256(candidate.encode()).hexdigest() in issued:
                found.append((path.name, "a session token issued by the simulator"))
    return found


def scan(context):
    check = context.checks.check
    secret_values = context.secret_values()
    issued = issued_token_hashes(context)
    files = [path for path in dict.fromkeys(context.scanned_files) if path.exists()]
    scanned_bytes = sum(path.stat().st_size for path in files)
    # The scanner must be able to fail: a file holding one secret key and one issued token.
    control = context.state_dir / "scan-control.txt"
    planted = context.issued_tokens[0] if context.issued_tokens else None
    if planted is not None:
        control.write_text("key=%s\ntoken: %s\n" % (secret_values[0], planted))
    check("the scan finds a secret key and an issued token planted in a file (positive control)",
          planted is not None and len(find_secrets([control], secret_values[:1], issued)) == 2
          and len(find_secrets([control], [], issued)) == 1, "no issued token to plant" if planted is None else "")
    found = find_secrets(files, secret_values, issued)
    context.figures["secrets_found"] += len(found)
    context.figures["secrets_scan"] = {"files": len(files), "megabytes": round(scanned_bytes / 1e6, 1),
                                       "secret_values": len(secret_values), "issued_tokens": len(issued)}
    check("no secret in any output, log or return value (%d files, %.1f MB, %d secrets and %d issued tokens "
          "looked for)" % (len(files), scanned_bytes / 1e6, len(secret_values), len(issued)), not found, found[:20])
    check("the scan covered the -vvv runs of the demo and of every stage (%d playbook runs)" % (len(files) // 3),
          any(path.name.startswith("secrets-demo") for path in files) and len(files) >= 3 * 3, len(files))
