"""Role start-up order: dependency levels (a role's level is one more than its deepest dependency)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DependencyError:
    """A role whose dependencies cannot be ordered; ``path`` names the offending field."""

    path: str
    message: str


def levels(deps: Mapping[str, Sequence[str]], order: Sequence[str] | None = None) -> list[list[str]]:
    """Group roles into levels; level 0 has no dependencies. Raises ValueError on unknown roles or cycles
    (admission rejects both, so this only fires on objects that bypassed the webhook)."""
    errors = check(deps, order)
    if errors:
        raise ValueError("; ".join(e.message for e in errors))
    level: dict[str, int] = {}

    def depth(role: str) -> int:
        if role not in level:
            level[role] = 1 + max((depth(d) for d in deps[role]), default=-1)
        return level[role]

    for role in deps:
        depth(role)
    out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for role, n in level.items():
        out[n].append(role)
    return [sorted(roles) for roles in out]


def check(deps: Mapping[str, Sequence[str]], order: Sequence[str] | None = None) -> list[DependencyError]:
    """Unknown dependencies, self-dependencies and cycles, with the field path of each."""
    names = list(order) if order is not None else list(deps)
    index = {name: i for i, name in enumerate(names)}
    errors = []
    for role in names:
        for j, dep in enumerate(deps.get(role, ())):
            path = f"spec.roles[{index[role]}].dependencies[{j}]"
            if dep == role:
                errors.append(DependencyError(path, f"role {role!r} depends on itself"))
            elif dep not in deps:
                errors.append(DependencyError(path, f"role {role!r} depends on {dep!r}, which is not a role"))
    if errors:
        return errors
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(role: str, stack: list[str]) -> list[str] | None:
        state[role] = 1
        for dep in deps[role]:
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep] if dep in stack else [role, dep]
            if state.get(dep) is None:
                cycle = visit(dep, [*stack, dep])
                if cycle:
                    return cycle
        state[role] = 2
        return None

    for role in names:
        if state.get(role) is None:
            cycle = visit(role, [role])
            if cycle:
                return [
                    DependencyError(
                        f"spec.roles[{index[cycle[0]]}].dependencies",
                        "dependency cycle: " + " -> ".join(cycle),
                    )
                ]
    return []
