"""Series and events: create, edit, publish, cancel, delete; agenda, speakers and documents.

Every change is a POST that calls one service function. A form that fails is
shown again with its errors (400); a change the state refuses, such as a
stale edit or deleting an event people registered for, answers 409.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import csrf, db
from ..models import (
    AccountRole,
    AgendaItem,
    Document,
    Event,
    EventFormat,
    EventKind,
    Series,
    Speaker,
)
from ..public.queries import document_response
from ..services.mail import event_notices as event_service
from ..services.mail.reminders import schedule_for
from ..services.programme import documents as document_service
from ..services.programme import programme as service
from . import bp, queries
from .access import requires
from .actions import press
from .forms import ConfirmForm
from .integrations import MeetingForm, ZoomCreateForm, meeting_context
from .mailouts import promotion_notice
from .programme_forms import (
    AgendaItemForm,
    CancelForm,
    DocumentFileForm,
    DocumentForm,
    DocumentLinkForm,
    EventForm,
    NominationSettingsForm,
    SeriesForm,
    SpeakerForm,
    schedule_text,
)

PAST_PAGE_SIZE = 50
STEPS = {"up": -1, "down": 1}
DOCUMENTS = "documents"  # the anchor of the documents on the page of their series or event
# Room for the other fields of an upload form and the multipart boundaries.
FORM_OVERHEAD = 64 * 1024


# --- helpers ---------------------------------------------------------------------------------


def _attempt(form, save: Callable) -> tuple[bool, Any, int]:
    """Validate and save through one service call: (saved, result, status of the page); the
    result is `save`'s, None when not saved."""
    if not form.validate_on_submit():
        return False, None, 400 if form.is_submitted() else 200
    try:
        return True, save(), 200
    except service.ProgrammeError as error:
        target = getattr(form, error.field, None) if error.field else None
        if target is not None and hasattr(target, "errors") and not isinstance(target.errors, dict):
            target.errors = [*target.errors, str(error)]
        else:
            form.form_errors.append(str(error))
        return False, None, 409 if isinstance(error, service.EditConflict | service.Gone) else 400


def _act(action: Callable, refused: Callable[[int, str], object], done: str | None, back: str):
    """A button of these pages: a change the rules refuse answers 409, with the page and why."""
    return press(action, refused=refused, back=back, errors=service.ProgrammeError, done=done)


def _step(direction: str) -> int:
    if direction not in STEPS:
        abort(404)
    return STEPS[direction]


def _all_series() -> list[Series]:
    """Every series, or a partner's."""
    listed = queries.only_reachable(sa.select(Series), Series.id, current_user)
    return list(db.session.scalars(listed.order_by(Series.created_dt.desc(), Series.id.desc())))


def _default_zone() -> str:
    """The zone of the latest event: a programme's meetings are mostly held in one place."""
    latest = sa.select(Event.timezone).order_by(Event.created_dt.desc(), Event.id.desc()).limit(1)
    return db.session.scalar(latest) or "UTC"


def _can_edit() -> bool:
    return current_user.can(AccountRole.ORGANISER)


def _page(template: str, status: int = 200, **context):
    return render_template(f"console/programme/{template}", can_edit=_can_edit(), **context), status


def _with_programme(event_id: int) -> Event:
    event = db.session.scalars(
        sa.select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.agenda_items).selectinload(AgendaItem.speakers),
            selectinload(Event.documents),
            selectinload(Event.series),
        )
    ).one_or_none()
    if event is None:
        abort(404)
    return event


# --- the programme -----------------------------------------------------------------------------


@bp.route("/programme")
@requires(AccountRole.VIEWER)
def programme():
    now = utcnow()
    listed = queries.only_reachable(
        sa.select(Event).options(selectinload(Event.series)), Event.series_id, current_user
    )
    upcoming = db.session.scalars(listed.where(Event.end_dt > now).order_by(Event.start_dt)).all()
    past = db.paginate(
        listed.where(Event.end_dt <= now).order_by(Event.start_dt.desc()),
        page=queries.page_asked(),
        per_page=PAST_PAGE_SIZE,
        error_out=False,
    )
    counts = queries.status_counts_by_event([event.id for event in [*upcoming, *past.items]])
    return _page(
        "index.html",
        upcoming=upcoming,
        past=past,
        series_list=_all_series(),
        counts=counts,
        now=now,
    )


# --- series ----------------------------------------------------------------------------------


@bp.route("/series/<int:series_id>")
@requires(AccountRole.VIEWER)
def series(series_id: int):
    return _series_page(queries.series_or_404(series_id))


def _series_page(series: Series, status: int = 200, problem: str | None = None, **forms):
    upcoming, past = service.upcoming_first(series.events)
    counts = queries.status_counts_by_event([event.id for event in series.events])
    forms.setdefault("cancel_form", CancelForm(formdata=None))
    return _page(
        "series.html",
        status,
        series=series,
        upcoming=upcoming,
        past=past,
        counts=counts,
        deletable=not any(sum(counts.get(event.id, {}).values()) for event in series.events),
        reminders_text=schedule_text(series.reminder_schedule),
        problem=problem,
        **_document_forms(forms),
    )


@bp.route("/series/new", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def series_new():
    form = SeriesForm()
    saved, series, status = _attempt(form, lambda: service.create_series(form.details()))
    if saved:
        flash(_("The series “%(title)s” is created.", title=series.title), "success")
        return redirect(url_for(".series", series_id=series.id), 303)
    return _page("series_form.html", status, form=form, series=None)


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def series_edit(series_id: int):
    series = queries.series_or_404(series_id)
    form = SeriesForm(data=SeriesForm.data_of(series))
    saved, _result, status = _attempt(
        form, lambda: service.update_series(series, form.details(), form.version_number())
    )
    if saved:
        flash(_("The series is saved."), "success")
        return redirect(url_for(".series", series_id=series_id), 303)
    return _page("series_form.html", status, form=form, series=series)


@bp.route(
    "/series/<int:series_id>/publish",
    methods=["POST"],
    defaults={"published": True},
    endpoint="series_publish",
)
@bp.route(
    "/series/<int:series_id>/unpublish",
    methods=["POST"],
    defaults={"published": False},
    endpoint="series_unpublish",
)
@requires(AccountRole.ORGANISER)
def series_set_published(series_id: int, published: bool):
    return _set_published(queries.series_or_404(series_id), published)


@bp.route("/series/<int:series_id>/cancel", methods=["POST"])
@requires(AccountRole.ORGANISER)
def series_cancel(series_id: int):
    return _cancel(queries.series_or_404(series_id))


@bp.route("/series/<int:series_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def series_delete(series_id: int):
    series = queries.series_or_404(series_id)
    return _delete(series, _("The series “%(title)s” is deleted.", title=series.title))


# --- events ----------------------------------------------------------------------------------


def event_page_with_problem(event_id: int, problem: str, status: int):
    """The event's page with a problem to show, for a form posted from it elsewhere."""
    return _event_page(_with_programme(event_id), status, problem)


@bp.route("/events/<int:event_id>")
@requires(AccountRole.VIEWER)
def event(event_id: int):
    return _event_page(_with_programme(event_id))


def _event_page(event: Event, status: int = 200, problem: str | None = None, **forms):
    forms.setdefault("cancel_form", CancelForm(formdata=None))
    forms.setdefault("item_form", AgendaItemForm(formdata=None))
    forms.setdefault("meeting_form", MeetingForm(formdata=None))
    forms.setdefault("zoom_create_form", ZoomCreateForm(formdata=None))
    forms.setdefault("nominations_form", NominationSettingsForm.of(event))
    counts = queries.status_counts_by_event([event.id]).get(event.id, {})
    return _page(
        "event.html",
        status,
        event=event,
        counts=counts,
        deletable=not service.registration_count(db.session(), event),
        reminders_text=schedule_text([reminder.as_dict() for reminder in schedule_for(event)]),
        **meeting_context(event),
        problem=problem,
        **_document_forms(forms),
    )


def _event_form(event: Event | None = None) -> EventForm:
    if event is not None:
        return EventForm(
            series_choices=_all_series(),
            standalone_allowed=not current_user.is_partner,
            data=EventForm.data_of(event),
        )
    everything = _all_series()
    wanted = request.args.get("series_id", type=int)
    return EventForm(
        series_choices=everything,
        standalone_allowed=not current_user.is_partner,
        data={
            "series": wanted if any(s.id == wanted for s in everything) else None,
            "timezone": _default_zone(),
            "kind": EventKind.WEBINAR,
            "format": EventFormat.ONLINE,
            "recommendations_count": 0,
        },
    )


@bp.route("/events/new", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def event_new():
    form = _event_form()
    saved, event, status = _attempt(form, lambda: service.create_event(form.details()))
    if saved:
        flash(
            _("The event is created, not yet published: add its agenda and documents, then publish it."),
            "success",
        )
        return redirect(url_for(".event", event_id=event.id), 303)
    return _page("event_form.html", status, form=form, event=None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def event_edit(event_id: int):
    event = queries.event_or_404(event_id)
    form = _event_form(event)
    saved, change, status = _attempt(
        form, lambda: service.update_event(event, form.details(), form.version_number())
    )
    if saved:
        flash(_change_notice(change), "success")
        if change.promotion:  # the page that shows the waiting list being moved
            return redirect(url_for(".mailout", mailout_id=change.promotion.id), 303)
        return redirect(url_for(".event", event_id=event_id), 303)
    return _page("event_form.html", status, form=form, event=event)


def _change_notice(change: service.EventChange) -> str:
    notice = [_("The event is saved.")]
    if change.notified:
        notice.append(_("Its registrants are told of the new time or place, with an updated calendar entry."))
    elif change.moved:
        notice.append(_("Its registrants are not told of this change, as you asked."))
    if change.promotion:
        notice.append(promotion_notice(change.promotion))
    return " ".join(notice)


@bp.route(
    "/events/<int:event_id>/publish", methods=["POST"], defaults={"published": True}, endpoint="event_publish"
)
@bp.route(
    "/events/<int:event_id>/unpublish",
    methods=["POST"],
    defaults={"published": False},
    endpoint="event_unpublish",
)
@requires(AccountRole.ORGANISER)
def event_set_published(event_id: int, published: bool):
    return _set_published(queries.event_or_404(event_id), published)


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_cancel(event_id: int):
    return _cancel(queries.event_or_404(event_id))


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_delete(event_id: int):
    event = queries.event_or_404(event_id)
    return _delete(event, _("“%(title)s” is deleted.", title=event.title))


# --- what series and events share ----------------------------------------------------------


def _owner_page(owner: Event | Series, status: int = 200, problem: str | None = None, **forms):
    if isinstance(owner, Event):
        return _event_page(_with_programme(owner.id), status, problem, **forms)
    return _series_page(owner, status, problem, **forms)


def _owner_of(document: Document) -> Event | Series:
    owner = document.event or document.series
    assert owner is not None  # a document belongs to an event or a series
    return owner


def _owner_url(owner: Event | Series, anchor: str | None = None) -> str:
    if isinstance(owner, Event):
        return url_for(".event", event_id=owner.id, _anchor=anchor)
    return url_for(".series", series_id=owner.id, _anchor=anchor)


def _on_owner(owner: Event | Series, action: Callable, done: str | None = None, anchor: str | None = None):
    """A button on the page of a series or an event: back to it, or to it with why not."""
    return _act(action, partial(_owner_page, owner), done, _owner_url(owner, anchor))


def _set_published(owner: Event | Series, published: bool):
    if isinstance(owner, Event):
        done = _("The event is published.") if published else _("The event is no longer shown publicly.")
    else:
        done = _("The series is published.") if published else _("The series is no longer shown publicly.")
    return _on_owner(owner, lambda: service.set_published(owner, published), done)


def _cancel(owner: Event | Series):
    form = CancelForm()

    def cancel():
        note = form.note.data or ""
        if isinstance(owner, Event):
            return event_service.cancel_event(owner, note)
        return service.cancel_series(owner, note)

    saved, cancelled, status = _attempt(form, cancel)
    if not saved:
        return _owner_page(owner, status, cancel_form=form)
    if isinstance(owner, Event):
        flash(_("The event is cancelled; its registrants are told by email."), "success")
    else:
        flash(
            ngettext(
                "The series is cancelled with its %(num)d remaining event; registrants are told by email.",
                "The series is cancelled with its %(num)d remaining events; registrants are told by email.",
                len(cancelled),
            ),
            "success",
        )
    return redirect(_owner_url(owner), 303)


def _delete(owner: Event | Series, done: str):
    def delete():
        if isinstance(owner, Event):
            return service.delete_event(owner)
        return service.delete_series(owner)

    return _act(delete, partial(_owner_page, owner), done, url_for(".programme"))


# --- agenda and speakers ----------------------------------------------------------------------


@bp.route("/events/<int:event_id>/agenda", methods=["POST"])
@requires(AccountRole.ORGANISER)
def agenda_add(event_id: int):
    event = queries.event_or_404(event_id)
    form = AgendaItemForm()
    saved, item, status = _attempt(form, lambda: service.add_agenda_item(event, form.details(event.timezone)))
    if saved:
        flash(_("“%(title)s” is added to the agenda.", title=item.title), "success")
        return redirect(url_for(".event", event_id=event_id, _anchor="agenda"), 303)
    return _event_page(event, status, item_form=form)


@bp.route("/agenda/<int:item_id>", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def agenda_item(item_id: int):
    item = db.get_or_404(AgendaItem, item_id)
    form = AgendaItemForm(obj=item, **AgendaItemForm.local_times(item))
    saved, _result, status = _attempt(
        form, lambda: service.update_agenda_item(item, form.details(item.event.timezone))
    )
    if saved:
        flash(_("The agenda item is saved."), "success")
        return redirect(url_for(".agenda_item", item_id=item_id), 303)
    return _item_page(item, status, form=form)


def _item_page(item: AgendaItem, status: int = 200, problem: str | None = None, **forms):
    forms.setdefault("form", AgendaItemForm(formdata=None, obj=item, **AgendaItemForm.local_times(item)))
    forms.setdefault("speaker_form", SpeakerForm(formdata=None))
    return _page("agenda_item.html", status, item=item, confirm_form=ConfirmForm(), problem=problem, **forms)


def _on_event(event_id: int, action: Callable, done: str | None = None, anchor: str = "agenda"):
    """A button of the event's agenda: back to it, or the event's page with why not."""
    return _act(
        action,
        lambda status, problem: _event_page(_with_programme(event_id), status, problem),
        done,
        url_for(".event", event_id=event_id, _anchor=anchor),
    )


@bp.route("/agenda/<int:item_id>/move/<direction>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def agenda_move(item_id: int, direction: str):
    step = _step(direction)
    item = db.get_or_404(AgendaItem, item_id)
    return _on_event(item.event_id, lambda: service.move_agenda_item(item, step), anchor=f"item-{item_id}")


@bp.route("/agenda/<int:item_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def agenda_delete(item_id: int):
    item = db.get_or_404(AgendaItem, item_id)
    done = _("“%(title)s” is removed from the agenda.", title=item.title)
    return _on_event(item.event_id, lambda: service.remove_agenda_item(item), done)


@bp.route("/agenda/<int:item_id>/speakers", methods=["POST"])
@requires(AccountRole.ORGANISER)
def speaker_add(item_id: int):
    item = db.get_or_404(AgendaItem, item_id)
    form = SpeakerForm()
    saved, speaker, status = _attempt(form, lambda: service.add_speaker(item, form.details()))
    if saved:
        flash(_("%(name)s is added.", name=speaker.name), "success")
        return redirect(url_for(".agenda_item", item_id=item_id, _anchor="speakers"), 303)
    return _item_page(item, status, speaker_form=form)


@bp.route("/speakers/<int:speaker_id>", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def speaker(speaker_id: int):
    speaker = db.get_or_404(Speaker, speaker_id)
    form = SpeakerForm(obj=speaker)
    saved, _result, status = _attempt(form, lambda: service.update_speaker(speaker, form.details()))
    if saved:
        flash(_("%(name)s is saved.", name=speaker.name), "success")
        return redirect(url_for(".agenda_item", item_id=speaker.agenda_item_id, _anchor="speakers"), 303)
    return _page("speaker_form.html", status, speaker=speaker, form=form)


def _on_item(item_id: int, action: Callable, done: str | None = None):
    """A button of an agenda item's speakers: back to them, or the item's page with why not."""
    return _act(
        action,
        lambda status, problem: _item_page(db.get_or_404(AgendaItem, item_id), status, problem),
        done,
        url_for(".agenda_item", item_id=item_id, _anchor="speakers"),
    )


@bp.route("/speakers/<int:speaker_id>/move/<direction>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def speaker_move(speaker_id: int, direction: str):
    step = _step(direction)
    speaker = db.get_or_404(Speaker, speaker_id)
    return _on_item(speaker.agenda_item_id, lambda: service.move_speaker(speaker, step))


@bp.route("/speakers/<int:speaker_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def speaker_delete(speaker_id: int):
    speaker = db.get_or_404(Speaker, speaker_id)
    done = _("%(name)s is removed.", name=speaker.name)
    return _on_item(speaker.agenda_item_id, lambda: service.remove_speaker(speaker), done)


# --- documents -------------------------------------------------------------------------------


def _document_forms(forms: dict) -> dict:
    forms.setdefault("file_form", DocumentFileForm(formdata=None))
    forms.setdefault("link_form", DocumentLinkForm(formdata=None))
    forms.setdefault("confirm_form", ConfirmForm())
    forms["max_document_mb"] = current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024)
    return forms


def accept_document_body() -> None:
    """Let this request carry a document: the global limit is for forms. Flask-WTF's own
    check is skipped for these views (it would read the body under the small limit first),
    so the CSRF token is checked here, once the limit is raised."""
    request.max_content_length = current_app.config["MAX_DOCUMENT_BYTES"] + FORM_OVERHEAD
    csrf.protect()


def _upload(owner: Event | Series):
    form = DocumentFileForm()

    def save():
        upload = form.file.data
        try:
            return document_service.add_file(owner, form.details(), upload.stream, upload.filename or "")
        except document_service.DocumentTooLarge as error:
            abort(413, description=str(error))

    saved, document, status = _attempt(form, save)
    if saved:
        flash(_("“%(title)s” is uploaded.", title=document.title), "success")
        return redirect(_owner_url(owner, DOCUMENTS), 303)
    return _owner_page(owner, status, file_form=form)


@bp.route("/events/<int:event_id>/documents/file", methods=["POST"])
@requires(AccountRole.ORGANISER)
@csrf.exempt
def event_document_upload(event_id: int):
    accept_document_body()
    return _upload(queries.event_or_404(event_id))


@bp.route("/series/<int:series_id>/documents/file", methods=["POST"])
@requires(AccountRole.ORGANISER)
@csrf.exempt
def series_document_upload(series_id: int):
    accept_document_body()
    return _upload(queries.series_or_404(series_id))


def _add_link(owner: Event | Series):
    form = DocumentLinkForm()
    saved, document, status = _attempt(
        form, lambda: document_service.add_link(owner, form.details(), form.url.data)
    )
    if saved:
        flash(_("“%(title)s” is added.", title=document.title), "success")
        return redirect(_owner_url(owner, DOCUMENTS), 303)
    return _owner_page(owner, status, link_form=form)


@bp.route("/events/<int:event_id>/documents/link", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_document_link(event_id: int):
    return _add_link(queries.event_or_404(event_id))


@bp.route("/series/<int:series_id>/documents/link", methods=["POST"])
@requires(AccountRole.ORGANISER)
def series_document_link(series_id: int):
    return _add_link(queries.series_or_404(series_id))


@bp.route("/documents/<int:document_id>/file")
@requires(AccountRole.VIEWER)
def document_file(document_id: int):
    """Any document, public or not, for the secretariat to check what delegates get."""
    return document_response(db.get_or_404(Document, document_id))


@bp.route("/documents/<int:document_id>", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def document(document_id: int):
    document = db.get_or_404(Document, document_id)
    form = DocumentForm(obj=document)
    saved, _result, status = _attempt(
        form, lambda: document_service.update_document(document, form.details())
    )
    if saved:
        flash(_("The document is saved."), "success")
        return redirect(_owner_url(_owner_of(document), DOCUMENTS), 303)
    return _page("document_form.html", status, document=document, form=form)


@bp.route("/documents/<int:document_id>/move/<direction>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def document_move(document_id: int, direction: str):
    step = _step(direction)
    document = db.get_or_404(Document, document_id)
    owner = _owner_of(document)
    return _on_owner(owner, lambda: document_service.move_document(document, step), anchor=DOCUMENTS)


@bp.route("/documents/<int:document_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def document_delete(document_id: int):
    document = db.get_or_404(Document, document_id)
    owner, done = _owner_of(document), _("“%(title)s” is removed.", title=document.title)
    return _on_owner(owner, lambda: document_service.remove_document(document), done, DOCUMENTS)
