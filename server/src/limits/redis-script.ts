import { createHash } from 'node:crypto';

/**
 * sliding-window.ts `take` in Lua, run atomically inside Redis: one round trip per request, and every node
 * counts against the same window. The clock is Redis's (TIME), so nodes with skewed clocks still agree.
 * The window is a hash: `l` newest sub-window, `n` total, `o` oldest sub-window holding a count, and one
 * field per ring position holding a count (absent = 0).
 *
 * KEYS[1] the caller's window; ARGV limit, sub-window width (ms), ring positions, and (tests only) a fixed
 * time in epoch ms instead of Redis's clock.
 * Returns {admitted 1|0, remaining, ms until the allowance grows (-1: never)}.
 */
export const takeScript = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local width = tonumber(ARGV[2])
local slots = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local sub = math.floor(now / width)
local state = redis.call('HMGET', key, 'l', 'n', 'o')
local last = tonumber(state[1])
local total = tonumber(state[2]) or 0
local oldest = tonumber(state[3]) or -1
local dirty = false
if last ~= nil and sub < last then sub = last end
if last == nil or sub - last >= slots then
  if last ~= nil then redis.call('DEL', key) end
  total = 0
  oldest = -1
  last = sub
elseif sub > last then
  for s = last + 1, sub do
    local count = tonumber(redis.call('HGET', key, s % slots))
    if count then
      total = total - count
      redis.call('HDEL', key, s % slots)
    end
  end
  last = sub
  dirty = true
  if total <= 0 then
    total = 0
    oldest = -1
  elseif oldest <= sub - slots then
    oldest = -1
    for s = sub - slots + 1, sub do
      if redis.call('HEXISTS', key, s % slots) == 1 then
        oldest = s
        break
      end
    end
  end
end
local ttl = math.ceil(slots * width) + 1000
if total < limit then
  redis.call('HINCRBY', key, sub % slots, 1)
  total = total + 1
  if oldest < 0 then oldest = sub end
  redis.call('HSET', key, 'l', last, 'n', total, 'o', oldest)
  redis.call('PEXPIRE', key, ttl)
  return {1, limit - total, math.ceil((oldest + slots) * width - now)}
end
if dirty then
  redis.call('HSET', key, 'l', last, 'n', total, 'o', oldest)
  redis.call('PEXPIRE', key, ttl)
end
if oldest < 0 then return {0, 0, -1} end
local leaving = 0
for s = oldest, sub do
  leaving = leaving + (tonumber(redis.call('HGET', key, s % slots)) or 0)
  if total - leaving < limit then
    return {0, 0, math.ceil((s + slots) * width - now)}
  end
end
return {0, 0, -1}
`;

export function scriptSha(script: string): string {
  return createHash('sha1').update(script).digest('hex');
}
