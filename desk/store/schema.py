"""Schema versions and forward migrations of the ``.db`` file.

``MIGRATIONS[n]`` takes a file from version n-1 to version n. Migrations run
in one transaction on an in-memory copy after the original file has been
backed up; the file on disk is replaced only when all of them succeeded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# "JXMB" (绩效目标) — marks the file as ours in the SQLite header.
APPLICATION_ID = 0x4A584D42


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    (``executescript`` would commit first, breaking the one-transaction rule.)
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in pending.splitlines()
    ):
        raise ValueError("incomplete SQL statement in migration script")


def _v1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE units (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );
        CREATE TABLE projects (
            uid TEXT PRIMARY KEY,
            unit_code TEXT NOT NULL REFERENCES units(code),
            year INTEGER NOT NULL,
            form TEXT NOT NULL,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            money_unit TEXT NOT NULL CHECK (money_unit IN ('元', '万元')),
            budget_total INTEGER,   -- fen (0.01 元), exact
            budget_fiscal INTEGER,
            budget_other INTEGER,
            usage TEXT NOT NULL,
            plan_scheme TEXT NOT NULL CHECK (plan_scheme IN ('month_end', 'quarter')),
            plan_points TEXT NOT NULL,  -- JSON list of decimal strings or null
            goals TEXT NOT NULL,        -- JSON list of strings
            position INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX projects_unit_year ON projects(unit_code, year);
        CREATE TABLE indicators (
            project_uid TEXT NOT NULL REFERENCES projects(uid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            level1 TEXT NOT NULL,
            level2 TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            comparator TEXT NOT NULL,
            value TEXT NOT NULL,
            unit TEXT NOT NULL,
            basis TEXT NOT NULL,
            PRIMARY KEY (project_uid, position)
        );
        CREATE TABLE departments (
            uid TEXT PRIMARY KEY,
            unit_code TEXT NOT NULL REFERENCES units(code),
            year INTEGER NOT NULL,
            form TEXT NOT NULL,
            name TEXT NOT NULL,
            money_unit TEXT NOT NULL CHECK (money_unit IN ('元', '万元')),
            goals TEXT NOT NULL,      -- JSON list of strings
            narrative TEXT NOT NULL,  -- JSON object
            position INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE department_tasks (
            department_uid TEXT NOT NULL REFERENCES departments(uid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            content TEXT NOT NULL,
            total INTEGER,
            fiscal INTEGER,
            other INTEGER,
            PRIMARY KEY (department_uid, position)
        );
        CREATE TABLE department_indicators (
            department_uid TEXT NOT NULL REFERENCES departments(uid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            level1 TEXT NOT NULL,
            level2 TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            comparator TEXT NOT NULL,
            value TEXT NOT NULL,
            unit TEXT NOT NULL,
            basis TEXT NOT NULL,
            PRIMARY KEY (department_uid, position)
        );
        -- Every committed revision of every table, as compressed JSON, so an
        -- earlier state can be listed and restored. action: save, import,
        -- restore, delete.
        CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('project', 'department')),
            uid TEXT NOT NULL,
            revision INTEGER NOT NULL,
            saved_at TEXT NOT NULL,
            action TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            snapshot BLOB NOT NULL
        );
        CREATE INDEX history_uid ON history(uid, revision);
        """
    )


def _v2(conn: sqlite3.Connection) -> None:
    """定稿: who finalised a project for signature, and when ('' when not finalised)."""
    run_script(
        conn,
        """
        ALTER TABLE projects ADD COLUMN finalized_at TEXT NOT NULL DEFAULT '';
        ALTER TABLE projects ADD COLUMN finalized_by TEXT NOT NULL DEFAULT '';
        """,
    )


def _v3(conn: sqlite3.Connection) -> None:
    """Supervisors: which received file brought what, unresolved conflicts, and 审核意见."""
    run_script(
        conn,
        """
        CREATE TABLE received_files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE TABLE received_items (
            uid TEXT NOT NULL,
            received_id INTEGER NOT NULL REFERENCES received_files(id),
            revision INTEGER NOT NULL,
            PRIMARY KEY (uid, received_id)
        );
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            uid TEXT NOT NULL,
            source TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            snapshot BLOB NOT NULL
        );
        -- 审核意见: a supervisor's status and comment per table; never part of the table's content.
        CREATE TABLE reviews (
            uid TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('草稿', '已提交', '退回修改', '审核通过')),
            comment TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            revision INTEGER NOT NULL
        );
        """,
    )


def _v4(conn: sqlite3.Connection) -> None:
    """Where each table and unit came from (the installation that created it), and a digest of each
    table's stored content, so a change made outside the program is noticed. The rows are filled by
    Store after the migration (the digest needs the domain objects)."""
    run_script(
        conn,
        """
        ALTER TABLE projects ADD COLUMN origin TEXT NOT NULL DEFAULT '';
        ALTER TABLE projects ADD COLUMN digest TEXT NOT NULL DEFAULT '';
        ALTER TABLE departments ADD COLUMN origin TEXT NOT NULL DEFAULT '';
        ALTER TABLE departments ADD COLUMN digest TEXT NOT NULL DEFAULT '';
        ALTER TABLE units ADD COLUMN origin TEXT NOT NULL DEFAULT '';
        """,
    )


def _v5(conn: sqlite3.Connection) -> None:
    """What was written stays what is printed: a 指标值's one-cell text beside its parsed parts; a table's
    number within its unit and year (the same on every print); header rows a regional form adds."""
    run_script(
        conn,
        """
        ALTER TABLE projects ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE projects ADD COLUMN extra TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE indicators ADD COLUMN text TEXT NOT NULL DEFAULT '';
        ALTER TABLE department_indicators ADD COLUMN text TEXT NOT NULL DEFAULT '';
        ALTER TABLE departments ADD COLUMN finalized_at TEXT NOT NULL DEFAULT '';
        ALTER TABLE departments ADD COLUMN finalized_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE projects ADD COLUMN carried_from TEXT NOT NULL DEFAULT '';
        ALTER TABLE departments ADD COLUMN carried_from TEXT NOT NULL DEFAULT '';
        """,
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
}


def current_version() -> int:
    return max(MIGRATIONS)
