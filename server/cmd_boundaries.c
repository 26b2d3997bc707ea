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
#include "gis/geom.h"
#include "gis/store_boundary.h"
#include "importers/import_boundaries.h"
#include "server/cli.h"
#include "server/json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming boundaries <subcommand> [options]\n"
            "\n"
            "subcommands:\n"
            "  derive [--level L] [--date D] [--tolerance-m M] [--min-length-m M]\n"
            "        derive the boundary lines (shared edges of neighbouring divisions) of one level or of\n"
            "        every level; an edge of A within M metres of B (default 50) counts as shared, because\n"
            "        independently simplified outlines leave slivers. Lines are versions: each is in force\n"
            "        while both its division versions are (valid_from/valid_to), so checks as of a past\n"
            "        date use that date's lines. Without --date every edition is derived; with it, the\n"
            "        versions in force on D. Run it after every divisions import. Existing lines keep\n"
            "        their status; a line whose course changed starts a new version, status unknown.\n"
            "  status CODE_A CODE_B STATUS [--agreement REF]\n"
            "        set the 勘定 status of the line between two divisions: agreed, not_agreed, unknown\n"
            "  import FILE [--src-srs SRS]\n"
            "        official lines (GeoJSON, Shapefile …; its CRS, e.g. a CGCS2000 Gauss-Krüger .prj, or\n"
            "        --src-srs EPSG:4549 / GCJ02) with fields left_code, right_code and optionally name,\n"
            "        line_code, status, agreement_ref, valid_from, valid_to; they replace derived lines of\n"
            "        the same pair for their period. A feature without geometry only sets the status.\n"
            "        All or nothing.\n"
            "  import-rounds FILE\n"
            "        joint inspection rounds (联检) from CSV or GeoJSON, a row per marker: round, date,\n"
            "        marker, condition (intact, damaged, missing, moved, replaced) and optionally line,\n"
            "        parties, action. A round already recorded is refused. All or nothing.\n"
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

/* Official lines and inspection rounds are read by importers/import_boundaries.c
 * (GDAL and PROJ, like every layer); these commands only parse options and report. */
static int cmd_import_lines(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"src-srs", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *srs = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': srs = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "diming boundaries import: needs one FILE (GeoJSON, Shapefile …)\n");
        return 2;
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    dm_error e;
    bfile_report_t rep;
    int rc = import_boundary_lines(s, argv[optind], srs, &rep, &e);
    store_close(s);
    if (rc) {
        fprintf(stderr, "diming boundaries import: %s (nothing imported)\n", e.message);
        return 1;
    }
    printf("%ld official lines imported, %ld statuses set from %s (%s%s%s)\n", rep.lines, rep.statuses,
           argv[optind], rep.driver, rep.src_srs[0] ? ", read as " : "", rep.src_srs);
    return 0;
}

static int cmd_import_rounds(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "diming boundaries import-rounds: needs one FILE (CSV or GeoJSON)\n");
        return 2;
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    dm_error e;
    bfile_report_t rep;
    int rc = import_inspection_rounds(s, argv[optind], &rep, &e);
    store_close(s);
    if (rc) {
        fprintf(stderr, "diming boundaries import-rounds: %s (nothing imported)\n", e.message);
        return 1;
    }
    printf("%ld rounds with %ld marker findings imported from %s\n", rep.rounds, rep.findings, argv[optind]);
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"line", required_argument, 0, 'l'},
                                         {"tolerance-m", required_argument, 0, 't'},
                                         {"as-of", required_argument, 0, 'a'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    char as_of[11] = "";
    int as_json = 0, c;
    boundary_audit_opts_t o = {.tolerance_m = 50};
    dm_error e;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            if (strlen(optarg) != 4 || strspn(optarg, "0123456789") != 4) {
                fprintf(stderr, "diming boundaries audit: --line must be a 4-digit line code, got '%s'\n", optarg);
                return 2;
            }
            o.line_code = optarg;
            break;
        case 't':
            o.tolerance_m = strtod(optarg, &end);
            if (*end || !(o.tolerance_m > 0 && o.tolerance_m <= 10000)) {
                fprintf(stderr, "diming boundaries audit: --tolerance-m must be a number of metres in (0, 10000]\n");
                return 2;
            }
            break;
        case 'a':
            if (date_parse(optarg, as_of, "as-of", &e)) {
                fprintf(stderr, "diming boundaries audit: %s\n", e.message);
                return 2;
            }
            break;
        case 'j': as_json = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (!as_of[0])
        date_today(as_of);
    o.as_of = as_of;
    store_t *s;
    if (open_db(db, 1, &s))
        return 1;
    boundary_audit_result_t r;
    int rc = boundary_audit(s, &o, &r, &e);
    store_close(s);
    if (rc)
        return fail(&e);
    if (as_json) {
        json_t *doc = boundary_audit_json(&r, &o);
        json_dumpf(doc, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        for (size_t i = 0; i < r.n; i++)
            printf("%-4s  %-10s  %-26s  %-22s  %s\n", r.findings[i].line_code, r.findings[i].number,
                   audit_kind_name(r.findings[i].kind), audit_rule_id(r.findings[i].kind), r.findings[i].reason);
        printf("%zu findings on %ld markers of %ld lines (tolerance %g m, as of %s)\n", r.n, r.markers, r.lines,
               o.tolerance_m, as_of);
    }
    boundary_audit_result_clear(&r);
    return 0;
}

static int cmd_replace(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},  {"lon", required_argument, 0, 'x'},
                                         {"lat", required_argument, 0, 'y'}, {"date", required_argument, 0, 'D'},
                                         {"material", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *material = NULL;
    double lon = NAN, lat = NAN;
    char date[11] = "";
    dm_error e;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'x': lon = strtod(optarg, &end); if (*end || !(lon >= -180 && lon <= 180)) lon = NAN; break;
        case 'y': lat = strtod(optarg, &end); if (*end || !(lat >= -90 && lat <= 90)) lat = NAN; break;
        case 'D':
            if (date_parse(optarg, date, "date", &e)) {
                fprintf(stderr, "diming boundaries replace-marker: %s\n", e.message);
                return 2;
            }
            break;
        case 'm': material = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1 || isnan(lon) || isnan(lat) || !date[0]) {
        fprintf(stderr, "diming boundaries replace-marker: needs NUMBER, --lon, --lat (valid numbers) and --date\n");
        return 2;
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    int64_t id = 0;
    int rc = store_begin(s, &e);
    if (!rc && (rc = store_marker_replace(s, argv[optind], date, lon, lat, material, &id, &e)) == 0)
        rc = store_commit(s, &e);
    if (rc)
        store_rollback(s);
    store_close(s);
    if (rc)
        return fail(&e);
    printf("marker %s replaced on %s (new record %lld; the old one is kept with valid_to %s)\n", argv[optind], date,
           (long long)id, date);
    return 0;
}

static int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},      {"line", required_argument, 0, 'l'},
                                         {"round", required_argument, 0, 'r'},   {"date", required_argument, 0, 'D'},
                                         {"parties", required_argument, 0, 'p'}, {"marker", required_argument, 0, 'm'},
                                         {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *db = NULL, *line = NULL, *parties = NULL;
    const char *markers[1024];
    size_t nm = 0;
    long round_no = 0;
    char date[11] = "";
    dm_error e;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': line = optarg; break;
        case 'r': round_no = strtol(optarg, &end, 10); if (*end || round_no < 1) round_no = 0; break;
        case 'D':
            if (date_parse(optarg, date, "date", &e)) {
                fprintf(stderr, "diming boundaries inspect: %s\n", e.message);
                return 2;
            }
            break;
        case 'p': parties = optarg; break;
        case 'm':
            if (nm == sizeof markers / sizeof *markers) {
                fprintf(stderr, "diming boundaries inspect: at most 1024 --marker\n");
                return 2;
            }
            markers[nm++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (!line || strlen(line) != 4 || strspn(line, "0123456789") != 4 || !round_no || !date[0]) {
        fprintf(stderr, "diming boundaries inspect: needs --line LLLL (4 digits), --round N (1, 2, …) and --date\n");
        return 2;
    }
    store_t *s;
    if (open_db(db, 0, &s))
        return 1;
    int64_t round_id;
    int rc = store_begin(s, &e);
    if (!rc)
        rc = store_inspection_round(s, line, round_no, date, parties, &round_id, &e);
    for (size_t i = 0; !rc && i < nm; i++) {
        char number[64];
        const char *colon = strchr(markers[i], ':');
        snprintf(number, sizeof number, "%.*s", colon ? (int)(colon - markers[i]) : (int)strlen(markers[i]),
                 markers[i]);
        rc = store_inspection_finding(s, round_id, number, colon ? colon + 1 : "intact", NULL, &e);
    }
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    store_close(s);
    if (rc)
        return fail(&e);
    printf("line %s round %ld on %s: %zu markers recorded\n", line, round_no, date, nm);
    return 0;
}

/* `diming divisions qa` lives here because the QA is part of the boundary module. */
static void qa_usage(FILE *out)
{
    fprintf(out, "usage: diming divisions qa --parent CODE [--level L] [--date D] [--tolerance-m M] [--json] [--db PATH]\n"
                 "\n"
                 "Topology QA of the divisions under CODE (default: its children): gaps and overlaps between\n"
                 "siblings, children outside the parent, parent area covered by no child, invalid outlines,\n"
                 "codes that do not match their parent or name. Pieces thinner than M metres (default 1) or\n"
                 "smaller than M² are ignored. Exit status: 0 done (findings or not), 1 failed, 2 usage.\n");
}

int cmd_divisions(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "qa") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            qa_usage(stdout);
            return 0;
        }
        qa_usage(stderr);
        return 2;
    }
    argc--, argv++;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},     {"parent", required_argument, 0, 'p'},
                                         {"level", required_argument, 0, 'l'},  {"date", required_argument, 0, 'D'},
                                         {"tolerance-m", required_argument, 0, 't'}, {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = NULL;
    char parent[13] = "", date[11] = "";
    boundary_qa_opts_t o = {.tolerance_m = 1};
    int as_json = 0, c;
    dm_error e;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 'p':
            if (divcode_parse(optarg, parent, &e)) {
                fprintf(stderr, "diming divisions qa: --parent: %s\n", e.message);
                return 2;
            }
            break;
        case 'l':
            if ((o.level = division_level_parse(optarg)) == LEVEL_NONE) {
                fprintf(stderr, "diming divisions qa: --level must be province … village, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'D':
            if (date_parse(optarg, date, "date", &e)) {
                fprintf(stderr, "diming divisions qa: %s\n", e.message);
                return 2;
            }
            break;
        case 't':
            o.tolerance_m = strtod(optarg, &end);
            if (*end || !(o.tolerance_m >= 0 && o.tolerance_m <= 10000)) {
                fprintf(stderr, "diming divisions qa: --tolerance-m must be a number of metres in [0, 10000]\n");
                return 2;
            }
            break;
        case 'j': as_json = 1; break;
        case 'h': qa_usage(stdout); return 0;
        default: return 2;
        }
    }
    if (!parent[0]) {
        fprintf(stderr, "diming divisions qa: --parent CODE is required\n");
        return 2;
    }
    if (!date[0])
        date_today(date);
    o.parent = parent;
    o.date = date;
    store_t *s;
    if (open_db(db, 1, &s))
        return 1;
    boundary_qa_result_t r;
    int rc = boundary_qa(s, &o, &r, &e);
    store_close(s);
    if (rc) {
        fprintf(stderr, "diming divisions qa: %s\n", e.message);
        return 1;
    }
    if (as_json) {
        json_t *doc = boundary_qa_json(&r, parent, date, o.tolerance_m);
        json_dumpf(doc, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        for (size_t i = 0; i < r.n; i++)
            printf("%-18s %-12s %-12s %s\n", qa_kind_name(r.findings[i].kind), r.findings[i].code_a,
                   r.findings[i].code_b, r.findings[i].reason);
        printf("%zu findings among %ld divisions under %s on %s (tolerance %g m) in %.2f s\n", r.n, r.children, parent,
               date, o.tolerance_m, r.seconds);
    }
    boundary_qa_result_clear(&r);
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
    if (strcmp(sub, "import") == 0)
        return cmd_import_lines(argc - 1, argv + 1);
    if (strcmp(sub, "audit") == 0)
        return cmd_audit(argc - 1, argv + 1);
    if (strcmp(sub, "replace-marker") == 0)
        return cmd_replace(argc - 1, argv + 1);
    if (strcmp(sub, "inspect") == 0)
        return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(sub, "import-rounds") == 0)
        return cmd_import_rounds(argc - 1, argv + 1);
    fprintf(stderr, "diming boundaries: unknown subcommand '%s' (try --help)\n", sub);
    return 2;
}
