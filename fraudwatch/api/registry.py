"""Admin endpoints of the model registry: list versions, start a retrain (a job: 202 + job id),
follow it, promote a version, roll back. Their request and answer models live here with them."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import request
from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.services import model_admin
from fraudwatch.services import retrain as retraining
from fraudwatch.services.contract import Answer, Body, column_max
from fraudwatch.storage.models import PendingJob
from fraudwatch.web.auth import current

ADMINS = ("admin",)
JOB_ROUTE = f"/models/retrain/<int(min=1, max={column_max(PendingJob.__table__.c.id)}):job_id>"
VERSION_ROUTE = "/models/<string(minlength=1, maxlength=64):version>/promote"


class VersionOut(Answer):
    """A registered model version: status, metrics summary, the comparison that decided it."""

    version: str
    status: Literal["candidate", "active", "retired", "rejected"]
    path: str
    created_by: str | None
    created_at: str | None
    promoted_at: str | None
    summary: str | None
    decisions: dict[str, Any] | None
    comparison: dict[str, Any] | None
    note: str | None


class VersionList(Answer):
    """Versions, newest first."""

    versions: list[VersionOut]


class RetrainJob(Answer):
    """A retrain job: its id and state (queued, running, retrying after an error, done, failed)."""

    job_id: int
    state: Literal["queued", "running", "retrying", "done", "failed"]
    attempts: Annotated[int, Field(ge=0)]
    error: str | None


class PromoteIn(Body):
    """Promote options: `force` promotes a version its comparison rejected."""

    force: bool = False


class PromotedOut(VersionOut):
    """The version now active."""


@bp.get("/models")
@operation("List model versions (admins)", roles=ADMINS, tags=("models",),
           responses={200: ok(VersionList, "versions, newest first")})
def list_models():
    """Every registered version with its metrics and comparison."""
    return {"versions": model_admin.list_versions()}


@bp.post("/models/retrain")
@operation("Start a retrain from officers' decisions (admins)", roles=ADMINS, tags=("models",),
           responses={202: ok(RetrainJob, "queued (or the retrain already open)", headers={"Location": {
               "required": True, "description": "where to follow the job", "schema": {"type": "string"}}})},
           description="One retrain at a time: while one is open, its id is answered. The candidate is "
                       "promoted only when it is not worse than the active model (see `GET /models`).")
def start_retrain():
    """Queue the retrain job and answer 202 with its id."""
    job_id, _created = retraining.start_retrain(current().name)
    return retraining.job_state(job_id), 202, {"Location": f"/api/v1/models/retrain/{job_id}"}


@bp.get(JOB_ROUTE)
@operation("A retrain job's state (admins)", roles=ADMINS, tags=("models",),
           responses={200: ok(RetrainJob, "the job")})
def retrain_state(job_id: int):
    """Queued, running, done or failed (with the last error)."""
    return retraining.job_state(job_id)


@bp.post(VERSION_ROUTE)
@operation("Promote a model version (admins)", body=PromoteIn, roles=ADMINS, errors=(409,), tags=("models",),
           responses={200: ok(PromotedOut, "the version now active")},
           description="409 when it is active already, was rejected (without `force`) or its folder "
                       "cannot be loaded; nothing changes then.")
def promote(version: str, body: PromoteIn):
    """Make `version` the active model; running processes switch within the poll interval."""
    return model_admin.promote(version, current().name, force=body.force, address=request.remote_addr)


@bp.post("/models/rollback")
@operation("Roll back to the previously active model version (admins)", roles=ADMINS, errors=(409,),
           tags=("models",), responses={200: ok(PromotedOut, "the version active again")},
           description="409 when no version is active or there is no earlier one; nothing changes then.")
def rollback():
    """Re-activate the version that was active before the active one."""
    return model_admin.rollback(current().name, address=request.remote_addr)
