"""The pathway measures as SQL over the facts tables (:mod:`adapter.store.stay_facts`), the same statements
on SQLite and PostgreSQL.

A *stay* is a journey (the hospital's events) with the red bag it took, or a red bag sent with no journey
(no admission event reached redbag). Each stay belongs to the period of the day it started (departure, else
admission; a stay with neither, by the day it ended). The work is done where the rows are: one statement
joins, classifies and sums every stay per care home, per hospital and overall; a readmission is found with a
window function over each resident's stays; Python only receives a few sums per group. Why SQL and not
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
           coalesce(t.departed_day, j.admitted_day) AS started_day,
           coalesce(j.discharged_at, t.returned_at) AS ended_at,
           coalesce(j.discharged_day, t.returned_day) AS ended_day,
           coalesce(j.ready_day, t.ready_day) AS ready_day,
           coalesce(t.departed_day, j.admitted_day, j.discharged_day, t.returned_day) AS dated_day,
           j.visit AS visit, j.visit_due_at AS visit_due_at, j.visited_at AS visited_at,
           t.transfer_id AS transfer_id,
           coalesce(t.returned, 0) AS returned,
           t.medicines_started AS started, t.medicines_stopped AS stopped,
           t.medicines_dose_changed AS dose_changed
    FROM journey_facts j LEFT JOIN transfer_facts t ON t.transfer_id = j.transfer_id
    WHERE j.cancelled = 0
    UNION ALL
    SELECT t.transfer_id, t.resident, t.care_home, t.hospital, 1, t.departed_at, t.departed_day,
           t.returned_at, t.returned_day, t.ready_day, coalesce(t.departed_day, t.returned_day),
           NULL, NULL, NULL, t.transfer_id, t.returned,
           t.medicines_started, t.medicines_stopped, t.medicines_dose_changed
    FROM transfer_facts t
    WHERE NOT EXISTS (SELECT 1 FROM journey_facts j WHERE j.transfer_id = t.transfer_id AND j.cancelled = 0)
)"""

#: Each stay classified for every measure; the next stay of the same resident found over all stays
#: (before the scope is applied: a readmission may fall after the period).
_CLASSIFIED = f"""
classified AS (
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
           CASE WHEN s.resident IS NULL OR s.started_at IS NULL THEN NULL
                ELSE LEAD(s.started_at) OVER (PARTITION BY s.resident, s.started_at IS NULL
                                              ORDER BY s.started_at, s.id) END AS next_start
    FROM stays s
)"""

_SUMS = """
    count(*) AS stays,
    coalesce(sum(red_bag), 0) AS with_red_bag,
    coalesce(sum(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END), 0) AS in_hospital,
    coalesce(sum(CASE WHEN los IS NOT NULL AND red_bag = 1 THEN 1 ELSE 0 END), 0) AS los_n_with,
    sum(CASE WHEN red_bag = 1 THEN los END) AS los_sum_with,
    coalesce(sum(CASE WHEN los IS NOT NULL AND red_bag = 0 THEN 1 ELSE 0 END), 0) AS los_n_without,
    sum(CASE WHEN red_bag = 0 THEN los END) AS los_sum_without,
    coalesce(sum(CASE WHEN ended_at IS NOT NULL AND los IS NULL THEN 1 ELSE 0 END), 0) AS los_uncounted,
    coalesce(sum(CASE WHEN delay IS NOT NULL THEN 1 ELSE 0 END), 0) AS ready_n,
    sum(delay) AS ready_delay_sum,
    coalesce(sum(CASE WHEN delay = 0 THEN 1 ELSE 0 END), 0) AS ready_on_day,
    coalesce(sum(CASE WHEN ready_day IS NOT NULL AND ended_day IS NULL THEN 1 ELSE 0 END), 0)
        AS ready_waiting,
    coalesce(sum(visit_due), 0) AS visits_due,
    coalesce(sum(on_time), 0) AS visits_on_time,
    coalesce(sum(late), 0) AS visits_late,
    coalesce(sum(returned), 0) AS returns,
    coalesce(sum(CASE WHEN returned = 1
                      AND coalesce(started, 0) + coalesce(stopped, 0) + coalesce(dose_changed, 0) > 0
                      THEN 1 ELSE 0 END), 0) AS returns_with_change,
    coalesce(sum(started), 0) AS medicines_started,
    coalesce(sum(stopped), 0) AS medicines_stopped,
    coalesce(sum(dose_changed), 0) AS medicines_dose_changed,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 1 THEN 1 ELSE 0 END), 0) AS followed_with,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 0 THEN 1 ELSE 0 END), 0) AS followed_without,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 1 AND {readmitted} THEN 1 ELSE 0 END), 0)
        AS readmitted_with,
    coalesce(sum(CASE WHEN followed = 1 AND red_bag = 0 AND {readmitted} THEN 1 ELSE 0 END), 0)
        AS readmitted_without"""
_READMITTED = f"next_start > ended_at AND next_start <= ended_at + {READMISSION_DAYS * _DAY}"

#: The three ways of grouping: (dimension, the group's expression).
DIMENSIONS = (
    ("overall", "'all'"),
    ("care-home", "coalesce(care_home, '')"),
    ("hospital", "coalesce(hospital, '')"),
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which stays count: started on ``from_day``..``to_day`` (local days since 1970-01-01, inclusive), of a
    care home, at a hospital (ODS codes); ``as_of`` (epoch seconds) decides what is due or complete."""

    as_of: float
    from_day: int | None = None
    to_day: int | None = None
    care_home: str | None = None
    hospital: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The WHERE clause over ``classified`` and its parameters (only the filters given)."""
        clauses: list[str] = []
        params: list[object] = []
        for sql, value in (
            ("dated_day >= ?", self.from_day),
            ("dated_day <= ?", self.to_day),
            ("care_home = ?", self.care_home),
            ("hospital = ?", self.hospital),
        ):
            if value is not None:
                clauses.append(sql)
                params.append(value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _statement(select: str, scope: Scope, classified: bool = True) -> tuple[str, list[object]]:
    where, params = scope.where()
    ctes = f"WITH {STAYS},{_CLASSIFIED}" if classified else f"WITH {STAYS}"
    source = "classified" if classified else "stays"
    sql = f"{ctes}, scoped AS (SELECT * FROM {source}{where}) {select}"
    # ':as_of' appears several times: replace by positional marks, in order of appearance.
    pieces = sql.split(":as_of")
    ordered: list[object] = []
    # The CTEs (with :as_of) come before the WHERE clause's marks, so the order is: as_of..., filters.
    ordered.extend([scope.as_of] * (len(pieces) - 1))
    ordered.extend(params)
    return "?".join(pieces), ordered


def group_sums(db: Database, scope: Scope) -> list[Row]:
    """Per group (overall, each care home, each hospital): every count and sum the measures need."""
    sums = _SUMS.format(readmitted=_READMITTED)
    selects = [
        f"SELECT '{dimension}' AS dimension, {group} AS grp, {sums} FROM scoped"
        + ("" if dimension == "overall" else f" GROUP BY {group}")
        for dimension, group in DIMENSIONS
    ]
    sql, params = _statement(" UNION ALL ".join(selects), scope)
    with db.transaction() as tx:
        return tx.execute(sql, params)


def belonging_sums(db: Database, scope: Scope) -> list[Row]:
    """Per group and kind of belonging: items that went out on a red bag that came back, and how many of
    them were missing or retained."""
    selects = [
        f"SELECT '{dimension}' AS dimension, {group} AS grp, b.kind AS kind, count(*) AS items, "
        "coalesce(sum(CASE WHEN b.status = 'missing' THEN 1 ELSE 0 END), 0) AS missing, "
        "coalesce(sum(CASE WHEN b.status = 'retained' THEN 1 ELSE 0 END), 0) AS retained "
        "FROM scoped JOIN belonging_facts b ON b.transfer_id = scoped.transfer_id "
        f"WHERE scoped.returned = 1 GROUP BY {'' if dimension == 'overall' else group + ', '}b.kind"
        for dimension, group in DIMENSIONS
    ]
    sql, params = _statement(" UNION ALL ".join(selects), scope, classified=False)
    with db.transaction() as tx:
        return tx.execute(sql, params)


def stay_days(db: Database, scope: Scope) -> list[Row]:
    """Stays per start day and red bag (a time series), and completed stays per whole day of length (a
    distribution), overall."""
    floor = {"sqlite": "CAST(los AS INTEGER)", "postgresql": "CAST(floor(los) AS INTEGER)"}[db.dialect]
    sql, params = _statement(
        "SELECT 'started' AS series, dated_day AS day, red_bag, count(*) AS n FROM scoped "
        "GROUP BY dated_day, red_bag "
        f"UNION ALL SELECT 'length', {floor}, red_bag, count(*) FROM scoped WHERE los IS NOT NULL "
        f"GROUP BY {floor}, red_bag",
        scope,
    )
    with db.transaction() as tx:
        return tx.execute(sql, params)


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
