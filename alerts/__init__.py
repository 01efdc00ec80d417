"""Alerts: per-queue thresholds supervisors set, evaluated against the live figures the
wallboard computes, shown in the supervisor pages and posted to a Webex space."""
