"""The command line of the team brief."""

import subprocess

import pytest

from sim_helpers import SimulatorProcess


def run(args, tmp_path, timeout=60):
    return subprocess.run(
        SimulatorProcess.command(args + ["--db", str(tmp_path / "cli.sqlite")]),
        check=False,
        env=SimulatorProcess.environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fault-drop-rate", "2"], "drop-rate"),
        (["--speed", "0"], "speed"),
        (["--tls-cert", "x.pem"], "--tls-key"),
        (["--token-ttl", "0"], "token-ttl"),
        (["--port", "x"], "--port"),
    ],
)
def test_bad_flags_exit_2(tmp_path, args, message):
    result = run(args, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_help_shows_the_defaults_and_what_each_fault_does():
    result = subprocess.run(
        SimulatorProcess.command(["--help"]),
        check=False,
        env=dict(SimulatorProcess.environment(), COLUMNS="250"),  # one line per option
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    # One chunk per option: "--port PORT port, 0 picks a free one (default: 8080)".
    options = " ".join(result.stdout.split(" options: ", 1)[-1].split()).split(" --")
    described = dict((chunk.split(" ", 1)[0], chunk) for chunk in options)
    assert described["port"].endswith("port, 0 picks a free one (default: 8080)")
    assert described["db"].endswith("SQLite file holding all state (default: ./puddle-sim.sqlite)")
    assert described["fault-unavailable-rate"] == (
        "fault-unavailable-rate FAULT_UNAVAILABLE_RATE share of requests answered 503 unavailable "
        "(fault knob unavailable_rate) (default: 0.0)")
    faults = [name for name in described if name.startswith("fault-")]
    assert len(faults) == 11
    for name in faults:  # a description of its own before "(fault knob ...)", and the default
        words = described[name].split(" ")
        assert words[2] != "(fault", described[name]
        assert described[name].endswith(")") and "(default: " in described[name]
    assert "(default: None)" not in result.stdout


def test_an_unusable_db_fails_with_one_line(tmp_path):
    missing = tmp_path / "no-such-dir" / "x.sqlite"
    result = subprocess.run(
        SimulatorProcess.command(["--port", "0", "--db", str(missing)]),
        check=False,
        env=SimulatorProcess.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "puddle-simulator: error: --db %s: cannot use this SQLite file (unable to open database file)" % missing
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_banner_port_file_and_loopback_default(start_sim):
    sim = start_sim()
    log = sim.log()
    assert "listening on http://127.0.0.1:%d" % sim.port in log
    assert "api_key_id=demo-key-id api_secret_key=demo-secret-key" in log
    assert "control token (X-Simulator-Control-Token): test-control-token" in log


def test_random_control_token_is_printed(tmp_path):
    process = SimulatorProcess(tmp_path)
    process.args = [a for a in process.args if a not in ("--control-token", "test-control-token")]
    process.start()
    try:
        line = next(line for line in process.log().splitlines() if "control token" in line)
        token = line.rsplit(" ", 1)[1]
        assert len(token) >= 20 and token != "test-control-token"
        response = process.client().post(
            "/twirp/puddle.sim.v1.Control/GetFaults", data=b"{}", headers={"X-Simulator-Control-Token": token}
        )
        assert response.status_code == 200
    finally:
        process.stop()
