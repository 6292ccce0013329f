"""AWS Backup jobs and recovery points for RDS DB instances, added to moto's Backup service.

moto 5.2.5 has Backup vaults and plans but no jobs. This module adds, for ResourceType RDS:
StartBackupJob / DescribeBackupJob / ListBackupJobs, ListRecoveryPointsByBackupVault,
ListRecoveryPointsByResource, DescribeRecoveryPoint, GetRecoveryPointRestoreMetadata,
DeleteRecoveryPoint, StartCopyJob / DescribeCopyJob / ListCopyJobs, StartRestoreJob /
DescribeRestoreJob / ListRestoreJobs / GetRestoreJobMetadata / PutRestoreValidationResult.

A recovery point is a real `pg_dump` of the instance's database (taken when the job starts);
a copy refers to the same dump file; a restore creates the DB instance through moto's RDS
backend and loads the dump at completion. Jobs live in the backup backend of the account and
region that started them, recovery points in the vault's backend, so /moto-api/reset clears all.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from dateutil import parser as dateparser
from moto.backup import urls as backup_urls
from moto.backup.exceptions import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.core.exceptions import JsonRESTError
from moto.backup.models import BackupBackend, backup_backends
from moto.backup.responses import BackupResponse
from moto.rds.models import rds_backends

import common
import dataplane
import rds_time
from common import LOCK


class MissingParameterValueException(JsonRESTError):
    code = 400

    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class Jobs:
    """Per (account, region) Backup state kept on moto's BackupBackend object."""

    def __init__(self) -> None:
        self.backup_jobs: dict[str, dict[str, Any]] = {}
        self.copy_jobs: dict[str, dict[str, Any]] = {}
        self.restore_jobs: dict[str, dict[str, Any]] = {}
        # vault name -> recovery point ARN -> recovery point
        self.recovery_points: dict[str, dict[str, dict[str, Any]]] = {}
        self.tokens: dict[tuple[str, str], str] = {}  # (operation, IdempotencyToken) -> job id


def jobs(backend: BackupBackend) -> Jobs:
    return common.backend_state(backend, "backup_jobs", Jobs)


def dump_referenced_by_recovery_points(path: str) -> bool:
    for account in list(backup_backends.values()):
        for backend in list(account.values()):
            state = backend.__dict__.get("_drctl_backup_jobs")
            if state is None:
                continue
            for points in state.recovery_points.values():
                if any(rp.get("_dump") == path for rp in points.values()):
                    return True
    return False


def _epoch(value: Any) -> Any:
    return common.aware(value).timestamp() if isinstance(value, datetime) else value


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the wire shape: no private `_` keys, no Nones, datetimes as epoch seconds."""
    out = {}
    for key, value in record.items():
        if key.startswith("_") or value is None:
            continue
        out[key] = _epoch(value)
    return out


def _percent(job: dict[str, Any], done_states: tuple[str, ...]) -> str:
    state = job.get("State") or job.get("Status")
    if state in done_states:
        return "100.0"
    return f"{common.progress(job['CreationDate'], job['_seconds']) * 100:.1f}"


def _running_state(job: dict[str, Any], key: str, first: str) -> None:
    """Before completion a job reads `first` (CREATED/PENDING) for its first tenth, then RUNNING."""
    if job[key] in (first, "RUNNING"):
        job[key] = first if common.progress(job["CreationDate"], job["_seconds"]) < 0.1 else "RUNNING"


def _vault(backend: BackupBackend, name: str):
    vault = backend.vaults.get(name)
    if vault is None:
        raise ResourceNotFoundException(msg=f"Backup vault {name} not found in account {backend.account_id}"
                                        f" region {backend.region_name}")
    return vault


def _vault_from_arn(arn: str):
    try:
        parts = common.parse_arn(arn)
    except ValueError:
        raise InvalidParameterValueException(msg=f"Invalid backup vault ARN {arn}")
    kind, _, name = parts["resource"].partition(":")
    if parts["service"] != "backup" or kind != "backup-vault":
        raise InvalidParameterValueException(msg=f"Invalid backup vault ARN {arn}")
    backend = backup_backends[parts["account"]][parts["region"]]
    return backend, _vault(backend, name)


def _recovery_point(backend: BackupBackend, vault_name: str, arn: str) -> dict[str, Any]:
    _vault(backend, vault_name)
    rp = jobs(backend).recovery_points.get(vault_name, {}).get(arn)
    if rp is None:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in vault {vault_name}")
    return rp


def _find_recovery_point(backend: BackupBackend, arn: str) -> dict[str, Any]:
    for points in jobs(backend).recovery_points.values():
        if arn in points:
            return points[arn]
    raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")


def _rds_instance(resource_arn: str):
    try:
        parts = common.parse_arn(resource_arn)
    except ValueError:
        raise InvalidParameterValueException(msg=f"Invalid resource ARN {resource_arn}")
    kind, _, identifier = parts["resource"].partition(":")
    if parts["service"] != "rds" or kind != "db":
        raise InvalidParameterValueException(
            msg=f"drctl sandbox: only RDS DB instance ARNs are supported, got {resource_arn}")
    instance = rds_backends[parts["account"]][parts["region"]].databases.get(identifier)
    if instance is None:
        raise ResourceNotFoundException(msg=f"Resource {resource_arn} not found")
    return parts, instance


def _instance_template(instance: Any) -> dict[str, Any]:
    """What a restore needs to rebuild the instance (and what GetRecoveryPointRestoreMetadata shows)."""
    return {
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "DBInstanceClass": instance.db_instance_class,
        "AllocatedStorage": str(instance.allocated_storage),
        "MasterUsername": instance.master_username or "",
        "Port": str(instance.port),
        "DBSubnetGroupName": instance.__dict__.get("_db_subnet_group_name") or "",
        "MultiAZ": str(bool(instance.multi_az)).lower(),
        "StorageType": instance.storage_type,
        "DBInstanceIdentifier": instance.db_instance_identifier,
    }


def _lifecycle(lifecycle: dict[str, Any] | None, created: datetime) -> dict[str, Any] | None:
    if not lifecycle or not lifecycle.get("DeleteAfterDays"):
        return None
    return {"DeleteAt": _epoch(common.plus(created, float(lifecycle["DeleteAfterDays"]) * 86400))}


def _token(state: Jobs, op: str, token: str | None) -> str | None:
    return state.tokens.get((op, token)) if token else None


# ---------------------------------------------------------------------------------------------
# Handlers, installed as methods of moto's BackupResponse


def _ok(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return json.dumps(body), {"status": 200, "Content-Type": "application/json"}


def _body(self: BackupResponse) -> dict[str, Any]:
    return json.loads(self.body) if self.body else {}


def _q(self: BackupResponse, name: str) -> str | None:
    values = self.querystring.get(name)
    return values[0] if values else None


def _q_time(self: BackupResponse, name: str) -> datetime | None:
    value = _q(self, name)
    if value is None:
        return None
    try:
        return common.aware(datetime.fromtimestamp(float(value), tz=common.now().tzinfo))
    except ValueError:
        return common.aware(dateparser.parse(value))


def _segments(self: BackupResponse) -> list[str]:
    return [unquote(p) for p in self.path.split("?")[0].split("/") if p]


def _paginate(self: BackupResponse, items: list[dict[str, Any]], key: str) -> str:
    start = int(_q(self, "nextToken") or 0)
    size = int(_q(self, "maxResults") or 1000)
    page = items[start:start + size]
    out: dict[str, Any] = {key: [public(i) for i in page]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return _ok(out)


def _filter_time(items: list[dict[str, Any]], field: str, after: datetime | None, before: datetime | None):
    if after:
        items = [i for i in items if i.get(field) and common.aware(i[field]) > after]
    if before:
        items = [i for i in items if i.get(field) and common.aware(i[field]) < before]
    return items


def start_backup_job(self: BackupResponse) -> str:
    params = _body(self)
    backend = self.backup_backend
    for required in ("BackupVaultName", "ResourceArn", "IamRoleArn"):
        if not params.get(required):
            raise MissingParameterValueException(f"{required} is required")
    with LOCK:
        state = jobs(backend)
        existing = _token(state, "backup", params.get("IdempotencyToken"))
        if existing:
            job = state.backup_jobs[existing]
            return _ok(public({"BackupJobId": job["BackupJobId"], "RecoveryPointArn": job["RecoveryPointArn"],
                                      "CreationDate": job["CreationDate"], "IsParent": False}))
        vault = _vault(backend, params["BackupVaultName"])
        parts, instance = _rds_instance(params["ResourceArn"])
        if parts["account"] != backend.account_id or parts["region"] != backend.region_name:
            raise InvalidParameterValueException(msg="The resource must be in the account and region of the job")
    started, path = rds_time.take_snapshot_dump(instance)
    job_id = str(uuid.uuid4()).upper()
    rp_arn = f"arn:aws:rds:{backend.region_name}:{backend.account_id}:snapshot:awsbackup:job-{job_id.lower()}"
    seconds = common.duration("backup_job")
    lifecycle = params.get("Lifecycle")
    with LOCK:
        job = {
            "AccountId": backend.account_id, "BackupJobId": job_id, "BackupVaultName": vault.backup_vault_name,
            "BackupVaultArn": vault.backup_vault_arn, "RecoveryPointArn": rp_arn, "ResourceArn": params["ResourceArn"],
            "ResourceType": "RDS", "ResourceName": instance.db_instance_identifier, "CreationDate": started,
            "InitiationDate": started, "State": "CREATED", "IamRoleArn": params["IamRoleArn"],
            "ExpectedCompletionDate": common.plus(started, seconds), "BackupType": "SNAPSHOT",
            "RecoveryPointLifecycle": lifecycle, "BackupSizeInBytes": dataplane.dump_size(path),
            "IsEncrypted": bool(instance.storage_encrypted), "_seconds": seconds,
        }
        rp = {
            "RecoveryPointArn": rp_arn, "BackupVaultName": vault.backup_vault_name,
            "BackupVaultArn": vault.backup_vault_arn, "ResourceArn": params["ResourceArn"], "ResourceType": "RDS",
            "ResourceName": instance.db_instance_identifier, "IamRoleArn": params["IamRoleArn"],
            "Status": "CREATING", "CreationDate": started, "InitiationDate": started,
            "BackupSizeInBytes": dataplane.dump_size(path), "Lifecycle": lifecycle,
            "CalculatedLifecycle": _lifecycle(lifecycle, started), "EncryptionKeyArn": vault.encryption_key_arn,
            "IsEncrypted": bool(instance.storage_encrypted), "StorageClass": "WARM", "IsParent": False,
            "VaultType": "BACKUP_VAULT", "_dump": path, "_template": _instance_template(instance),
            "_job": job_id,
        }
        state.backup_jobs[job_id] = job
        state.recovery_points.setdefault(vault.backup_vault_name, {})[rp_arn] = rp
        vault.num_of_recovery_points += 1
        if params.get("IdempotencyToken"):
            state.tokens[("backup", params["IdempotencyToken"])] = job_id
        if params.get("RecoveryPointTags"):
            backend.tag_resource(rp_arn, params["RecoveryPointTags"])

    def done() -> None:
        with LOCK:
            job["State"], job["CompletionDate"] = "COMPLETED", common.now()
            rp["Status"], rp["CompletionDate"] = "COMPLETED", job["CompletionDate"]

    common.later(backend, seconds, done)
    return _ok(public({"BackupJobId": job_id, "RecoveryPointArn": rp_arn, "CreationDate": started,
                              "IsParent": False}))


def _backup_job_view(job: dict[str, Any]) -> dict[str, Any]:
    _running_state(job, "State", "CREATED")
    return public({**job, "PercentDone": _percent(job, ("COMPLETED", "FAILED", "ABORTED"))})


def describe_backup_job(self: BackupResponse) -> str:
    job_id = _segments(self)[-1]
    with LOCK:
        job = jobs(self.backup_backend).backup_jobs.get(job_id)
        if job is None:
            raise ResourceNotFoundException(msg=f"Backup job {job_id} not found")
        return _ok(_backup_job_view(job))


def list_backup_jobs(self: BackupResponse) -> str:
    with LOCK:
        items = [_backup_job_view(j) | {"CreationDate": j["CreationDate"], "CompletionDate": j.get("CompletionDate")}
                 for j in jobs(self.backup_backend).backup_jobs.values()]
    for field, qs in (("ResourceArn", "resourceArn"), ("State", "state"), ("BackupVaultName", "backupVaultName"),
                      ("ResourceType", "resourceType"), ("AccountId", "accountId")):
        if _q(self, qs):
            items = [i for i in items if i.get(field) == _q(self, qs)]
    items = _filter_time(items, "CreationDate", _q_time(self, "createdAfter"), _q_time(self, "createdBefore"))
    return _paginate(self, items, "BackupJobs")


def list_recovery_points_by_backup_vault(self: BackupResponse) -> str:
    name = _segments(self)[1]
    backend = self.backup_backend
    with LOCK:
        _vault(backend, name)
        items = list(jobs(backend).recovery_points.get(name, {}).values())
    if _q(self, "resourceArn"):
        items = [i for i in items if i["ResourceArn"] == _q(self, "resourceArn")]
    if _q(self, "resourceType"):
        items = [i for i in items if i["ResourceType"] == _q(self, "resourceType")]
    items = _filter_time(items, "CreationDate", _q_time(self, "createdAfter"), _q_time(self, "createdBefore"))
    items.sort(key=lambda i: i["CreationDate"], reverse=True)
    return _paginate(self, items, "RecoveryPoints")


def list_recovery_points_by_resource(self: BackupResponse) -> str:
    segs = _segments(self)
    resource_arn = unquote("/".join(segs[1:-1]))
    with LOCK:
        items = []
        for points in jobs(self.backup_backend).recovery_points.values():
            for rp in points.values():
                if rp["ResourceArn"] == resource_arn:
                    items.append({k: rp.get(k) for k in ("RecoveryPointArn", "CreationDate", "Status",
                                                          "EncryptionKeyArn", "BackupVaultName", "ResourceName",
                                                          "VaultType", "IsParent")}
                                 | {"BackupSizeBytes": rp.get("BackupSizeInBytes")})
    items.sort(key=lambda i: i["CreationDate"], reverse=True)
    return _paginate(self, items, "RecoveryPoints")


def describe_recovery_point(self: BackupResponse) -> str:
    segs = _segments(self)
    with LOCK:
        return _ok(public(_recovery_point(self.backup_backend, segs[1], segs[3])))


def get_recovery_point_restore_metadata(self: BackupResponse) -> str:
    segs = _segments(self)
    with LOCK:
        rp = _recovery_point(self.backup_backend, segs[1], segs[3])
        return _ok({"BackupVaultArn": rp["BackupVaultArn"], "RecoveryPointArn": rp["RecoveryPointArn"],
                           "ResourceType": "RDS", "RestoreMetadata": dict(rp["_template"])})


def delete_recovery_point(self: BackupResponse) -> str:
    segs = _segments(self)
    backend = self.backup_backend
    with LOCK:
        rp = _recovery_point(backend, segs[1], segs[3])
        if rp["Status"] == "CREATING":
            raise InvalidRequestException(msg="Recovery point is still being created")
        del jobs(backend).recovery_points[segs[1]][segs[3]]
        backend.vaults[segs[1]].num_of_recovery_points -= 1
        if not rds_time.dump_referenced(rp["_dump"]):
            dataplane.remove_dump(rp["_dump"])
    return "{}"


def start_copy_job(self: BackupResponse) -> str:
    params = _body(self)
    backend = self.backup_backend
    for required in ("RecoveryPointArn", "SourceBackupVaultName", "DestinationBackupVaultArn", "IamRoleArn"):
        if not params.get(required):
            raise MissingParameterValueException(f"{required} is required")
    with LOCK:
        state = jobs(backend)
        existing = _token(state, "copy", params.get("IdempotencyToken"))
        if existing:
            job = state.copy_jobs[existing]
            return _ok(public({"CopyJobId": existing, "CreationDate": job["CreationDate"], "IsParent": False}))
        source_vault = _vault(backend, params["SourceBackupVaultName"])
        source = _recovery_point(backend, params["SourceBackupVaultName"], params["RecoveryPointArn"])
        if source["Status"] != "COMPLETED":
            raise InvalidRequestException(msg="Source recovery point is not COMPLETED")
        dest_backend, dest_vault = _vault_from_arn(params["DestinationBackupVaultArn"])
        created = common.now()
        seconds = common.duration("copy_job")
        job_id = str(uuid.uuid4()).upper()
        dest_arn = (f"arn:aws:rds:{dest_backend.region_name}:{dest_backend.account_id}:snapshot:awsbackup:"
                    f"copyjob-{job_id.lower()}")
        lifecycle = params.get("Lifecycle")
        job = {
            "AccountId": backend.account_id, "CopyJobId": job_id, "SourceBackupVaultArn": source_vault.backup_vault_arn,
            "SourceRecoveryPointArn": source["RecoveryPointArn"], "DestinationBackupVaultArn": dest_vault.backup_vault_arn,
            "DestinationRecoveryPointArn": dest_arn, "ResourceArn": source["ResourceArn"], "ResourceType": "RDS",
            "ResourceName": source["ResourceName"], "CreationDate": created, "State": "CREATED",
            "BackupSizeInBytes": source["BackupSizeInBytes"], "IamRoleArn": params["IamRoleArn"],
            "DestinationRecoveryPointLifecycle": lifecycle, "IsParent": False, "_seconds": seconds,
        }
        dest = {
            **{k: v for k, v in source.items() if k not in ("CompletionDate",)},
            "RecoveryPointArn": dest_arn, "BackupVaultName": dest_vault.backup_vault_name,
            "BackupVaultArn": dest_vault.backup_vault_arn, "SourceBackupVaultArn": source_vault.backup_vault_arn,
            "Status": "CREATING", "InitiationDate": created, "Lifecycle": lifecycle,
            "CalculatedLifecycle": _lifecycle(lifecycle, created), "EncryptionKeyArn": dest_vault.encryption_key_arn,
            "_job": None, "_copy_job": job_id,
        }
        state.copy_jobs[job_id] = job
        jobs(dest_backend).recovery_points.setdefault(dest_vault.backup_vault_name, {})[dest_arn] = dest
        dest_vault.num_of_recovery_points += 1
        if params.get("IdempotencyToken"):
            state.tokens[("copy", params["IdempotencyToken"])] = job_id

    def done() -> None:
        with LOCK:
            job["State"], job["CompletionDate"] = "COMPLETED", common.now()
            dest["Status"], dest["CompletionDate"] = "COMPLETED", job["CompletionDate"]

    common.later(backend, seconds, done)
    return _ok(public({"CopyJobId": job_id, "CreationDate": created, "IsParent": False}))


def _copy_job_view(job: dict[str, Any]) -> dict[str, Any]:
    _running_state(job, "State", "CREATED")
    return public(job)


def describe_copy_job(self: BackupResponse) -> str:
    job_id = _segments(self)[-1]
    with LOCK:
        job = jobs(self.backup_backend).copy_jobs.get(job_id)
        if job is None:
            raise ResourceNotFoundException(msg=f"Copy job {job_id} not found")
        return _ok({"CopyJob": _copy_job_view(job)})


def list_copy_jobs(self: BackupResponse) -> str:
    with LOCK:
        raw = list(jobs(self.backup_backend).copy_jobs.values())
        for j in raw:
            _running_state(j, "State", "CREATED")
    for field, qs in (("ResourceArn", "resourceArn"), ("State", "state"), ("ResourceType", "resourceType"),
                      ("DestinationBackupVaultArn", "destinationVaultArn"), ("AccountId", "accountId"),
                      ("SourceRecoveryPointArn", "sourceRecoveryPointArn")):
        if _q(self, qs):
            raw = [i for i in raw if i.get(field) == _q(self, qs)]
    raw = _filter_time(raw, "CreationDate", _q_time(self, "createdAfter"), _q_time(self, "createdBefore"))
    return _paginate(self, raw, "CopyJobs")


def _metadata_list(value: str | None) -> list[str] | None:
    """VpcSecurityGroupIds in restore metadata: a JSON list or a comma-separated string."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("["):
        return [str(v) for v in json.loads(value)]
    return [v.strip() for v in value.split(",") if v.strip()]


def start_restore_job(self: BackupResponse) -> str:
    params = _body(self)
    backend = self.backup_backend
    for required in ("RecoveryPointArn", "Metadata"):
        if not params.get(required):
            raise MissingParameterValueException(f"{required} is required")
    metadata: dict[str, str] = dict(params["Metadata"])
    with LOCK:
        state = jobs(backend)
        existing = _token(state, "restore", params.get("IdempotencyToken"))
        if existing:
            return _ok({"RestoreJobId": existing})
        rp = _find_recovery_point(backend, params["RecoveryPointArn"])
        if rp["Status"] != "COMPLETED":
            raise InvalidRequestException(msg=f"Recovery point {rp['RecoveryPointArn']} is not COMPLETED")
        identifier = metadata.get("DBInstanceIdentifier")
        if not identifier:
            raise InvalidParameterValueException(msg="Metadata DBInstanceIdentifier is required for RDS restores")
        template = rp["_template"]
        rds = rds_backends[backend.account_id][backend.region_name]
        db_kwargs: dict[str, Any] = {
            "db_instance_identifier": identifier,
            "db_instance_class": metadata.get("DBInstanceClass") or template["DBInstanceClass"],
            "engine": metadata.get("Engine") or template["Engine"],
            "engine_version": metadata.get("EngineVersion") or template["EngineVersion"],
            "allocated_storage": int(template["AllocatedStorage"]),
            "master_username": template["MasterUsername"] or None,
            "db_subnet_group_name": metadata.get("DBSubnetGroupName") or None,
            "vpc_security_group_ids": _metadata_list(metadata.get("VpcSecurityGroupIds")),
            "multi_az": (metadata.get("MultiAZ") or "false").lower() == "true",
            "availability_zone": metadata.get("AvailabilityZone") or None,
            "publicly_accessible": (metadata.get("PubliclyAccessible") or "false").lower() == "true",
            "storage_encrypted": rp.get("IsEncrypted", False),
            "kms_key_id": metadata.get("KmsKeyId") or None,
            "port": int(metadata["Port"]) if metadata.get("Port") else None,
            "tags": [{"Key": "aws:backup:source-resource", "Value": rp["ResourceArn"]}],
            "copy_tags_to_snapshot": (metadata.get("CopyTagsToSnapshot") or "false").lower() == "true",
            "backup_retention_period": 1,
        }
        with rds_time._Restoring():
            instance = rds.create_db_instance({k: v for k, v in db_kwargs.items() if v is not None})
        created = common.now()
        seconds = common.duration("restore_job")
        job_id = str(uuid.uuid4()).upper()
        job = {
            "AccountId": backend.account_id, "RestoreJobId": job_id, "RecoveryPointArn": rp["RecoveryPointArn"],
            "SourceResourceArn": rp["ResourceArn"], "BackupVaultArn": rp["BackupVaultArn"], "CreationDate": created,
            "Status": "PENDING", "BackupSizeInBytes": rp["BackupSizeInBytes"], "IamRoleArn": params.get("IamRoleArn"),
            "ExpectedCompletionTimeMinutes": max(1, round(seconds / 60)), "CreatedResourceArn": instance.db_instance_arn,
            "ResourceType": "RDS", "RecoveryPointCreationDate": rp["CreationDate"], "IsParent": False,
            "_seconds": seconds, "_metadata": metadata,
        }
        state.restore_jobs[job_id] = job
        if params.get("IdempotencyToken"):
            state.tokens[("restore", params["IdempotencyToken"])] = job_id

        def on_done(error: str | None) -> None:
            job["CompletionDate"] = common.now()
            job["Status"] = "COMPLETED" if error is None else "FAILED"
            if error:
                job["StatusMessage"] = error
            rp["LastRestoreTime"] = job["CompletionDate"]

        rds_time._finish_restore(instance, seconds, rp["_dump"], on_done=on_done)
    return _ok({"RestoreJobId": job_id})


def _restore_job_view(job: dict[str, Any]) -> dict[str, Any]:
    _running_state(job, "Status", "PENDING")
    return public({**job, "PercentDone": _percent(job, ("COMPLETED", "FAILED", "ABORTED"))})


def _restore_job(self: BackupResponse) -> dict[str, Any]:
    job_id = _segments(self)[1]
    job = jobs(self.backup_backend).restore_jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Restore job {job_id} not found")
    return job


def describe_restore_job(self: BackupResponse) -> str:
    with LOCK:
        return _ok(_restore_job_view(_restore_job(self)))


def list_restore_jobs(self: BackupResponse) -> str:
    with LOCK:
        items = [_restore_job_view(j) | {"CreationDate": j["CreationDate"], "CompletionDate": j.get("CompletionDate")}
                 for j in jobs(self.backup_backend).restore_jobs.values()]
    for field, qs in (("Status", "status"), ("AccountId", "accountId"), ("ResourceType", "resourceType")):
        if _q(self, qs):
            items = [i for i in items if i.get(field) == _q(self, qs)]
    items = _filter_time(items, "CreationDate", _q_time(self, "createdAfter"), _q_time(self, "createdBefore"))
    items = _filter_time(items, "CompletionDate", _q_time(self, "completeAfter"), _q_time(self, "completeBefore"))
    return _paginate(self, items, "RestoreJobs")


def get_restore_job_metadata(self: BackupResponse) -> str:
    with LOCK:
        job = _restore_job(self)
        return _ok({"RestoreJobId": job["RestoreJobId"], "Metadata": dict(job["_metadata"])})


def put_restore_validation_result(self: BackupResponse) -> Any:
    params = _body(self)
    status = params.get("ValidationStatus")
    if status not in ("FAILED", "SUCCESSFUL", "TIMED_OUT", "VALIDATING"):
        raise InvalidParameterValueException(msg=f"Invalid ValidationStatus {status}")
    with LOCK:
        job = _restore_job(self)
        if job["Status"] != "COMPLETED":
            raise InvalidRequestException(msg="Validation results can only be put on a COMPLETED restore job")
        job["ValidationStatus"] = status
        job["ValidationStatusMessage"] = params.get("ValidationStatusMessage")
    return "", {"status": 204}


HANDLERS = [
    start_backup_job, describe_backup_job, list_backup_jobs, list_recovery_points_by_backup_vault,
    list_recovery_points_by_resource, describe_recovery_point, get_recovery_point_restore_metadata,
    delete_recovery_point, start_copy_job, describe_copy_job, list_copy_jobs, start_restore_job,
    describe_restore_job, list_restore_jobs, get_restore_job_metadata, put_restore_validation_result,
]

URL_PATHS = [
    # Both spellings of list routes: the JS SDK sends no trailing slash, botocore sends one.
    "{0}/backup-jobs$",
    "{0}/backup-jobs/$",
    "{0}/backup-jobs/(?P<backupJobId>[^/]+)$",
    "{0}/copy-jobs$",
    "{0}/copy-jobs/$",
    "{0}/copy-jobs/(?P<copyJobId>[^/]+)$",
    "{0}/restore-jobs$",
    "{0}/restore-jobs/$",
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)$",
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)/metadata$",
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)/validations$",
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points$",
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$",
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>[^/]+)$",
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>[^/]+)/restore-metadata$",
    "{0}/resources/(?P<resourceArn>[^/]+)/recovery-points$",
    "{0}/resources/(?P<resourceArn>[^/]+)/recovery-points/$",
]


def install() -> None:
    for handler in HANDLERS:
        setattr(BackupResponse, handler.__name__, handler)
    for path in URL_PATHS:
        backup_urls.url_paths[path] = BackupResponse.dispatch
