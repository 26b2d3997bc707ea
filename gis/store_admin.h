/* store_admin.h — keeping a database healthy: online backup and checks.
 *
 * store_backup copies a live database (readers and a writer may be busy: it
 * uses SQLite's online backup API, which restarts when the source changes
 * under it) into a new file that is itself a complete diming database.
 * store_check looks for the damage an operator must know about: SQLite
 * integrity, the schema version, spatial indexes that disagree with their
 * tables, and rows whose import batch is gone. */
#ifndef DIMING_STORE_ADMIN_H
#define DIMING_STORE_ADMIN_H

#include "gis/error.h"
#include "gis/store.h"

/* Writes a copy of the database to `out_path`, which must not exist. The copy
 * is written to out_path + ".partial" and renamed when complete, so a failed
 * backup never leaves a truncated file under the final name. */
int store_backup(store_t *s, const char *out_path, dm_error *err);

typedef struct store_check_item {
    char name[48];    /* "integrity", "schema_version", "spatial_index:divisions.geom", "orphans:markers" */
    int ok;
    char detail[256];
} store_check_item_t;

#define STORE_CHECK_MAX 24

typedef struct store_check_report {
    store_check_item_t items[STORE_CHECK_MAX];
    int n;
    int ok; /* all items ok */
} store_check_report_t;

/* Runs every check (read-only). Returns 0 when the checks could be run
 * (their outcome is in *rep), <0 when the database could not be examined. */
int store_check(store_t *s, store_check_report_t *rep, dm_error *err);

#endif
