-- Full USSD report sessions in the Africa's Talking style, one connection per wrk thread, so every
-- response belongs to the thread's current session. Every session is a new caller (the workload of
-- the hop-speed comparison with a bare Hummingbird server; scripts/bench-stores.sh uses it).
--   wrk -t16 -c16 -d10s -s scripts/ussd-sessions.lua URL -- '1|1|1|1|1|12 Main Rd|1'
-- USSD_THINK_MS=N: each session waits N ms after every reply before its next hop (a resident
-- reading the screen), so the load offered is about sessions * 1000 / (N + latency) hops/s
-- whatever the server's speed (scripts/bench-tail.sh compares tails at the same load).
local inputs, step, sid, n, phone = {}, 0, nil, 0, nil
bad, ended = 0, 0
local threads = {}
local think = tonumber(os.getenv("USSD_THINK_MS") or "")
if think then function delay() return think end end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for part in string.gmatch(args[1] or "1", "([^|]+)") do table.insert(inputs, part) end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function new_session()
  n = n + 1
  sid = "ATUid_" .. math.random(1, 1e9) .. "_" .. n
  phone = "%2B2782" .. string.format("%07d", math.random(0, 9999999))
  -- A house number and a ward of its own: a real street number (1-99999, so the duplicate search
  -- looks it up), almost never the same place as another session's, so nearly every session files.
  street = tostring(math.random(1, 99999)) .. " Ward" .. math.random(1, 1000)
  step = 0
end

function request()
  if sid == nil then new_session() end
  local parts = {}
  for i = 1, step do parts[i] = (inputs[i]:gsub("#", street)) end
  local body = "sessionId=" .. sid .. "&serviceCode=%2A120%2A1234%23&phoneNumber=" .. phone ..
               "&networkCode=65501&text=" .. urlencode(table.concat(parts, "*"))
  return wrk.format("POST", "/ussd/africastalking", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  if status ~= 200 or (body:sub(1, 4) ~= "CON " and body:sub(1, 4) ~= "END ") then bad = bad + 1 end
  if body:sub(1, 4) == "END " or step >= #inputs then
    if body:sub(1, 4) == "END " then ended = ended + 1 end
    new_session()
  else
    step = step + 1
  end
end

function done(summary, latency, requests)
  local b, e = 0, 0
  for _, t in ipairs(threads) do b = b + (t:get("bad") or 0); e = e + (t:get("ended") or 0) end
  io.write(string.format("RESULT hops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f sessions_ended=%d bad=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e, b))
end
