-- Argo CD health check for workloads.x-k8s.io/RoleBasedGroupSet (rbg-operator), installed as the argocd-cm
-- key resource.customizations.health.workloads.x-k8s.io_RoleBasedGroupSet (see docs/gitops.md).
-- Lua 5.1 as Argo CD runs it (gopher-lua, default libraries: no string library).
local hs = {}

local generation = obj.metadata.generation
local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to report the set's status"
  return hs
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to observe generation " .. generation
  return hs
end

local ready = nil
for _, c in ipairs(status.conditions or {}) do
  if c.type == "Ready" then
    ready = c
  end
end
local desired = obj.spec.replicas or 1
local counts = (status.readyReplicas or 0) .. "/" .. desired .. " groups ready, "
  .. (status.updatedReplicas or 0) .. "/" .. desired .. " updated"
if ready ~= nil and ready.status == "True"
  and (ready.observedGeneration == nil or generation == nil or ready.observedGeneration >= generation) then
  hs.status = "Healthy"
  hs.message = counts
  return hs
end
hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message .. " (" .. counts .. ")"
else
  hs.message = counts
end
return hs
