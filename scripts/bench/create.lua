-- wrk: POST a new person with a unique e-mail address on every request (the
-- body the Express baseline's create.lua sends), then the percentiles line
-- of report.lua.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
  run = string.format("%d-%d-%d", os.time(), tid, math.random(1, 1000000000))
  counter = 0
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local body = string.format(
    '{"first_name":"Bench","last_name":"Writer","email":"bench-%s-%d@example.com",' ..
    '"phone":"+1-555-0100","tags":["bench"],"custom_fields":{"source":"wrk"}}',
    run, counter)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("PCT %d %d %d\n", latency:percentile(50), latency:percentile(95),
                         latency:percentile(99)))
end
