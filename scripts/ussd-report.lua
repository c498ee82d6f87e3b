-- wrk script: every connection is one resident reporting faults over and over through the
-- Africa's Talking webhook, each report a new session of 7 hops (8 for a first-time caller):
-- dial, report, water, burst pipe, Soweto, address, submit. Run with as many threads as
-- connections (-t N -c N) so each connection has its own Lua state and walks its own session.
local counter = 0
local threads = {}

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   -- A run tag keeps session ids and phone numbers unique across runs on one database.
   tag = args[1] or "0"
   phone = string.format("%%2B278%s%04d", tag, id)
   round = 0
   step = 1
   hops, con, fin, bad = 0, 0, 0, 0
end

-- Each report at its own street number: the same place twice would be offered as already reported.
function script_of(r)
   local address = string.format("%d%%20Main%%20Rd", id * 1000000 + r)
   if r == 0 then
      return {"", "1", "1*1", "1*1*1", "1*1*1*1", "1*1*1*1*1", "1*1*1*1*1*" .. address, "1*1*1*1*1*" .. address .. "*1"}
   end
   return {"", "1", "1*1", "1*1*1", "1*1*1*1", "1*1*1*1*" .. address, "1*1*1*1*" .. address .. "*1"}
end

-- request() has no side effects (wrk may call it once more than it sends); response() moves on.
function request()
   local script = script_of(round)
   local body = "sessionId=bench-" .. tag .. "-" .. id .. "-" .. round .. "&serviceCode=*120*1234%23&networkCode=65501&phoneNumber=" .. phone .. "&text=" .. script[step]
   return wrk.format("POST", "/ussd/africastalking", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
   hops = hops + 1
   local script = script_of(round)
   local ended = false
   if status ~= 200 then bad = bad + 1
   elseif string.sub(body, 1, 4) == "CON " then con = con + 1
   elseif string.sub(body, 1, 4) == "END " then
      ended = true
      if string.find(body, "reference") and step == #script then fin = fin + 1 else bad = bad + 1 end
   else bad = bad + 1 end
   if ended or step >= #script then
      round = round + 1
      step = 1
   else
      step = step + 1
   end
end

function done(summary, latency, requests)
   local h, c, f, b = 0, 0, 0, 0
   for _, t in ipairs(threads) do
      h = h + t:get("hops"); c = c + t:get("con"); f = f + t:get("fin"); b = b + t:get("bad")
   end
   local seconds = summary.duration / 1e6
   io.write(string.format("RESULT hops=%d hops_per_s=%.0f reports=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f unexpected=%d socket_errors=%d\n",
      h, summary.requests / seconds, f, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, b,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
