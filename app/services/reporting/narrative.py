"""The paragraph a summary starts from, written the way the secretariat writes its own:

"On 28 April 2021, the second webinar of the series “Trafficking in Human Beings: The 4Ps
Revisited” took place under the guidance of the Chair, The Netherlands. [...] The webinar
gathered over 140 participants from 31 countries, including delegates of 12 member states,
international organisations, NGOs, and academia."

Counts of people are exact below 100 and floored to a round number above ("over 140" for
147, never a figure above the real one); counts of countries and meetings are exact; every
number is written in the reader's locale, and no sentence starts with one. Only what has
happened counts: an event that has not started has no summary yet, and a series counts
the modules held so far. In Arabic, numbers and Latin-script names sit between Unicode
isolates (FSI ... PDI), so that they do not reorder the sentence around them. Every phrase
is translated, with plural forms. Organisers edit the paragraph before publishing it.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list
from flask_babel import format_date, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...formatting import isolate
from ...models import AgendaItemKind, Event, EventFormat, EventKind, OrganisationKind, Speaker, SpeakerRole
from .summaries import (
    Breakdowns,
    EventSummary,
    ProgrammeSummary,
    SeriesSummary,
    local_date,
    series_events,
    series_summary,
)

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


# "The second webinar of the series": the ordinal agrees with the kind's noun, whose gender
# differs between languages (un webinaire, une réunion; ندوة is feminine). Each kind says
# which gender its noun has in the reader's language, and each ordinal has both forms.
# Each msgid carries its own role after "|", which the English text leaves out; translators
# translate the word alone (and write the gender, "masculine" or "feminine", in English).
GENDERS = {
    EventKind.WEBINAR: _l("masculine|grammatical gender of the noun webinar"),
    EventKind.VIRTUAL_MEETING: _l("masculine|grammatical gender of the noun virtual meeting"),
    EventKind.THEMATIC_MEETING: _l("masculine|grammatical gender of the noun thematic meeting"),
    EventKind.STEERING_COMMITTEE: _l("masculine|grammatical gender of the noun Steering Committee meeting"),
    EventKind.SENIOR_OFFICIALS_MEETING: _l(
        "masculine|grammatical gender of the noun Senior Officials' Meeting"
    ),
    EventKind.WORKING_GROUP: _l("masculine|grammatical gender of the noun informal working group"),
    EventKind.TRAINING: _l("masculine|grammatical gender of the noun regional training"),
}
ORDINALS = {
    "masculine": (
        _l("first|ordinal, masculine"),
        _l("second|ordinal, masculine"),
        _l("third|ordinal, masculine"),
        _l("fourth|ordinal, masculine"),
        _l("fifth|ordinal, masculine"),
        _l("sixth|ordinal, masculine"),
        _l("seventh|ordinal, masculine"),
        _l("eighth|ordinal, masculine"),
        _l("ninth|ordinal, masculine"),
        _l("tenth|ordinal, masculine"),
        _l("eleventh|ordinal, masculine"),
        _l("twelfth|ordinal, masculine"),
    ),
    "feminine": (
        _l("first|ordinal, feminine"),
        _l("second|ordinal, feminine"),
        _l("third|ordinal, feminine"),
        _l("fourth|ordinal, feminine"),
        _l("fifth|ordinal, feminine"),
        _l("sixth|ordinal, feminine"),
        _l("seventh|ordinal, feminine"),
        _l("eighth|ordinal, feminine"),
        _l("ninth|ordinal, feminine"),
        _l("tenth|ordinal, feminine"),
        _l("eleventh|ordinal, feminine"),
        _l("twelfth|ordinal, feminine"),
    ),
}
IN_SERIES = {
    EventKind.WEBINAR: _l("the %(ordinal)s webinar of the series %(series)s"),
    EventKind.VIRTUAL_MEETING: _l("the %(ordinal)s virtual meeting of the series %(series)s"),
    EventKind.THEMATIC_MEETING: _l("the %(ordinal)s thematic meeting of the series %(series)s"),
    EventKind.STEERING_COMMITTEE: _l("the %(ordinal)s Steering Committee meeting of the series %(series)s"),
    EventKind.SENIOR_OFFICIALS_MEETING: _l(
        "the %(ordinal)s Senior Officials' Meeting of the series %(series)s"
    ),
    EventKind.WORKING_GROUP: _l("the %(ordinal)s informal working group of the series %(series)s"),
    EventKind.TRAINING: _l("the %(ordinal)s regional training of the series %(series)s"),
}
# Where delegates met, as the seeds say it ("representatives met in The Hague").
MET_IN = {
    EventFormat.IN_PERSON: _l("Participants met in %(place)s."),
    EventFormat.HYBRID: _l("Participants met in %(place)s and online."),
}
# Speakers of these parts of the agenda give its keynote; of the others, they are its panellists.
KEYNOTES = {AgendaItemKind.KEYNOTE}


def word(message) -> str:
    """A translated word whose msgid says its role after "|" (English keeps only the word)."""
    return str(message).split("|", 1)[0]


def isolated(text) -> str:
    """`text` as it sits in a sentence of the page's language (`formatting.isolate`)."""
    return isolate(text)


def number(count: int) -> str:
    """A number as the reader's locale writes it: "1,065", "1 065"."""
    return isolated(format_decimal(count))


def about(count: int) -> str:
    """A number of people as the seeds write it: exactly below 100 ("25"), else floored to a
    round number ("over 140" for 147, "over 1,000" for 1,065), never above the real figure."""
    if count < 100:
        return number(count)
    step = 10 if count < 1000 else 100 if count < 10_000 else 1000
    below = count // step * step
    if count == below:
        return number(count)
    return _("over %(number)s", number=number(below))


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


def quoted(title: str) -> str:
    """A title as a sentence quotes it: “...”, « ... », «...»."""
    return _("“%(title)s”", title=isolated(title))


def _who(breakdowns: Breakdowns) -> str:
    """' from 31 countries, including delegates of 12 member states, NGOs, and academia'."""
    text = ""
    if breakdowns.country_count:
        countries = breakdowns.country_count
        text = _(
            " from %(countries)s",
            countries=ngettext(
                "%(count)s country", "%(count)s countries", countries, count=number(countries)
            ),
        )
    present = {share.key for share in breakdowns.organisation_kinds if share.count}
    groups = []
    if breakdowns.member_states:
        groups.append(
            ngettext(
                "delegates of %(count)s member state",
                "delegates of %(count)s member states",
                breakdowns.member_states,
                count=number(breakdowns.member_states),
            )
        )
    groups += [str(name) for kind, name in GROUPS.items() if kind.value in present]
    if groups:
        text += _(", including %(groups)s", groups=listing(groups))
    return text


def event_paragraph(summary: EventSummary) -> str:
    event = summary.event
    if not event.has_started():
        return _("This event has not taken place yet: its summary can be written once it has.")
    sentences = [_occasion(event), *_speakers(event), _participation(summary)]
    if summary.figures.participants and not summary.figures.attendance_recorded:
        sentences.append(_("These figures are based on registrations; attendance was not recorded."))
    if summary.recommendations:
        sentences.append(_recommendations(summary.recommendations))
    return " ".join(sentences)


def _occasion(event: Event) -> str:
    """'On 28 April 2021, the second webinar of the series “...” took place under the guidance
    of the Chair, The Netherlands. It addressed the topic of “...”.'"""
    day = format_date(local_date(event), "d MMMM y")
    series = event.series
    modules = series_events(series) if series else []
    if event not in modules:
        text = _(
            "%(subject)s %(title)s took place on %(date)s.",
            subject=SUBJECTS[event.kind],
            title=quoted(event.title),
            date=day,
        )
    else:
        text = _in_series(event, modules.index(event), day)
    sentences = [text]
    if event.place and event.format != EventFormat.ONLINE:
        where = MET_IN[event.format]
        sentences.append(str(where) % {"place": isolated(event.place)})
    # A module's title names its topic ("Protection"); a standalone event's is already quoted.
    topic = event.theme or (event.title if event in modules else "")
    if topic:
        sentences.append(_("It addressed the topic of %(topic)s.", topic=quoted(topic)))
    return " ".join(sentences)


def _in_series(event: Event, position: int, day: str) -> str:
    series = event.series
    assert series is not None  # called for a module of a series only
    if position < len(ORDINALS["masculine"]):
        gender = "feminine" if word(GENDERS[event.kind]) == "feminine" else "masculine"
        what = str(IN_SERIES[event.kind]) % {
            "ordinal": word(ORDINALS[gender][position]),
            "series": quoted(series.title),
        }
    else:
        what = _("a module of the series %(series)s", series=quoted(series.title))
    if series.chair:
        return _(
            "On %(date)s, %(what)s took place under the guidance of the Chair, %(chair)s.",
            date=day,
            what=what,
            chair=isolated(series.chair),
        )
    return _("On %(date)s, %(what)s took place.", date=day, what=what)


def _speakers(event: Event) -> list[str]:
    """The Chair, the keynote speakers and the panellists, by name and organisation."""
    chairs, keynotes, panellists = [], [], []
    for item in event.agenda_items:
        for speaker in item.speakers:
            if speaker.role == SpeakerRole.MODERATOR:
                chairs.append(speaker)
            elif item.kind in KEYNOTES:
                keynotes.append(speaker)
            else:
                panellists.append(speaker)
    sentences = []
    if chairs:
        sentences.append(_("It was chaired by %(people)s.", people=_people(chairs)))
    if keynotes:
        sentences.append(
            ngettext(
                "The keynote speech was given by %(people)s.",
                "The keynote speeches were given by %(people)s.",
                len(_distinct(keynotes)),
                people=_people(keynotes),
            )
        )
    if panellists:
        sentences.append(
            ngettext(
                "The panellist was %(people)s.",
                "The panellists were %(people)s.",
                len(_distinct(panellists)),
                people=_people(panellists),
            )
        )
    return sentences


def _distinct(speakers: Sequence[Speaker]) -> list[tuple[str, str]]:
    """Each person once, in agenda order, even if they speak in two sessions."""
    seen: dict[tuple[str, str], None] = {}
    for speaker in speakers:
        seen.setdefault((speaker.name.strip(), speaker.organisation.strip()), None)
    return list(seen)


def _people(speakers: Sequence[Speaker]) -> str:
    """'Ms. Conny Rijken (Tilburg University) and Mr. Vincent Cochetel (UNHCR)'."""
    return listing(
        [
            _("%(name)s (%(organisation)s)", name=isolated(name), organisation=isolated(organisation))
            if organisation
            else isolated(name)
            for name, organisation in _distinct(speakers)
        ]
    )


def _participation(summary: EventSummary) -> str:
    participants = summary.figures.participants
    if not participants:
        return _("No participants were recorded for this event.")
    return ngettext(
        "%(subject)s gathered %(people)s participant%(who)s.",
        "%(subject)s gathered %(people)s participants%(who)s.",
        participants,
        subject=SUBJECTS[summary.event.kind],
        people=about(participants),
        who=_who(summary.breakdowns),
    )


def _recommendations(count: int) -> str:
    return ngettext(
        "It resulted in %(count)s recommendation.",
        "It resulted in %(count)s recommendations.",
        count,
        count=number(count),
    )


def series_paragraph(summary: SeriesSummary) -> str:
    """The modules held so far: a module still to come counts for nothing, not even its
    confirmed registrants."""
    held = [row for row in summary.rows if row.figures.event.has_started()]
    if not held:
        return _("No module of this series has taken place yet.")
    sentences = []
    if len(held) < summary.modules:
        sentences.append(
            ngettext(
                "So far, %(held)s of its %(total)s modules has taken place.",
                "So far, %(held)s of its %(total)s modules have taken place.",
                len(held),
                held=number(len(held)),
                total=number(summary.modules),
            )
        )
        summary = _held_only(summary)
        modules = ngettext(
            "its first %(count)s module",
            "its first %(count)s modules",
            summary.modules,
            count=number(summary.modules),
        )
    else:
        modules = ngettext(
            "its %(count)s module", "its %(count)s modules", summary.modules, count=number(summary.modules)
        )
    if not summary.unique_participants:
        return " ".join([*sentences, _("No participants were recorded for this series.")])
    sentences.append(
        ngettext(
            "Over %(modules)s, the series gathered %(people)s participant%(who)s.",
            "Over %(modules)s, the series gathered %(people)s participants%(who)s.",
            summary.unique_participants,
            modules=modules,
            people=about(summary.unique_participants),
            who=_who(summary.breakdowns),
        )
    )
    every = dict(summary.modules_attended).get(summary.modules, 0)
    if summary.modules > 1 and every:
        sentences.append(
            ngettext(
                "Of them, %(count)s took part in all of these modules.",
                "Of them, %(count)s took part in all of these modules.",
                every,
                count=number(every),
            )
        )
    if summary.any_based_on_registrations:
        sentences.append(
            _("Where attendance was not recorded, the figures are based on confirmed registrations.")
        )
    if summary.recommendations:
        sentences.append(
            ngettext(
                "The series resulted in %(count)s recommendation.",
                "The series resulted in %(count)s recommendations.",
                summary.recommendations,
                count=number(summary.recommendations),
            )
        )
    return " ".join(sentences)


def _held_only(summary: SeriesSummary) -> SeriesSummary:
    """The summary of the modules of `summary` held so far: from the same figures, the
    published ones (the public page's) or the live ones (the organiser's)."""
    return series_summary(summary.series, published_only=summary.published_only, held_only=True)


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
