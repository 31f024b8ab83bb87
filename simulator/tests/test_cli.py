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
