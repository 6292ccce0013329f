"""drctl sandbox AWS emulator: moto in server mode plus the drctl simulation (see README.md).

Usage: .drctl/tools/venv/bin/python sandbox/moto/server.py --host 127.0.0.1 --port P

Before serving, it patches moto (Backup jobs, RDS time and data plane) and wraps moto's WSGI app
with the sandbox's control routes under /drctl-sandbox/.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Any, Callable

sys.dont_write_bytecode = True  # no __pycache__ inside the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import backup_jobs  # noqa: E402
import common  # noqa: E402
import rds_time  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.rds.models import rds_backends  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def control(request: Request) -> Response:
    """The sandbox's own routes (not AWS APIs)."""
    path = request.path.rstrip("/")
    if path == "/drctl-sandbox/config":
        if request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            if "timeScale" in body:
                scale = float(body["timeScale"])
                if scale <= 0:
                    return _json(400, {"message": "timeScale must be > 0"})
                common.CONFIG["timeScale"] = scale
        return _json(200, {"timeScale": common.time_scale(), "baseDurations": common.BASE_DURATIONS,
                           "pitrLagSeconds": common.pitr_lag(), "replicaLagSeconds": common.replica_lag()})
    if path == "/drctl-sandbox/rds/automated-snapshot" and request.method == "POST":
        body = request.get_json(force=True, silent=True) or {}
        try:
            backend = rds_backends[str(body["accountId"])][body["region"]]
            snapshot = rds_time.take_automated_snapshot(backend, body["dbInstanceIdentifier"])
        except KeyError as exc:
            return _json(400, {"message": f"missing field {exc}"})
        except Exception as exc:  # noqa: BLE001 - moto errors (e.g. DBInstanceNotFound)
            return _json(400, {"message": str(exc)})
        return _json(200, {"dbSnapshotIdentifier": snapshot.db_snapshot_identifier,
                           "dbSnapshotArn": snapshot.db_snapshot_arn,
                           "snapshotCreateTime": snapshot.snapshot_create_time.isoformat()})
    return _json(404, {"message": f"no sandbox route {request.method} {request.path}"})


def with_control_routes(app: Callable[..., Any]) -> Callable[..., Any]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/drctl-sandbox/"):
            return control(Request(environ))(environ, start_response)
        return app(environ, start_response)

    return wsgi


def install() -> None:
    rds_time.install()
    backup_jobs.install()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto + drctl sandbox extension")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    install()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, with_control_routes(app), threaded=True, use_reloader=False,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
