"""The demo programme's data: series, events, speakers, agendas and the figures of the seed
documents, and the pools from which delegates are generated (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..models import (
    AgendaItemKind,
    EventFormat,
    EventKind,
    OrganisationKind,
    RegistrationStatus,
    SpeakerRole,
)

SEED = 2021
CHAIR = "The Netherlands"
ORGANISER = "Khartoum Process Secretariat"

KEYNOTE, PANEL, SESSION = AgendaItemKind.KEYNOTE, AgendaItemKind.PANEL, AgendaItemKind.SESSION
OPENING, DISCUSSION, CLOSING = AgendaItemKind.OPENING, AgendaItemKind.DISCUSSION, AgendaItemKind.CLOSING
SPEAKER, MODERATOR = SpeakerRole.SPEAKER, SpeakerRole.MODERATOR
CONFIRMED, CANCELLED = RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED
WAITLISTED, PENDING = RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING


@dataclass(frozen=True)
class Turnout:
    """Who of an event's confirmed registrants took part, and who came without registering."""

    attended: int | None = None  # None: every confirmed registrant, checked in for the whole meeting
    briefly: int = 0  # joined for a few minutes, under the event's threshold: not counted as attended
    walk_ins: int = 0  # took part without registering (a panellist link, a forwarded invitation)


# --- The 4Ps Revisited (seed documents) -------------------------------------------------------

FOUR_PS_TITLE = "Trafficking in Human Beings: The 4Ps Revisited"

READER_INTRO = (
    "The topic of trafficking in human beings (THB) and complementary issues have been addressed "
    "during various past Khartoum Process thematic meetings. Since the completion of these meetings, "
    "a wealth of initiatives and efforts have been carried out by the Khartoum Process partners.",
    "The 4Ps (Prevention, Protection, Prosecution, Partnership) framework provided the perfect "
    "structure to revisit the topic of THB from the perspective of more recent and current good "
    "practice examples and initiatives from Khartoum Process members and, if and where applicable, "
    "reflect on the transformations triggered by the COVID-19 health crisis on these four areas of "
    "collaboration. As a result of the global pandemic and, subsequently, the impossibility of "
    "organising in-person meetings, this topic was explored in the format of a 4-Module webinar "
    "series, each addressing one of the 4Ps respectively, under the guidance of the Chair of the "
    "Khartoum Process, The Netherlands.",
    "In the spirit of partnership and collaboration as the cornerstone of the Process, taking stock "
    "of and giving visibility to such national and regional examples provided valuable lessons and "
    "inspiration for the broader membership.",
    "To support this virtual exchange of good practices and experiences, and to establish a common "
    "base for discussion, four background notes were prepared in preparation for the webinars. The "
    "four background notes aimed to gather in a compact form the key relevant theoretical and "
    "practical insights on the four respective Ps, thus establishing a backdrop against which the "
    "virtual exchanges could take place.",
    "The present document, a reader, aims to give an overview of the four webinars and to bring "
    "together the four background notes, for easy reference.",
    "The Webinar Series, the four Background Notes and the present Reader have been organised and "
    "developed under the guidance and with the tremendous support of the Chair of the Khartoum "
    "Process, The Netherlands.",
)

FOUR_PS_DESCRIPTION = "\n\n".join(
    (
        *READER_INTRO[:2],
        "The four modules:",
        "1. **Prevention** – 31 March 2021: prevention of trafficking for the purpose of labour "
        "exploitation\n"
        "2. **Protection** – 28 April 2021: protection of victims of trafficking\n"
        "3. **Prosecution** – 26 May 2021: prosecution, with a focus on international cooperation\n"
        "4. **Partnership** – 30 June 2021: fostering partnerships to combat human trafficking",
        READER_INTRO[3],
        "The **Reader** gives an overview of the four webinars and brings together the four background "
        "notes, for easy reference.",
    )
)

PREVENTION_TEXT = (
    "The webinar was the first in a 4-Module Webinar Series titled *Trafficking in Human Beings: The "
    "4Ps Revisited*, each tackling one of the 4Ps of THB – Prevention, Protection, Prosecution, and "
    "Partnership.",
    "The objective of this first webinar was to present regional and national initiatives linked to "
    "the prevention of exploitation for the purpose of forced labour, through improved management of "
    "labour migration, as well as to discuss the means of reducing fraudulent or abusive recruitment "
    "practices and promoting better-informed, rights-based migration.",
    "On 31 March 2021, more than 100 attendees and panellists met online during a 2-hour long webinar "
    "on the Prevention of trafficking for the purpose of labour exploitation.",
    "Rich in content and expertise, the webinar provided an opportunity for attendees to gain new "
    "insights and inspiration from the good practices presented, in the spirit of partnership and "
    "collaboration, despite the temporary lack of opportunities for in-person interactions.",
)

PROTECTION_TEXT = (
    "The second webinar in the 4-Module Webinar Series titled *Trafficking in Human Beings: The 4Ps "
    "Revisited* was carried out in the framework of the Khartoum Process on 28 April 2021.",
    "The objective of this webinar was to present regional and national good practices linked to the "
    "protection of victims of trafficking by exploring structural and policy responses, as well as "
    "the direct support and assistance provided to victims.",
    "The virtual event gathered over 140 participants from a broad geographical range, welcoming "
    "delegates from Khartoum Process member states and institutions, international organisations, "
    "NGOs, and academia, laying the grounds for a rich exchange.",
)

PROSECUTION_TEXT = (
    "On 26 May 2021, the third webinar of the 4-Module Series titled *Trafficking in Human Beings: "
    "The 4Ps Revisited* was organised by the Khartoum Process Secretariat in coordination with the "
    "Khartoum Process Chair, The Netherlands.",
    "This third webinar addressed the topic of Prosecution, with a focus on international cooperation.",
    "Over 100 delegates joined experts from the region and from international organisations in "
    "exploring good practices and current challenges linked to the issue of prosecuting human "
    "traffickers.",
)

PARTNERSHIP_TEXT = (
    "Following the three webinars in the 4Ps Revisited Webinar Series, on Prevention, Protection, and "
    "Prosecution, the Khartoum Process Secretariat, in cooperation with the Khartoum Process Chair – "
    "The Netherlands – organised on 30 June 2021 the last webinar in the series, focused on "
    "Partnership.",
    "The issue of partnership being a cross-cutting one, the first three webinars naturally touched on "
    "the importance of partnerships in all areas of work linked to the fight against human "
    "trafficking. On these occasions, it has been illustrated how the prevention of this crime, the "
    "protection of the victims, and the prosecution of the criminals cannot be successfully achieved "
    "without multi-agency, multi-level, cross-border cooperation and partnership.",
    "Against this backdrop, the aim of the fourth and last webinar was to go deeper into the topic of "
    "fostering partnerships to combat human trafficking by looking at a number of good practices "
    "previously not explored in the framework of the webinar series.",
)

COCHETEL = ("Mr. Vincent Cochetel", "Special Envoy for the Central Mediterranean Situation", "UNHCR", SPEAKER)

FOUR_PS_EVENTS: tuple[dict, ...] = (
    dict(
        title="Prevention",
        theme="Prevention of trafficking for the purpose of labour exploitation",
        day=date(2021, 3, 31),
        capacity=150,
        join_url="https://zoom.us/j/8123456789",
        join_passcode="4Ps-0331",
        dial_in="+41 22 555 01 23 (Geneva)\n+31 70 555 04 56 (The Hague)\nMeeting ID: 812 345 6789",
        text=PREVENTION_TEXT,
        registrations=((CONFIRMED, 110), (CANCELLED, 4)),
        # "more than 100 attendees and panellists"
        turnout=Turnout(attended=97, briefly=3, walk_ins=4),
        agenda=(
            (
                OPENING,
                "Opening and welcome",
                "Welcome by the Khartoum Process Secretariat and the Chair of the Khartoum Process, "
                "The Netherlands.",
                (),
            ),
            (
                KEYNOTE,
                "Labour exploitation in the Khartoum Process region: trends, challenges and responses",
                "An overview on labour exploitation in the Khartoum Process region, looking at trends, "
                "challenges, and responses.",
                (("Ms Aida Awel", "Expert", "International Labour Organization (ILO)", SPEAKER),),
            ),
            (
                PANEL,
                "Regional cooperation to prevent labour exploitation",
                "Presentations on Uganda's Ministry of Gender, Labour and Social Development (MGLSD) "
                "external cooperation to prevent trafficking in human beings for the purpose of labour "
                "exploitation through bilateral and regional agreements, and on the work of the European "
                "Labour Authority (ELA).",
                (),
            ),
            (
                PANEL,
                "Pre-departure trainings and awareness raising on the road",
                "Kenya's National Employment Authority (NEA) pre-departure trainings for Kenyan migrant "
                "workers, and the Better Migration Management (BMM) initiative in cooperation with Stop "
                "the Traffik, using public transport to raise awareness on the dangers of human "
                "trafficking.",
                (),
            ),
            (
                PANEL,
                "Ethical recruitment",
                "Uganda's External Employment Management Information System (EEMIS), and Seefar's "
                "project, TERA, for safe and sustainable migration outcomes through ethical "
                "recruitment.",
                (),
            ),
        ),
    ),
    dict(
        title="Protection",
        theme="Protection of victims of trafficking: structural and policy responses",
        day=date(2021, 4, 28),
        capacity=200,
        join_url="https://zoom.us/j/8274615093",
        text=PROTECTION_TEXT,
        registrations=((CONFIRMED, 150), (CANCELLED, 5)),
        turnout=Turnout(attended=139, briefly=2, walk_ins=5),  # "over 140 participants"
        agenda=(
            (
                KEYNOTE,
                "Human trafficking and victim protection",
                "The importance of understanding victims of trafficking, the (difficult) identification "
                "of victims and lack of self-identification, proper assistance and obstacles thereof, "
                "and research findings on the obstacles in criminal proceedings, among which the "
                "duration of proceedings, the detailed questioning or the victims not being "
                "believed or taken seriously.",
                (
                    (
                        "Ms. Conny Rijken",
                        "Professor of Human Trafficking and Globalisation",
                        "Tilburg University",
                        SPEAKER,
                    ),
                ),
            ),
            (
                SESSION,
                "Structural and policy measures",
                "Structural and policy measures as prerequisites for the successful provision of support "
                "and assistance to victims of trafficking, from identification to referral to shelter "
                "provision and rehabilitation. Mechanisms such as National Action Plans, National "
                "Referral Mechanisms and Standard Operating Procedures are the structural backbone of "
                "practical responses. The speakers address the importance of National Action Plans and "
                "the recent update of Sudan's National Action Plan to Combat Human Trafficking and its "
                "provisions on victim protection.",
                (
                    COCHETEL,
                    (
                        "General Counselor Siham Osman Mohamed",
                        "Undersecretary of the Ministry of Justice and Head of the NCCT",
                        "Ministry of Justice, Sudan",
                        SPEAKER,
                    ),
                ),
            ),
        ),
    ),
    dict(
        title="Prosecution",
        theme="Prosecution of human traffickers, with a focus on international cooperation",
        day=date(2021, 5, 26),
        capacity=150,
        join_url="https://zoom.us/j/8390172645",
        text=PROSECUTION_TEXT,
        registrations=((CONFIRMED, 110), (CANCELLED, 3)),
        turnout=Turnout(attended=99, briefly=3, walk_ins=3),  # "over 100 delegates"
        agenda=(
            (
                KEYNOTE,
                "Investigating and prosecuting traffickers in the region: developments and challenges",
                "A brief overview on the recent developments in the region with regards to ongoing "
                "efforts to investigate and prosecute traffickers, as well as current challenges.",
                (
                    (
                        "Mr. Johan Kruger",
                        "Head of Transnational Organised Crime, Illicit Trafficking & Terrorism Programmes "
                        "for Eastern Africa",
                        "UNODC",
                        SPEAKER,
                    ),
                ),
            ),
            (
                SESSION,
                "Joint regional and international investigations and cooperation",
                "The experience of the Regional Operational Centre in Support of the Khartoum Process and "
                "the AU-Horn of Africa Initiative (ROCK): its rationale, modus operandi and achievements "
                "to date; and the Liaison Magistrate Initiative, designed to foster judicial cooperation "
                "through the deployment of prosecutors among African and European states.",
                (
                    (
                        "Mr Guy Fourmage",
                        "ROCK Technical Advisor",
                        "Regional Operational Centre in Support of the Khartoum Process and the AU-Horn of "
                        "Africa Initiative (ROCK)",
                        SPEAKER,
                    ),
                    (
                        "Ms Annalisa Pauciullo",
                        "Crime Prevention and Criminal Justice Officer, Regional Office for Western and "
                        "Eastern Africa",
                        "UNODC",
                        SPEAKER,
                    ),
                ),
            ),
        ),
    ),
    dict(
        title="Partnership",
        theme="Fostering partnerships to combat human trafficking",
        day=date(2021, 6, 30),
        capacity=150,
        join_url="https://zoom.us/j/8456203918",
        text=PARTNERSHIP_TEXT,
        registrations=((CONFIRMED, 90), (CANCELLED, 4)),
        turnout=Turnout(attended=80, briefly=2, walk_ins=2),
        agenda=(
            (
                SESSION,
                "The Rapid Alert System (RAS)",
                "The Rapid Alert System, a collaborative approach piloted by IOM, UNODC, and UNHCR, aims "
                "at acting and responding to information about victims of trafficking and others in "
                "vulnerable situations by referring information directly or through a third party.",
                (COCHETEL,),
            ),
            (
                SESSION,
                "Cross-sectoral initiatives in the financial and technology sector",
                "Existing cross-sectoral initiatives in the financial and technology sector, as emerging "
                "types of partnership that may inspire new and innovative endeavours in the Khartoum "
                "Process region.",
                (),
            ),
            (
                SESSION,
                "Institutional partnerships",
                "Examples of institutional partnerships to combat human trafficking.",
                (),
            ),
        ),
    ),
)

# --- Standalone meetings of 2020 (seed documents) -----------------------------------------------

STANDALONE_EVENTS: tuple[dict, ...] = (
    dict(
        title="7th Senior Officials' Meeting",
        theme="Chairmanship handover and the way forward",
        kind=EventKind.SENIOR_OFFICIALS_MEETING,
        format=EventFormat.IN_PERSON,
        timezone="Europe/Amsterdam",
        day=date(2020, 3, 6),
        hours=("09:30", "17:00"),
        place="The Hague, The Netherlands",
        capacity=90,
        registrations=((CONFIRMED, 64), (CANCELLED, 3)),
        turnout=Turnout(),  # everyone confirmed, checked in at the door
        recommendations=3,
        kinds={OrganisationKind.MEMBER_STATE: 80, OrganisationKind.INTERNATIONAL_ORGANISATION: 20},
        text=(
            "On the 6th of March 2020, Khartoum Process partners' representatives met in The Hague, "
            "The Netherlands, for the 7th Senior Officials' Meeting of the Process.",
            "Delegates had the opportunity to take stock of the work carried out during the Eritrean "
            "Chairmanship, discuss governance matters, and agree on a way forward for the finalisation "
            "of the Joint Valletta Action Plan update, initiated in April 2019.",
            "Participants confirmed the value and relevance of the Khartoum Process as a forum to "
            "discuss issues of common interest for the countries along the migration route in the Horn "
            "of Africa and Europe in order to identify concrete areas of cooperation.",
        ),
        outcomes=(
            "- Chairmanship of the Khartoum Process handed over from Eritrea to The Netherlands.\n"
            "- Work plan for the Chairmanship of The Netherlands broadly defined.\n"
            "- Way forward agreed for the finalisation of the Joint Valletta Action Plan update, "
            "initiated in April 2019.\n"
            "- Stock taken of the work carried out during the Eritrean Chairmanship; governance "
            "matters discussed."
        ),
        agenda=(
            (OPENING, "Opening", "Welcome by the host, The Netherlands.", ()),
            (
                SESSION,
                "Stocktaking of the Eritrean Chairmanship",
                "The work carried out during the Chairmanship of Eritrea.",
                (),
            ),
            (
                SESSION,
                "Governance matters and the Joint Valletta Action Plan",
                "Governance of the Process, and the way forward for the finalisation of the Joint "
                "Valletta Action Plan update, initiated in April 2019.",
                (),
            ),
            (
                CLOSING,
                "Chairmanship handover",
                "Handover of the Chairmanship from Eritrea to The Netherlands, and the work plan of the "
                "incoming Chair.",
                (),
            ),
        ),
    ),
    dict(
        title="COVID-19 and mixed migration along the route from the Horn of Africa to Europe",
        theme="Medium- and long-term implications of COVID-19 on mixed migration",
        kind=EventKind.VIRTUAL_MEETING,
        format=EventFormat.ONLINE,
        timezone="Europe/Brussels",
        day=date(2020, 7, 2),
        hours=("10:00", "12:30"),
        join_url="https://zoom.us/j/8518830274",
        capacity=80,
        registrations=((CONFIRMED, 55), (CANCELLED, 2)),
        turnout=Turnout(attended=49, briefly=1, walk_ins=3),  # "over 50 participants"
        text=(
            "Two thirds into 2020, the trio of linked crises – the COVID-19 pandemic and the "
            "accompanying economic and protection crises – have been affecting mixed migration "
            "dynamics all over the world. Countries along the migration route between the Horn of "
            "Africa and Europe are no exception to this reality.",
            "Understanding the medium- and long-term implications of COVID-19 on migration for "
            "Khartoum Process partners poses a series of questions:\n\n"
            "- How will the crisis impact mixed migration drivers, the aspirations of potential "
            "migrants and their capacity to move?\n"
            "- In light of a potential increase in the aspirations (or need) to migrate, and rising "
            "border restrictions, will the demand for smuggling services increase?\n"
            "- How is the crisis impacting the journeys of people on the move and their exposure to "
            "protection violations?\n"
            "- How does this affect particularly vulnerable groups, such as families with children and "
            "women traveling alone?\n"
            "- What are the implications for national and regional migration policies and responses?",
            "To mitigate the impact of the pandemic on Khartoum Process activities, The Netherlands, in "
            "its capacity of Chair of the Khartoum Process, has been exploring new formats of activities "
            "until the international situation allows for the resumption of in-person meetings. This "
            "virtual meeting is the first such activity.",
        ),
        outcomes="The first virtual meeting of the Process gathered online over 50 participants.",
        agenda=(
            (OPENING, "Opening", "Welcome by the Chair of the Khartoum Process, The Netherlands.", ()),
            (
                SESSION,
                "COVID-19 and mixed migration dynamics",
                "Drivers, aspirations and capacity to move; the demand for smuggling services; journeys "
                "and exposure to protection violations, in particular of vulnerable groups.",
                (),
            ),
            (DISCUSSION, "Implications for national and regional migration policies and responses", "", ()),
        ),
    ),
)

# --- The in-person meetings of November 2015 – March 2020 (figures from the seed documents) -----
#
# "Between November 2015 and March 2020, 2 Informal Working Groups, 9 Steering Committee Meetings,
# 7 Senior Officials' Meetings, 12 Thematic Meetings and 1 Regional Training have gathered almost
# 1,800 delegates and resulted in over 130 recommendations." The counts by kind, the delegates and
# the recommendations below add up to those figures (the 7th Senior Officials' Meeting above is one
# of the seven); the titles, places and dates of the individual meetings are illustrative.

PAST_MEETINGS_NOTE = (
    "*Demonstration content: the number of meetings of each kind, the delegates they gathered and the "
    "recommendations they produced follow the Secretariat's figures for November 2015 – March 2020; "
    "the title, place and date of this meeting are illustrative.*"
)

WG, SC = EventKind.WORKING_GROUP, EventKind.STEERING_COMMITTEE
SOM, TM, TRAINING = EventKind.SENIOR_OFFICIALS_MEETING, EventKind.THEMATIC_MEETING, EventKind.TRAINING

# How each kind of meeting runs: its daily hours, who attends it, how many of them were at an
# earlier meeting (the Steering Committee is much the same people every time), its agenda and text.
MEETING_STYLES: dict[EventKind, dict] = {
    SC: dict(
        hours=("09:30", "13:30"),
        kinds={OrganisationKind.MEMBER_STATE: 85, OrganisationKind.INTERNATIONAL_ORGANISATION: 15},
        returning=0.6,
        text="The Steering Committee, the strategic body of the Khartoum Process, met in {place} to "
        "review the implementation of the work plan, discuss governance matters and prepare the "
        "next Senior Officials' Meeting.",
        agenda=(
            (OPENING, "Opening by the Chair", "", ()),
            (SESSION, "Implementation of the work plan", "", ()),
            (SESSION, "Preparation of the next Senior Officials' Meeting", "", ()),
            (CLOSING, "Conclusions and next steps", "", ()),
        ),
    ),
    SOM: dict(
        hours=("09:00", "17:30"),
        kinds={
            OrganisationKind.MEMBER_STATE: 78,
            OrganisationKind.INTERNATIONAL_ORGANISATION: 20,
            OrganisationKind.NGO: 2,
        },
        returning=0.45,
        text="Senior officials of the Khartoum Process partners met in {place} for the {title} of the "
        "Process, to take stock of the work carried out, agree on the priorities of the coming "
        "Chairmanship and adopt their conclusions.",
        agenda=(
            (OPENING, "Opening", "Welcome by the host and the Chair of the Khartoum Process.", ()),
            (SESSION, "Stocktaking of the Chairmanship", "", ()),
            (SESSION, "Governance and the Joint Valletta Action Plan", "", ()),
            (CLOSING, "Adoption of the conclusions", "", ()),
        ),
    ),
    TM: dict(
        hours=("09:00", "17:30"),
        kinds={
            OrganisationKind.MEMBER_STATE: 55,
            OrganisationKind.INTERNATIONAL_ORGANISATION: 24,
            OrganisationKind.NGO: 12,
            OrganisationKind.ACADEMIA: 9,
        },
        returning=0.3,
        text="The thematic meeting on {theme} brought together delegates from Khartoum Process member "
        "states, international organisations, NGOs and academia in {place}, to exchange good practices "
        "from the region and agree on recommendations.",
        agenda=(
            (OPENING, "Opening", "", ()),
            (KEYNOTE, "Setting the scene", "", ()),
            (PANEL, "Good practices from the region", "", ()),
            (DISCUSSION, "Working groups: towards recommendations", "", ()),
            (CLOSING, "Adoption of the recommendations", "", ()),
        ),
    ),
    WG: dict(
        hours=("10:00", "16:00"),
        kinds={OrganisationKind.MEMBER_STATE: 70, OrganisationKind.INTERNATIONAL_ORGANISATION: 30},
        returning=0.5,
        text="An informal working group of Khartoum Process partners met in {place} to discuss {theme} "
        "and prepare proposals for the Steering Committee.",
        agenda=(
            (OPENING, "Opening", "", ()),
            (DISCUSSION, "Discussion", "", ()),
            (CLOSING, "Proposals for the Steering Committee", "", ()),
        ),
    ),
    TRAINING: dict(
        hours=("09:00", "17:00"),
        kinds={OrganisationKind.MEMBER_STATE: 85, OrganisationKind.INTERNATIONAL_ORGANISATION: 15},
        returning=0.1,
        text="Police officers, prosecutors and judges from the Khartoum Process member states took part "
        "in {place} in a regional training on {theme}.",
        agenda=(
            (OPENING, "Opening", "", ()),
            (SESSION, "Module 1: the legal framework", "", ()),
            (SESSION, "Module 2: investigation techniques", "", ()),
            (SESSION, "Module 3: cooperation across borders", "", ()),
            (CLOSING, "Evaluation and certificates", "", ()),
        ),
    ),
}

# (kind, first day, days, place, zone, title, theme, delegates who attended, recommendations)
# fmt: off
PAST_MEETINGS: tuple[tuple, ...] = (
    (SC, date(2015, 11, 25), 1, "Sharm El-Sheikh, Egypt", "Africa/Cairo",
     "Steering Committee meeting, November 2015", "Work plan 2016", 22, 0),
    (SOM, date(2015, 11, 26), 1, "Sharm El-Sheikh, Egypt", "Africa/Cairo",
     "1st Senior Officials' Meeting", "The Valletta Action Plan and the Khartoum Process", 68, 2),
    (TM, date(2016, 2, 23), 2, "Khartoum, Sudan", "Africa/Khartoum",
     "Thematic meeting on the smuggling of migrants", "the smuggling of migrants", 86, 10),
    (WG, date(2016, 4, 14), 1, "Brussels, Belgium", "Europe/Brussels",
     "Informal Working Group on law-enforcement cooperation",
     "regional law-enforcement cooperation against smuggling networks", 28, 4),
    (TM, date(2016, 6, 7), 2, "Addis Ababa, Ethiopia", "Africa/Addis_Ababa",
     "Thematic meeting on the root causes of irregular migration",
     "the root causes of irregular migration", 92, 9),
    (SC, date(2016, 6, 28), 1, "Brussels, Belgium", "Europe/Brussels",
     "Steering Committee meeting, June 2016", "Mid-year review of the work plan", 24, 0),
    (TM, date(2016, 10, 18), 2, "Nairobi, Kenya", "Africa/Nairobi",
     "Thematic meeting on the protection of victims of trafficking",
     "the identification and protection of victims of trafficking", 79, 9),
    (SOM, date(2016, 11, 22), 1, "London, United Kingdom", "Europe/London",
     "2nd Senior Officials' Meeting", "Priorities for 2017", 74, 2),
    (SC, date(2017, 2, 15), 1, "Rome, Italy", "Europe/Rome",
     "Steering Committee meeting, February 2017", "Work plan 2017", 25, 1),
    (TM, date(2017, 3, 28), 2, "Valletta, Malta", "Europe/Malta",
     "Thematic meeting on return, readmission and reintegration",
     "return, readmission and sustainable reintegration", 76, 8),
    (TM, date(2017, 6, 20), 2, "Kampala, Uganda", "Africa/Kampala",
     "Thematic meeting on labour migration and mobility", "legal pathways, labour migration and mobility",
     84, 9),
    (SC, date(2017, 9, 26), 1, "Addis Ababa, Ethiopia", "Africa/Addis_Ababa",
     "Steering Committee meeting, September 2017", "Preparation of the 3rd Senior Officials' Meeting",
     26, 0),
    (SOM, date(2017, 11, 16), 1, "Cairo, Egypt", "Africa/Cairo",
     "3rd Senior Officials' Meeting", "Stocktaking and priorities for 2018", 72, 2),
    (TM, date(2018, 2, 20), 2, "Djibouti, Djibouti", "Africa/Djibouti",
     "Thematic meeting on disrupting the business model of smuggling networks",
     "disrupting the business model of smuggling networks", 76, 8),
    (TRAINING, date(2018, 3, 13), 3, "Nairobi, Kenya", "Africa/Nairobi",
     "Regional training on investigating and prosecuting trafficking in human beings",
     "investigating and prosecuting trafficking in human beings", 42, 6),
    (SC, date(2018, 4, 24), 1, "Paris, France", "Europe/Paris",
     "Steering Committee meeting, April 2018", "Work plan 2018", 24, 0),
    (TM, date(2018, 6, 12), 2, "Paris, France", "Europe/Paris",
     "Thematic meeting on diaspora engagement", "diaspora engagement and remittances", 78, 9),
    (TM, date(2018, 10, 9), 2, "Tunis, Tunisia", "Africa/Tunis",
     "Thematic meeting on victim identification and referral",
     "the identification and referral of victims of trafficking", 73, 9),
    (SOM, date(2018, 11, 20), 1, "Paris, France", "Europe/Paris",
     "4th Senior Officials' Meeting", "Handover of the Chairmanship to Eritrea", 76, 2),
    (SC, date(2019, 1, 29), 1, "Asmara, Eritrea", "Africa/Asmara",
     "Steering Committee meeting, January 2019", "Work plan of the Eritrean Chairmanship", 26, 0),
    (TM, date(2019, 3, 19), 2, "Asmara, Eritrea", "Africa/Asmara",
     "Thematic meeting on return and sustainable reintegration",
     "return and sustainable reintegration", 81, 9),
    (WG, date(2019, 5, 14), 1, "Brussels, Belgium", "Europe/Brussels",
     "Informal Working Group on data and evidence", "data and evidence on mixed migration", 30, 4),
    (SOM, date(2019, 6, 5), 1, "Asmara, Eritrea", "Africa/Asmara",
     "5th Senior Officials' Meeting", "The update of the Joint Valletta Action Plan", 70, 2),
    (SC, date(2019, 7, 9), 1, "Brussels, Belgium", "Europe/Brussels",
     "Steering Committee meeting, July 2019", "Mid-year review of the work plan", 25, 1),
    (TM, date(2019, 9, 24), 2, "Addis Ababa, Ethiopia", "Africa/Addis_Ababa",
     "Thematic meeting on ethical recruitment", "labour migration and ethical recruitment", 86, 9),
    (TM, date(2019, 10, 22), 2, "Khartoum, Sudan", "Africa/Khartoum",
     "Thematic meeting on the role of the judiciary",
     "the role of the judiciary against trafficking and smuggling", 80, 9),
    (SOM, date(2019, 11, 26), 1, "Rome, Italy", "Europe/Rome",
     "6th Senior Officials' Meeting", "Stocktaking of the Eritrean Chairmanship", 73, 2),
    (SC, date(2019, 12, 10), 1, "Brussels, Belgium", "Europe/Brussels",
     "Steering Committee meeting, December 2019", "Work plan 2020", 24, 0),
    (TM, date(2020, 1, 28), 2, "Nairobi, Kenya", "Africa/Nairobi",
     "Thematic meeting on migrants in vulnerable situations",
     "the protection of migrants in vulnerable situations along the routes", 77, 7),
    (SC, date(2020, 2, 18), 1, "The Hague, The Netherlands", "Europe/Amsterdam",
     "Steering Committee meeting, February 2020", "Preparation of the Chairmanship handover", 27, 0),
)
# fmt: on

# --- An upcoming series (invented) ----------------------------------------------------------------

FUTURE_SERIES = dict(
    title="Countering Migrant Smuggling: Evidence, Finance and Protection",
    description="\n\n".join(
        (
            "Building on the 4Ps Revisited, this three-module webinar series looks at migrant smuggling "
            "along the routes from the Horn of Africa to Europe: what the evidence tells us, how the money "
            "of smuggling networks can be followed, and how people who are smuggled can be protected from "
            "abuse on the way.",
            "1. **Evidence** – data and research on smuggling along the routes\n"
            "2. **Finance** – financial investigations into smuggling networks\n"
            "3. **Protection** – protecting smuggled migrants from abuse",
            "The third module is reserved for officials of Khartoum Process member states and partner "
            "organisations: registrations are reviewed by the Secretariat.",
            "*Demonstration content: this series, its dates and its speakers are fictitious.*",
        )
    ),
)

FUTURE_EVENTS: tuple[dict, ...] = (
    dict(
        title="Evidence",
        theme="Data and research on migrant smuggling from the Horn of Africa to Europe",
        days=12,
        timezone="Africa/Nairobi",
        capacity=60,
        join_url="https://zoom.us/j/8602937415",
        registrations=((CONFIRMED, 56),),
        returning=20,
        text=(
            "What do we know about the smuggling of migrants along the Eastern and Central "
            "Mediterranean routes, and what do we not know? This webinar brings together researchers "
            "and practitioners who collect data on smuggling, to discuss how evidence can better "
            "inform policy and operational responses.",
        ),
        agenda=(
            (
                KEYNOTE,
                "What the evidence says about smuggling along the routes",
                "",
                (
                    (
                        "Dr. Miriam Wekesa",
                        "Senior Research Fellow, Mixed Migration",
                        "University of Nairobi",
                        SPEAKER,
                    ),
                ),
            ),
            (
                PANEL,
                "Collecting data that policy can use",
                "Interview-based monitoring, administrative data, and their limits.",
                (
                    (
                        "Mr. Yonas Berhane",
                        "Regional Data Analyst",
                        "International Organization for Migration",
                        SPEAKER,
                    ),
                    ("Ms. Helena Vos", "Policy Officer, Migrant Smuggling", "European Commission", SPEAKER),
                    ("Ms. Sara Elamin", "Programme Officer", "Khartoum Process Secretariat", MODERATOR),
                ),
            ),
        ),
    ),
    dict(
        title="Finance",
        theme="Following the money: financial investigations into smuggling networks",
        days=26,
        timezone="Europe/Brussels",
        capacity=40,
        join_url="https://zoom.us/j/8719384526",
        registrations=((CONFIRMED, 40), (WAITLISTED, 3)),
        returning=15,
        text=(
            "Smuggling networks are businesses. This webinar looks at how financial intelligence, "
            "cooperation with payment providers and parallel financial investigations can help "
            "dismantle them, and at the place of informal value transfer systems in the region.",
        ),
        agenda=(
            (
                KEYNOTE,
                "Parallel financial investigations in smuggling cases",
                "",
                (
                    (
                        "Mr. Pieter van Dam",
                        "Senior Financial Investigator",
                        "Ministry of Justice and Security, The Netherlands",
                        SPEAKER,
                    ),
                ),
            ),
            (
                PANEL,
                "Payment providers, informal value transfer and cooperation",
                "How financial institutions, money transfer operators and investigators can work together.",
                (
                    (
                        "Ms. Hodan Warsame",
                        "Head of Compliance",
                        "Horn of Africa Remittance Association",
                        SPEAKER,
                    ),
                    ("Mr. Luca Bianchi", "Financial Crime Analyst", "Guardia di Finanza, Italy", SPEAKER),
                    ("Mr. Dawit Haile", "Regional Adviser", "Khartoum Process Secretariat", MODERATOR),
                ),
            ),
        ),
    ),
    dict(
        title="Protection",
        theme="Protecting smuggled migrants from abuse along the routes",
        days=40,
        timezone="Africa/Nairobi",
        capacity=100,
        requires_approval=True,
        join_url="https://zoom.us/j/8827465103",
        registrations=((PENDING, 6),),
        returning=2,
        text=(
            "People who rely on smugglers are exposed to extortion, violence and trafficking on the "
            "way. This webinar discusses safe spaces, referral along the routes and the protection "
            "of smuggled migrants in law and practice.",
        ),
        agenda=(
            (
                KEYNOTE,
                "Protection risks on the move",
                "",
                (("Ms. Amal Osman", "Senior Protection Officer", "UNHCR", SPEAKER),),
            ),
            (
                PANEL,
                "Safe spaces and referral along the routes",
                "",
                (
                    (
                        "Mr. Joseph Okello",
                        "Coordinator, Migrant Response Centre",
                        "Ministry of Internal Affairs, Uganda",
                        SPEAKER,
                    ),
                    ("Ms. Giulia Conti", "Legal Adviser", "Ministry of Interior, Italy", SPEAKER),
                    ("Ms. Sanne de Vries", "Policy Officer", "Khartoum Process Secretariat", MODERATOR),
                ),
            ),
        ),
    ),
)

# --- Generated delegates ----------------------------------------------------------------------

NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "habesha": (
        (
            "Tesfaye",
            "Almaz",
            "Yonas",
            "Hiwot",
            "Dawit",
            "Selam",
            "Mehret",
            "Semhar",
            "Biniam",
            "Rahel",
            "Getachew",
            "Meron",
            "Samuel",
            "Helen",
            "Amanuel",
            "Lidya",
        ),
        (
            "Tesfamariam",
            "Gebremedhin",
            "Haile",
            "Bekele",
            "Tadesse",
            "Woldemichael",
            "Kidane",
            "Alemu",
            "Girma",
            "Berhane",
            "Asfaw",
            "Yohannes",
        ),
    ),
    "arabic": (
        (
            "Ahmed",
            "Mohamed",
            "Fatima",
            "Amina",
            "Omar",
            "Khalid",
            "Mariam",
            "Yasmin",
            "Hassan",
            "Sara",
            "Tarek",
            "Nour",
            "Salma",
            "Mustafa",
            "Reem",
            "Hamza",
        ),
        (
            "Osman",
            "Abdelrahman",
            "Elhassan",
            "Mahmoud",
            "Ibrahim",
            "Mansour",
            "Elamin",
            "Abdallah",
            "Suleiman",
            "Fathi",
            "El-Sayed",
            "Hamid",
        ),
    ),
    "somali": (
        (
            "Abdi",
            "Hodan",
            "Ayan",
            "Khadija",
            "Mahad",
            "Fadumo",
            "Abdirahman",
            "Halima",
            "Ilyas",
            "Deka",
            "Hibo",
            "Guled",
        ),
        ("Warsame", "Farah", "Nur", "Hussein", "Jama", "Aden", "Yusuf", "Ismail", "Abdillahi", "Dirie"),
    ),
    "east": (
        (
            "Wanjiru",
            "Otieno",
            "Achieng",
            "Kiprono",
            "Nakato",
            "Okello",
            "Akello",
            "Grace",
            "Joseph",
            "Esther",
            "Brian",
            "Faith",
            "Moses",
            "Sarah",
        ),
        (
            "Kamau",
            "Odhiambo",
            "Mwangi",
            "Chebet",
            "Mugisha",
            "Namutebi",
            "Ssempala",
            "Wafula",
            "Njoroge",
            "Atim",
            "Kato",
            "Nyambura",
        ),
    ),
    "south_sudan": (
        ("Deng", "Nyandeng", "Majok", "Achol", "Abuk", "James", "Mary", "Peter", "Rebecca"),
        ("Garang", "Lual", "Akol", "Mabior", "Ajak", "Malual", "Chol", "Atem", "Kuol"),
    ),
    "maghreb": (
        ("Mehdi", "Amira", "Youssef", "Ines", "Karim", "Leila", "Sami", "Rania", "Anis", "Sonia"),
        ("Ben Salah", "Trabelsi", "Gharbi", "Jaziri", "Hammami", "Chaabane", "Mejri", "Ayari"),
    ),
    "dutch": (
        ("Jan", "Sanne", "Pieter", "Femke", "Lotte", "Bas", "Eva", "Thijs"),
        ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "van den Berg", "Mulder"),
    ),
    "italian": (
        ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Elena", "Davide"),
        ("Rossi", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Greco", "Conti"),
    ),
    "german": (
        ("Anna", "Lukas", "Katrin", "Jonas", "Julia", "Felix", "Sophie", "Tobias"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann"),
    ),
    "french": (
        ("Camille", "Julien", "Claire", "Nicolas", "Léa", "Mathieu", "Chloé", "Antoine"),
        ("Martin", "Dubois", "Lefèvre", "Moreau", "Laurent", "Peeters", "Janssens", "Girard"),
    ),
    "nordic": (
        ("Erik", "Ingrid", "Sofia", "Anders", "Astrid", "Lars", "Maja", "Nils"),
        ("Lindqvist", "Johansson", "Andersson", "Hansen", "Berg", "Nilsson", "Larsen"),
    ),
    "maltese": (
        ("Maria", "Joseph", "Rita", "Clayton", "Antonella", "Mark"),
        ("Borg", "Camilleri", "Vella", "Farrugia", "Zammit", "Galea"),
    ),
    "spanish": (
        ("Lucía", "Javier", "Carmen", "Pablo", "Marta", "Alejandro"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero"),
    ),
    "british": (
        ("Emma", "James", "Olivia", "Thomas", "Charlotte", "Daniel"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker"),
    ),
}

# code: (name, name pool, languages, weight among member-state delegates)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "ER": ("Eritrea", "habesha", ("en",), 6),
    "ET": ("Ethiopia", "habesha", ("en",), 7),
    "SD": ("Sudan", "arabic", ("ar", "en"), 7),
    "EG": ("Egypt", "arabic", ("ar", "en"), 5),
    "DJ": ("Djibouti", "somali", ("fr",), 3),
    "SO": ("Somalia", "somali", ("en", "ar"), 4),
    "KE": ("Kenya", "east", ("en",), 6),
    "UG": ("Uganda", "east", ("en",), 6),
    "SS": ("South Sudan", "south_sudan", ("en",), 4),
    "TN": ("Tunisia", "maghreb", ("fr", "ar"), 3),
    "LY": ("Libya", "arabic", ("ar",), 2),
    "NL": ("The Netherlands", "dutch", ("en",), 6),
    "IT": ("Italy", "italian", ("en",), 5),
    "DE": ("Germany", "german", ("en",), 4),
    "FR": ("France", "french", ("fr", "en"), 4),
    "BE": ("Belgium", "french", ("fr", "en"), 3),
    "SE": ("Sweden", "nordic", ("en",), 2),
    "MT": ("Malta", "maltese", ("en",), 2),
    "AT": ("Austria", "german", ("en",), 2),
    "ES": ("Spain", "spanish", ("en",), 2),
    "GB": ("United Kingdom", "british", ("en",), 3),
    "CH": ("Switzerland", "german", ("en", "fr"), 2),
    "NO": ("Norway", "nordic", ("en",), 2),
}

ORGANISATION_KINDS: dict[OrganisationKind, int] = {
    OrganisationKind.MEMBER_STATE: 50,
    OrganisationKind.INTERNATIONAL_ORGANISATION: 27,
    OrganisationKind.NGO: 12,
    OrganisationKind.ACADEMIA: 8,
    OrganisationKind.PRIVATE_SECTOR: 2,
    OrganisationKind.OTHER: 1,
}

MINISTRIES = (
    "Ministry of Foreign Affairs",
    "Ministry of Interior",
    "Ministry of Justice",
    "Ministry of Labour and Social Affairs",
    "National Police",
    "Immigration Service",
    "Office of the Public Prosecutor",
)

# Staff of organisations with offices across the region are placed where they work.
DUTY_STATIONS = ("KE", "ET", "SD", "UG", "EG", "BE", "NL", "IT", "AT", "CH")

# (organisation, country); None means a duty station.
AFFILIATIONS: dict[OrganisationKind, tuple[tuple[str, str | None], ...]] = {
    OrganisationKind.INTERNATIONAL_ORGANISATION: tuple(
        (name, None)
        for name in (
            "International Organization for Migration (IOM)",
            "UNHCR",
            "UNODC",
            "International Labour Organization (ILO)",
            "ICMPD",
            "African Union Commission",
            "European Commission",
            "European External Action Service",
            "IGAD Secretariat",
        )
    ),
    OrganisationKind.NGO: tuple(
        (name, None)
        for name in (
            "Mixed Migration Centre",
            "Stop the Traffik",
            "Seefar",
            "Terre des hommes",
            "Save the Children",
            "Caritas",
        )
    )
    + (("La Strada International", "NL"),),
    OrganisationKind.ACADEMIA: (
        ("Tilburg University", "NL"),
        ("University of Nairobi", "KE"),
        ("Addis Ababa University", "ET"),
        ("University of Khartoum", "SD"),
        ("Makerere University", "UG"),
        ("University of Malta", "MT"),
        ("Sapienza University of Rome", "IT"),
        ("American University in Cairo", "EG"),
        ("Sciences Po", "FR"),
        ("University of Oxford", "GB"),
    ),
    OrganisationKind.PRIVATE_SECTOR: (
        ("Tech Against Trafficking", "GB"),
        ("Kenya Private Sector Alliance", "KE"),
        ("Uganda Association of External Recruitment Agencies", "UG"),
    ),
    OrganisationKind.OTHER: (("Independent", None),),
}

JOB_TITLES: dict[OrganisationKind, tuple[str, ...]] = {
    OrganisationKind.MEMBER_STATE: (
        "Director, Migration and Refugee Affairs",
        "Senior Policy Officer",
        "Counsellor",
        "First Secretary",
        "Head of Unit, Trafficking in Human Beings",
        "Legal Adviser",
        "Desk Officer, Horn of Africa",
        "Police Superintendent",
        "Public Prosecutor",
        "Labour Attaché",
    ),
    OrganisationKind.INTERNATIONAL_ORGANISATION: (
        "Programme Officer",
        "Project Manager",
        "Protection Officer",
        "Regional Thematic Specialist",
        "Policy Officer",
        "Migration Governance Officer",
        "Head of Office",
    ),
    OrganisationKind.NGO: (
        "Programme Coordinator",
        "Advocacy Officer",
        "Executive Director",
        "Case Worker",
        "Research Officer",
    ),
    OrganisationKind.ACADEMIA: (
        "Professor",
        "Associate Professor",
        "Researcher",
        "PhD Candidate",
        "Lecturer",
    ),
    OrganisationKind.PRIVATE_SECTOR: ("Compliance Manager", "Head of Sustainability", "Recruitment Manager"),
    OrganisationKind.OTHER: ("Independent consultant", "Journalist"),
}

# Minutes online from which a participant counts as attended: the events' default threshold.
ATTENDED_FROM_MINUTES = 10
BRIEFLY = range(2, ATTENDED_FROM_MINUTES)

# Delegates who follow several modules of the 4Ps series, and how many modules each attends.
FOUR_PS_REGULARS = 110
MODULES_PER_REGULAR = (2, 2, 2, 3, 4)

# fpdf2's core fonts are latin-1 only.
LATIN1 = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)
