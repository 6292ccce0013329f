"""RDS in the sandbox: time, real data, cross-account snapshot copy, replicas.

Patches moto's RDS models (`moto.rds.models`) so that
- every DB instance is a real PostgreSQL database (see dataplane.py) and DescribeDBInstances
  answers Endpoint 127.0.0.1:$DRCTL_PG_PORT with DBName = that database;
- snapshots are real dumps, taken when the snapshot starts (SnapshotCreateTime = that moment);
- restores, copies, replica creation and promotion take simulated time (common.BASE_DURATIONS
  times the time scale), with the usual status values while they run;
- CopyDBSnapshot accepts the ARN of a snapshot another account shared with the caller;
- LatestRestorableTime trails now by DRCTL_PITR_LAG_SECONDS and point-in-time restores drop rows
  committed after the restore time.
Extension state lives in attributes of moto's model objects, so /moto-api/reset clears it.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from dateutil import parser as dateparser
from moto.cloudwatch.models import cloudwatch_backends
from moto.rds import models as rds_models
from moto.rds.exceptions import (
    DBInstanceNotFoundError,
    DBSnapshotAlreadyExistsError,
    DBSnapshotNotFoundFault,
    InvalidParameterCombination,
    RDSClientError,
    SnapshotQuotaExceededFault,
)
from moto.rds.models import DBInstance, DBSnapshot, RDSBackend, rds_backends

import common
import dataplane
from common import LOCK

_local = threading.local()  # .restoring: create_db_instance must not create an (empty) PG database


class _Restoring:
    def __enter__(self) -> None:
        _local.restoring = True

    def __exit__(self, *_: Any) -> None:
        _local.restoring = False


def _restoring() -> bool:
    return getattr(_local, "restoring", False)


# ---------------------------------------------------------------------------------------------
# Which PostgreSQL database an instance is


def _source_of(instance: DBInstance) -> tuple[str, str, str] | None:
    """(account, region, identifier) of a replica's source, or None."""
    src = instance.source_db_instance_identifier
    if not src:
        return None
    if src.startswith("arn:"):
        parts = common.parse_arn(src)
        return parts["account"], parts["region"], parts["resource"].split(":", 1)[1]
    return instance.account_id, instance.region, src


def pg_database_of(instance: DBInstance) -> str:
    """The PostgreSQL database a client reaches through this instance's Endpoint + DBName."""
    override = instance.__dict__.get("drctl_pg_override")  # set while a promotion runs
    if override:
        return override
    if instance.is_replica:
        src = _source_of(instance)
        if src:
            backend = rds_backends[src[0]][src[1]]
            primary = backend.databases.get(src[2])
            if primary is not None and primary is not instance:
                return pg_database_of(primary)
            return dataplane.pg_database_name(*src)
    return dataplane.pg_database_name(instance.account_id, instance.region, instance.db_instance_identifier)


def _own_pg_database(instance: DBInstance) -> str:
    return dataplane.pg_database_name(instance.account_id, instance.region, instance.db_instance_identifier)


def _endpoint(self: DBInstance) -> dict[str, Any]:
    return {"Address": "127.0.0.1", "Port": dataplane.pg_port()}


def _db_name_get(self: DBInstance) -> str:
    return pg_database_of(self)


def _db_name_set(self: DBInstance, value: str | None) -> None:
    self.__dict__["_drctl_requested_db_name"] = value  # what the caller asked for; the PG name wins


def _latest_restorable_time(self: DBInstance) -> datetime:
    return common.plus(common.now(), -common.pitr_lag())


# ---------------------------------------------------------------------------------------------
# Snapshots: a snapshot's data is the dump file in `snapshot.drctl_dump`


def _snapshot_progress_fields(snapshot: DBSnapshot, seconds: float) -> None:
    snapshot.status = "creating"
    snapshot.percent_progress = 0
    snapshot.__dict__["_drctl_started"] = common.now()
    snapshot.__dict__["_drctl_seconds"] = seconds

    def done() -> None:
        with LOCK:
            snapshot.status = "available"
            snapshot.percent_progress = 100

    common.later(snapshot.backend, seconds, done)


def _percent_progress_get(self: DBSnapshot) -> int:
    if self.__dict__.get("status") == "available" or "_drctl_started" not in self.__dict__:
        return 100
    return int(common.progress(self.__dict__["_drctl_started"], self.__dict__["_drctl_seconds"]) * 99)


def _percent_progress_set(self: DBSnapshot, value: int) -> None:
    pass  # computed from the simulated clock


def dump_referenced(path: str | None) -> bool:
    """Is a dump still used by any snapshot (any account/region) or any Backup recovery point?"""
    if not path:
        return False
    for account in list(rds_backends.values()):
        for backend in list(account.values()):
            for snap in list(backend.database_snapshots.values()):
                if snap.__dict__.get("drctl_dump") == path:
                    return True
    import backup_jobs  # late import: backup_jobs imports this module

    return backup_jobs.dump_referenced_by_recovery_points(path)


def take_snapshot_dump(instance: DBInstance) -> tuple[datetime, str | None]:
    """Dump the instance's current data now. Returns (consistent point, dump path or None if no DB yet)."""
    started = common.now()
    if instance.status == "creating" and not instance.is_replica:
        return started, None
    return started, dataplane.dump(pg_database_of(instance))


_orig = {}


def _wrap(name: str):
    def deco(fn):
        _orig[name] = getattr(RDSBackend, name)
        setattr(RDSBackend, name, fn)
        return fn

    return deco


@_wrap("create_db_snapshot")
def create_db_snapshot(self: RDSBackend, db_instance_identifier: str, db_snapshot_identifier: str,
                       snapshot_type: str = "manual", tags: Any = None, original_created_at: Any = None,
                       kms_key_id: Any = None) -> DBSnapshot:
    database = self.databases.get(db_instance_identifier)
    if not database:
        raise DBInstanceNotFoundError(db_instance_identifier)
    if db_snapshot_identifier in self.database_snapshots:
        raise DBSnapshotAlreadyExistsError(db_snapshot_identifier)
    started, path = take_snapshot_dump(database)
    with LOCK:
        snapshot = _orig["create_db_snapshot"](self, db_instance_identifier, db_snapshot_identifier, snapshot_type,
                                               tags, original_created_at, kms_key_id)
        snapshot.created = started
        if original_created_at is None:
            snapshot.original_snapshot_create_time = started
        snapshot.drctl_dump = path
        _snapshot_progress_fields(snapshot, common.duration("snapshot_create"))
    return snapshot


def take_automated_snapshot(backend: RDSBackend, db_instance_identifier: str) -> DBSnapshot:
    """Sandbox control: take one automated snapshot now (moto takes one only at instance creation).

    Named like AWS's `rds:<id>-YYYY-MM-DD-HH-MM`; a second one in the same minute gets seconds and
    milliseconds appended so that it stays unique.
    """
    stamp = common.now()
    name = f"rds:{db_instance_identifier}-{stamp.strftime('%Y-%m-%d-%H-%M')}"
    if name in backend.database_snapshots:
        name = f"{name}-{stamp.strftime('%S')}{stamp.microsecond // 1000:03d}"
    return backend.create_auto_snapshot(db_instance_identifier, name)


_orig_save_automated_backup = DBInstance.save_automated_backup


def _save_automated_backup(self: DBInstance) -> None:
    if not self.backup_retention_period:
        return  # BackupRetentionPeriod 0: no automated backups, as in AWS
    _orig_save_automated_backup(self)


@_wrap("delete_db_snapshot")
def delete_db_snapshot(self: RDSBackend, db_snapshot_identifier: str) -> DBSnapshot:
    with LOCK:
        snapshot = _orig["delete_db_snapshot"](self, db_snapshot_identifier)
        path = snapshot.__dict__.get("drctl_dump")
        if not dump_referenced(path):
            dataplane.remove_dump(path)
    return snapshot


def _find_shared_snapshot(caller: RDSBackend, arn: str) -> DBSnapshot:
    """The snapshot behind an ARN of another account, if it was shared with the caller (else AWS's error)."""
    parts = common.parse_arn(arn)
    kind, _, name = parts["resource"].partition(":")
    if kind != "snapshot":
        raise DBSnapshotNotFoundFault(arn)
    owner = rds_backends[parts["account"]][parts["region"]]
    snapshot = owner.database_snapshots.get(name)
    if snapshot is None:
        raise DBSnapshotNotFoundFault(arn)
    shared_with = snapshot.attributes.get("restore", [])
    if caller.account_id not in shared_with and "all" not in shared_with:
        raise DBSnapshotNotFoundFault(arn)
    return snapshot


@_wrap("copy_db_snapshot")
def copy_db_snapshot(self: RDSBackend, source_db_snapshot_identifier: str, target_db_snapshot_identifier: str,
                     kms_key_id: str | None = None, tags: Any = None, copy_tags: bool | None = False,
                     **kwargs: Any) -> DBSnapshot:
    src_id = source_db_snapshot_identifier
    with LOCK:
        if src_id.startswith("arn:") and common.parse_arn(src_id)["account"] != self.account_id:
            source = _find_shared_snapshot(self, src_id)
            if target_db_snapshot_identifier in self.database_snapshots:
                raise DBSnapshotAlreadyExistsError(target_db_snapshot_identifier)
            if len(self.database_snapshots) >= self.SNAPSHOT_QUOTA:
                raise SnapshotQuotaExceededFault()
            if kms_key_id is not None:
                kms_key_id = self._validate_kms_key(kms_key_id)
            if copy_tags and not tags:
                tags = source.tags or []
            target = DBSnapshot(self, source.database, target_db_snapshot_identifier, tags=tags,
                                kms_key_id=kms_key_id, original_created_at=source.original_snapshot_create_time)
            self.database_snapshots[target_db_snapshot_identifier] = target
        else:
            source = self.get_db_snapshot(src_id)
            target = _orig["copy_db_snapshot"](self, src_id, target_db_snapshot_identifier, kms_key_id=kms_key_id,
                                               tags=tags, copy_tags=copy_tags, **kwargs)
        target.drctl_dump = source.__dict__.get("drctl_dump")
        target.source_db_snapshot_identifier = source.arn
        _snapshot_progress_fields(target, common.duration("snapshot_copy"))
    return target


# ---------------------------------------------------------------------------------------------
# Instances


@_wrap("create_db_instance")
def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    identifier = db_kwargs["db_instance_identifier"]
    if _restoring() or identifier in self.databases:
        return _orig["create_db_instance"](self, db_kwargs)
    name = dataplane.pg_database_name(self.account_id, self.region_name, identifier)
    dataplane.drop_database(name)  # a stale database of a deleted namesake would leak its data
    dataplane.create_database(name)
    try:
        with LOCK:
            return _orig["create_db_instance"](self, db_kwargs)
    except Exception:
        dataplane.drop_database(name)
        raise


def _finish_restore(instance: DBInstance, seconds: float, path: str | None, cutoff: datetime | None = None,
                    remove_dump_after: bool = False, on_done: Any = None) -> None:
    """Arm the timer that, after `seconds`, loads `path` into the instance's own database."""
    instance.status = "creating"
    backend = instance.backend

    def done() -> None:
        error = None
        try:
            name = _own_pg_database(instance)
            dataplane.restore(path, name)
            if cutoff is not None:
                dataplane.trim_after(name, cutoff)
        except Exception as exc:  # noqa: BLE001
            error = str(exc)
        finally:
            if remove_dump_after:
                dataplane.remove_dump(path)
        with LOCK:
            if backend.databases.get(instance.db_instance_identifier) is instance:
                instance.status = "available" if error is None else "failed"
            if on_done:
                on_done(error)

    common.later(backend, seconds, done)


@_wrap("restore_db_instance_from_db_snapshot")
def restore_db_instance_from_db_snapshot(self: RDSBackend, from_snapshot_id: str, overrides: dict[str, Any]) -> DBInstance:
    snap_id = from_snapshot_id
    if snap_id.startswith("arn:"):
        snap_id = self.extract_snapshot_name_from_arn(snap_id)
    snapshot = self.describe_db_snapshots(db_instance_identifier=None, db_snapshot_identifier=snap_id)[0]
    if snapshot.status != "available":
        raise RDSClientError("InvalidDBSnapshotState", f"Snapshot {snap_id} is not in available state.")
    with LOCK, _Restoring():
        instance = _orig["restore_db_instance_from_db_snapshot"](self, from_snapshot_id, overrides)
        instance.source_db_instance_identifier = None  # a snapshot of a replica restores as a standalone instance
        _finish_restore(instance, common.duration("rds_restore_snapshot"), snapshot.__dict__.get("drctl_dump"))
    return instance


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return common.aware(value)
    return common.aware(dateparser.parse(str(value)))


@_wrap("restore_db_instance_to_point_in_time")
def restore_db_instance_to_point_in_time(self: RDSBackend, source_db_identifier: str, target_db_identifier: str,
                                         overrides: dict[str, Any]) -> DBInstance:
    restore_time = _as_datetime(overrides.get("restore_time"))
    use_latest = bool(overrides.get("use_latest_restorable_time"))
    if restore_time is not None and use_latest:
        raise InvalidParameterCombination("Cannot specify both RestoreTime and UseLatestRestorableTime")
    if not source_db_identifier:
        arn = overrides.get("source_db_instance_automated_backups_arn") or overrides.get("source_dbi_resource_id")
        raise RDSClientError("InvalidParameterValue",
                             f"drctl sandbox: give SourceDBInstanceIdentifier (not supported here: {arn})")
    source = self.describe_db_instances(db_instance_identifier=source_db_identifier)[0]
    latest = source.latest_restorable_time
    if restore_time is None:
        restore_time = latest  # UseLatestRestorableTime (or neither given, as AWS defaults)
    elif restore_time > latest:
        raise RDSClientError(
            "InvalidRestoreFault",
            f"Restore time {restore_time.isoformat()} is after the latest restorable time {latest.isoformat()}.")
    elif restore_time < common.aware(source.instance_create_time):
        raise RDSClientError("InvalidRestoreFault",
                             f"Restore time {restore_time.isoformat()} is before the earliest restorable time.")
    path = dataplane.dump(pg_database_of(source))
    with LOCK, _Restoring():
        try:
            instance = _orig["restore_db_instance_to_point_in_time"](self, source_db_identifier, target_db_identifier,
                                                                     overrides)
        except Exception:
            dataplane.remove_dump(path)
            raise
        instance.is_replica = False
        instance.source_db_instance_identifier = None
        instance.replicas = []
        instance.drctl_restore_time = restore_time
        _finish_restore(instance, common.duration("rds_restore_pitr"), path, cutoff=restore_time,
                        remove_dump_after=True)
    return instance


def put_replica_lag(instance: DBInstance, lag_seconds: float, at: datetime | None = None) -> None:
    """Publish AWS/RDS ReplicaLag for the instance into moto's CloudWatch (same account/region)."""
    cw = cloudwatch_backends[instance.account_id][instance.region]
    cw.put_metric_data("AWS/RDS", [{
        "MetricName": "ReplicaLag",
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": instance.db_instance_identifier}],
        "Value": float(lag_seconds),
        "Unit": "Seconds",
        "Timestamp": common.naive(at or common.now()).replace(tzinfo=None),
    }])


@_wrap("create_db_instance_read_replica")
def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    with LOCK:
        replica = _orig["create_db_instance_read_replica"](self, db_kwargs)
        replica.instance_create_time = common.now()
        replica.status = "creating"
        replica.__dict__.pop("drctl_pg_override", None)

        def done() -> None:
            with LOCK:
                if self.databases.get(replica.db_instance_identifier) is replica and replica.status == "creating":
                    replica.status = "available"
                    put_replica_lag(replica, common.replica_lag())

        common.later(self, common.duration("read_replica_create"), done)
    return replica


@_wrap("promote_read_replica")
def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    identifier = db_kwargs["db_instance_identifier"]
    replica = self.databases.get(identifier)
    if replica is None:
        raise DBInstanceNotFoundError(identifier)
    if not replica.is_replica:
        raise RDSClientError("InvalidDBInstanceState", f"DB Instance {identifier} is not a read replica.")
    if replica.status != "available":
        raise RDSClientError("InvalidDBInstanceState", f"DB Instance {identifier} is not in available state.")
    promoted_at = common.now()
    lag = common.replica_lag()
    source_db = pg_database_of(replica)
    path = dataplane.dump(source_db)
    with LOCK:
        put_replica_lag(replica, lag, promoted_at)
        src = _source_of(replica)
        _orig["promote_read_replica"](self, db_kwargs)
        replica.drctl_pg_override = source_db  # reads still reach the primary until promotion completes
        replica.drctl_promotion = {"PromotedAt": promoted_at, "ReplicaLagSeconds": lag}
        replica.status = "modifying"

        def on_done(error: str | None) -> None:
            replica.__dict__.pop("drctl_pg_override", None)
            replica.source_db_instance_identifier = None
            if src:
                primary = rds_backends[src[0]][src[1]].databases.get(src[2])
                if primary is not None:
                    for ref in (replica.db_instance_identifier, replica.db_instance_arn):
                        if ref in primary.replicas:
                            primary.replicas.remove(ref)

        _finish_restore(replica, common.duration("replica_promote"), path,
                        cutoff=common.plus(promoted_at, -lag), remove_dump_after=True, on_done=on_done)
        replica.status = "modifying"
    return replica


@_wrap("delete_db_instance")
def delete_db_instance(self: RDSBackend, db_instance_identifier: str, final_db_snapshot_identifier: str | None = None,
                       skip_final_snapshot: bool | None = False, delete_automated_backups: bool | None = True) -> DBInstance:
    with LOCK:
        existing = self.databases.get(db_instance_identifier)
        owns_database = existing is not None and not existing.is_replica
        if existing is not None and existing.is_replica:
            # moto's primary.remove_replica() only knows same-region identifiers
            src = _source_of(existing)
            primary = rds_backends[src[0]][src[1]].databases.get(src[2]) if src else None
            if primary is not None and existing.db_instance_identifier not in primary.replicas:
                if existing.db_instance_arn in primary.replicas:
                    primary.replicas.remove(existing.db_instance_arn)
                    primary.replicas.append(existing.db_instance_identifier)
        instance = _orig["delete_db_instance"](self, db_instance_identifier, final_db_snapshot_identifier,
                                              skip_final_snapshot, delete_automated_backups)
    if owns_database:
        dataplane.drop_database(_own_pg_database(instance))
    return instance


def install() -> None:
    DBInstance.endpoint = property(_endpoint)  # type: ignore[assignment]
    DBInstance.db_name = property(_db_name_get, _db_name_set)  # type: ignore[assignment]
    DBInstance.latest_restorable_time = property(_latest_restorable_time)  # type: ignore[assignment]
    DBInstance.save_automated_backup = _save_automated_backup  # type: ignore[method-assign]
    DBSnapshot.percent_progress = property(_percent_progress_get, _percent_progress_set)  # type: ignore[attr-defined]
    # Make sure rds_models is the module that holds the patched classes (for readers of this file).
    assert rds_models.RDSBackend is RDSBackend
