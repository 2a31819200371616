"""`make run`'s server and worker: they follow HOST, PORT and the instance folder, and Ctrl-C
stops them cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import local_base_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def config_value(name: str, **env) -> str:
    """A setting as a fresh process reads it from its environment."""
    environment = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "HOST", "PORT")}
    environment.update(env)
    code = f"import config; print(config.Config.{name})"
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_links_follow_the_port_make_run_serves_on_unless_base_url_is_set():
    assert config_value("BASE_URL", PORT="5101") == "http://127.0.0.1:5101"
    assert config_value("BASE_URL") == "http://127.0.0.1:5000"
    assert (
        config_value("BASE_URL", PORT="5101", BASE_URL="https://events.example.org")
        == "https://events.example.org"
    )


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (None, None, "http://127.0.0.1:5000"),
        ("0.0.0.0", "8000", "http://127.0.0.1:8000"),  # noqa: S104 - a string, not a bind
        ("192.0.2.7", "5101", "http://192.0.2.7:5101"),
    ],
)
def test_a_wildcard_host_is_linked_as_this_machine(host, port, expected):
    assert local_base_url(host, port) == expected


def wait_for_port(port: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


@pytest.mark.slow  # gunicorn and a queue worker
def test_the_server_and_worker_use_the_instance_folder_and_stop_cleanly_on_ctrl_c(tmp_path):
    instance = tmp_path / "elsewhere" / "instance"  # not yet made: the launcher makes it
    port = free_port()
    env = {**os.environ, "PLENARY_INSTANCE_DIR": str(instance), "PLENARY_ENV": "development"}
    env.pop("DATABASE_URL", None)
    # Its own process group, as make's in a terminal: Ctrl-C is SIGINT to the whole group.
    launcher = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "scripts/serve.py", "127.0.0.1", str(port), str(instance)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_port(port), "gunicorn never listened"
        deadline = time.monotonic() + 30
        while not (instance / "worker.log").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (instance / "worker.log").exists()
        assert launcher.poll() is None, "the worker or the server stopped by itself"
        os.killpg(launcher.pid, signal.SIGINT)
        code = launcher.wait(timeout=60)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    stderr = launcher.stderr.read()
    assert code == 0, stderr
    assert "Segmentation fault" not in stderr and "Traceback" not in stderr
    assert not wait_for_port(port, seconds=1), "gunicorn still listens after Ctrl-C"
