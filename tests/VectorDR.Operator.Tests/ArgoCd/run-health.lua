-- Runs an Argo CD health script the way Argo CD does (gopher-lua, Lua 5.1): the object as the global `obj`, in an
-- environment with the base, table, string and math libraries only, and prints the returned status and message.
-- Usage: lua5.1 run-health.lua HEALTH_LUA OBJECT_JSON
local json = require("dkjson")
local script, objectFile = arg[1], arg[2]

local f = assert(io.open(objectFile, "r"))
local object, _, err = json.decode(f:read("*a"), 1, json.null)
f:close()
assert(err == nil, err)

-- dkjson marks JSON null with a sentinel; Argo CD hands the script nil for null fields.
local function strip(value)
  if value == json.null then return nil end
  if type(value) == "table" then
    for k, v in pairs(value) do value[k] = strip(v) end
  end
  return value
end

local chunk = assert(loadfile(script))
local sandbox = {
  obj = strip(object),
  ipairs = ipairs, pairs = pairs, next = next, type = type, tostring = tostring, tonumber = tonumber,
  string = string, table = table, math = math, error = error, pcall = pcall, select = select, unpack = unpack,
}
setfenv(chunk, sandbox)
local hs = chunk()
assert(type(hs) == "table", "the health script must return a table")
io.write(tostring(hs.status), "\n", tostring(hs.message), "\n")
