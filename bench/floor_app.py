"""The floor of the stack: a bare Flask form with CSRF whose POST does one INSERT.

bench/registration.py serves this with the same gunicorn settings, the same
SECRET_KEY mechanism and the same database as Plenary, and drives it with the
same journey as the registration form, so that the ratio of the two rates says
how close the real registration path is to what Flask, Flask-WTF,
Flask-SQLAlchemy, gunicorn and the database can do at all:

    GET  /form   a FlaskForm of two fields, the CSRF token in a hidden input
    POST /form   validate, one INSERT, commit, remember the id in the session,
                 302 to /done
    GET  /done   a small page naming the entry

    .venv/bin/gunicorn --workers 2 --pythonpath bench 'floor_app:create_app()'

The app reads DATABASE_URL and SECRET_KEY from the environment, as config.py
does. On SQLite its connections use the pragmas Plenary sets (WAL,
synchronous=NORMAL, busy_timeout), so both write to the file the same way.
Run as a script it only prints this text: `make bench` runs every bench/*.py.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, redirect, render_template, session, url_for
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import StringField
from wtforms.validators import DataRequired, Length

TABLE = "bench_floor_entry"

TEMPLATES = {
    "form.html": (
        "<!doctype html><title>Floor</title><form method=post>{{ form.csrf_token }}"
        "<input name=name value=''><input name=email value=''><button>Send</button></form>"
    ),
    "done.html": "<!doctype html><title>Done</title><p>Recorded entry {{ entry }}.</p>",
}


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()


class Entry(db.Model):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))


class EntryForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=200)])
    email = StringField(validators=[DataRequired(), Length(max=254)])


def _sqlite_pragmas(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me"),
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["DATABASE_URL"],
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.jinja_loader = DictLoader(TEMPLATES)
    db.init_app(app)
    csrf.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        form = EntryForm()
        if form.validate_on_submit():
            entry = Entry(name=form.name.data, email=form.email.data)
            db.session.add(entry)
            db.session.flush()  # the INSERT; its id comes back with it
            session["entry"] = entry.id
            db.session.commit()  # (reading entry.id after commit would SELECT it again)
            return redirect(url_for("done"))
        return render_template("form.html", form=form), 400 if form.is_submitted() else 200

    @app.route("/done")
    def done():
        return render_template("done.html", entry=session.pop("entry", None))

    return app


if __name__ == "__main__":
    print(__doc__.strip().splitlines()[0])
    print("Not a benchmark by itself: bench/registration.py serves and drives it.")
