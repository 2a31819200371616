"""Units of work: what runs once one has committed, and units that nest.

`database.on_commit()` is how mail and webhooks ask the worker to deliver only once the
change that queued them is committed; `write_transaction()` inside another is part of it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.database import on_commit, write_transaction
from app.extensions import db
from app.models import Series
from tests.conftest import commits


def stored_titles() -> list[str]:
    """The series titles committed, as another connection sees them."""
    with db.engine.connect() as connection:
        return sorted(connection.scalars(sa.select(Series.title)))


class Callback:
    """Notes, each time it runs, what was committed by then."""

    def __init__(self):
        self.saw: list[list[str]] = []

    def __call__(self):
        self.saw.append(stored_titles())


def add_series(title: str) -> None:
    db.session.add(Series(title=title))
    db.session.flush()


def test_a_callback_runs_once_the_unit_of_work_has_committed(app):
    callback = Callback()
    with write_transaction():
        add_series("Prevention")
        on_commit(callback)
        assert callback.saw == []
    assert callback.saw == [["Prevention"]]


def test_a_callback_is_dropped_when_the_unit_of_work_rolls_back(app):
    callback = Callback()
    with pytest.raises(RuntimeError, match="refused"), write_transaction():
        add_series("Prevention")
        on_commit(callback)
        raise RuntimeError("refused")
    with write_transaction():  # the next unit of work does not run it either
        add_series("Protection")
    assert callback.saw == []
    assert stored_titles() == ["Protection"]


def test_a_callback_registered_many_times_in_a_unit_of_work_runs_once(app):
    kick, other = Callback(), Callback()
    with write_transaction():
        for number in range(50):  # one kick for each of 50 emails
            add_series(f"Webinar {number}")
            on_commit(kick)
        on_commit(other)
        on_commit(kick)
    assert len(kick.saw) == 1 and len(other.saw) == 1
    assert len(kick.saw[0]) == 50


def test_callbacks_run_in_the_order_first_registered(app):
    ran = []
    first, second = (lambda: ran.append("first")), (lambda: ran.append("second"))
    with write_transaction():
        on_commit(first)
        on_commit(second)
        on_commit(first)
    assert ran == ["first", "second"]


def test_nested_units_commit_once_at_the_outermost_level(app):
    callback = Callback()
    with commits() as committed, write_transaction():
        add_series("Prevention")
        with write_transaction():
            add_series("Protection")
            on_commit(callback)
        assert committed == [] and callback.saw == []
        assert stored_titles() == []  # nothing committed yet
    assert committed == [1]
    assert callback.saw == [["Prevention", "Protection"]]


def test_an_error_in_an_inner_unit_rolls_back_the_outer(app):
    callback = Callback()
    with pytest.raises(RuntimeError, match="inner"), write_transaction():
        add_series("Prevention")
        on_commit(callback)
        with write_transaction():
            add_series("Protection")
            raise RuntimeError("inner")
    assert stored_titles() == []
    assert callback.saw == []


def test_an_inner_unit_whose_error_is_caught_is_undone_alone(app):
    """A savepoint: what the inner unit did, and asked to run after the commit, is undone;
    the outer unit goes on and commits the rest."""
    outer, inner = Callback(), Callback()
    with write_transaction():
        add_series("Prevention")
        on_commit(outer)
        with pytest.raises(ValueError), write_transaction():
            add_series("Protection")
            on_commit(inner)
            on_commit(outer)  # already registered by the outer unit: it stays
            raise ValueError("refused")
        add_series("Prosecution")
    assert stored_titles() == ["Prevention", "Prosecution"]
    assert outer.saw == [["Prevention", "Prosecution"]] and inner.saw == []


def test_a_unit_whose_transaction_was_ended_inside_it_commits_nothing(app):
    with pytest.raises(RuntimeError, match="ended inside it"), write_transaction() as session:
        add_series("Prevention")
        session.rollback()
        add_series("Protection")
    assert stored_titles() == []


def test_on_commit_outside_a_unit_of_work_is_refused(app):
    """Nothing would ever run it."""
    with pytest.raises(RuntimeError, match="outside a unit of work"):
        on_commit(Callback())


def test_a_failing_callback_does_not_undo_the_commit_nor_stop_the_others(app):
    def broken():
        raise OSError("the queue is down")

    after = Callback()
    with write_transaction():
        add_series("Prevention")
        on_commit(broken)
        on_commit(after)
    assert after.saw == [["Prevention"]]


def test_the_database_layer_imports_nothing_of_the_application():
    """app/database/ is the bottom layer: the models, the queue and the services build on it,
    and it imports none of them (only its own modules, relatively, one level)."""
    imported = set()
    for source in (Path(__file__).parent.parent / "app" / "database").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                imported.add(("." * node.level) + (node.module or ""))
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name.startswith("..") or name.startswith("app")}, imported
