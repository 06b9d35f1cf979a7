"""The PostgreSQL store's schema as the C sources have it (issue 21): the
steps of src/store/pg_migrate.c with the SQL of src/store/pg_schema_*.c,
read by csrc.py, and pg_migrate.c's procedure as a psql script.

    steps, stmts = pgstore.program()
    url = pgstore.migrated(p, "sb")    # p: a pg.Postgres(); a new database
                                       # at the latest version

Used by the pg_schema suite and scripts/pg_sql_check.py.
"""
import os

import csrc

STATEMENTS = ("store_pg_lock_sql", "store_pg_version_table_sql",
              "store_pg_version_get_sql", "store_pg_version_set_sql")


def program():
    """(steps, statements): the steps of pg_migrate.c as (version, name,
    [sql, ...]) and its four statements by name."""
    store = os.path.join(csrc.ROOT, "src", "store")
    files = ["src/store/pg_migrate.c"] + sorted(
        "src/store/" + f for f in os.listdir(store)
        if f.startswith("pg_schema_") and f.endswith(".c"))
    defs = csrc.definitions(files)
    steps = []
    for e in csrc.entries(defs["pg_stepv"]):
        version = int(e[0][1])
        name = [v for k, v in e if k == "str"][0]
        parts = [csrc.text(defs[v]) for k, v in e
                 if k == "id" and v.startswith("pg_schema")]
        steps.append((version, name, parts))
    return steps, {n: csrc.text(defs[n]) for n in STATEMENTS}


def migrate_script(steps, stmts):
    """The psql script of pg_migrate.c's procedure: one transaction, the
    lock, the version table, the version, the steps after it (each with
    its version set), commit."""
    get = stmts["store_pg_version_get_sql"]
    out = ["BEGIN;", stmts["store_pg_lock_sql"] + ";",
           stmts["store_pg_version_table_sql"] + ";",
           f"SELECT coalesce(max(version), 0) AS v FROM ({get}) g \\gset",
           f"PREPARE set_version AS {stmts['store_pg_version_set_sql']};"]
    for version, _name, parts in steps:
        out.append(f"SELECT :v < {version} AS todo \\gset")
        out.append("\\if :todo")
        out += [p + ";" for p in parts]
        out.append(f"EXECUTE set_version({version});")
        out.append("\\endif")
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def migrated(p, db):
    """A new database db of the pg.Postgres p with the store's schema; its
    URL."""
    url = p.createdb(db)
    p.psql(migrate_script(*program()), db=db)
    return url
