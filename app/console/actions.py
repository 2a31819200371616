"""The shape of a button in the console: a POST with its CSRF token, one service call, then
back to the page with a notice, or the page again with why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect

from .forms import ConfirmForm

# A notice for the organiser: a message (shown as a success), or (message, category).
Notice = str | tuple[str, str] | None


def press(
    action: Callable[[], Any],
    *,
    refused: Callable[[int, str], Any],
    back: str,
    errors: type[Exception] | tuple[type[Exception], ...],
    done: Notice | Callable[[Any], Notice] = None,
):
    """Run `action` for a button. One of `errors` shows the page again through
    `refused(status, why)`: the error's `status`, else 409 (the state refused the change)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = action()
    except errors as error:
        return refused(getattr(error, "status", 409), str(error))
    notice = done(result) if callable(done) else done
    if notice:
        message, category = notice if isinstance(notice, tuple) else (notice, "success")
        flash(message, category)
    return redirect(back, 303)
