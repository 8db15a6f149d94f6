-- Shared by the hlua tests and the differential runs against haproxy:
-- out() writes one line per result, values serialized.
local outf = io.open(os.getenv("OUTFILE") or OUTFILE, "w")
local function ser(v)
  if type(v) == "string" then
    -- %q differs between Lua versions: bytes other than printable ASCII
    -- as \ddd here.
    return '"' .. v:gsub(".", function(c)
      local b = c:byte()
      if b < 32 or b > 126 or c == '"' or c == "\\" then return "\\" .. b end
    end) .. '"'
  end
  -- integral numbers print alike in 5.1 and 5.3 (no "1000.0")
  if type(v) == "number" and v == math.floor(v) and v > -1e15 and v < 1e15 then
    return string.format("%d", v)
  end
  if type(v) ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys+1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts+1] = tostring(k) .. "=" .. ser(v[k]) end
  return "{" .. table.concat(parts, "; ") .. "}"
end
local function fmt(...)
  local t = {}
  for i = 1, select('#', ...) do t[#t+1] = ser((select(i, ...))) end
  return "(" .. table.concat(t, ", ") .. ")"
end
local function out(name, ...)
  outf:write(name .. " " .. fmt(...) .. "\n"); outf:flush()
end
local function try(name, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then out(name, table.unpack(r, 2, r.n)) else out(name, "ERROR", (tostring(r[2]):gsub("^.-:%d+: ", ""))) end
end
