"""A minimal synchronous REST client for the devcluster tool itself (not used by the operator)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .pki import PkiPaths


class ApiError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


@dataclass(frozen=True)
class Rest:
    server: str
    pki: PkiPaths

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_crt))
        ctx.load_cert_chain(str(self.pki.admin_crt), str(self.pki.admin_key))
        return ctx

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        content_type: str = "application/json",
        timeout: float = 10.0,
    ) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        req.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.context(), timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise ApiError(err.code, err.read().decode(errors="replace")[:8000]) from err
        if not raw:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw.decode(errors="replace")

    def get_text(self, path: str, timeout: float = 3.0) -> str:
        req = urllib.request.Request(self.server + path)
        with urllib.request.urlopen(req, context=self.context(), timeout=timeout) as resp:
            return str(resp.read().decode())

    def apply(self, path: str, body: dict[str, Any], manager: str = "rbg-devcluster") -> Any:
        """Server-side apply ``body`` at ``path`` (the object's own URL)."""
        return self.request(
            "PATCH",
            f"{path}?fieldManager={manager}&force=true",
            body,
            content_type="application/apply-patch+yaml",
        )
