"""Shared test settings: a Hypothesis profile for CI and a deeper one for `slow` runs."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("PAXRAFT_HYPOTHESIS_PROFILE", "ci"))
