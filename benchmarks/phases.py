"""The timed part of each phase, the same code for both sides: make the writes, wait (polling, with a
time limit) until the trackers are complete, and turn their times into figures (seconds from the first
write of the phase, or from each group's own write for failover)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rbg_operator.kube import resources as r

from .audit import AuditLog, Requests, utc_ago
from .groups import FAILOVER_ROLE, PODS_PER_GROUP, image
from .meter import spread
from .sides import Generations, Operated, Side, Submit, bounded
from .tracking import PodInfo, Tracker, wait_all

Figures = dict[str, Any]


def _since(tracker: Tracker, started: float) -> float | None:
    return round(tracker.all_at - started, 3) if tracker.all_at is not None else None


def _firsts(tracker: Tracker, started: float) -> list[float]:
    return [t - started for t in tracker.first.values()]


def _all_ready(pods: list[PodInfo]) -> bool:
    return len(pods) == PODS_PER_GROUP and all(p.ready and not p.deleting for p in pods)


def _all_at(pods: list[PodInfo], version: int) -> bool:
    return _all_ready(pods) and all(p.images == (image(p.role, version),) for p in pods)


async def _writes_then_wait(
    side: Side, submit: Submit, trackers: list[Tracker], limit_s: float, phase: str
) -> tuple[float, float]:
    """Make the phase's prepared writes, then wait until every tracker is complete (they stop tracking
    either way); returns when the writes started and how long they took to submit."""
    started = time.monotonic()
    try:
        await submit()
        submitted = time.monotonic() - started
        side.recheck()
        await wait_all(trackers, limit_s, f"{side.name} {phase}", side.dump)
    finally:
        side.untrack(*trackers)
    return started, submitted


async def create(side: Side, limit_s: float) -> Figures:
    """Every group's objects written at once; until every pod exists, every pod is Ready, every group is
    Ready."""
    exist = side.pods.track("pods exist", side.groups, lambda g, ps: len(ps) >= PODS_PER_GROUP)
    pods_ready = side.pods.track("pods ready", side.groups, lambda g, ps: _all_ready(ps))
    groups_ready = side.track_status("groups ready", None)
    started, submitted = await _writes_then_wait(
        side, side.creation(), [exist, pods_ready, groups_ready], limit_s, "create"
    )
    return {
        "writes_submitted_s": round(submitted, 3),
        "all_pods_exist_s": _since(exist, started),
        "all_pods_ready_s": _since(pods_ready, started),
        "all_groups_ready_s": _since(groups_ready, started),
        **spread("group_pods_ready", _firsts(pods_ready, started)),
        **spread("group_ready", _firsts(groups_ready, started)),
    }


async def rollout(side: Side, limit_s: float, version: int = 2) -> Figures:
    """Every group's image changed at once; until every pod runs the new image and is Ready and every group
    reports all its replicas updated and ready at the new generation."""
    generations: Generations = {}
    pods_updated = side.pods.track("pods updated", side.groups, lambda g, ps: _all_at(ps, version))
    groups_updated = side.track_status("groups updated", generations)
    started, submitted = await _writes_then_wait(
        side, side.rollout(version, generations), [pods_updated, groups_updated], limit_s, "rollout"
    )
    return {
        "writes_submitted_s": round(submitted, 3),
        "all_pods_updated_ready_s": _since(pods_updated, started),
        "all_groups_updated_s": _since(groups_updated, started),
        **spread("group_pods_updated", _firsts(pods_updated, started)),
        **spread("group_updated", _firsts(groups_updated, started)),
    }


def _victims(side: Side) -> dict[str, PodInfo]:
    """One pod of the failover role per group, a different ordinal from group to group."""
    out = {}
    for i, g in enumerate(side.groups):
        pods = sorted((p for p in side.pods.of(g) if p.role == FAILOVER_ROLE), key=lambda p: p.name)
        if not pods:
            raise RuntimeError(f"{g} has no {FAILOVER_ROLE} pod: {side.dump(g)}")
        out[g] = pods[i % len(pods)]
    return out


async def failover(side: Side, limit_s: float) -> Figures:
    """One pod of each group deleted (concurrently); per group, from its delete call until a pod of the same
    role with a new UID is Ready."""
    victims = _victims(side)
    old = {g: {p.uid for p in side.pods.of(g)} for g in side.groups}

    def new_pods(g: str, ps: list[PodInfo]) -> list[PodInfo]:
        return [p for p in ps if p.role == FAILOVER_ROLE and p.uid not in old[g]]

    created = side.pods.track("replacements created", side.groups, lambda g, ps: bool(new_pods(g, ps)))
    replaced = side.pods.track(
        "replacements ready", side.groups, lambda g, ps: any(p.ready for p in new_pods(g, ps))
    )
    deleted_at: dict[str, float] = {}

    async def delete(g: str) -> None:
        deleted_at[g] = time.monotonic()
        await side.client.delete(r.POD, victims[g].name, side.namespace, uid=victims[g].uid)

    started = time.monotonic()
    try:
        await bounded(side.concurrency, delete, side.groups)
        submitted = time.monotonic() - started
        await wait_all([created, replaced], limit_s, f"{side.name} failover", side.dump)
    finally:
        side.untrack(created, replaced)
    return {
        "writes_submitted_s": round(submitted, 3),
        "all_replacements_ready_s": _since(replaced, started),
        **spread("replacement_created", [created.first[g] - deleted_at[g] for g in created.first]),
        **spread("replacement_ready", [replaced.first[g] - deleted_at[g] for g in replaced.first]),
    }


async def steady(side: Operated, log: AuditLog, seconds: float) -> Figures:
    """The groups idle (the runner waited until the operator settled): every request it makes in a window
    of ``seconds``."""
    since = utc_ago()
    await asyncio.sleep(seconds)  # the measurement window itself, not a wait for a state
    seen = Requests.of(log, side.audit_user, since, utc_ago())
    return {
        "window_s": seconds,
        "writes_per_min": round(seen.writes * 60 / seconds, 2),
        "reads_per_min": round(seen.reads * 60 / seconds, 2),
        "watch_requests": seen.watches,
        "writes_by": seen.writes_by,
    }
