"""Shared pieces of the drctl moto extension: configuration, simulated time, state on moto backends.

Everything the extension remembers lives in attributes of moto's own backend objects (one per
account and region), so `POST /moto-api/reset` (which wipes each backend's __dict__) clears it.
Timers check a per-backend "generation" token before acting, so a timer armed before a reset
does nothing after it.
"""
from __future__ import annotations

import os
import threading
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

# One lock for every mutation the extension makes (moto's server is multi-threaded).
LOCK = threading.RLock()

# Base durations in seconds at time scale 1.
BASE_DURATIONS = {
    "backup_job": 3.0,
    "copy_job": 3.0,
    "restore_job": 5.0,
    "rds_restore_snapshot": 5.0,
    "rds_restore_pitr": 5.0,
    "read_replica_create": 4.0,
    "replica_promote": 3.0,
    "snapshot_create": 2.0,
    "snapshot_copy": 3.0,
}


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


# Run-time configuration (not AWS state: survives /moto-api/reset).
CONFIG: dict[str, float] = {"timeScale": _env_float("DRCTL_TIME_SCALE", 1.0)}


def time_scale() -> float:
    return CONFIG["timeScale"]


def duration(kind: str) -> float:
    """Simulated duration of an operation, in seconds, at the current time scale."""
    return BASE_DURATIONS[kind] * time_scale()


def pitr_lag() -> float:
    return _env_float("DRCTL_PITR_LAG_SECONDS", 2.0) * time_scale()


def replica_lag() -> float:
    return _env_float("DRCTL_REPLICA_LAG_SECONDS", 1.0) * time_scale()


def now() -> datetime:
    """Aware UTC now. moto itself uses aware UTC datetimes for RDS models."""
    return datetime.now(timezone.utc)


def naive(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def plus(dt: datetime, seconds: float) -> datetime:
    return dt + timedelta(seconds=seconds)


def _generation(backend: Any) -> object:
    gen = backend.__dict__.get("_drctl_generation")
    if gen is None:
        gen = object()
        backend.__dict__["_drctl_generation"] = gen
    return gen


def backend_state(backend: Any, name: str, factory: Callable[[], Any]) -> Any:
    """Get (or create) a named piece of extension state stored on a moto backend object."""
    with LOCK:
        _generation(backend)
        key = f"_drctl_{name}"
        if key not in backend.__dict__:
            backend.__dict__[key] = factory()
        return backend.__dict__[key]


def still_current(backend: Any, gen: object) -> bool:
    return backend.__dict__.get("_drctl_generation") is gen


def generation(backend: Any) -> object:
    with LOCK:
        return _generation(backend)


def later(backend: Any, seconds: float, fn: Callable[[], None]) -> threading.Timer:
    """Run fn after `seconds`, unless the backend was reset in the meantime."""
    gen = _generation(backend)

    def run() -> None:
        if not still_current(backend, gen):
            return  # moto was reset: the resource this timer was for no longer exists
        try:
            fn()  # takes LOCK itself around model updates; slow PostgreSQL work runs outside it
        except Exception:  # noqa: BLE001 - a failing timer must not kill the server
            traceback.print_exc()

    timer = threading.Timer(max(seconds, 0.0), run)
    timer.daemon = True
    timer.start()
    return timer


def progress(start: datetime, seconds: float) -> float:
    """Fraction (0..1) of a simulated operation that started at `start` and lasts `seconds`."""
    if seconds <= 0:
        return 1.0
    elapsed = (now() - aware(start)).total_seconds()
    return max(0.0, min(1.0, elapsed / seconds))


def parse_arn(arn: str) -> dict[str, str]:
    """arn:partition:service:region:account:resource -> parts (resource keeps its colons)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn}")
    return {"partition": parts[1], "service": parts[2], "region": parts[3], "account": parts[4], "resource": parts[5]}
