"""Every write of the followups app (flags, follow-ups, attendance, policies, scans)."""

from __future__ import annotations

from profiles.models import School

from .models import RiskPolicy


def risk_policy_default_create(*, school: School) -> None:
    """A new school starts with the usual thresholds (``LEARNHUB_SCHOOL_SETUP``)."""
    RiskPolicy.objects.get_or_create(school=school)
