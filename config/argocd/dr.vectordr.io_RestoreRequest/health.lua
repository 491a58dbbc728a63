-- Argo CD health of a RestoreRequest (resource.customizations.health.dr.vectordr.io_RestoreRequest).
-- A restore is Progressing until it has restored and verified every collection (Healthy) or given up (Degraded).
-- A Pending request says what it waits for: its Ready condition names the missing Secret, claim or the backup run
-- that holds the collection.
local hs = {}
local status = obj.status or {}

local function condition(conditionType)
  for _, c in ipairs(status.conditions or {}) do
    if c.type == conditionType then return c end
  end
  return nil
end

local function waitingFor()
  local ready = condition("Ready")
  if ready ~= nil and ready.status == "False" then
    local text = ready.reason or "NotReady"
    if ready.message ~= nil and ready.message ~= "" then text = text .. ": " .. ready.message end
    return text
  end
  return status.message
end

if status.phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = status.message or "Restored and verified"
elseif status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = status.message or "The restore failed"
elseif status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
else
  hs.status = "Progressing"
  local detail = waitingFor()
  hs.message = status.phase
  if detail ~= nil and detail ~= "" then hs.message = hs.message .. ": " .. detail end
end
return hs
