/**
 * Lua scripts of the Redis limiter (src/runtime/stores/redis-limiter.ts). They mirror the pure arithmetic in
 * src/core/limiter/token-bucket.ts line for line, so the memory and Redis limiters pass the same conformance
 * suite: levels in units of 1/60,000 token, a bucket of capacity C refilling C units per ms, integer ms
 * timestamps — every quantity an integer below 2^53, exact in Lua's doubles.
 *
 * Layout: one hash per (model, tenant), field `t` (the ms its buckets are brought up to date to: they
 * always refill together; ahead of now while admissions are booked), field `b` (the time admissions are
 * booked up to, once `reserve` has booked one) and one field per limited bucket (`rpm`, `itpm`, `otpm`:
 * level in units). One key
 * rather than one per bucket because the script's cost is dominated by its redis.call()s: 4 instead of 10
 * roughly doubles acquisitions/s (bench/limiter.ts). A missing key or field is a full bucket, which is why the
 * key may expire once every bucket would have refilled.
 *
 * The clock is Redis `TIME`, scaled by ARGV[1] (the runtime's time compression, 1 in production): the one
 * clock every runtime instance shares. Reading TIME before writing is allowed since Redis 5 (scripts
 * replicate their effects, not the script).
 *
 * Numbers are written with %.17g: before 7.0, Redis converted Lua numbers to strings with 14 significant
 * digits, which would silently round large token levels (7.0 uses 17; being explicit works on both).
 */

const COMMON = `
local U = 60000
local function clock(scale)
  local t = redis.call('TIME')
  local sec, usec = tonumber(t[1]), tonumber(t[2])
  if scale == 1 then return sec * 1000 + math.floor(usec / 1000) end
  return math.floor((sec * 1000000 + usec) * scale / 1000)
end
-- Reads the n buckets named in ARGV (from index 'first', 3 entries each: field, capacity, amount) and brings
-- them up to time now: continuous refill, capped at capacity, time never moving backwards. A missing key or
-- field is a full bucket. Also returns 'b', the time admissions are booked up to (none: -math.huge).
local function load(now, n, first)
  local fields = {'t', 'b'}
  for i = 1, n do fields[i + 2] = ARGV[first + 3 * (i - 1)] end
  local s = redis.call('HMGET', KEYS[1], unpack(fields))
  local at = tonumber(s[1]) or now
  local booked = tonumber(s[2]) or -math.huge
  local dt = now - at
  if dt < 0 then dt = 0 else at = now end
  local levels, caps, amounts = {}, {}, {}
  for i = 1, n do
    local cap = tonumber(ARGV[first + 3 * (i - 1) + 1])
    local full = cap * U
    local level = tonumber(s[i + 2]) or full
    level = level + dt * cap
    if level > full then level = full end
    levels[i], caps[i], amounts[i] = level, cap, tonumber(ARGV[first + 3 * (i - 1) + 2]) * U
  end
  return at, booked, levels, caps, amounts
end
-- Writes the levels as of 'at' (which may lie ahead of now when admissions are booked) and, when given,
-- the booked time; keeps the key until every bucket would be full again (a missing key reads as full),
-- plus 1 s of slack.
local function store(now, at, booked, n, first, levels, caps, scale)
  local args, untilFullMs = {'t', string.format('%.17g', at)}, at - now
  for i = 1, n do
    args[2 * i + 1] = ARGV[first + 3 * (i - 1)]
    args[2 * i + 2] = string.format('%.17g', levels[i])
    local ms = at - now + (caps[i] * U - levels[i]) / caps[i]
    if ms > untilFullMs then untilFullMs = ms end
  end
  if booked ~= nil then
    args[#args + 1] = 'b'
    args[#args + 1] = string.format('%.17g', booked)
  end
  redis.call('HSET', KEYS[1], unpack(args))
  redis.call('PEXPIRE', KEYS[1], math.ceil(untilFullMs / scale) + 1000)
end
`;

/**
 * Acquire or reserve (the memory limiter's `acquire` and `reserve`, line for line): the buckets are as of
 * 't', which lies ahead of now when admissions are booked (up to 'b'); a request goes now only if nothing is
 * booked ahead of it and every bucket holds its cost. Otherwise it waits for the line ('ahead') and for its
 * own shortfall ('retry'); an acquire is told so, a reservation books its admission at t + retry: the
 * buckets refilled to then, debited, 't' and 'b' moved there. The caller has checked that each cost fits its
 * capacity.
 * KEYS[1]: the (model, tenant) hash. ARGV: timeScale, mode ('0' acquire, '1' reserve), then per limited
 * bucket its field, capacity and cost (tokens). Returns {1} when granted now, {0, retryAfterMs, index of the
 * binding bucket (1-based)} when an acquire is denied, {2, waitMs, binding index} when a reservation waits.
 */
export const ACQUIRE_LUA = `${COMMON}
local scale = tonumber(ARGV[1])
local reserve = ARGV[2] == '1'
local n = (#ARGV - 2) / 3
local now = clock(scale)
local at, booked, levels, caps, costs = load(now, n, 3)
local retry, binding = 0, 0
for i = 1, n do
  local need, cap = costs[i] - levels[i], caps[i]
  if need > 0 then
    -- Smallest whole ms k with k * cap >= need (the integer checks guard the float division).
    local k = math.ceil(need / cap)
    if (k - 1) * cap >= need then k = k - 1 elseif k * cap < need then k = k + 1 end
    if k > retry then retry, binding = k, i end
  end
end
-- Admissions booked after now are in line ahead of this request (see the memory limiter's acquire).
local ahead = 0
if booked > now then ahead = at - now end
if ahead == 0 and retry == 0 then
  for i = 1, n do levels[i] = levels[i] - costs[i] end
  store(now, at, nil, n, 3, levels, caps, scale)
  return {1}
end
if binding == 0 then
  -- Only the line holds it back: name the bucket with the least headroom for its refill rate.
  local most = nil
  for i = 1, n do
    local r = (costs[i] - levels[i]) / caps[i]
    if most == nil or r > most then binding, most = i, r end
  end
end
if not reserve then return {0, ahead + retry, binding} end
for i = 1, n do
  local full = caps[i] * U
  local level = levels[i] + retry * caps[i]
  if level > full then level = full end
  levels[i] = level - costs[i]
end
store(now, at + retry, at + retry, n, 3, levels, caps, scale)
return {2, ahead + retry, binding}
`;

/**
 * Adjust: settles a reservation (level −= actual − reserved, never above capacity) and returns the levels.
 * With write flag 0 it only reads: that is `levels()`.
 * KEYS as for acquire. ARGV: timeScale, write flag (0/1), then per bucket its field, capacity and delta (tokens).
 * Returns each bucket's level in units, as a string (integer replies would truncate fractions).
 */
export const ADJUST_LUA = `${COMMON}
local scale = tonumber(ARGV[1])
local n = (#ARGV - 2) / 3
local now = clock(scale)
local at, _, levels, caps, deltas = load(now, n, 3)
local out = {}
for i = 1, n do
  local level = levels[i] - deltas[i]
  if level > caps[i] * U then level = caps[i] * U end
  levels[i], out[i] = level, string.format('%.17g', level)
end
if ARGV[2] == '1' then store(now, at, nil, n, 3, levels, caps, scale) end
return out
`;
