"""Figures about a region's weekly hours."""

from __future__ import annotations

from config.deployment import Channel, Region


def hours_per_week(region: Region) -> dict[Channel, float]:
    """Open hours in a regular week per channel (wall-clock, so clock changes do not count)."""
    return {channel: weekly.hours_per_week for channel, weekly in region.hours.items()}
