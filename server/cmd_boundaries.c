/* cmd_boundaries.c — `diming boundaries …`: derive the boundary lines from
 * the divisions, set a line's 勘定 status, audit the markers, replace a
 * marker, record a joint inspection round (联检). Each subcommand parses its
 * options, calls one gis/boundary.h or store function and prints the result. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundary.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/store_boundary.h"
#include "server/cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming boundaries <subcommand> [options]\n"
            "\n"
            "subcommands:\n"
            "  derive [--level L] [--date D] [--tolerance-m M] [--min-length-m M]\n"
            "        derive the boundary lines (shared edges of neighbouring divisions) of one level or of\n"
            "        every level from the outlines valid on D; an edge of A within M metres of B (default\n"
            "        50) counts as shared, because independently simplified outlines leave slivers.\n"
            "        Run it after every divisions import. Existing lines keep their status.\n"
            "  status CODE_A CODE_B STATUS [--agreement REF]\n"
            "        set the 勘定 status of the line between two divisions: agreed, not_agreed, unknown\n"
            "  audit [--line LLLL] [--tolerance-m M] [--as-of D] [--json]\n"
            "        check the markers (界桩): GB/T 17796-2009 numbers, distance to their line, duplicates,\n"
            "        sequence gaps, incomplete pairs/triples, status, inspections older than 5 years,\n"
            "        markers the line's last joint inspection round did not cover\n"
            "  replace-marker NUMBER --lon X --lat Y --date D [--material M]\n"
            "        a new marker replaces the current one; the old record is kept with valid_to = D\n"
            "  inspect --line LLLL --round N --date D [--parties TEXT] [--marker NUMBER[:FINDING]]...\n"
            "        record a joint inspection round of a line with its finding per marker\n"
            "\n"
            "common options: --db PATH (default $DIMING_DB or ./diming.sqlite), --help\n"
            "Exit status: 0 done, 1 failed, 2 usage error.\n");
}

static int fail(const dm_error *e)
{
    fprintf(stderr, "diming boundaries: %s\n", e->message);
    return 1;
}

static int open_db(const char *db, int readonly, store_t **s)
{
    dm_error e;
    if (store_open(db ? db : cli_default_db(), readonly ? STORE_READONLY : STORE_NOCREATE, s, &e))
        return fail(&e);
    return 0;
}

static int cmd_derive(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"level", required_argument, 0, 'l'},
                                         {"date", required_argument, 0, 'D'},
                                         {"tolerance-m", required_argument, 0, 't'},
                                         {"min-length-m", required_argument, 0, 'm'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    char date[11] = "";
    boundary_derive_opts_t o = {0};
    dm_error e;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            if ((o.level = division_level_parse(optarg)) == LEVEL_NONE) {
                fprintf(stderr, "diming boundaries derive: --level must be province … village, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'D':
            if (date_parse(optarg, date, "date", &e)) {
                fprintf(stderr, "diming boundaries derive: %s\n", e.message);
                return 2;
            }
            o.date = date;
            break;
        case 't':
        case 'm': {
            double v = strtod(optarg, &end);
            if (*end || !(v > 0 && v <= 1000)) {
                fprintf(stderr, "diming boundaries derive: --%s must be a number of metres in (0, 1000]\n",
                        c == 't' ? "tolerance-m" : "min-length-m");
                return 2;
            }
            if (c == 't')
                o.tolerance_m = v;
            else
                o.min_length_m = v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    boundary_derive_report_t rep;
    int rc = boundary_derive(s, &o, &rep, &e);
    store_close(s);
    if (rc)
        return fail(&e);
    for (int lv = LEVEL_PROVINCE; lv <= LEVEL_VILLAGE; lv++)
        if (rep.divisions[lv])
            printf("%-10s %6ld divisions  %6ld lines  %10.1f km  (%ld removed)\n",
                   division_level_name((division_level_t)lv), rep.divisions[lv], rep.lines[lv],
                   rep.length_m[lv] / 1000, rep.removed[lv]);
    printf("derived in %.2f s\n", rep.seconds);
    return 0;
}

static int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"agreement", required_argument, 0, 'a'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *ref = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': ref = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (argc - optind != 3) {
        fprintf(stderr, "diming boundaries status: needs CODE_A CODE_B STATUS\n");
        return 2;
    }
    char a[13], b[13];
    dm_error e;
    if (divcode_parse(argv[optind], a, &e) || divcode_parse(argv[optind + 1], b, &e)) {
        fprintf(stderr, "diming boundaries status: %s\n", e.message);
        return 2;
    }
    const char *st = argv[optind + 2];
    if (strcmp(st, "agreed") && strcmp(st, "not_agreed") && strcmp(st, "unknown")) {
        fprintf(stderr, "diming boundaries status: STATUS must be agreed, not_agreed or unknown, got '%s'\n", st);
        return 2;
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    int rc = store_boundary_set_status(s, a, b, st, ref, &e);
    store_close(s);
    if (rc)
        return fail(&e);
    printf("line %s—%s: %s%s%s\n", a, b, st, ref ? ", " : "", ref ? ref : "");
    return 0;
}



int cmd_boundaries(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "derive") == 0)
        return cmd_derive(argc - 1, argv + 1);
    if (strcmp(sub, "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    fprintf(stderr, "diming boundaries: unknown subcommand '%s' (try --help)\n", sub);
    return 2;
}
