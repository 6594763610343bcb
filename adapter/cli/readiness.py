"""``redbag readiness``: a hospital's Discharge Ready Date and the resident's needs, matched against what the
care home can manage -> the checklist (printed) and its FHIR Tasks; with the discharge, the delay."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adapter.cli.common import FAILED, OK, add_format_option, report, write_resource
from adapter.errors import RedbagError
from adapter.fhir.ids import stable_id, urn
from adapter.pathway.readiness import OUTCOMES, Readiness, readiness
from adapter.pathway.readiness_tasks import parties_of, readiness_tasks
from adapter.redbag import check_summary
from adapter.redbag.contract import assess_discharge, read_json_file
from adapter.redbag.discharge_delay import delay_words, discharge_delay
from adapter.redbag.readiness_contract import assess_readiness, check_capabilities

Json = dict[str, Any]
EPILOG = """\
example:
  redbag readiness examples/return-journey.readiness.json \\
      --summary examples/return-journey.summary.json --out out/
  redbag readiness examples/return-journey.readiness.json --summary examples/return-journey.summary.json \\
      --capabilities examples/care-home-capabilities.json --discharge examples/return-journey.discharge.json

Prints the checklist: each need met by the care home, needing action by the care home or by the hospital,
or not possible at this care home, with who acts and by when (a need is never shown as met unless the home
has stated it can meet it). What the home can manage comes from --capabilities (what it published), else
from its red bag (the summary). --out writes <bagNumber>.readiness.json, a collection Bundle of the
checklist's Tasks. --discharge also says whether the discharge came on the ready date, or how many days
after it.
exit status: 0 ok, 1 invalid input, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "readiness",
        help="discharge readiness: the ready date and needs -> a checklist against what the home can manage",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("readiness", type=Path, metavar="READINESS", help="discharge readiness JSON file")
    p.add_argument("--summary", type=Path, required=True, help="the resident summary that went out")
    p.add_argument("--capabilities", type=Path, help="what the care home published it can manage (JSON)")
    p.add_argument("--discharge", type=Path, help="the discharge (return journey), for the delay")
    p.add_argument("--out", type=Path, help="folder for <bagNumber>.readiness.json (the checklist's Tasks)")
    add_format_option(p)
    p.set_defaults(func=run)


def _read(args: argparse.Namespace) -> tuple[Json, Readiness, Json | None]:
    summary = check_summary(read_json_file(args.summary), source=str(args.summary))
    wanted = assess_readiness(read_json_file(args.readiness), summary, source=str(args.readiness)).data
    if args.capabilities:
        block: Json | None = check_capabilities(
            read_json_file(args.capabilities), source=str(args.capabilities)
        )
        source = "published"
    else:
        block = summary["careHome"].get("capabilities")
        source = "red bag" if block is not None else "not stated"
    found = readiness(
        ready_date=wanted["dischargeReadyDate"],
        recorded_at=wanted.get("recordedAt") or summary["createdAt"],
        source="file",
        needs=wanted["needs"],
        planned_return=wanted.get("plannedReturnAt"),
        capabilities_block=block,
        capabilities_from=source,
    )
    discharge = None
    if args.discharge:
        discharge = assess_discharge(read_json_file(args.discharge), summary, source=str(args.discharge)).data
    return summary, found, discharge


def checklist_bundle(summary: Json, found: Readiness) -> Json:
    """The checklist's Tasks as a collection Bundle (deterministic: the same input, the same bytes)."""
    tasks = readiness_tasks(parties_of(summary), found.items, found.recorded_at)
    key = parties_of(summary).encounter_id
    return {
        "resourceType": "Bundle",
        "id": stable_id("Bundle", key, "readiness", found.ready_date),
        "type": "collection",
        "timestamp": found.recorded_at,
        "entry": [{"fullUrl": urn(t["id"]), "resource": t} for t in tasks],
    }


def run(args: argparse.Namespace) -> int:
    try:
        summary, found, discharge = _read(args)
        written = (
            write_resource(
                args.out, f"{summary['bagNumber']}.readiness", checklist_bundle(summary, found), args.format
            )
            if args.out
            else None
        )
    except (RedbagError, OSError) as exc:
        report(str(args.readiness), exc)
        return FAILED
    home = summary["careHome"]["name"]
    print(
        f"{summary['bagNumber']}: ready for discharge on {found.ready_date} "
        f"(what {home} can manage: {found.capabilities_from})"
    )
    for item in found.items:
        print(f"  {OUTCOMES[item.outcome][0]:<32} by {item.due} ({item.owner.value:<8}) {item.says}")
    if found.not_possible:
        print(f"{found.not_possible} need(s) not possible at {home}: the hospital must find another way.")
    if discharge is not None:
        delay = discharge_delay(
            discharge.get("dischargeReadyDate") or found.ready_date, discharge["dischargedAt"]
        )
        print(f"discharged on {delay.discharge_date}: {delay_words(delay)} ({delay.timing.value})")
    if written is not None:
        print(written)
    return OK
