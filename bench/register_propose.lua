-- wrk script of bench/register: POST /names/proposals with a new road name
-- each time (specifics built from a list of characters, so names repeat
-- only after 27,000 requests), as an officer whose token is in $REG_TOKEN.
local chars = {"青", "枫", "梧", "桐", "兰", "溪", "松", "柏", "云", "霞", "竹", "林", "石", "泉", "荷",
               "塘", "杏", "花", "芳", "草", "桂", "园", "清", "风", "明", "月", "春", "秋", "锦", "绣"}
local token = os.getenv("REG_TOKEN") or ""
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
local n = 0
local seed = 0
init = function(args) seed = tonumber(args[1] or "0") or 0 end
request = function()
  n = n + 1
  local k = n + seed
  local a = chars[(k % 30) + 1]
  local b = chars[(math.floor(k / 30) % 30) + 1]
  local c = chars[(math.floor(k / 900) % 30) + 1]
  local body = string.format('{"name":"%s%s%s路","category":"road","division":"320402",' ..
    '"reason":"bench","meaning":"bench","geometry":{"type":"LineString","coordinates":' ..
    '[[119.95,30.95],[119.955,30.951]]}}', a, b, c)
  return wrk.format("POST", "/names/proposals", headers, body)
end
