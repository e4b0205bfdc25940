"""The local run's manners: a busy port is one clear error with a hint, and library noise
(function logs, metric dumps, urllib3 and powertools warnings) goes to the log file."""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from crowdcare_local.demo.run import run_demo
from crowdcare_local.logfile import logs_to_file
from crowdcare_local.runtime import LocalLambdaRuntime
from crowdcare_local.server import PortInUseError, check_port_free
from crowdcare_local.template import FunctionSpec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_check_port_free_names_the_busy_port(busy_port: int) -> None:
    """GIVEN a port in use WHEN it is checked THEN PortInUseError names it; port 0 is fine."""
    with pytest.raises(PortInUseError, match=f"port {busy_port} on 127.0.0.1 is already in use"):
        check_port_free(busy_port)
    check_port_free(0)


def test_demo_on_a_busy_port_says_so_in_one_line_with_a_hint(
    busy_port: int, tmp_path: Path
) -> None:
    """GIVEN the API port is taken WHEN the demo starts THEN it exits 1 at once with one error
    line and one hint line, nothing on stdout, and nothing booted or logged."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_demo(
        serve=False,
        as_json=False,
        port=busy_port,
        outbox=tmp_path / "outbox",
        stdout=stdout,
        stderr=stderr,
    )
    assert code == 1
    assert stdout.getvalue() == ""
    error, hint = stderr.getvalue().splitlines()
    assert error.startswith(f"crowdcare demo: port {busy_port} on 127.0.0.1 is already in use")
    assert hint.startswith("hint:")
    assert f"--port {busy_port + 1}" in hint
    assert f"make demo PORT={busy_port + 1}" in hint
    assert not (tmp_path / "demo.log").exists()


def test_the_command_on_a_busy_port_prints_no_traceback(busy_port: int) -> None:
    """GIVEN the API port is taken WHEN `crowdcare demo` runs THEN stderr is the error and the
    hint, no traceback, and the exit code is 1."""
    completed = subprocess.run(
        [sys.executable, "-m", "crowdcare_local.cli", "demo", "--no-serve", "--port",
         str(busy_port)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.splitlines()) == 2
    assert "already in use" in completed.stderr


NOISY_FUNCTION = textwrap.dedent(
    """
    import json
    import logging
    import warnings

    from aws_lambda_powertools import Logger

    logger = Logger(service="noisy")


    def handler(event, context):
        logger.warning("webhook rejected")
        print(json.dumps({"_aws": {"CloudWatchMetrics": []}, "Dumped": [1.0]}))
        warnings.warn("No application metrics to publish", UserWarning, stacklevel=1)
        logging.getLogger("urllib3.connectionpool").warning(
            "Connection pool is full, discarding connection: 127.0.0.1"
        )
        return {"ok": True}
    """
)


def test_library_noise_goes_to_the_log_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a function that logs through powertools, dumps metrics on stdout, warns and makes
    urllib3 complain WHEN it runs inside logs_to_file THEN all four land in the log file and
    none on the command's stdout or stderr."""
    code = tmp_path / "functions" / "noisy"
    code.mkdir(parents=True)
    (code / "app.py").write_text(NOISY_FUNCTION, encoding="utf-8")
    spec = FunctionSpec("NoisyFunction", code, "app.handler", {}, {})
    runtime = LocalLambdaRuntime({"NoisyFunction": spec}, {"NoisyFunction": "local-noisy"})

    log = tmp_path / ".crowdcare" / "demo.log"
    with logs_to_file(log):
        assert runtime.invoke("NoisyFunction", {}) == {"ok": True}
        print("the summary")

    written = log.read_text(encoding="utf-8")
    for noise in (
        "webhook rejected",
        "CloudWatchMetrics",
        "No application metrics to publish",
        "Connection pool is full",
    ):
        assert noise in written
    captured = capsys.readouterr()
    assert captured.out == "the summary\n"
    assert captured.err == ""


def test_logging_is_put_back_after_the_block(tmp_path: Path) -> None:
    """GIVEN logs_to_file has ended WHEN something logs THEN the file gets nothing more."""
    log = tmp_path / "demo.log"
    with logs_to_file(log):
        pass
    logging.getLogger("urllib3.connectionpool").warning("after the run")
    assert "after the run" not in log.read_text(encoding="utf-8")
