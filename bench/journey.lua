-- One visitor's registration journey, for wrk (bench/registration.py runs it).
--
--   wrk -t K -c K -d 15s -s bench/journey.lua http://127.0.0.1:PORT -- \
--       KIND FORM_PATH DONE_PATH OUT_FILE [PROGRESS_FILE]
--
-- KIND is "app" (Plenary's registration form) or "floor" (bench/floor_app.py).
-- With one connection per thread, each thread is one visitor after another:
--   1. GET FORM_PATH without a cookie: a fresh session; read the CSRF token
--      from the body and the session cookie from Set-Cookie;
--   2. POST the form (urlencoded, a unique email) with that cookie: expect 302;
--   3. GET DONE_PATH with the cookie: expect 200 and the outcome text.
-- A journey counts as completed only after step 3. Any other status or body is
-- an error, and the next request starts a new visitor. When every thread has
-- finished, done() writes the counts and the per-journey and per-step
-- latencies (ms, wall clock) to OUT_FILE as one JSON object. With
-- PROGRESS_FILE, each completed journey appends one byte to it: wrk has no
-- request limit, so the caller sends SIGINT once N journeys are done.
-- (Stopping a thread with wrk.thread:stop() instead leaves its socket open,
-- which holds a gunicorn sync worker until wrk exits.)

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
   return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per thread (each thread has its own Lua state, so these globals are its own).
completed, errors, confirmed, waitlisted, neutral = 0, 0, 0, 0, 0
lat_journey, lat_get, lat_post, lat_done = {}, {}, {}, {}
first_error = ""

local kind, form_path, done_path
out_file = nil -- global: done() reads it from a thread
local progress = nil
local step, cookie, token, serial = 1, nil, nil, 0
local journey_began, request_began

function init(args)
   kind, form_path, done_path, out_file = args[1], args[2], args[3], args[4]
   if args[5] and args[5] ~= "" then
      -- One byte a completed journey, so that the caller can stop wrk after N.
      progress = assert(io.open(args[5], "a"))
      progress:setvbuf("no")
   end
end

local function urlencode(s)
   return (string.gsub(s, "[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local function encode_form(fields)
   local parts = {}
   for _, pair in ipairs(fields) do
      table.insert(parts, urlencode(pair[1]) .. "=" .. urlencode(pair[2]))
   end
   return table.concat(parts, "&")
end

local function form_body()
   local email = string.format("bench.t%d.n%d@example.org", id, serial)
   local name = string.format("Delegate %d-%d", id, serial)
   if kind == "floor" then
      return encode_form({ { "name", name }, { "email", email }, { "csrf_token", token } })
   end
   return encode_form({
      { "csrf_token", token },
      { "name", name },
      { "email", email },
      { "organisation", "Ministry of Labour and Social Affairs" },
      { "organisation_kind", "member_state" },
      { "country", "ET" },
      { "job_title", "Director of Migration Affairs" },
      { "language", "en" },
      { "consent_privacy", "y" },
      { "submit", "Register" },
   })
end

function request()
   request_began = now_ms()
   if step == 1 then
      journey_began = request_began
      return wrk.format("GET", form_path, {})
   elseif step == 2 then
      return wrk.format("POST", form_path, {
         ["Cookie"] = cookie,
         ["Content-Type"] = "application/x-www-form-urlencoded",
      }, form_body())
   end
   return wrk.format("GET", done_path, { ["Cookie"] = cookie })
end

local function session_cookie(headers)
   local value = headers["Set-Cookie"] or headers["set-cookie"]
   return value and string.match(value, "(session=[^;]+)")
end

local function fail(why)
   errors = errors + 1
   if first_error == "" then
      first_error = why
   end
   step, cookie, token = 1, nil, nil
end

function response(status, headers, body)
   local took = now_ms() - request_began
   if step == 1 then
      table.insert(lat_get, took)
      token = status == 200 and string.match(body, 'name="csrf_token" type="hidden" value="([^"]+)"')
      cookie = session_cookie(headers)
      if not (token and cookie) then
         return fail("form: status " .. status .. (token and "" or ", no token") .. (cookie and "" or ", no cookie"))
      end
      serial = serial + 1
      step = 2
   elseif step == 2 then
      table.insert(lat_post, took)
      local location = headers["Location"] or headers["location"] or ""
      if status ~= 302 or not string.find(location, done_path, 1, true) then
         return fail("post: status " .. status .. " location " .. location)
      end
      cookie = session_cookie(headers) or cookie
      step = 3
   else
      table.insert(lat_done, took)
      local outcome = nil
      if status == 200 then
         if kind == "floor" then
            outcome = string.find(body, "Recorded entry", 1, true) and "neutral"
         elseif string.find(body, "Your seat is confirmed.", 1, true) then
            outcome = "confirmed"
         elseif string.find(body, "on the waiting list.", 1, true) then
            outcome = "waitlisted"
         elseif string.find(body, 'class="outcome outcome-neutral"', 1, true) then
            outcome = "neutral" -- "already registered": never expected with unique emails
         end
      end
      if not outcome then
         return fail("done: status " .. status .. ", no outcome in the page")
      end
      if outcome == "confirmed" then
         confirmed = confirmed + 1
      elseif outcome == "waitlisted" then
         waitlisted = waitlisted + 1
      else
         neutral = neutral + 1
      end
      completed = completed + 1
      table.insert(lat_journey, now_ms() - journey_began)
      step, cookie, token = 1, nil, nil
      if progress then
         progress:write("j")
      end
   end
end

local function json_list(values)
   local parts = {}
   for i = 1, #values do
      parts[i] = string.format("%.3f", values[i])
   end
   return "[" .. table.concat(parts, ",") .. "]"
end

local function json_string(s)
   return '"' .. string.gsub(s, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
   local totals = { completed = 0, errors = 0, confirmed = 0, waitlisted = 0, neutral = 0 }
   local lists = { lat_journey = {}, lat_get = {}, lat_post = {}, lat_done = {} }
   local first = ""
   for _, thread in ipairs(threads) do
      for name in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
      for name, list in pairs(lists) do
         for _, value in ipairs(thread:get(name) or {}) do
            table.insert(list, value)
         end
      end
      if first == "" then
         first = thread:get("first_error") or ""
      end
   end
   local e = summary.errors
   local out = {
      '"duration_us":' .. summary.duration,
      '"requests":' .. summary.requests,
      '"socket_errors":' .. (e.connect + e.read + e.write + e.timeout),
      '"status_errors":' .. e.status,
      '"request_p50_us":' .. latency:percentile(50),
      '"request_p95_us":' .. latency:percentile(95),
      '"request_p99_us":' .. latency:percentile(99),
      '"request_max_us":' .. latency.max,
      '"first_error":' .. json_string(first),
   }
   for name, value in pairs(totals) do
      table.insert(out, '"' .. name .. '":' .. value)
   end
   for name, list in pairs(lists) do
      table.insert(out, '"' .. name .. '":' .. json_list(list))
   end
   local file = assert(io.open(threads[1]:get("out_file"), "w"))
   file:write("{" .. table.concat(out, ",") .. "}\n")
   file:close()
end
