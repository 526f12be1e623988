"""What /healthz reports about the API connection: which watches have been failing, since when, and why.

Every informer reports each list or watch round here (through its client): a success clears the resource,
a failure records when the failures began (kept across retries) and the latest error. A watch failing
for minutes (RBAC revoked, a conversion webhook gone, the API server unreachable) means the caches are
stale and the operator acts on old news; a restart by the kubelet is then the honest answer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class WatchHealth:
    failing: dict[str, tuple[float, str]] = field(default_factory=dict)

    def ok(self, key: str) -> None:
        self.failing.pop(key, None)

    def failed(self, key: str, error: str) -> None:
        since = self.failing.get(key, (time.monotonic(), ""))[0]
        self.failing[key] = (since, error)

    def stale(self, longer_than_s: float, now: float | None = None) -> list[str]:
        """The watches failing for longer than ``longer_than_s``, each with how long and its last error."""
        now = time.monotonic() if now is None else now
        return [
            f"watch of {key} failing for {now - since:.0f}s: {error}"
            for key, (since, error) in sorted(self.failing.items())
            if now - since > longer_than_s
        ]
