"""The metrics engine: pure functions from WxCC contacts and agent states to contact-center
figures (docs/metrics.md). No ORM, clock or network inside: callers pass `now` and the zone.

Live boards use `compute_center`, then `recompute_queues` / `recompute_agents` on changes and
`refresh` on a timer; reports use
`queue_summary`, `interval_series` and `agent_performance`. All share one implementation of
each formula (`formulas`) and one classification of each contact (`contacts`).
"""

from __future__ import annotations

from .agent_time import tally_agent_time
from .agents import AgentCounts, AgentFigures, AgentTimeTally
from .columns import ContactColumns, SpanColumns, contact_columns, span_columns
from .contacts import Outcome, contact_outcome
from .engine import (
    REFRESH_HORIZON,
    SnapshotOutdated,
    compute_center,
    compute_since,
    recompute_agents,
    recompute_queues,
    refresh,
    refresh_since,
)
from .figures import ContactFigures
from .formulas import NO_DATA, display_pct, display_s
from .inputs import (
    DEFAULT_SERVICE_LEVEL_DEFINITION,
    DEFAULT_SERVICE_LEVEL_THRESHOLD_S,
    DEFAULT_SHORT_ABANDON_THRESHOLD_S,
    AgentState,
    AgentStateSpan,
    AgentStatus,
    Contact,
    HandleType,
    MetricsConfig,
    ServiceLevelDefinition,
)
from .periods import (
    PERIODS,
    NaiveDatetimeError,
    Period,
    Window,
    day_window,
    interval_windows,
    local_midnight,
    period_window,
    period_windows,
)
from .reports import (
    AgentPerformance,
    IntervalSeries,
    QueueSummary,
    agent_performance,
    interval_series,
    queue_summary,
)
from .snapshot import AgentGroupFigures, CenterSnapshot, GroupFigures

__all__ = [
    "DEFAULT_SERVICE_LEVEL_DEFINITION",
    "DEFAULT_SERVICE_LEVEL_THRESHOLD_S",
    "DEFAULT_SHORT_ABANDON_THRESHOLD_S",
    "NO_DATA",
    "PERIODS",
    "REFRESH_HORIZON",
    "AgentCounts",
    "AgentFigures",
    "AgentGroupFigures",
    "AgentPerformance",
    "AgentState",
    "AgentStateSpan",
    "AgentStatus",
    "AgentTimeTally",
    "CenterSnapshot",
    "Contact",
    "ContactColumns",
    "ContactFigures",
    "GroupFigures",
    "HandleType",
    "IntervalSeries",
    "MetricsConfig",
    "NaiveDatetimeError",
    "Outcome",
    "Period",
    "QueueSummary",
    "ServiceLevelDefinition",
    "SnapshotOutdated",
    "SpanColumns",
    "Window",
    "agent_performance",
    "compute_center",
    "compute_since",
    "contact_columns",
    "contact_outcome",
    "day_window",
    "display_pct",
    "display_s",
    "interval_series",
    "interval_windows",
    "local_midnight",
    "period_window",
    "period_windows",
    "queue_summary",
    "recompute_agents",
    "recompute_queues",
    "refresh",
    "refresh_since",
    "span_columns",
    "tally_agent_time",
]
