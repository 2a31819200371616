"""The paragraph a summary starts from, written the way the secretariat writes its own:

"The webinar gathered over 140 participants from 31 countries, including delegates
of 12 member states, international organisations, NGOs and academia."

Counts of people are rounded as in those texts ("over 140" for 147, "almost 1,800"
for 1,780); counts of countries and meetings are exact. Every phrase is translated,
with plural forms. Organisers edit the paragraph before publishing it.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import EventKind, OrganisationKind
from .summaries import Breakdowns, EventSummary, ProgrammeSummary, SeriesSummary

SUBJECTS = {
    EventKind.WEBINAR: _l("The webinar"),
    EventKind.VIRTUAL_MEETING: _l("The virtual meeting"),
    EventKind.THEMATIC_MEETING: _l("The thematic meeting"),
    EventKind.STEERING_COMMITTEE: _l("The Steering Committee meeting"),
    EventKind.SENIOR_OFFICIALS_MEETING: _l("The Senior Officials' Meeting"),
    EventKind.WORKING_GROUP: _l("The informal working group"),
    EventKind.TRAINING: _l("The regional training"),
}

# The groups a summary names after the member states, in this order.
GROUPS = {
    OrganisationKind.INTERNATIONAL_ORGANISATION: _l("international organisations"),
    OrganisationKind.NGO: _l("NGOs"),
    OrganisationKind.ACADEMIA: _l("academia"),
    OrganisationKind.PRIVATE_SECTOR: _l("the private sector"),
}


# The order of the seeds: "2 Informal Working Groups, 9 Steering Committee Meetings, ..."
PROGRAMME_ORDER = (
    EventKind.WORKING_GROUP,
    EventKind.STEERING_COMMITTEE,
    EventKind.SENIOR_OFFICIALS_MEETING,
    EventKind.THEMATIC_MEETING,
    EventKind.TRAINING,
    EventKind.VIRTUAL_MEETING,
    EventKind.WEBINAR,
)


def about(count: int) -> str:
    """A number of people as the seeds write it: "over 140", "almost 1,800", or exactly below 20."""
    if count < 20:
        return format_decimal(count)
    step = 10 if count < 1000 else 100 if count < 10_000 else 1000
    below = count // step * step
    if count == below:
        return format_decimal(count)
    if count >= 1000 and below + step - count <= step // 4:
        return _("almost %(number)s", number=format_decimal(below + step))
    return _("over %(number)s", number=format_decimal(below))


def listing(phrases: Sequence[str]) -> str:
    """ "a, b and c" in the page's language."""
    return format_list([str(phrase) for phrase in phrases], locale=str(get_locale() or "en"))


def meetings(kind: EventKind, count: int) -> str:
    phrases = {
        EventKind.WEBINAR: lambda: ngettext("%(num)d webinar", "%(num)d webinars", count),
        EventKind.VIRTUAL_MEETING: lambda: ngettext(
            "%(num)d virtual meeting", "%(num)d virtual meetings", count
        ),
        EventKind.THEMATIC_MEETING: lambda: ngettext(
            "%(num)d Thematic Meeting", "%(num)d Thematic Meetings", count
        ),
        EventKind.STEERING_COMMITTEE: lambda: ngettext(
            "%(num)d Steering Committee Meeting", "%(num)d Steering Committee Meetings", count
        ),
        EventKind.SENIOR_OFFICIALS_MEETING: lambda: ngettext(
            "%(num)d Senior Officials' Meeting", "%(num)d Senior Officials' Meetings", count
        ),
        EventKind.WORKING_GROUP: lambda: ngettext(
            "%(num)d Informal Working Group", "%(num)d Informal Working Groups", count
        ),
        EventKind.TRAINING: lambda: ngettext(
            "%(num)d Regional Training", "%(num)d Regional Trainings", count
        ),
    }
    return phrases[kind]()


def _who(breakdowns: Breakdowns) -> str:
    """' from 31 countries, including delegates of 12 member states, NGOs and academia'."""
    text = ""
    if breakdowns.country_count:
        text = _(
            " from %(countries)s",
            countries=ngettext("%(num)d country", "%(num)d countries", breakdowns.country_count),
        )
    present = {share.key for share in breakdowns.organisation_kinds if share.count}
    groups = []
    if breakdowns.member_states:
        groups.append(
            ngettext(
                "delegates of %(num)d member state",
                "delegates of %(num)d member states",
                breakdowns.member_states,
            )
        )
    groups += [str(name) for kind, name in GROUPS.items() if kind.value in present]
    if groups:
        text += _(", including %(groups)s", groups=listing(groups))
    return text


def event_paragraph(summary: EventSummary) -> str:
    figures, event = summary.figures, summary.event
    subject = SUBJECTS[event.kind]
    if not figures.participants:
        return _("No participants were recorded for this event.")
    sentences = [
        ngettext(
            "%(subject)s gathered %(people)s participant%(who)s.",
            "%(subject)s gathered %(people)s participants%(who)s.",
            figures.participants,
            subject=subject,
            people=about(figures.participants),
            who=_who(summary.breakdowns),
        )
    ]
    if figures.attendance_recorded:
        sentences += _attendance(figures)
    else:
        sentences.append(_("These figures are based on registrations; attendance was not recorded."))
    if figures.returning:
        sentences.append(
            ngettext(
                "%(num)d participant had taken part in an earlier event.",
                "%(num)d participants had taken part in an earlier event.",
                figures.returning,
            )
        )
    if summary.recommendations:
        sentences.append(_recommendations(summary.recommendations))
    return " ".join(sentences)


def _attendance(figures) -> list[str]:
    sentences = []
    if figures.confirmed:
        sentences.append(
            ngettext(
                "Of the %(num)d confirmed registrant, %(attended)s took part (%(rate)s).",
                "Of the %(num)d confirmed registrants, %(attended)s took part (%(rate)s).",
                figures.confirmed,
                attended=format_decimal(figures.attended_confirmed),
                rate=format_percent(figures.attendance_rate),
            )
        )
    if figures.walk_ins:
        sentences.append(
            ngettext(
                "%(num)d person joined without registering.",
                "%(num)d people joined without registering.",
                figures.walk_ins,
            )
        )
    if figures.in_person:  # at the door: arrivals, never minutes nobody measured
        sentences.append(
            ngettext(
                "%(num)d participant checked in at the door.",
                "%(num)d participants checked in at the door.",
                figures.arrivals,
            )
        )
    if figures.average_minutes and figures.in_person:
        sentences.append(
            ngettext(
                "Those who took part online stayed %(num)d minute on average.",
                "Those who took part online stayed %(num)d minutes on average.",
                round(figures.average_minutes),
            )
        )
    elif figures.average_minutes:
        minutes = round(figures.average_minutes)
        sentences.append(
            ngettext(
                "Participants stayed %(num)d minute on average.",
                "Participants stayed %(num)d minutes on average.",
                minutes,
            )
        )
    return sentences


def _recommendations(count: int) -> str:
    return ngettext(
        "It resulted in %(num)d recommendation.", "It resulted in %(num)d recommendations.", count
    )


def series_paragraph(summary: SeriesSummary) -> str:
    if not summary.unique_participants:
        return _("No participants were recorded for this series.")
    modules = ngettext("%(num)d module", "%(num)d modules", summary.modules)
    sentences = [
        ngettext(
            "Over its %(modules)s, the series gathered %(people)s participant%(who)s.",
            "Over its %(modules)s, the series gathered %(people)s participants%(who)s.",
            summary.unique_participants,
            modules=modules,
            people=about(summary.unique_participants),
            who=_who(summary.breakdowns),
        )
    ]
    every = dict(summary.modules_attended).get(summary.modules, 0)
    if summary.modules > 1 and every:
        sentences.append(
            ngettext(
                "%(num)d participant took part in every module.",
                "%(num)d participants took part in every module.",
                every,
            )
        )
    if summary.any_based_on_registrations:
        sentences.append(
            _("Where attendance was not recorded, the figures are based on confirmed registrations.")
        )
    if summary.recommendations:
        sentences.append(
            ngettext(
                "The series resulted in %(num)d recommendation.",
                "The series resulted in %(num)d recommendations.",
                summary.recommendations,
            )
        )
    return " ".join(sentences)


def programme_paragraph(summary: ProgrammeSummary) -> str:
    """'Between November 2015 and March 2020, 2 Informal Working Groups, ... have gathered
    almost 1,800 delegates and resulted in over 130 recommendations.'"""
    start, end = summary.start or summary.first_date, summary.end or summary.last_date
    if not summary.meeting_count:
        return _("No meeting was held in this period.")
    held = listing(
        [meetings(kind, summary.meetings_of(kind)) for kind in PROGRAMME_ORDER if kind in summary.kinds]
    )
    text = ngettext(
        "Between %(start)s and %(end)s, %(meetings)s has gathered %(delegates)s",
        "Between %(start)s and %(end)s, %(meetings)s have gathered %(delegates)s",
        summary.meeting_count,
        start=format_date(start, "MMMM y"),
        end=format_date(end, "MMMM y"),
        meetings=held,
        delegates=ngettext(
            "%(people)s delegate",
            "%(people)s delegates",
            summary.participations,
            people=about(summary.participations),
        ),
    )
    if summary.recommendations:
        text = _(
            "%(gathered)s and resulted in %(recommendations)s",
            gathered=text,
            recommendations=ngettext(
                "%(about)s recommendation",
                "%(about)s recommendations",
                summary.recommendations,
                about=about(summary.recommendations),
            ),
        )
    return _("%(sentence)s.", sentence=text)
