"""The narrative of a summary, as the secretariat writes its own reports of the 4Ps webinars:
the place of the event in its series, who chaired and spoke, honest figures, in three languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from app.database import utcnow
from app.extensions import db
from app.models import AgendaItem, AgendaItemKind, Event, EventFormat, EventKind, Speaker, SpeakerRole
from app.services.reporting import narrative, summaries
from tests.conftest import make_event, make_series
from tests.test_summaries import applicant, attend, enrol

FSI, PDI = "\u2068", "\u2069"
NBSP = "\u00a0"

# Who took part in Protection: 25 people of 5 countries and 4 kinds of organisation.
COUNTRIES = ("ET", "NL", "SD", "ER", "KE")
KINDS = ("member_state", "member_state", "international_organisation", "ngo", "academia")


def add_item(event: Event, kind: AgendaItemKind, title: str, *speakers, position: int) -> None:
    item = AgendaItem(event=event, kind=kind, title=title, position=position)
    for place, (role, name, organisation) in enumerate(speakers):
        item.speakers.append(Speaker(role=role, name=name, organisation=organisation, position=place))
    db.session.add(item)
    db.session.commit()


@pytest.fixture
def protection(app) -> Event:
    """The second webinar of the 4Ps series, on 28 April 2021, as the seeds describe it."""
    series = make_series()
    make_event("Prevention", series=series, start=datetime(2021, 3, 31, 9, tzinfo=UTC))
    event = make_event(
        "Protection",
        series=series,
        start=datetime(2021, 4, 28, 9, tzinfo=UTC),
        theme="Protection of victims of trafficking",
        capacity=None,
        recommendations_count=3,
    )
    make_event("Prosecution", series=series, start=datetime(2021, 5, 26, 9, tzinfo=UTC))
    add_item(
        event,
        AgendaItemKind.OPENING,
        "Opening",
        (SpeakerRole.MODERATOR, "Ms. Anna Visser", "Embassy of the Kingdom of the Netherlands"),
        position=0,
    )
    add_item(
        event,
        AgendaItemKind.KEYNOTE,
        "Keynote",
        (SpeakerRole.SPEAKER, "Ms. Conny Rijken", "Tilburg University"),
        position=1,
    )
    add_item(
        event,
        AgendaItemKind.PANEL,
        "Structural and policy measures",
        (SpeakerRole.MODERATOR, "Ms. Anna Visser", "Embassy of the Kingdom of the Netherlands"),
        (SpeakerRole.SPEAKER, "Mr. Vincent Cochetel", "UNHCR"),
        (SpeakerRole.SPEAKER, "Ms. Siham Osman Mohamed", "Ministry of Justice, Sudan"),
        position=2,
    )
    for number in range(25):
        person = applicant(
            f"Delegate {number}", COUNTRIES[number % 5], KINDS[number % 5], f"Organisation {number % 7}"
        )
        attend(event, enrol(event, person), minutes=60)
    return db.session.get(Event, event.id)


PROTECTION = {
    "en": (
        "On 28 April 2021, the second webinar of the series “Trafficking in Human Beings: The 4Ps "
        "Revisited” took place under the guidance of the Chair, The Netherlands. It addressed the topic "
        "of “Protection of victims of trafficking”. It was chaired by Ms. Anna Visser (Embassy of the "
        "Kingdom of the Netherlands). The keynote speech was given by Ms. Conny Rijken (Tilburg "
        "University). The panellists were Mr. Vincent Cochetel (UNHCR) and Ms. Siham Osman Mohamed "
        "(Ministry of Justice, Sudan). The webinar gathered 25 participants from 5 countries, including "
        "delegates of 2 member states, international organisations, NGOs, and academia. It resulted in "
        "3 recommendations."
    ),
    "fr": (
        f"Le 28 avril 2021 a eu lieu le deuxième webinaire de la série «{NBSP}Trafficking in Human Beings: "
        f"The 4Ps Revisited{NBSP}», sous la conduite de la présidence, The Netherlands. Le thème abordé "
        f"était «{NBSP}Protection of victims of trafficking{NBSP}». La présidence de séance était assurée "
        "par Ms. Anna Visser (Embassy of the Kingdom of the Netherlands). Le discours liminaire a été "
        "prononcé par Ms. Conny Rijken (Tilburg University). Les intervenants étaient Mr. Vincent Cochetel "
        "(UNHCR) et Ms. Siham Osman Mohamed (Ministry of Justice, Sudan). Le webinaire a réuni "
        "25 participants venant de 5 pays, dont des délégués de 2 États membres, des représentants "
        "d'organisations internationales, des représentants d'ONG et des représentants du milieu "
        "universitaire. Il en est ressorti 3 recommandations."
    ),
    "ar": (
        "في 28 أبريل 2021، جرى عقد الندوة الثانية عبر الإنترنت ضمن سلسلة "
        f"«{FSI}Trafficking in Human Beings: The 4Ps Revisited{PDI}» بتوجيه من الرئاسة، "
        f"{FSI}The Netherlands{PDI}. دار النقاش حول موضوع «{FSI}Protection of victims of trafficking{PDI}». "
        f"تولّى رئاسة الجلسة {FSI}Ms. Anna Visser{PDI} ({FSI}Embassy of the Kingdom of the Netherlands{PDI}). "
        f"ألقى الكلمة الرئيسية {FSI}Ms. Conny Rijken{PDI} ({FSI}Tilburg University{PDI}). "
        f"شارك في حلقة النقاش {FSI}Mr. Vincent Cochetel{PDI} ({FSI}UNHCR{PDI}) "
        f"و{FSI}Ms. Siham Osman Mohamed{PDI} ({FSI}Ministry of Justice, Sudan{PDI}). "
        f"حضر الندوة عبر الإنترنت {FSI}25{PDI} مشاركًا من {FSI}5{PDI} بلدان، من بينهم مندوبو دولتين عضوين "
        "وممثلو منظمات دولية وممثلو منظمات غير حكومية وممثلو الأوساط الأكاديمية. "
        f"أسفر ذلك عن {FSI}3{PDI} توصيات."
    ),
}


@pytest.mark.parametrize("language", sorted(PROTECTION))
def test_the_paragraph_of_an_event_in_each_language(protection, language):
    with force_locale(language):
        text = narrative.event_paragraph(summaries.event_summary(protection))
    assert text == PROTECTION[language]


def test_no_sentence_starts_with_a_numeral(protection):
    for language in PROTECTION:
        with force_locale(language):
            text = narrative.event_paragraph(summaries.event_summary(protection))
        sentences = [sentence.lstrip(FSI) for sentence in text.split(". ")]
        assert not [sentence for sentence in sentences if sentence[:1].isdigit()], (language, text)


# Exact below 100; above, floored to a round number, never above the real figure.
ROUNDING = [
    (1, "1"),
    (7, "7"),
    (19, "19"),
    (25, "25"),
    (52, "52"),
    (99, "99"),
    (100, "100"),
    (103, "over 100"),
    (140, "140"),
    (147, "over 140"),
    (999, "over 990"),
    (1000, "1,000"),
    (1065, "over 1,000"),
    (1780, "over 1,700"),
    (1990, "over 1,900"),
    (2269, "over 2,200"),
    (12_345, "over 12,000"),
]


@pytest.mark.parametrize(("count", "words"), ROUNDING)
def test_counts_of_people_are_rounded_down_honestly(app, count, words):
    with force_locale("en"):
        assert narrative.about(count) == words
    floor = int(words.removeprefix("over ").replace(",", ""))
    assert floor <= count and (floor < count) == words.startswith("over ")


def test_numbers_are_written_in_the_readers_locale(app):
    with force_locale("fr"):
        assert narrative.about(1065) == "plus de 1\u202f000"
        assert narrative.about(12_000) == "12\u202f000"
    with force_locale("ar"):
        assert narrative.about(1065) == f"أكثر من {FSI}1,000{PDI}"


def test_an_event_still_to_come_has_no_narrative_yet(app):
    event = make_event("Partnership", start=utcnow() + timedelta(days=3))
    enrol(event, applicant("Amina Yusuf", "ET", "member_state", "Ministry of Labour"))
    text = narrative.event_paragraph(summaries.event_summary(event))
    assert text == "This event has not taken place yet: its summary can be written once it has."


def test_a_standalone_event_without_speakers(app):
    event = make_event(
        "7th Senior Officials' Meeting",
        start=datetime(2020, 3, 6, 9, tzinfo=UTC),
        kind=EventKind.SENIOR_OFFICIALS_MEETING,
        format=EventFormat.IN_PERSON,
        place="The Hague, The Netherlands",
    )
    attend(
        event,
        enrol(event, applicant("Johan Kruger", "NL", "member_state", "Ministry of Justice")),
        minutes=90,
    )
    assert narrative.event_paragraph(summaries.event_summary(event)) == (
        "The Senior Officials' Meeting “7th Senior Officials' Meeting” took place on 6 March 2020. "
        "Participants met in The Hague, The Netherlands. "
        "The Senior Officials' Meeting gathered 1 participant from 1 country, including delegates of "
        "1 member state."
    )


def test_a_series_counts_only_the_modules_held(app):
    """Two modules held, the third still to come with its confirmed registrants: they count
    for nothing, and "all of these modules" means the two held."""
    now = utcnow()
    series = make_series()
    first = make_event("Prevention", series=series, start=now - timedelta(days=60))
    second = make_event("Protection", series=series, start=now - timedelta(days=30))
    later = make_event("Partnership", series=series, start=now + timedelta(days=30))
    people = [
        applicant(f"Delegate {number}", ("ET", "NL", "SD")[number % 3], "member_state", "Ministry")
        for number in range(8)
    ]
    for person in people[:5]:
        attend(first, enrol(first, person), minutes=60)
    for person in people[:3]:
        attend(second, enrol(second, person), minutes=60)
    for person in people:
        enrol(later, person)

    summary = summaries.series_summary(series)
    assert summary.modules == 3 and summary.unique_participants == 8  # the table shows every module
    assert narrative.series_paragraph(summary) == (
        "So far, 2 of its 3 modules have taken place. Over its first 2 modules, the series gathered "
        "5 participants from 3 countries, including delegates of 3 member states. "
        "Of them, 3 took part in all of these modules."
    )
    with force_locale("fr"):
        assert narrative.series_paragraph(summary) == (
            f"Modules tenus à ce jour{NBSP}: 2 sur 3. Au fil de ses 2 premiers modules, la série a "
            "réuni 5 participants venant de 3 pays, dont des délégués de 3 États membres. "
            "Parmi eux, 3 ont pris part à tous ces modules."
        )
    with force_locale("ar"):
        assert narrative.series_paragraph(summary) == (
            f"عدد الوحدات المعقودة حتى الآن: {FSI}2{PDI} من أصل {FSI}3{PDI}. "
            f"على مدى أول وحدتين منها، حضر السلسلة {FSI}5{PDI} مشاركين من {FSI}3{PDI} بلدان، "
            f"من بينهم مندوبو {FSI}3{PDI} دول أعضاء. شارك {FSI}3{PDI} منهم في جميع هذه الوحدات."
        )
    assert "Partnership" not in [event.title for event in summaries.series_events(series, held_only=True)]
    assert later.id  # still in the series, still to come


def test_a_series_with_nothing_held_yet(app):
    series = make_series()
    make_event("Prevention", series=series, start=utcnow() + timedelta(days=3))
    summary = summaries.series_summary(series)
    assert narrative.series_paragraph(summary) == "No module of this series has taken place yet."


def test_a_hybrid_meeting_says_where_in_each_language(app):
    event = make_event(
        "Partnership",
        start=datetime(2021, 6, 30, 9, tzinfo=UTC),
        format=EventFormat.HYBRID,
        place="Brussels",
        theme="Partnerships against trafficking",
    )
    summary = summaries.event_summary(event)
    expected = {
        "en": "Participants met in Brussels and online. It addressed the topic of “Partnerships",
        "fr": (
            "Les participants se sont réunis à Brussels et en ligne. "
            f"Le thème abordé était «{NBSP}Partnerships"
        ),
        "ar": f"اجتمع المشاركون في {FSI}Brussels{PDI} وعبر الإنترنت. دار النقاش حول موضوع «{FSI}Partnerships",
    }
    for language, words in expected.items():
        with force_locale(language):
            assert words in narrative.event_paragraph(summary)
