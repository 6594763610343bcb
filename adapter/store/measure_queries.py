"""The pathway measures as SQL over the facts tables (:mod:`adapter.store.stay_facts`), the same statements
on SQLite and PostgreSQL.

A *stay* is a journey (the hospital's events) with the red bag it took, or a red bag sent with no journey
(no admission event reached redbag). Each stay belongs to the period of the day it started (departure, else
admission; a stay with neither, by the day it ended). The work is done where the rows are: one statement
joins, classifies and sums every stay per pair of care home and hospital (the sums all add up, so Python
rolls them up into care homes, hospitals and the whole from a few hundred rows); a readmission is found with
a window function over each resident's stays; belongings are counted by kind from the few that did not
come back. Why SQL and not
DuckDB over NDJSON: the facts are kept current as transfers and events arrive, in the database the service
already has, so the measures need no export step and are as fresh as the board.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapter.store.database import Database, Row

READMISSION_DAYS = 30
_DAY = 86400

#: Every stay once, with what each measure needs (columns from both sources, the journey's first).
STAYS = """
stays AS (
    SELECT j.journey_id AS id,
           j.resident AS resident,
           coalesce(t.care_home, j.care_home) AS care_home,
           coalesce(j.hospital, t.hospital) AS hospital,
           CASE WHEN t.transfer_id IS NULL THEN 0 ELSE 1 END AS red_bag,
           coalesce(t.departed_at, j.admitted_at) AS started_at,
           coalesce(j.discharged_at, t.returned_at) AS ended_at,
           coalesce(j.discharged_day, t.returned_day) AS ended_day,
           coalesce(j.ready_day, t.ready_day) AS ready_day,
           coalesce(t.departed_day, j.admitted_day, j.discharged_day, t.returned_day) AS dated_day,
           j.visit AS visit, j.visit_due_at AS visit_due_at, j.visited_at AS visited_at,
           t.transfer_id AS transfer_id,
           coalesce(t.returned, 0) AS returned,
           t.belongings_out AS items, t.belongings_missing AS missing, t.belongings_retained AS retained,
           t.medicines_started AS started, t.medicines_stopped AS stopped,
           t.medicines_dose_changed AS dose_changed
    FROM journey_facts j LEFT JOIN transfer_facts t ON t.transfer_id = j.transfer_id
    WHERE j.cancelled = 0
    UNION ALL
    SELECT t.transfer_id, t.resident, t.care_home, t.hospital, 1, t.departed_at,
           t.returned_at, t.returned_day, t.ready_day, coalesce(t.departed_day, t.returned_day),
           NULL, NULL, NULL, t.transfer_id, t.returned,
           t.belongings_out, t.belongings_missing, t.belongings_retained,
           t.medicines_started, t.medicines_stopped, t.medicines_dose_changed
    FROM transfer_facts t
    WHERE NOT EXISTS (SELECT 1 FROM journey_facts j WHERE j.transfer_id = t.transfer_id AND j.cancelled = 0)
)"""

#: Each stay classified for every measure, read from the stays copied into a temporary table (where an
#: index finds a resident's next stay: one probe per discharge, no sort of the whole table).
_CLASSIFIED = f"""
SELECT s.*,
       CASE WHEN s.started_at IS NOT NULL AND s.ended_at IS NOT NULL AND s.ended_at >= s.started_at
            THEN (s.ended_at - s.started_at) / {_DAY}.0 END AS los,
       CASE WHEN s.ready_day IS NOT NULL AND s.ended_day IS NOT NULL
            THEN CASE WHEN s.ended_day > s.ready_day THEN s.ended_day - s.ready_day ELSE 0 END
       END AS delay,
       CASE WHEN s.visit IN ('visited', 'overdue', 'missed')
                 OR (s.visit = 'due' AND s.visit_due_at <= :as_of) THEN 1 ELSE 0 END AS visit_due,
       CASE WHEN s.visit = 'visited' AND s.visited_at <= s.visit_due_at THEN 1 ELSE 0 END AS on_time,
       CASE WHEN s.visit = 'visited' AND s.visited_at > s.visit_due_at THEN 1 ELSE 0 END AS late,
       CASE WHEN s.resident IS NOT NULL AND s.ended_at IS NOT NULL
                 AND s.ended_at + {READMISSION_DAYS * _DAY} <= :as_of THEN 1 ELSE 0 END AS followed,
       CASE WHEN s.resident IS NOT NULL AND s.ended_at IS NOT NULL
                 AND s.ended_at + {READMISSION_DAYS * _DAY} <= :as_of
                 AND EXISTS (SELECT 1 FROM measured_stays n
                             WHERE n.resident = s.resident AND n.started_at > s.ended_at
                             AND n.started_at <= s.ended_at + {READMISSION_DAYS * _DAY})
            THEN 1 ELSE 0 END AS readmitted
FROM measured_stays s"""

#: Every count and sum the measures need; all add up, so groups of (care home, hospital) roll up into
#: care homes, hospitals and the whole in Python without another pass over the stays.
SUMS = """
    count(*) AS stays,
    coalesce(sum(red_bag), 0) AS with_red_bag,
    coalesce(sum(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END), 0) AS in_hospital,
    coalesce(sum(CASE WHEN los IS NOT NULL AND red_bag = 1 THEN 1 ELSE 0 END), 0) AS los_n_with,
    coalesce(sum(CASE WHEN red_bag = 1 THEN los END), 0) AS los_sum_with,
    coalesce(sum(CASE WHEN los IS NOT NULL AND red_bag = 0 THEN 1 ELSE 0 END), 0) AS los_n_without,
    coalesce(sum(CASE WHEN red_bag = 0 THEN los END), 0) AS los_sum_without,
    coalesce(sum(CASE WHEN ended_at IS NOT NULL AND los IS NULL THEN 1 ELSE 0 END), 0) AS los_uncounted,
    coalesce(sum(CASE WHEN delay IS NOT NULL THEN 1 ELSE 0 END), 0) AS ready_n,
    coalesce(sum(delay), 0) AS ready_delay_sum,
    coalesce(sum(CASE WHEN delay = 0 THEN 1 ELSE 0 END), 0) AS ready_on_day,
    coalesce(sum(CASE WHEN ready_day IS NOT NULL AND ended_day IS NULL THEN 1 ELSE 0 END), 0)
        AS ready_waiting,
    coalesce(sum(visit_due), 0) AS visits_due,
    coalesce(sum(on_time), 0) AS visits_on_time,
    coalesce(sum(late), 0) AS visits_late,
    coalesce(sum(returned), 0) AS returns,
    coalesce(sum(CASE WHEN returned = 1 THEN items END), 0) AS items,
    coalesce(sum(CASE WHEN returned = 1 THEN missing END), 0) AS missing,
    coalesce(sum(CASE WHEN returned = 1 THEN retained END), 0) AS retained,
    coalesce(sum(CASE WHEN returned = 1
                      AND coalesce(started, 0) + coalesce(stopped, 0) + coalesce(dose_changed, 0) > 0
                      THEN 1 ELSE 0 END), 0) AS returns_with_change,
    coalesce(sum(started), 0) AS medicines_started,
    coalesce(sum(stopped), 0) AS medicines_stopped,
    coalesce(sum(dose_changed), 0) AS medicines_dose_changed,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 1 THEN 1 ELSE 0 END), 0) AS followed_with,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 0 THEN 1 ELSE 0 END), 0) AS followed_without,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 1 THEN readmitted ELSE 0 END), 0)
        AS readmitted_with,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 0 THEN readmitted ELSE 0 END), 0)
        AS readmitted_without"""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which stays count: started on ``from_day``..``to_day`` (local days since 1970-01-01, inclusive), of a
    care home, at a hospital (ODS codes); ``as_of`` (epoch seconds) decides what is due or complete."""

    as_of: float
    from_day: int | None = None
    to_day: int | None = None
    care_home: str | None = None
    hospital: str | None = None

    def where(self, prefix: str = "") -> tuple[str, list[object]]:
        """The WHERE clause over the stays and its parameters (only the filters given)."""
        clauses: list[str] = []
        params: list[object] = []
        for sql, value in (
            ("dated_day >= ?", self.from_day),
            ("dated_day <= ?", self.to_day),
            ("care_home = ?", self.care_home),
            ("hospital = ?", self.hospital),
        ):
            if value is not None:
                clauses.append(prefix + sql)
                params.append(value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@dataclass(frozen=True, slots=True)
class Sums:
    """What the database counted: sums per (care home, hospital); belongings missing or retained per
    (care home, hospital, kind); stays per start day and per whole day of length (red bag or not)."""

    groups: list[Row]
    kinds: list[Row]
    days: list[Row]


_TEMPORARY = {
    "sqlite": "CREATE TEMP TABLE measured_stays AS WITH {stays} SELECT * FROM stays",
    "postgresql": "CREATE TEMP TABLE measured_stays ON COMMIT DROP AS WITH {stays} SELECT * FROM stays",
}
_FLOOR = {"sqlite": "CAST({x} AS INTEGER)", "postgresql": "CAST(floor({x}) AS INTEGER)"}


def measure_sums(db: Database, scope: Scope) -> Sums:
    """Every count and sum the measures need, in one transaction: the stays are built once (into a
    temporary table indexed by resident and start), then summed three ways."""
    where, params = scope.where()
    classified = _CLASSIFIED.replace(":as_of", "?")
    as_of = [scope.as_of] * _CLASSIFIED.count(":as_of")
    los = f"(ended_at - started_at) / {_DAY}.0"
    floor = _FLOOR[db.dialect].format(x=los)
    known = "started_at IS NOT NULL AND ended_at IS NOT NULL AND ended_at >= started_at"
    with db.transaction() as tx:
        tx.execute("DROP TABLE IF EXISTS measured_stays")
        tx.execute(_TEMPORARY[db.dialect].format(stays=STAYS))
        tx.execute("CREATE INDEX measured_stays_by_resident ON measured_stays (resident, started_at)")
        tx.execute("CREATE INDEX measured_stays_by_transfer ON measured_stays (transfer_id)")
        of_stay, _ = scope.where("s.")
        groups = tx.execute(
            f"SELECT care_home, hospital, {SUMS} FROM ({classified}{of_stay}) c GROUP BY care_home, hospital",
            [*as_of, *params],
        )
        joined = "s.returned = 1" + (" AND " + of_stay.removeprefix(" WHERE ") if of_stay else "")
        kinds = tx.execute(
            "SELECT s.care_home, s.hospital, b.kind, "
            "coalesce(sum(CASE WHEN b.status = 'missing' THEN 1 ELSE 0 END), 0) AS missing, "
            "coalesce(sum(CASE WHEN b.status = 'retained' THEN 1 ELSE 0 END), 0) AS retained "
            f"FROM belonging_facts b JOIN measured_stays s ON s.transfer_id = b.transfer_id WHERE {joined} "
            "GROUP BY s.care_home, s.hospital, b.kind",
            params,
        )
        days = tx.execute(
            "SELECT 'started' AS series, dated_day AS day, red_bag, count(*) AS n "
            f"FROM measured_stays{where} GROUP BY dated_day, red_bag "
            f"UNION ALL SELECT 'length', {floor}, red_bag, count(*) FROM measured_stays "
            f"{where + ' AND ' if where else 'WHERE '}{known} GROUP BY {floor}, red_bag",
            [*params, *params],
        )
        tx.execute("DROP TABLE IF EXISTS measured_stays")
    return Sums(groups, kinds, days)


def coverage(db: Database) -> Row:
    """What the facts hold at all: stays from admission events, visits, ready dates, return journeys."""
    with db.transaction() as tx:
        row = tx.execute(
            "SELECT (SELECT count(*) FROM journey_facts) AS journeys, "
            "(SELECT count(*) FROM journey_facts WHERE visit IS NOT NULL) AS visits, "
            "(SELECT count(*) FROM transfer_facts) AS red_bags, "
            "(SELECT count(*) FROM transfer_facts WHERE returned = 1) AS returns, "
            "(SELECT count(*) FROM journey_facts WHERE ready_day IS NOT NULL) "
            "+ (SELECT count(*) FROM transfer_facts WHERE ready_day IS NOT NULL) AS ready_dates"
        )
    return row[0]


def group_names(db: Database) -> list[Row]:
    """The names of the care homes and hospitals the red bags named (organisations, not people)."""
    with db.transaction() as tx:
        return tx.execute(
            "SELECT 'care-home' AS dimension, care_home AS code, max(care_home_name) AS name "
            "FROM transfer_facts WHERE care_home IS NOT NULL GROUP BY care_home "
            "UNION ALL SELECT 'hospital', hospital, max(hospital_name) FROM transfer_facts "
            "WHERE hospital IS NOT NULL GROUP BY hospital"
        )
