"""How long `flask seed-demo` takes to load the demo programme into an empty database.

    .venv/bin/python bench/demo.py [--repeat 3]

`make run` loads the demo at its first start, so a new user waits for it; the target is
8 s (a bound the test suite checked until it failed on a loaded machine). Each run starts
from an empty schema, on a fresh SQLite file or on BENCH_DATABASE_URL (an empty PostgreSQL
database). The last line is one JSON object of the figures; demo_load_s is the best run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Registration  # noqa: E402

TARGET_S = 8.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_DIR": str(workdir / "mail"),
            "DOCUMENTS_DIR": str(workdir / "documents"),
        }
    )
    runner = app.test_cli_runner()
    runs, events, registrations, ok = [], 0, 0, True
    with app.app_context():
        for _ in range(args.repeat):
            db.session.remove()
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            result = runner.invoke(args=["seed-demo", "--if-empty"])
            runs.append(time.perf_counter() - started)
            events = db.session.scalar(sa.select(sa.func.count(Event.id)))
            registrations = db.session.scalar(sa.select(sa.func.count(Registration.id)))
            ok = ok and result.exit_code == 0 and events > 0
        database = db.engine.dialect.name
        db.session.remove()
        db.drop_all()
    figures = {
        "database": database,
        "events": events,
        "registrations": registrations,
        "runs_s": [round(run, 2) for run in runs],
        "median_s": round(statistics.median(runs), 2),
        "target_s": TARGET_S,
        "within_target": min(runs) < TARGET_S,
        "ok": ok,
        "demo_load_s": round(min(runs), 2),
    }
    for name, value in figures.items():
        print(f"{name:>14}: {value}")
    print(json.dumps(figures))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
