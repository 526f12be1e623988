-- Argo CD health check for workloads.x-k8s.io/InstanceSet (rbg-operator), installed as the argocd-cm
-- key resource.customizations.health.workloads.x-k8s.io_InstanceSet (see docs/gitops.md).
-- Lua 5.1 as Argo CD runs it (gopher-lua, default libraries: no string library).
local hs = {}

local generation = obj.metadata.generation
local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to report the InstanceSet's status"
  return hs
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for rbg-operator to observe generation " .. generation
  return hs
end

-- FailedUpdate (an InPlaceOnly change that needs recreation) and FailedScale wait for a spec change.
for _, c in ipairs(status.conditions or {}) do
  if (c.type == "FailedUpdate" or c.type == "FailedScale") and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message or c.type
    return hs
  end
end

local spec = obj.spec or {}
local desired = spec.replicas or 1
local expected = status.expectedUpdatedReplicas or desired -- desired minus the partition
local updated = status.updatedReadyReplicas or 0
local available = status.availableReplicas or 0
local paused = spec.updateStrategy ~= nil and spec.updateStrategy.paused == true
if updated < expected then
  if paused then
    hs.status = "Suspended"
    hs.message = "Update paused: " .. updated .. "/" .. expected .. " instances updated and ready"
  else
    hs.status = "Progressing"
    hs.message = "Updating: " .. updated .. "/" .. expected .. " instances updated and ready"
  end
  return hs
end
if (status.replicas or 0) > desired then
  hs.status = "Progressing"
  hs.message = "Scaling in: " .. status.replicas .. " instances, " .. desired .. " desired"
  return hs
end
if available < desired then
  hs.status = "Progressing"
  hs.message = available .. "/" .. desired .. " instances available"
  return hs
end
hs.status = "Healthy"
hs.message = available .. "/" .. desired .. " instances available"
return hs
