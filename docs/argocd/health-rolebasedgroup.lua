-- Argo CD health check for workloads.x-k8s.io/RoleBasedGroup (rbg-operator), installed as the argocd-cm
-- key resource.customizations.health.workloads.x-k8s.io_RoleBasedGroup (see docs/gitops.md).
-- Lua 5.1 as Argo CD runs it (gopher-lua, default libraries: no string library, so no string.* calls).
-- Reads the kstatus conditions (Reconciling, Stalled) when the operator writes them, and works without.
local hs = {}

local function find(conditions, ctype)
  for _, c in ipairs(conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

-- True, and computed from the current spec (a condition of an older generation says nothing about it).
local function holds(c, generation)
  if c == nil or c.status ~= "True" then
    return false
  end
  return c.observedGeneration == nil or generation == nil or c.observedGeneration >= generation
end

local function describe(c, fallback)
  if c == nil or c.message == nil or c.message == "" then
    return fallback
  end
  return c.message
end

local generation = obj.metadata.generation
local status = obj.status
if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting: roles are removed in reverse dependency order"
  return hs
end
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to report the group's status"
  return hs
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to observe generation " .. generation
  return hs
end

local conditions = status.conditions or {}
-- Terminal: Stalled (kstatus), or Failed (RecreateRBGOnPodRestart reached its max-restarts); both stay
-- until the spec changes.
for _, ctype in ipairs({ "Stalled", "Failed" }) do
  local c = find(conditions, ctype)
  if holds(c, generation) then
    hs.status = "Degraded"
    hs.message = (c.reason or ctype) .. ": " .. describe(c, "the group cannot reach Ready without a spec change")
    return hs
  end
end

local ready = find(conditions, "Ready")
if holds(ready, generation) and not holds(find(conditions, "Reconciling"), generation) then
  hs.status = "Healthy"
  if status.roleSummary ~= nil and status.roleSummary ~= "" then
    hs.message = "All roles are ready: " .. status.roleSummary
  else
    hs.message = describe(ready, "All roles are ready")
  end
  return hs
end

-- On its way: say why, from the most specific condition that holds.
hs.status = "Progressing"
for _, ctype in ipairs({ "Reconciling", "RestartInProgress", "RollingUpdateInProgress", "Progressing" }) do
  local c = find(conditions, ctype)
  if holds(c, generation) and c.message ~= nil and c.message ~= "" then
    hs.message = describe(c, ctype)
    return hs
  end
end
if ready ~= nil and ready.status ~= "True" then
  hs.message = describe(ready, "Waiting for the group to become Ready")
else
  hs.message = "Waiting for the group to become Ready"
end
return hs
