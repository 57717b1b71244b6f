"""The working-day calendar: weekdays that are neither public holidays nor closed all day."""

from __future__ import annotations

import datetime as dt

from config.deployment import Deployment, Region
from routing.index import index_for


def is_working_day(day: dt.date, region: Region, deployment: Deployment) -> bool:
    """Whether `day` is Monday to Friday, not a public holiday and not fully covered by closures."""
    return index_for(deployment).region_index(region).is_working_day(day.toordinal())
