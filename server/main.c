/* main.c — `diming`: one executable, one subcommand per job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/store.h"
#include "server/cli.h"

#ifndef DIMING_VERSION
#define DIMING_VERSION "0.1.0"
#endif

const char *cli_default_db(void)
{
    const char *e = getenv("DIMING_DB");
    return e && *e ? e : "diming.sqlite";
}

static void usage(FILE *out)
{
    fprintf(out,
            "diming — place names, administrative boundaries and elderly-care coverage\n"
            "\n"
            "usage: diming <command> [options]\n"
            "\n"
            "commands:\n"
            "  import <layer> FILE   load a Shapefile, GeoJSON, GeoPackage, CSV or OSM file into the database\n"
            "                        (layers: divisions markers names facilities residential roads signs)\n"
            "  boundaries <sub>      boundary lines, marker audit, joint inspections (derive, status, audit, …)\n"
            "  divisions qa          topology QA of divisions: gaps, overlaps, children outside parent, codes\n"
            "  serve                 answer HTTP requests (GeoJSON) on 127.0.0.1:8080\n"
            "  backup --out FILE     copy the database while it is in use\n"
            "  check                 check the database (integrity, schema, spatial indexes)\n"
            "  tiles export          write vector tiles to an MBTiles file\n"
            "  coverage              which residential areas are within a 15-minute walk of a facility\n"
            "  names <sub> …         standard pinyin, name lookup and the check of a proposed name\n"
            "  names export|candidates|enterprises   the directory (地名录), naming candidates, audit per enterprise\n"
            "  signs audit           place-name signs against the register and the roads\n"
            "  users <sub> …         register accounts: add, list, disable, token\n"
            "  audit export          the register's audit trail as CSV or JSON\n"
            "  version               print the version and schema version\n"
            "\n"
            "Run 'diming <command> --help' for the options of a command.\n"
            "The database is --db PATH, else $DIMING_DB, else ./diming.sqlite.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(cmd, "boundaries") == 0)
        return cmd_boundaries(argc - 1, argv + 1);
    if (strcmp(cmd, "divisions") == 0)
        return cmd_divisions(argc - 1, argv + 1);
    if (strcmp(cmd, "names") == 0 && argc > 2 &&
        (strcmp(argv[2], "export") == 0 || strcmp(argv[2], "candidates") == 0 || strcmp(argv[2], "enterprises") == 0))
        return cmd_directory(argc - 1, argv + 1);
    if (strcmp(cmd, "names") == 0)
        return cmd_names(argc - 1, argv + 1);
    if (strcmp(cmd, "signs") == 0)
        return cmd_signs(argc - 1, argv + 1);
    if (strcmp(cmd, "users") == 0)
        return cmd_users(argc - 1, argv + 1);
    if (strcmp(cmd, "audit") == 0)
        return cmd_audit_trail(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "tiles") == 0)
        return cmd_tiles(argc - 1, argv + 1);
    if (strcmp(cmd, "coverage") == 0)
        return cmd_coverage(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("diming %s (schema version %d)\n", DIMING_VERSION, STORE_SCHEMA_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "diming: unknown command '%s' (try 'diming --help')\n", cmd);
    return 2;
}
