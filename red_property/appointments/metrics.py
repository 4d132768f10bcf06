"""Metrics from people and posts (see ``compliance.sources``)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from red_property.appointments.indicators import cross_appointments
from red_property.compliance.sources import Values, Window, source


@source("committee_party_share", absent=None)
def committee_party_share(session: Session, window: Window) -> Values:
    """Party members among the owners' committee members in office at the window's end.

    A community with no owners' committee member recorded is missing, not 0:
    many communities have no owners' committee at all.
    """
    return {pair: values.party_share for pair, values in cross_appointments(session, window).items()
            if values.party_share is not None}


@source("cross_appointment", absent=None)
def cross_appointment(session: Session, window: Window) -> Values:
    """The share of the three cross-appointment checks met (0..1), counting only those that apply.

    The owners' committee checks apply where an owners' committee is in office;
    the project-manager check applies where the manager is a party member, and
    counts as unmet where no manager is recorded (the company keeps its own
    project office's records, so their absence is a real shortfall).  Every
    managed community therefore has a value unless its manager is recorded,
    is not a party member and there is no owners' committee: then nothing
    applies and the value is missing.
    """
    return {pair: values.score for pair, values in cross_appointments(session, window).items()
            if values.score is not None}
