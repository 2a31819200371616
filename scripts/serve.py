"""`make run`'s last step: the web server and a queue worker, stopped together and cleanly.

    python scripts/serve.py HOST PORT INSTANCE_DIR

Starts gunicorn on HOST:PORT and one `huey_consumer app.worker.huey` whose log is
INSTANCE_DIR/worker.log, and waits. Ctrl-C (or SIGTERM, or closing the terminal) stops both:
each gets SIGTERM (both shut down gracefully on it), then SIGKILL after a few seconds if one
hangs, and this exits 0.
A shell `trap 'kill 0'` did this before, and killed make with its own group (make then
reported "Segmentation fault"). If either process ends by itself, the other is stopped too and
this exits with its code.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 10


def main(host: str, port: str, instance: str) -> int:
    Path(instance).mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    commands = [
        [
            str(bin_dir / "huey_consumer"),
            "app.worker.huey",
            "--workers",
            "1",
            "--delay",
            "0.1",
            "--max-delay",
            "1",
            "--logfile",
            str(Path(instance) / "worker.log"),
        ],
        [
            str(bin_dir / "gunicorn"),
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "wsgi:app",
        ],
    ]
    # Each child in a process group of its own: the terminal's Ctrl-C reaches this process only,
    # which then stops them in order.
    children = [subprocess.Popen(command, start_new_session=True) for command in commands]  # noqa: S603
    stopping = False

    def stop(_signum=None, _frame=None) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        signal.signal(signum, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    ended = [child.returncode for child in children if child.poll() is not None]
    _stop_all(children)
    return 0 if stopping or not ended else ended[0]


def _stop_all(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
