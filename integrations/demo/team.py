"""The demo team: nine people across seven time zones, one of them away this Friday."""

from __future__ import annotations

from datetime import date, timedelta

from cockpit.models import Person, TeamData


def _build_team(today: date) -> TeamData:
    # Tom takes the Friday of the current week off, so the team panel always shows one absence.
    friday = today - timedelta(days=today.weekday()) + timedelta(days=4)
    people = (
        Person(
            id="maya",
            name="Maya Chen",
            timezone="America/Los_Angeles",
            role="ML lead",
            location="San Francisco",
            country="US",
        ),
        Person(
            id="diego",
            name="Diego Alvarez",
            timezone="America/Los_Angeles",
            role="Research engineer",
            location="San Francisco",
            work_start="10:00",
            work_end="18:30",
            country="US",
        ),
        Person(
            id="samira",
            name="Samira Okafor",
            timezone="America/New_York",
            role="MLOps engineer",
            location="New York",
            country="US",
        ),
        Person(
            id="tom",
            name="Tom Fletcher",
            timezone="Europe/London",
            role="Data engineer",
            location="London",
            country="GB",
            away=(friday,),
        ),
        Person(
            id="lena",
            name="Lena Hoffmann",
            timezone="Europe/Berlin",
            role="Applied scientist",
            location="Berlin",
            country="DE",
        ),
        Person(
            id="priya",
            name="Priya Raman",
            timezone="Asia/Kolkata",
            role="Research engineer",
            location="Bangalore",
            country="IN",
        ),
        Person(
            id="arjun",
            name="Arjun Mehta",
            timezone="Asia/Kolkata",
            role="ML engineer",
            location="Bangalore",
            country="IN",
        ),
        Person(
            id="wei",
            name="Wei Ling Tan",
            timezone="Asia/Singapore",
            role="ML platform engineer",
            location="Singapore",
            country="SG",
        ),
        Person(
            id="aroha",
            name="Aroha Ngata",
            timezone="Pacific/Auckland",
            role="Applied scientist, speech",
            location="Auckland",
            work_start="08:00",
            work_end="16:30",
            country="NZ",
        ),
    )
    return TeamData(people=people)
