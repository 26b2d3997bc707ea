/* cmd_admin.c — `diming backup` and `diming check`: operating a database
 * (see gis/store_admin.h). Both work while a server is running on it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gis/store_admin.h"
#include "server/cli.h"

static void backup_usage(FILE *out)
{
    fprintf(out, "usage: diming backup --out FILE [--db PATH]\n"
                 "\n"
                 "Copies the database while it is in use (SQLite online backup) into FILE,\n"
                 "which must not exist. Restore by stopping the server and replacing the\n"
                 "database file (and removing its -wal and -shm files) with the backup.\n"
                 "\n"
                 "  --db PATH    database (default $DIMING_DB or ./diming.sqlite)\n"
                 "  --out FILE   the backup to write\n");
}

int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': out = optarg; break;
        case 'h': backup_usage(stdout); return 0;
        default: backup_usage(stderr); return 2;
        }
    }
    if (!out || optind != argc) {
        fprintf(stderr, "diming backup: expected --out FILE (try --help)\n");
        return 2;
    }
    if (!db)
        db = cli_default_db();
    store_t *s;
    dm_error err;
    if (store_open(db, STORE_READONLY, &s, &err) || store_backup(s, out, &err)) {
        fprintf(stderr, "diming backup: error: %s\n", err.message);
        store_close(s);
        return 1;
    }
    store_close(s);
    fprintf(stderr, "diming backup: %s copied to %s\n", db, out);
    return 0;
}

static void check_usage(FILE *out)
{
    fprintf(out, "usage: diming check [--db PATH] [--json]\n"
                 "\n"
                 "Checks a database: SQLite integrity, schema version, spatial indexes against\n"
                 "their tables, rows whose import batch is missing. Read-only; safe while\n"
                 "serving. Exit status 0 when every check passes, 1 otherwise.\n");
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'j': json = 1; break;
        case 'h': check_usage(stdout); return 0;
        default: check_usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "diming check: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!db)
        db = cli_default_db();
    store_t *s;
    dm_error err;
    store_check_report_t rep;
    if (store_open(db, STORE_READONLY, &s, &err) || store_check(s, &rep, &err)) {
        fprintf(stderr, "diming check: error: %s\n", err.message);
        store_close(s);
        return 1;
    }
    store_close(s);
    if (json) {
        printf("{\"ok\":%s,\"checks\":[", rep.ok ? "true" : "false");
        for (int i = 0; i < rep.n; i++)
            printf("%s{\"name\":\"%s\",\"ok\":%s}", i ? "," : "", rep.items[i].name, rep.items[i].ok ? "true" : "false");
        printf("]}\n");
    } else {
        for (int i = 0; i < rep.n; i++)
            printf("%-4s %-36s %s\n", rep.items[i].ok ? "ok" : "FAIL", rep.items[i].name, rep.items[i].detail);
        printf("%s: %s\n", db, rep.ok ? "all checks passed" : "PROBLEMS FOUND");
    }
    return rep.ok ? 0 : 1;
}
