# devcluster pod classifier (shared by every pod stage; keep all copies identical)
def _ms:
  if type == "number" then .
  elif type != "string" then null
  elif test("^[0-9]+$") then tonumber
  elif test("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$")
  then [scan("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)") | (.[0] | tonumber) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}[.[1]]] | add
  else null end;
def _ann($p; $k): ($p.metadata.annotations // {})["devcluster.rbg.x-k8s.io/" + $k];
def _dur($p; $k; $d): (_ann($p; $k) | _ms) // $d;
def _pad: if . > 0 then . + 1000 else . end;
def _t: if type == "string" then sub("\\.[0-9]+"; "") | fromdate * 1000 else null end;
def _int: if type == "number" then . elif type == "string" and test("^[0-9]+$") then tonumber else 0 end;
def _on($v): $v == "true" or $v == "True" or $v == "1" or $v == "yes";
def devcluster_next:
  . as $p
  | ($p.status.phase // "Pending") as $phase
  | ($p.spec.restartPolicy // "Always") as $rp
  | ($p.status.containerStatuses // []) as $cs
  | ([($p.spec.initContainers // [])[] | select(.restartPolicy == "Always") | .name]) as $sidecars
  | (($cs + ($p.status.initContainerStatuses // []))) as $all
  | (_ann($p; "crash-container") // $p.spec.containers[0].name) as $ctarget
  | (_ann($p; "crash-restart-count") | _int) as $cn
  | (if $rp == "Never" then 0 else $cn end) as $cn
  | ([$p.spec.containers[].name, $sidecars[]] | all(. as $n | any($all[]; .name == $n and .ready == true))) as $cready
  | ([($p.spec.readinessGates // [])[].conditionType] | all(. as $t | any(($p.status.conditions // [])[]; .type == $t and .status == "True"))) as $gates
  | (first(($p.status.conditions // [])[] | select(.type == "Ready") | .status) // "") as $rcur
  | (first(($p.status.conditions // [])[] | select(.type == "ContainersReady") | .status) // "") as $crcur
  | (($rcur != (if $cready and $gates then "True" else "False" end)) or ($crcur != (if $cready then "True" else "False" end))) as $readiness
  | [
      if $p.metadata.deletionTimestamp != null then
        if $phase == "Running" then
          ($p.metadata.deletionTimestamp | _t) as $dt
          | ($dt - (($p.metadata.deletionGracePeriodSeconds // 0) * 1000)) as $req
          | {a: "pod-terminate", p: 1, at: ([$dt, $req + (_dur($p; "termination-delay"; 0) | _pad)] | min)},
            (if $readiness then {a: "pod-readiness", p: 8, at: 0} else empty end)
        elif $p.metadata.deletionGracePeriodSeconds == 0 then empty
        else {a: "pod-delete", p: 0, at: 0}
        end
      elif ($phase == "Succeeded" or $phase == "Failed") then empty
      elif $phase != "Running" or any($p.spec.containers[].name; . as $n | all($cs[]; .name != $n)) then
        {a: "pod-start", p: 2, at: 0}
      else
        ($p.status.startTime | _t) as $st
        | (if _on(_ann($p; "fail")) then {a: "pod-fail", p: 3, at: ($st + (_dur($p; "fail-delay"; 0) | _pad))} else empty end),
          (if any($p.spec.containers[]; .name as $n | .image as $i | any($cs[]; .name == $n and .image != $i)) then {a: "pod-image-update", p: 4, at: 0} else empty end),
          ($cs[] | select(.state.waiting.reason == "CrashLoopBackOff")
            | {a: "pod-crash-restart", p: 5, at: ((.lastState.terminated.finishedAt | _t // 0) + (_dur($p; "crash-backoff"; 0) | _pad))}),
          ($cs[] | select(.name == $ctarget and .state.running != null and ((.restartCount // 0) < $cn))
            | {a: "pod-crash", p: 6, at: ((.state.running.startedAt | _t // 0) + (_dur($p; "crash-delay"; 1000) | _pad))}),
          ($cs[] | select(.state.running != null and .ready != true and (.name != $ctarget or (.restartCount // 0) >= $cn))
            | {a: "pod-container-ready", p: 7,
               at: ((.state.running.startedAt | _t // 0) + (if (.restartCount // 0) > 0 then _dur($p; "restart-delay"; 1000) else _dur($p; "startup-delay"; 0) end | _pad))}),
          (if $readiness then {a: "pod-readiness", p: 8, at: 0} else empty end),
          (if $rp != "Always" and (_ann($p; "run-duration") != null or any(($p.metadata.ownerReferences // [])[]; .kind == "Job"))
           then {a: "pod-complete", p: 9, at: ($st + (_dur($p; "run-duration"; 1000) | _pad))} else empty end),
          (if $p.status.observedGeneration != null and $p.metadata.generation != null and $p.status.observedGeneration != $p.metadata.generation
           then {a: "pod-observed-generation", p: 10, at: 0} else empty end)
      end
    ]
  | min_by([.at, .p]) // {a: "none", p: 99, at: 0};
