-- wrk script of bench/names: POST /names/check with proposals that pass,
-- clash (same name, same specific, homophone) or break a word rule.
local props = {
  {"人民南路", "510104", "road"}, {"青枫路", "510104", "road"}, {"蜀汉街", "510105", "road"},
  {"红星大道", "510104", "road"}, {"国际大道", "320402", "road"}, {"梅园新村社区", "320102002", "division"},
  {"新街口街道", "320102", "division"}, {"长顺中街", "510105", "road"},
}
local bodies = {}
for i, p in ipairs(props) do
  -- every other body also brings a sign spelling and the name it replaces
  local extra = (i % 2 == 0) and ',"pinyin":"Qingfeng Road","replaces":"青果巷"' or ''
  bodies[i] = string.format('{"name":"%s","category":"%s","division":"%s",' ..
    '"geometry":{"type":"Point","coordinates":[104.06,30.66]}%s}', p[1], p[3], p[2], extra)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/names/check", {["Content-Type"] = "application/json"}, bodies[(n % #bodies) + 1])
end
