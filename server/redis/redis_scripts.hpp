// The Lua scripts of the shared mailbox. Each runs atomically inside Redis, so a get, a set, a
// withdrawal and a timeout racing on one ID are decided in one order, once.
//
// Keys of one ID (KEYS[1] is the base `PREFIX{ID}:`; the braces make every key of the ID share a
// Redis Cluster hash slot):
//   BASE q         list: parked sets, oldest first, each `NAME` or `NAME TAIL`
//   BASE t:NAME    a parked set's text (without its TAIL); its TTL is the set's lease (renewed by its
//                  live instance)
//   BASE d:NAME    "taken" marker left by the get that took NAME, until its instance confirms
//   BASE g         list: names of parked gets, oldest first
//   BASE gl:NAME   a parked get's lease (renewed by its live instance)
//   BASE h:NAME    a text handed to the parked get NAME by a set, until its instance fetches it
// NAME is `INSTANCE.TICKET`; a wake-up for it is published on `PREFIX i:INSTANCE` as `sTICKET`
// (a set was taken) or `gTICKET` (a get was handed a text). Entries whose lease has lapsed (their
// instance died) are skipped and dropped: a dead instance's texts are never delivered.
//
// TAIL: Redis keeps a string of n bytes (256 <= n < 65536) in an allocation of n + 6 (header and
// NUL), which jemalloc rounds up to its next size class (four per doubling: 4096, 5120, 6144, ...).
// A 4096-byte text (an offer's size) would take 5120 bytes. When a text overshoots a class by at
// most 64 bytes, the overshoot rides in its queue entry instead, and the rest fills the class exactly:
// 4090 + 6 bytes, 1 KiB less per parked 4 KiB text (docs/deploy.md, Sizing).
//
// The `#!lua` line makes Redis refuse the set and get scripts as a whole when it is full
// (maxmemory), before they change anything; the end scripts only delete, so they run even then
// (`allow-oom`) and a full Redis still lets parked requests end cleanly.
#pragma once

namespace webchat::redis_scripts {

// ARGV: name, text, timeoutMs, leaseMs, channelPrefix.
// Returns 1: handed to the oldest live parked get; 0: none waits and timeoutMs <= 0 (dropped);
// 2: parked.
inline constexpr const char* kSet = R"lua(#!lua
local base = KEYS[1]
while true do
  local getter = redis.call('LPOP', base .. 'g')
  if not getter then break end
  if redis.call('DEL', base .. 'gl:' .. getter) == 1 then
    redis.call('SET', base .. 'h:' .. getter, ARGV[2], 'PX', ARGV[4])
    local instance, ticket = string.match(getter, '^(.-)%.(%d+)$')
    redis.call('PUBLISH', ARGV[5] .. instance, 'g' .. ticket)
    return 1
  end
end
if tonumber(ARGV[3]) <= 0 then return 0 end
local text, entry = ARGV[2], ARGV[1]
local size = #text + 6
if size > 4096 and size < 65536 then
  local step = 1024
  while step * 8 <= size do step = step * 2 end
  local over = size % step
  if over > 0 and over <= 64 then
    entry = entry .. ' ' .. string.sub(text, -over)
    text = string.sub(text, 1, -over - 1)
  end
end
redis.call('SET', base .. 't:' .. ARGV[1], text, 'PX', ARGV[4])
redis.call('RPUSH', base .. 'q', entry)
redis.call('PEXPIRE', base .. 'q', ARGV[4])
return 2
)lua";

// ARGV: name, timeoutMs, leaseMs, channelPrefix.
// Returns {1, text}: took the oldest live parked set; {0}: none and timeoutMs <= 0; {2}: parked.
inline constexpr const char* kGet = R"lua(#!lua
local base = KEYS[1]
while true do
  local entry = redis.call('LPOP', base .. 'q')
  if not entry then break end
  local name, tail = entry, ''
  local gap = string.find(entry, ' ', 1, true)
  if gap then name, tail = string.sub(entry, 1, gap - 1), string.sub(entry, gap + 1) end
  local text = redis.call('GETDEL', base .. 't:' .. name)
  if text then
    redis.call('SET', base .. 'd:' .. name, '1', 'PX', ARGV[3])
    local instance, ticket = string.match(name, '^(.-)%.(%d+)$')
    redis.call('PUBLISH', ARGV[4] .. instance, 's' .. ticket)
    return {1, text .. tail}
  end
end
if tonumber(ARGV[2]) <= 0 then return {0} end
redis.call('SET', base .. 'gl:' .. ARGV[1], '1', 'PX', ARGV[3])
redis.call('RPUSH', base .. 'g', ARGV[1])
redis.call('PEXPIRE', base .. 'g', ARGV[3])
return {2}
)lua";

// Ends a parked get (woken, timed out or withdrawn). ARGV: name.
// Returns {1, text}: a set had handed it this text; {0}: nothing (it is no longer registered).
inline constexpr const char* kEndGet = R"lua(#!lua flags=allow-oom
local base = KEYS[1]
redis.call('LREM', base .. 'g', 1, ARGV[1])
redis.call('DEL', base .. 'gl:' .. ARGV[1])
local text = redis.call('GETDEL', base .. 'h:' .. ARGV[1])
if text then return {1, text} end
return {0}
)lua";

// Ends a parked set (woken, timed out or withdrawn). ARGV: name.
// Returns 0: it was still waiting and is now withdrawn (never delivered); 1: a get took it;
// 2: neither (its lease lapsed, or Redis lost its data).
inline constexpr const char* kEndSet = R"lua(#!lua flags=allow-oom
local base = KEYS[1]
if redis.call('DEL', base .. 't:' .. ARGV[1]) == 1 then
  local withTail = ARGV[1] .. ' '
  for _, entry in ipairs(redis.call('LRANGE', base .. 'q', 0, -1)) do
    if entry == ARGV[1] or string.sub(entry, 1, #withTail) == withTail then
      redis.call('LREM', base .. 'q', 1, entry)
      break
    end
  end
  return 0
end
if redis.call('DEL', base .. 'd:' .. ARGV[1]) == 1 then return 1 end
return 2
)lua";

}  // namespace webchat::redis_scripts
