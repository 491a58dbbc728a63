-- Argo CD health of a BackupPolicy (resource.customizations.health.dr.vectordr.io_BackupPolicy).
-- Degraded when the policy cannot do its job or has stopped doing it: an invalid spec or missing Secret (Ready False),
-- a failed last backup, a missed RPO, a standby replica out of sync. Healthy while it waits for its first scheduled
-- backup: an application should not stay Progressing for hours until the schedule comes round.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then return c end
  end
  return nil
end

local function describe(c)
  local text = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then text = text .. ": " .. c.message end
  return text
end

local generation = obj.metadata.generation
if obj.status == nil or obj.status.observedGeneration == nil
    or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to check the latest spec"
  return hs
end

local ready = condition("Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to check the latest spec"
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

for _, conditionType in ipairs({ "LastBackupSucceeded", "RPOMet", "ReplicasInSync" }) do
  local c = condition(conditionType)
  if c ~= nil and c.status == "False" then
    hs.status = "Degraded"
    hs.message = describe(c)
    return hs
  end
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Scheduled backups are suspended (spec.suspend)"
  return hs
end

hs.status = "Healthy"
local last = obj.status.lastSuccessfulBackup
if last ~= nil and last.id ~= nil then
  hs.message = "Last backup " .. last.id .. " succeeded"
else
  hs.message = "No backup yet"
  if obj.status.nextScheduleTime ~= nil then hs.message = hs.message .. "; the first is due at " .. obj.status.nextScheduleTime end
end
return hs
