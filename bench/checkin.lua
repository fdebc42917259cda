-- wrk script for bench/bench_checkin.py: every request is a check-in of a
-- new teacher (NUPTK from the thread number and a counter).
-- wrk ... -s bench/checkin.lua URL -- SESSION CODE
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  session = args[1]
  code = args[2]
  counter = 0
end

local sig = '{"w":300,"h":150,"s":[[20,100,10,-5,10,-5,12,3,15,8],[150,60,5,5]]}'

request = function()
  counter = counter + 1
  local nuptk = string.format("9%03d%012d", tid, counter)
  local body = '{"session":' .. session .. ',"nuptk":"' .. nuptk .. '","code":"' .. code ..
    '","name":"Peserta Uji","school":"SMPN 1","signature":' .. sig .. '}'
  return wrk.format("POST", "/api/v1/checkin", {["Content-Type"] = "application/json"}, body)
end
