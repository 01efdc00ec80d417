"""What a board's or a supervisor group's viewers were last sent: one Redis hash of fragment
id -> fingerprint per group, compared and updated by one script, so a push sends only the
fragments whose HTML changed (wallboard.live for boards, wallboard.supervisor.push for the
supervisor pages)."""

from __future__ import annotations

from collections.abc import Iterable

# KEYS[1]: the group's fingerprint hash. ARGV: ttl s, then id, digest pairs. Stores the new
# digests and returns the ids whose digest differed from the one last sent.
COMPARE_AND_SET_LUA = """
local changed = {}
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    table.insert(changed, ARGV[i])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return changed
"""


def changed_ids(result: Iterable[bytes | str]) -> list[str]:
    """The script's answer as fragment ids."""
    return [i.decode() if isinstance(i, bytes) else str(i) for i in result]
