-- wrk script of bench/names: GET /names/standardize over real names in
-- several forms (exact, traditional, missing generic, pinyin, fuzzy).
local forms = {
  "人民南路四段", "人民南路", "人民南", "renmin nanlu", "長順上街", "长顺上", "蜀汉路", "蜀漢路",
  "红星路二段", "红星路", "一环路东一段", "天府大道", "梅园新村社区", "新街口街道", "新街口",
  "xinjiekou jiedao", "东华门街道", "春熙路", "春西路", "锦里中路", "青枫路", "湟新路",
}
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local paths = {}
for i, f in ipairs(forms) do
  local p = "/names/standardize?q=" .. urlencode(f)
  if i % 3 == 0 then p = p .. "&near=104.06,30.66" end
  paths[#paths + 1] = p
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
