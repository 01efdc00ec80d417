"""WxCC's state words, in one place for webhooks and polls alike (docs/wxcc-contract.md §1.6).

Agent words come from `currentState` (webhooks, Agent Activities) and agentSession `state`;
task words from search `status` and from task event names (`task:<word>`). Words are compared
after dropping case and everything but letters, so "on-hold", "OnHold" and "on_hold" are one.

What a word means for a supervisor:
- not-responding / RONA: the agent let an offered contact ring out. WxCC pulls the contact
  back to its queue and puts the agent in a system-assigned idle state, so the board shows
  the agent as idle with the reason "RONA" (unless the event names another idle code).
- on-hold, consulting, conferencing and their "-done" words: the agent is still on the
  contact, so connected.
- wrapup-done: wrap-up is over, but the word does not say what comes next (available, idle,
  the next contact); the state word that follows does. It is known and changes nothing.

Unknown words are logged once per organization and word (bounded memory), never raised here:
the caller decides what an unknown word costs.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from wxcc.models import AgentState, TaskStatus

logger = logging.getLogger(__name__)

# The idle code shown for an agent WxCC made idle after a contact rang out unanswered.
RONA_IDLE_CODE = "RONA"
# How many (org, kind, word) triples are remembered for once-only logging before forgetting.
UNKNOWN_WORDS_REMEMBERED = 4096


@dataclass(frozen=True)
class AgentWord:
    """What an agent state word tells us. `state` None: known, but names no state of its own."""

    state: AgentState | None
    system_idle_code: str = ""  # the idle reason WxCC assigns with this state, if any


@dataclass(frozen=True)
class TaskWord:
    """What a task status word tells us. `status` None: known, but changes nothing."""

    status: TaskStatus | None


_CONNECTED = AgentWord(AgentState.CONNECTED)
_NOT_RESPONDING = AgentWord(AgentState.IDLE, system_idle_code=RONA_IDLE_CODE)

AGENT_WORDS: dict[str, AgentWord] = {
    "available": AgentWord(AgentState.AVAILABLE),
    "idle": AgentWord(AgentState.IDLE),
    "rona": _NOT_RESPONDING,
    "notresponding": _NOT_RESPONDING,
    "ringing": AgentWord(AgentState.RESERVED),
    "reserved": AgentWord(AgentState.RESERVED),
    "connected": _CONNECTED,
    "engaged": _CONNECTED,
    "engagedother": _CONNECTED,
    "hold": _CONNECTED,
    "onhold": _CONNECTED,
    "holddone": _CONNECTED,
    "consulting": _CONNECTED,
    "consultdone": _CONNECTED,
    "conferencing": _CONNECTED,
    "conferencedone": _CONNECTED,
    "wrapup": AgentWord(AgentState.WRAPUP),
    "wrapupdone": AgentWord(None),
    "logout": AgentWord(AgentState.LOGGED_OUT),
    "loggedout": AgentWord(AgentState.LOGGED_OUT),
}

TASK_WORDS: dict[str, TaskWord] = {
    "created": TaskWord(TaskStatus.NEW),
    "new": TaskWord(TaskStatus.NEW),
    "parked": TaskWord(TaskStatus.QUEUED),
    "queued": TaskWord(TaskStatus.QUEUED),
    # The contact rang out at an agent and went back to its queue.
    "rona": TaskWord(TaskStatus.QUEUED),
    "offered": TaskWord(TaskStatus.OFFERED),
    "connect": TaskWord(TaskStatus.OFFERED),
    "connected": TaskWord(TaskStatus.CONNECTED),
    "hold": TaskWord(TaskStatus.CONNECTED),
    "onhold": TaskWord(TaskStatus.CONNECTED),
    "holddone": TaskWord(TaskStatus.CONNECTED),
    "consulting": TaskWord(TaskStatus.CONNECTED),
    "consultdone": TaskWord(TaskStatus.CONNECTED),
    "conferencing": TaskWord(TaskStatus.CONNECTED),
    "conferencedone": TaskWord(TaskStatus.CONNECTED),
    # Wrap-up is the agent's work after the customer left; the contact still counts as handled
    # by that agent until it ends, and its end is its own word.
    "wrapup": TaskWord(TaskStatus.CONNECTED),
    "wrapupdone": TaskWord(None),
    "ended": TaskWord(TaskStatus.ENDED),
}

_NOT_LETTERS = re.compile(r"[^a-z]")
_unknown_seen: set[tuple[str, str, str]] = set()
_unknown_lock = threading.Lock()


def normalise(word: str) -> str:
    """The table key of a word: lower case letters only."""
    return _NOT_LETTERS.sub("", word.lower())


def agent_word(word: str, *, org_id: object = None) -> AgentWord | None:
    """The meaning of an agent state word, or None (logged once per org) if we do not know it."""
    meaning = AGENT_WORDS.get(normalise(word))
    if meaning is None:
        note_unknown_word("agent_state", word, org_id=org_id)
    return meaning


def task_word(word: str, *, org_id: object = None) -> TaskWord | None:
    """The meaning of a task status word, or None (logged once per org) if we do not know it."""
    meaning = TASK_WORDS.get(normalise(word))
    if meaning is None:
        note_unknown_word("task_status", word, org_id=org_id)
    return meaning


def note_unknown_word(kind: str, word: str, *, org_id: object = None) -> None:
    """Log a word we do not know, once per organization, kind and word."""
    # repr() keeps control characters and lone surrogates out of the log line; the cap keeps
    # a hostile or broken sender from growing the set (or the log line) without bound.
    shown = repr(word[:64])
    key = (str(org_id), kind, shown)
    with _unknown_lock:
        if key in _unknown_seen:
            return
        if len(_unknown_seen) >= UNKNOWN_WORDS_REMEMBERED:
            _unknown_seen.clear()
        _unknown_seen.add(key)
    logger.warning("event=wxcc_unknown_word org_id=%s kind=%s word=%s", org_id, kind, shown)
