#!/usr/bin/env python3
"""Generator of rbg_operator/devcluster/stages/pod-*.yaml: python3 hack/kwok-stages/gen.py OUTDIR.

Shared blocks (the jq classifier, template preludes, readiness computation) are
assembled here so every copy in the YAML files is byte-identical.
"""
import os
import sys
import textwrap

OUT = sys.argv[1] if len(sys.argv) > 1 else "rbg_operator/devcluster/stages"
os.makedirs(OUT, exist_ok=True)

PREFIX = "devcluster.rbg.x-k8s.io/"
LIB = open(os.path.join(os.path.dirname(__file__), "lib.jq")).read().rstrip("\n")

RFC = '"2006-01-02T15:04:05Z07:00"'


def indent(text, n):
    pad = " " * n
    return "\n".join((pad + line) if line.strip() else "" for line in text.split("\n"))


# ---------------------------------------------------------------- template pieces
PRELUDE = r"""{{- $now := Now }}
{{- $p := . }}
{{- $ann := or .metadata.annotations dict }}
{{- $gen := .metadata.generation }}
{{- $t0 := toDate "2006-01-02T15:04:05Z07:00" "2000-01-01T00:00:00Z" }}
{{- $ctarget := or (index $ann "devcluster.rbg.x-k8s.io/crash-container") (index .spec.containers 0).name }}
{{- $cn := 0 }}
{{- with index $ann "devcluster.rbg.x-k8s.io/crash-restart-count" }}{{ if regexMatch `^[0-9]+$` . }}{{ $cn = atoi . }}{{ end }}{{ end }}
{{- if eq (or .spec.restartPolicy "Always") "Never" }}{{ $cn = 0 }}{{ end }}"""


def dur(var, key, default):
    """Parse annotation KEY (integer milliseconds or Go duration) into Go duration string $VAR."""
    return (
        '{{- $%s := "%s" }}\n'
        '{{- with index $ann "devcluster.rbg.x-k8s.io/%s" }}'
        '{{ if regexMatch `^[0-9]+$` . }}{{ $%s = printf "%%sms" . }}'
        '{{ else if regexMatch `^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$` . }}{{ $%s = . }}{{ end }}{{ end }}'
    ) % (var, default, key, var, var)


def exitcode(var, key, default):
    return (
        '{{- $%s := %d }}\n'
        '{{- with index $ann "devcluster.rbg.x-k8s.io/%s" }}{{ if regexMatch `^[0-9]+$` . }}{{ $%s = atoi . }}{{ end }}{{ end }}'
    ) % (var, default, key, var)


IMAGE_ID = r"""{{- $repo := regexReplaceAll `@.*$` $img "" }}{{ $repo = regexReplaceAll `:[^:/]+$` $repo "" }}
{{- $imageID := printf "%s@sha256:%s" $repo (sha256sum $img) }}"""

# $unready: list of not-ready container names (regular + sidecar), computed from the NEW statuses.
# Emits the ContainersReady and Ready list items (kubelet semantics, pkg/kubelet/status/generate.go).
READINESS = r"""{{- $cr := "True" }}{{ $crReason := "" }}{{ $crMsg := "" }}
{{- if $unready }}{{ $cr = "False" }}{{ $crReason = "ContainersNotReady" }}{{ $crMsg = printf "containers with unready status: [%s]" (join " " $unready) }}{{ end }}
{{- $r := $cr }}{{ $rReason := $crReason }}{{ $rMsg := $crMsg }}
{{- if eq $cr "True" }}
{{- $gm := list }}
{{- range $p.spec.readinessGates }}
{{- $gt := .conditionType }}{{ $gs := "" }}
{{- range $p.status.conditions }}{{ if eq .type $gt }}{{ $gs = .status }}{{ end }}{{ end }}
{{- if eq $gs "" }}{{ $gm = append $gm (printf `corresponding condition of pod readiness gate %q does not exist.` $gt) }}
{{- else if ne $gs "True" }}{{ $gm = append $gm (printf `the status of pod readiness gate %q is not "True", but %s` $gt $gs) }}{{ end }}
{{- end }}
{{- if $gm }}{{ $r = "False" }}{{ $rReason = "ReadinessGatesNotReady" }}{{ $rMsg = join ", " $gm }}{{ end }}
{{- end }}
{{- $oCR := "" }}{{ $oCRT := "" }}{{ $oR := "" }}{{ $oRT := "" }}
{{- range $p.status.conditions }}
{{- if eq .type "ContainersReady" }}{{ $oCR = .status }}{{ $oCRT = .lastTransitionTime }}{{ end }}
{{- if eq .type "Ready" }}{{ $oR = .status }}{{ $oRT = .lastTransitionTime }}{{ end }}
{{- end }}
- type: ContainersReady
  status: {{ $cr | Quote }}
  reason: {{ if $crReason }}{{ $crReason | Quote }}{{ else }}null{{ end }}
  message: {{ if $crMsg }}{{ $crMsg | Quote }}{{ else }}null{{ end }}
  lastTransitionTime: {{ if and (eq $oCR $cr) $oCRT }}{{ $oCRT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}
- type: Ready
  status: {{ $r | Quote }}
  reason: {{ if $rReason }}{{ $rReason | Quote }}{{ else }}null{{ end }}
  message: {{ if $rMsg }}{{ $rMsg | Quote }}{{ else }}null{{ end }}
  lastTransitionTime: {{ if and (eq $oR $r) $oRT }}{{ $oRT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}"""

# Compute $unready from the map $new (name -> new container status) plus current sidecar statuses.
UNREADY = r"""{{- $unready := list }}
{{- range $p.spec.initContainers }}{{ if eq (or .restartPolicy "") "Always" }}
{{- $n := .name }}{{ $ok := false }}
{{- range $p.status.initContainerStatuses }}{{ if and (eq .name $n) .ready }}{{ $ok = true }}{{ end }}{{ end }}
{{- if not $ok }}{{ $unready = append $unready $n }}{{ end }}
{{- end }}{{ end }}
{{- range $p.spec.containers }}
{{- $n := .name }}{{ $s := index $new $n }}
{{- if not (and $s $s.ready) }}{{ $unready = append $unready $n }}{{ end }}
{{- end }}"""

# Terminal conditions (phase Succeeded/Failed): kubelet generate*ConditionForTerminalPhase.
TERMINAL_CONDITIONS = r"""{{- $oCR := "" }}{{ $oCRT := "" }}{{ $oR := "" }}{{ $oRT := "" }}
{{- range $p.status.conditions }}
{{- if eq .type "ContainersReady" }}{{ $oCR = .status }}{{ $oCRT = .lastTransitionTime }}{{ end }}
{{- if eq .type "Ready" }}{{ $oR = .status }}{{ $oRT = .lastTransitionTime }}{{ end }}
{{- end }}
conditions:
- type: ContainersReady
  status: "False"
  reason: {{ $treason | Quote }}
  message: null
  lastTransitionTime: {{ if and (eq $oCR "False") $oCRT }}{{ $oCRT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}
- type: Ready
  status: "False"
  reason: {{ $treason | Quote }}
  message: null
  lastTransitionTime: {{ if and (eq $oR "False") $oRT }}{{ $oRT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}"""

OBSERVED_GEN = r"""{{- if $gen }}
observedGeneration: {{ $gen }}
{{- end }}"""

# Terminate every container and sidecar: needs $exit (int), $now; emits containerStatuses + initContainerStatuses.
TERMINATE_ALL = r"""{{- $creason := "Completed" }}{{ if ne $exit 0 }}{{ $creason = "Error" }}{{ end }}
containerStatuses:
{{- range .status.containerStatuses }}
{{- $c := . }}
{{- if $c.state.terminated }}
- {{ toJson $c }}
{{- else }}
{{- $started := $now }}{{ if $c.state.running }}{{ $started = $c.state.running.startedAt }}{{ end }}
{{- $_ := set $c "state" (dict "terminated" (dict "exitCode" $exit "reason" $creason "startedAt" $started "finishedAt" $now "containerID" (or $c.containerID ""))) }}
{{- $_ := set $c "ready" false }}{{ $_ := set $c "started" false }}
- {{ toJson $c }}
{{- end }}
{{- end }}
{{- with .status.initContainerStatuses }}
initContainerStatuses:
{{- range . }}
{{- $c := . }}
{{- if $c.state.running }}
{{- $_ := set $c "state" (dict "terminated" (dict "exitCode" 0 "reason" "Completed" "startedAt" $c.state.running.startedAt "finishedAt" $now "containerID" (or $c.containerID ""))) }}
{{- $_ := set $c "ready" false }}{{ $_ := set $c "started" false }}
{{- end }}
- {{ toJson $c }}
{{- end }}
{{- end }}"""


# ---------------------------------------------------------------- per-stage templates
T_START = "\n".join([
    PRELUDE,
    dur("sd", "startup-delay", "0s"),
    r"""{{- $sdt := dateModify $sd $t0 }}{{ $immediate := $sdt.Equal $t0 }}
{{- $new := dict }}
phase: Running""",
    OBSERVED_GEN,
    r"""startTime: {{ or .status.startTime $now | Quote }}
{{- if not .status.hostIP }}
{{- with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{- range . }}
- ip: {{ . | Quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if not .status.podIP }}
{{- with PodIPsWith .spec.nodeName (or .spec.hostNetwork false) (or .metadata.uid "") (or .metadata.name "") (or .metadata.namespace "") }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{- range . }}
- ip: {{ . | Quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .spec.initContainers }}
initContainerStatuses:
{{- range . }}
{{- $img := .image }}""",
    IMAGE_ID,
    r"""{{- $cid := printf "containerd://%s" (sha256sum (printf "%s/%s/0/%s" $p.metadata.uid .name $now)) }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: {{ $imageID | Quote }}
  containerID: {{ $cid | Quote }}
  restartCount: 0
  ready: true
  {{- if eq (or .restartPolicy "") "Always" }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
  {{- else }}
  started: false
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
      containerID: {{ $cid | Quote }}
  {{- end }}
{{- end }}
{{- end }}
containerStatuses:
{{- range .spec.containers }}
{{- $img := .image }}""",
    IMAGE_ID,
    r"""{{- $cid := printf "containerd://%s" (sha256sum (printf "%s/%s/0/%s" $p.metadata.uid .name $now)) }}
{{- $ready := and $immediate (or (ne .name $ctarget) (le $cn 0)) }}
{{- $_ := set $new .name (dict "ready" $ready) }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: {{ $imageID | Quote }}
  containerID: {{ $cid | Quote }}
  restartCount: 0
  ready: {{ $ready }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{- end }}""",
    # sidecars are reported ready by this very patch; UNREADY reads the old initContainerStatuses,
    # so compute without them here.
    r"""{{- $unready := list }}
{{- range $p.spec.containers }}{{ $s := index $new .name }}{{ if not $s.ready }}{{ $unready = append $unready .name }}{{ end }}{{ end }}
{{- $hasSched := false }}{{ $oI := "" }}{{ $oIT := "" }}{{ $oP := "" }}{{ $oPT := "" }}
{{- range .status.conditions }}
{{- if eq .type "PodScheduled" }}{{ $hasSched = true }}{{ end }}
{{- if eq .type "Initialized" }}{{ $oI = .status }}{{ $oIT = .lastTransitionTime }}{{ end }}
{{- if eq .type "PodReadyToStartContainers" }}{{ $oP = .status }}{{ $oPT = .lastTransitionTime }}{{ end }}
{{- end }}
conditions:
{{- if not $hasSched }}
- type: PodScheduled
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{- end }}
- type: PodReadyToStartContainers
  status: "True"
  lastTransitionTime: {{ if and (eq $oP "True") $oPT }}{{ $oPT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}
- type: Initialized
  status: "True"
  reason: null
  message: null
  lastTransitionTime: {{ if and (eq $oI "True") $oIT }}{{ $oIT | Quote }}{{ else }}{{ $now | Quote }}{{ end }}
  {{- if $gen }}
  observedGeneration: {{ $gen }}
  {{- end }}""",
    READINESS,
])

T_CONTAINER_READY = "\n".join([
    PRELUDE,
    dur("sd", "startup-delay", "0s"),
    dur("rd", "restart-delay", "1s"),
    r"""{{- $limit := dateModify "1s" now }}
{{- $new := dict }}
containerStatuses:
{{- range .status.containerStatuses }}
{{- $c := . }}
{{- $rc := atoi (toString (or $c.restartCount 0)) }}
{{- $crashPending := and (eq $c.name $ctarget) (lt $rc $cn) }}
{{- if and $c.state.running (not $c.ready) (not $crashPending) }}
{{- $d := $sd }}{{ if gt $rc 0 }}{{ $d = $rd }}{{ end }}
{{- $base := toDate "2006-01-02T15:04:05Z07:00" $c.state.running.startedAt }}
{{- $dl := dateModify $d $base }}{{ if $dl.After $base }}{{ $dl = dateModify "1s" $dl }}{{ end }}
{{- if $dl.Before $limit }}{{ $_ := set $c "ready" true }}{{ end }}
{{- end }}
{{- $_ := set $new $c.name $c }}
- {{ toJson $c }}
{{- end }}""",
    UNREADY,
    "conditions:",
    READINESS,
])

T_READINESS = "\n".join([
    PRELUDE,
    r"""{{- $new := dict }}
{{- range .status.containerStatuses }}{{ $_ := set $new .name . }}{{ end }}""",
    UNREADY,
    "conditions:",
    READINESS,
])

T_IMAGE_UPDATE = "\n".join([
    PRELUDE,
    r"""{{- $spec := dict }}
{{- range .spec.containers }}{{ $_ := set $spec .name .image }}{{ end }}
{{- $new := dict }}""",
    OBSERVED_GEN,
    r"""containerStatuses:
{{- range .status.containerStatuses }}
{{- $c := . }}
{{- $want := index $spec $c.name }}
{{- if and $want (ne $want $c.image) }}
{{- $rc := add1 (atoi (toString (or $c.restartCount 0))) }}
{{- $last := or $c.lastState dict }}
{{- if $c.state.running }}{{ $last = dict "terminated" (dict "exitCode" 0 "reason" "Completed" "startedAt" $c.state.running.startedAt "finishedAt" $now "containerID" (or $c.containerID "")) }}{{ end }}
{{- $img := $want }}""",
    IMAGE_ID,
    r"""{{- $cid := printf "containerd://%s" (sha256sum (printf "%s/%s/%d/%s" $p.metadata.uid $c.name $rc $now)) }}
{{- $_ := set $c "image" $want }}{{ $_ := set $c "imageID" $imageID }}{{ $_ := set $c "containerID" $cid }}
{{- $_ := set $c "restartCount" $rc }}{{ $_ := set $c "ready" false }}{{ $_ := set $c "started" true }}
{{- $_ := set $c "state" (dict "running" (dict "startedAt" $now)) }}{{ $_ := set $c "lastState" $last }}
{{- end }}
{{- $_ := set $new $c.name $c }}
- {{ toJson $c }}
{{- end }}""",
    UNREADY,
    "conditions:",
    READINESS,
])

T_CRASH = "\n".join([
    PRELUDE,
    dur("cb", "crash-backoff", "0s"),
    exitcode("exit", "crash-exit-code", 1),
    r"""{{- $cbt := dateModify $cb $t0 }}{{ $immediate := $cbt.Equal $t0 }}
{{- $creason := "Completed" }}{{ if ne $exit 0 }}{{ $creason = "Error" }}{{ end }}
{{- $new := dict }}
containerStatuses:
{{- range .status.containerStatuses }}
{{- $c := . }}
{{- $rc := atoi (toString (or $c.restartCount 0)) }}
{{- if and (eq $c.name $ctarget) $c.state.running (lt $rc $cn) }}
{{- $last := dict "terminated" (dict "exitCode" $exit "reason" $creason "startedAt" $c.state.running.startedAt "finishedAt" $now "containerID" (or $c.containerID "")) }}
{{- $_ := set $c "lastState" $last }}{{ $_ := set $c "restartCount" (add1 $rc) }}{{ $_ := set $c "ready" false }}
{{- if $immediate }}
{{- $_ := set $c "containerID" (printf "containerd://%s" (sha256sum (printf "%s/%s/%d/%s" $p.metadata.uid $c.name (add1 $rc) $now))) }}
{{- $_ := set $c "started" true }}{{ $_ := set $c "state" (dict "running" (dict "startedAt" $now)) }}
{{- else }}
{{- $_ := set $c "started" false }}
{{- $_ := set $c "state" (dict "waiting" (dict "reason" "CrashLoopBackOff" "message" (printf "back-off %s restarting failed container=%s pod=%s_%s(%s)" $cb $c.name $p.metadata.name $p.metadata.namespace $p.metadata.uid))) }}
{{- end }}
{{- end }}
{{- $_ := set $new $c.name $c }}
- {{ toJson $c }}
{{- end }}""",
    UNREADY,
    "conditions:",
    READINESS,
])

T_CRASH_RESTART = "\n".join([
    PRELUDE,
    r"""{{- $new := dict }}
containerStatuses:
{{- range .status.containerStatuses }}
{{- $c := . }}
{{- if and $c.state.waiting (eq (or $c.state.waiting.reason "") "CrashLoopBackOff") }}
{{- $_ := set $c "containerID" (printf "containerd://%s" (sha256sum (printf "%s/%s/%v/%s" $p.metadata.uid $c.name $c.restartCount $now))) }}
{{- $_ := set $c "started" true }}{{ $_ := set $c "ready" false }}
{{- $_ := set $c "state" (dict "running" (dict "startedAt" $now)) }}
{{- end }}
{{- $_ := set $new $c.name $c }}
- {{ toJson $c }}
{{- end }}""",
    UNREADY,
    "conditions:",
    READINESS,
])

T_FAIL = "\n".join([
    PRELUDE,
    exitcode("exit", "fail-exit-code", 1),
    r"""phase: Failed""",
    OBSERVED_GEN,
    r"""{{- with index $ann "devcluster.rbg.x-k8s.io/fail-reason" }}
reason: {{ . | Quote }}
{{- end }}
{{- with index $ann "devcluster.rbg.x-k8s.io/fail-message" }}
message: {{ . | Quote }}
{{- end }}""",
    TERMINATE_ALL,
    r"""{{- $treason := "PodFailed" }}""",
    TERMINAL_CONDITIONS,
])

T_COMPLETE = "\n".join([
    PRELUDE,
    r"""{{- $exit := 0 }}
phase: Succeeded""",
    OBSERVED_GEN,
    TERMINATE_ALL,
    r"""{{- $treason := "PodCompleted" }}""",
    TERMINAL_CONDITIONS,
])

T_TERMINATE = "\n".join([
    PRELUDE,
    dur("td", "termination-delay", "0s"),
    r"""{{- $dt := toDate "2006-01-02T15:04:05Z07:00" .metadata.deletionTimestamp }}
{{- $grace := atoi (toString (or .metadata.deletionGracePeriodSeconds 0)) }}
{{- $req := dateModify (printf "-%ds" $grace) $dt }}
{{- $end := dateModify $td $req }}{{ $killed := $end.After $dt }}
{{- $exit := 0 }}{{ $treason := "PodCompleted" }}
{{- if $killed }}{{ $exit = 137 }}{{ $treason = "PodFailed" }}{{ end }}
phase: {{ if $killed }}Failed{{ else }}Succeeded{{ end }}""",
    OBSERVED_GEN,
    TERMINATE_ALL,
    TERMINAL_CONDITIONS,
])

T_OBSERVED_GENERATION = r"""observedGeneration: {{ .metadata.generation }}"""


# ---------------------------------------------------------------- stage assembly
def jq_classifier(action):
    return (
        "    - jq:\n"
        "        # Shared classifier (identical in every pod-*.yaml stage): the stage matches only\n"
        "        # when it is the action with the earliest due time for this pod.\n"
        "        key: |\n"
        + indent(LIB + "\n" + "devcluster_next | .a", 10)
        + "\n"
        "        operator: In\n"
        "        values:\n"
        "        - %s\n" % action
    )


def jq_delay():
    return (
        "  delay:\n"
        "    # Absolute due time computed by the shared classifier (never restarts when the pod is\n"
        "    # modified while waiting); \"0s\" when already due.\n"
        "    durationFrom:\n"
        "      jq:\n"
        "        expression: |\n"
        + indent(LIB + "\n" + 'devcluster_next | [((.at - now * 1000) | ceil), 0] | max | "\\(.)ms"', 10)
        + "\n"
    )


def guard(key, operator, values=None, comment=None):
    s = ""
    if comment:
        s += "    # %s\n" % comment
    s += "    - jq:\n        key: '%s'\n        operator: %s\n" % (key, operator)
    if values:
        s += "        values:\n" + "".join("        - '%s'\n" % v for v in values)
    return s


def stage(name, header, guards, action, template=None, delayed=False, event=None, delete=False):
    out = header.rstrip("\n") + "\n"
    out += "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: %s\n" % name
    out += "spec:\n  resourceRef:\n    apiGroup: v1\n    kind: Pod\n  selector:\n    matchExpressions:\n"
    out += guards
    out += jq_classifier(action)
    if delayed:
        out += jq_delay()
    out += "  steps:\n"
    if event:
        out += "  - event:\n      type: %s\n      reason: %s\n      message: %s\n" % event
    if delete:
        out += "  - delete: true\n"
    if template is not None:
        out += "  - patch:\n      subresource: status\n      root: status\n      type: strategic\n      template: |\n"
        out += indent(template, 8) + "\n"
    return out


NOT_DELETING = guard(".metadata.deletionTimestamp", "DoesNotExist",
                     comment="cheap pre-filter (expressions are ANDed and evaluated in order)")
RUNNING = guard(".status.phase", "In", ["Running"])


def hdr(text):
    text = textwrap.dedent(text).strip("\n") + "\n" + COMMON.rstrip("\n")
    return "".join(("# " + l).rstrip() + "\n" for l in text.split("\n"))


COMMON = """
All pod stages share one classifier (the jq program `devcluster_next`, identical in every
pod-*.yaml file): it lists every action that is pending for the pod with its absolute due
time and picks the earliest (ties: fixed priority). Each stage matches only when the
classifier names it, so no two pod stages ever match the same state, and a pending timed
action never starves an earlier one. See docs/devcluster-stages.md.
"""

files = {}

files["pod-start.yaml"] = stage(
    "devcluster-pod-start",
    hdr("""
    Behaviour 1 - pod start-up (kubelet SyncPod of a new pod).
    Pending (or status-less) pod bound to a kwok node -> phase Running in one status patch:
    startTime, hostIP(s), podIP(s), initContainerStatuses (regular init containers
    terminated/Completed, sidecars running+ready), containerStatuses for every container
    (image from spec, imageID, containerID, started, restartCount 0, state.running.startedAt),
    conditions PodScheduled (only if missing), PodReadyToStartContainers, Initialized,
    ContainersReady and Ready. Containers are ready at once unless the pod has
    devcluster.rbg.x-k8s.io/startup-delay (then they stay started-but-not-ready and
    devcluster-pod-container-ready flips them later) or a pending crash
    (devcluster.rbg.x-k8s.io/crash-restart-count). Ready = ContainersReady AND every
    spec.readinessGates condition True; readiness-gate conditions are never written.
    Classifier action: pod-start (immediate). Must not overlap with any other pod stage:
    guaranteed by the classifier.
    """),
    NOT_DELETING + guard('.status.phase != "Running" or ([.status.containerStatuses[]?.name] | sort) != ([.spec.containers[].name] | sort)',
                         "In", ["true"]),
    "pod-start", T_START)

files["pod-container-ready.yaml"] = stage(
    "devcluster-pod-container-ready",
    hdr("""
    Behaviour 1/3/4 - a started container becomes ready (readiness probe passes).
    A running container with ready=false becomes ready at startedAt + delay, where delay is
    devcluster.rbg.x-k8s.io/startup-delay (default 0) for restartCount 0 and
    devcluster.rbg.x-k8s.io/restart-delay (default 1s) after a restart (image update or
    crash). Non-zero delays are padded by 1s because startedAt has 1s resolution, so the
    container is never ready before the delay has elapsed. A container that still has crashes
    pending (crash-restart-count) is skipped. Ready/ContainersReady are recomputed in the same
    patch (readiness gates respected, never written).
    Classifier action: pod-container-ready (due at the earliest container deadline).
    """),
    NOT_DELETING + guard("any(.status.containerStatuses[]?; .ready != true and .state.running != null)", "In", ["true"]),
    "pod-container-ready", T_CONTAINER_READY, delayed=True)

files["pod-readiness.yaml"] = stage(
    "devcluster-pod-readiness",
    hdr("""
    Behaviour 2 - readiness re-evaluation (kubelet status manager).
    Whenever the Ready or ContainersReady condition differs from what the kubelet would
    compute - ContainersReady = every container (and sidecar) ready; Ready = ContainersReady
    AND every spec.readinessGates[].conditionType condition is "True" - patch exactly those two
    conditions (reason/message as the kubelet: ContainersNotReady / ReadinessGatesNotReady).
    Works in both directions (gate True->False makes Ready False, all gates True again makes
    Ready True). Gate conditions themselves are never touched (strategic merge by type).
    Also runs for a Running pod that is terminating (deletionTimestamp set), like a kubelet.
    Classifier action: pod-readiness (immediate).
    """),
    RUNNING,
    "pod-readiness", T_READINESS)

files["pod-image-update.yaml"] = stage(
    "devcluster-pod-image-update",
    hdr("""
    Behaviour 3 - in-place image update (kubelet restarts a container whose spec changed,
    regardless of restartPolicy). For every container whose spec image differs from its
    containerStatuses image: new image/imageID/containerID, restartCount + 1,
    lastState.terminated (exitCode 0, Completed, from the previous running state), ready false,
    started true, state.running.startedAt now. Other containers are copied unchanged; the pod
    object (UID, node, IPs) is the same. ContainersReady/Ready turn False in the same patch; the
    container becomes ready again via devcluster-pod-container-ready after
    devcluster.rbg.x-k8s.io/restart-delay (default 1s). status.observedGeneration is set to
    metadata.generation.
    Classifier action: pod-image-update (immediate).
    """),
    NOT_DELETING + guard(". as $p | any($p.spec.containers[]; .name as $n | .image as $i | any($p.status.containerStatuses[]?; .name == $n and .image != $i))",
                         "In", ["true"]),
    "pod-image-update", T_IMAGE_UPDATE,
    event=("Normal", "Killing", "Container definition changed, will be restarted"))

files["pod-crash.yaml"] = stage(
    "devcluster-pod-crash",
    hdr("""
    Behaviour 4 - simulated container crash (restartPolicy Always/OnFailure only).
    Annotations: devcluster.rbg.x-k8s.io/crash-restart-count: "N" (target restartCount),
    devcluster.rbg.x-k8s.io/crash-container (default: first container),
    devcluster.rbg.x-k8s.io/crash-delay (run time before each crash, default 1s),
    devcluster.rbg.x-k8s.io/crash-exit-code (default 1),
    devcluster.rbg.x-k8s.io/crash-backoff (default 0: restart at once).
    While the container runs and restartCount < N, at startedAt + crash-delay: restartCount + 1,
    lastState.terminated (exitCode, reason Error), ready false, and either running again at
    once (backoff 0) or state.waiting CrashLoopBackOff (then devcluster-pod-crash-restart).
    Fires exactly N - restartCount times, never loops. The container is not made ready while
    crashes are pending; after the last one it becomes ready after restart-delay.
    Classifier action: pod-crash (due at startedAt + crash-delay).
    """),
    NOT_DELETING + guard('.metadata.annotations["devcluster.rbg.x-k8s.io/crash-restart-count"]', "Exists"),
    "pod-crash", T_CRASH, delayed=True,
    event=("Warning", "BackOff", "Back-off restarting failed container"))

files["pod-crash-restart.yaml"] = stage(
    "devcluster-pod-crash-restart",
    hdr("""
    Behaviour 4 (continued) - end of CrashLoopBackOff: a container in state.waiting
    CrashLoopBackOff starts again (state.running, started true, ready false, new containerID,
    restartCount unchanged) at lastState.terminated.finishedAt +
    devcluster.rbg.x-k8s.io/crash-backoff. Only reachable when crash-backoff is non-zero.
    Classifier action: pod-crash-restart.
    """),
    NOT_DELETING + guard('any(.status.containerStatuses[]?; .state.waiting.reason == "CrashLoopBackOff")', "In", ["true"]),
    "pod-crash-restart", T_CRASH_RESTART, delayed=True)

files["pod-fail.yaml"] = stage(
    "devcluster-pod-fail",
    hdr("""
    Behaviour 4 (permanent failure) - devcluster.rbg.x-k8s.io/fail: "true" on a Running pod:
    at status.startTime + devcluster.rbg.x-k8s.io/fail-delay (default 0) every container is
    terminated (exitCode devcluster.rbg.x-k8s.io/fail-exit-code, default 1, reason Error;
    sidecars exit 0) and the pod goes to phase Failed (terminal: never restarted, whatever the
    restartPolicy; with restartPolicy Always this looks like an eviction).
    Optional status.reason / status.message from devcluster.rbg.x-k8s.io/fail-reason and
    devcluster.rbg.x-k8s.io/fail-message (e.g. "Evicted"). Ready/ContainersReady False, reason
    PodFailed.
    Classifier action: pod-fail.
    """),
    NOT_DELETING + guard('.metadata.annotations["devcluster.rbg.x-k8s.io/fail"]', "In", ["true", "True", "1", "yes"]),
    "pod-fail", T_FAIL, delayed=True)

files["pod-complete.yaml"] = stage(
    "devcluster-pod-complete",
    hdr("""
    Run-to-completion pods (restartPolicy Never/OnFailure): the containers exit 0 at
    status.startTime + devcluster.rbg.x-k8s.io/run-duration; pods owned by a Job without the
    annotation complete after 1s. All containers terminated/Completed (sidecars too), phase
    Succeeded, Ready/ContainersReady False reason PodCompleted. restartPolicy Always pods never
    complete (use devcluster.rbg.x-k8s.io/fail or delete them).
    Classifier action: pod-complete.
    """),
    NOT_DELETING + guard(".spec.restartPolicy", "NotIn", ["Always"]),
    "pod-complete", T_COMPLETE, delayed=True)

files["pod-observed-generation.yaml"] = stage(
    "devcluster-pod-observed-generation",
    hdr("""
    status.observedGeneration follow-up (PodObservedGenerationTracking, beta and on by default
    in Kubernetes 1.34): when metadata.generation changes for any other reason than an image
    update (e.g. activeDeadlineSeconds, added tolerations), set status.observedGeneration like the
    kubelet. Only active once the apiserver has stored an observedGeneration (so it can never
    spin on a field the apiserver drops).
    Classifier action: pod-observed-generation (immediate, lowest priority).
    """),
    guard(".status.observedGeneration != null and .metadata.generation != null and .status.observedGeneration != .metadata.generation",
          "In", ["true"]),
    "pod-observed-generation", T_OBSERVED_GENERATION)

files["pod-terminate.yaml"] = stage(
    "devcluster-pod-terminate",
    hdr("""
    Behaviour 5a - graceful termination of a Running pod (deletionTimestamp set).
    The kubelet sends SIGTERM when the deletion is requested (deletionTimestamp -
    deletionGracePeriodSeconds) and SIGKILLs at deletionTimestamp. The containers "need"
    devcluster.rbg.x-k8s.io/termination-delay (default 0) to exit: at
    min(request + termination-delay, deletionTimestamp) every container is terminated (exit 0
    Completed -> phase Succeeded; or, if the delay exceeds the grace period, exit 137 Error ->
    phase Failed, like the kubelet marking a terminal pod). Ready/ContainersReady False.
    Until then the pod stays Running/Terminating (readiness gates still re-evaluated), so drain
    tests can observe terminating pods. devcluster-pod-delete then removes the object.
    Classifier action: pod-terminate.
    """),
    guard(".metadata.deletionTimestamp", "Exists") + RUNNING,
    "pod-terminate", T_TERMINATE, delayed=True)

files["pod-delete.yaml"] = stage(
    "devcluster-pod-delete",
    hdr("""
    Behaviour 5b - final delete (kubelet status manager: once all containers are stopped it
    deletes the pod with gracePeriodSeconds 0). Matches a pod with deletionTimestamp whose phase
    is not Running (terminated by devcluster-pod-terminate, completed/failed, or never started).
    Finalizers are NOT removed (a kubelet never does): with finalizers the object stays with
    deletionGracePeriodSeconds 0 until their owners remove them, and the apiserver then deletes
    it. A pod with deletionGracePeriodSeconds 0 is never matched (the apiserver removes it by
    itself; it also sends a MODIFIED event with grace 0 just before DELETED), so the delete is
    never repeated.
    Classifier action: pod-delete (immediate).
    """),
    guard(".metadata.deletionTimestamp", "Exists"),
    "pod-delete", delete=True)

for name, text in files.items():
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
print("wrote", len(files), "files to", OUT)
