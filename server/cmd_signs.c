/* cmd_signs.c — the signs and directory tools on the command line, the same
 * library calls and documents as routes_signs.c:
 *   diming signs audit --division CODE [--date D]              GeoJSON findings + density
 *   diming names export --division CODE [--category C] --format csv|json|gpkg --out FILE [--bom]
 *   diming names candidates --division CODE [--date D]         unnamed rural road segments (GeoJSON)
 *   diming names enterprises FILE [--format json|csv]          names audit per enterprise
 * (`diming names export|candidates|enterprises` are dispatched here by
 * main.c; the other `diming names` subcommands are cmd_names.c's.) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/directory.h"
#include "gis/divcode.h"
#include "gis/signs.h"
#include "importers/export.h"
#include "server/cli.h"
#include "server/routes.h"
#include "server/signs_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming signs audit --division CODE [--date YYYY-MM-DD]\n"
            "       diming names export --division CODE [--category C] --format csv|json|gpkg --out FILE [--bom]\n"
            "       diming names candidates --division CODE [--date YYYY-MM-DD]\n"
            "       diming names enterprises FILE [--format json|csv]\n"
            "\n"
            "signs audit: place-name signs (地名标志, GB 17733-2008) of a division against the register and\n"
            "  the roads: SIGN-TEXT, SIGN-PINYIN, SIGN-LINK, SIGN-ROAD, SIGN-MISSING-ROAD,\n"
            "  SIGN-MISSING-VILLAGE, and signs per km² urban vs rural (docs/signs.md). GeoJSON on stdout.\n"
            "names export: the directory (地名录) of standard names of a division (csv: RFC 4180, UTF-8,\n"
            "  --bom adds a byte-order mark for Excel; json: GeoJSON; gpkg: GeoPackage, EPSG:4490).\n"
            "names candidates: unnamed road segments in rural townships and villages, with lengths.\n"
            "names enterprises: FILE is the /names/audit body whose observations carry enterprise and\n"
            "  credit_code; prints violations per enterprise with its 统一社会信用代码 checked (GB 32100-2015).\n"
            "\n"
            "options:\n"
            "  --db PATH            database (default $DIMING_DB or ./diming.sqlite)\n"
            "  --names-data DIR     word lists (default $DIMING_NAMES_DATA or the source tree's share/names)\n"
            "  --pinyin-dict FILE   Rime pinyin word list (default $DIMING_PINYIN_DICT)\n");
}

typedef struct opts {
    const char *sub, *file, *db, *division, *date, *category, *format, *out;
    int bom;
    names_config_t cfg;
} opts_t;

static int parse(int argc, char **argv, const char *cmd, opts_t *o)
{
    memset(o, 0, sizeof *o);
    names_default_config(&o->cfg);
    o->sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--db") == 0            ? &o->db
                            : strcmp(a, "--division") == 0    ? &o->division
                            : strcmp(a, "--date") == 0        ? &o->date
                            : strcmp(a, "--category") == 0    ? &o->category
                            : strcmp(a, "--format") == 0      ? &o->format
                            : strcmp(a, "--out") == 0         ? &o->out
                            : strcmp(a, "--names-data") == 0  ? &o->cfg.data_dir
                            : strcmp(a, "--pinyin-dict") == 0 ? &o->cfg.pinyin_dict
                                                              : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "diming %s: %s needs a value\n", cmd, a);
                return 2;
            }
            *slot = argv[++i];
            if (slot == &o->cfg.pinyin_dict)
                o->cfg.pinyin_dict_optional = 0;
        } else if (strcmp(a, "--bom") == 0)
            o->bom = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "diming %s: unknown option %s\n", cmd, a);
            return 2;
        } else if (!o->file)
            o->file = a;
        else {
            fprintf(stderr, "diming %s: unexpected argument '%s'\n", cmd, a);
            return 2;
        }
    }
    if (!o->db)
        o->db = cli_default_db();
    return 0;
}

static int print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}

typedef struct env {
    store_t *s;
    names_lexicon_t *lx;
    names_worker_t *w;
} env_t;

static int open_env(const opts_t *o, const char *cmd, int with_names, env_t *env)
{
    memset(env, 0, sizeof *env);
    dm_error e;
    if (store_open(o->db, STORE_NOCREATE, &env->s, &e)) {
        fprintf(stderr, "diming %s: %s\n", cmd, e.message);
        return 1;
    }
    if (with_names && (names_lexicon_load(&o->cfg, &env->lx, &e) || !(env->w = names_worker_new(env->lx, &e)))) {
        fprintf(stderr, "diming %s: %s\n", cmd, e.message);
        return 1;
    }
    return 0;
}

static void close_env(env_t *env)
{
    names_worker_free(env->w);
    names_lexicon_free(env->lx);
    store_close(env->s);
}

static int need_division(const opts_t *o, const char *cmd)
{
    char code[13];
    dm_error e;
    if (!o->division) {
        fprintf(stderr, "diming %s: --division CODE is required\n", cmd);
        return 2;
    }
    if (divcode_parse(o->division, code, &e)) {
        fprintf(stderr, "diming %s: --division: %s\n", cmd, e.message);
        return 2;
    }
    if (o->date) {
        char d[11];
        if (date_parse(o->date, d, "date", &e)) {
            fprintf(stderr, "diming %s: --date: %s\n", cmd, e.message);
            return 2;
        }
    }
    return 0;
}

int cmd_signs(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    opts_t o;
    int rc = parse(argc, argv, "signs", &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (strcmp(o.sub, "audit") != 0) {
        fprintf(stderr, "diming signs: unknown subcommand '%s' (audit)\n", o.sub);
        return 2;
    }
    if ((rc = need_division(&o, "signs audit")))
        return rc;
    env_t env;
    if (open_env(&o, "signs audit", 1, &env)) {
        close_env(&env);
        return 1;
    }
    signs_audit_params_t p = {.date = o.date};
    signs_audit_result_t r;
    dm_error e;
    int status = 1;
    if (signs_audit(env.s, env.w, o.division, &p, &r, &e))
        fprintf(stderr, "diming signs audit: %s\n", e.message);
    else {
        status = print_json(signs_audit_json(&r));
        signs_audit_clear(&r);
    }
    close_env(&env);
    return status;
}

static int do_export(const opts_t *o, env_t *env)
{
    directory_params_t p = {.date = o->date};
    dm_error e = {0};
    if (o->category) {
        if (names_category_parse(o->category, &p.category, &e)) {
            fprintf(stderr, "diming names export: --category: %s\n", e.message);
            return 2;
        }
        p.has_category = 1;
    }
    directory_t d;
    if (directory_build(env->s, env->w, o->division, &p, &d, &e)) {
        fprintf(stderr, "diming names export: %s\n", e.message);
        return 1;
    }
    int status = 1;
    if (strcmp(o->format, "gpkg") == 0) {
        if (export_directory_gpkg(&d, o->out, &e))
            fprintf(stderr, "diming names export: %s\n", e.message);
        else
            status = 0;
    } else {
        char *buf = NULL;
        size_t len = 0;
        if (strcmp(o->format, "csv") == 0) {
            if (directory_write_csv(&d, o->bom, &buf, &len, &e))
                fprintf(stderr, "diming names export: %s\n", e.message);
        } else {
            json_t *doc = directory_json(&d);
            buf = json_dumps(doc, JSON_COMPACT);
            len = buf ? strlen(buf) : 0;
            json_decref(doc);
        }
        FILE *f = buf ? fopen(o->out, "wb") : NULL;
        if (buf && !f)
            fprintf(stderr, "diming names export: cannot write %s\n", o->out);
        if (f) {
            int ok = fwrite(buf, 1, len, f) == len;
            ok = (fclose(f) == 0) && ok;
            if (ok)
                status = 0;
            else
                fprintf(stderr, "diming names export: writing %s failed\n", o->out);
        }
        free(buf);
    }
    if (!status)
        fprintf(stderr, "diming names export: %zu names of %s %s written to %s\n", d.n, d.division_code,
                d.division_name, o->out);
    directory_clear(&d);
    return status;
}

static int do_enterprises(const opts_t *o, env_t *env)
{
    json_error_t je;
    json_t *doc = json_load_file(o->file, JSON_REJECT_DUPLICATES, &je);
    if (!doc || !json_is_object(doc)) {
        fprintf(stderr, "diming names enterprises: %s: %s\n", o->file, doc ? "not a JSON object" : je.text);
        json_decref(doc);
        return 1;
    }
    dm_error e = {0};
    name_observation_t *obs = NULL;
    enterprise_ref_t *ents = NULL;
    size_t n = 0;
    int status = 1;
    names_index_t *ix = NULL;
    json_t *arr = json_object_get(doc, "observations"), *tol = json_object_get(doc, "tolerance_m");
    names_audit_params_t prm = {.tolerance_m = json_is_number(tol) ? json_number_value(tol) : 0};
    enterprise_report_t r;
    if (names_observations_from_json(arr, &obs, &n, &e) || enterprise_refs_from_json(arr, &ents, &e) ||
        names_index_build(env->s, env->lx, &ix, &e) ||
        directory_enterprise_audit(env->w, ix, obs, ents, n, &prm, &r, &e)) {
        fprintf(stderr, "diming names enterprises: %s\n", e.message);
        goto done;
    }
    if (o->format && strcmp(o->format, "csv") == 0) {
        size_t len;
        char *csv = enterprise_report_csv(&r, &len);
        if (csv) {
            fwrite(csv, 1, len, stdout);
            free(csv);
            status = 0;
        }
    } else
        status = print_json(enterprise_report_json(&r, obs));
    directory_enterprise_clear(&r);
done:
    names_index_free(ix);
    free(obs);
    free(ents);
    json_decref(doc);
    return status;
}

int cmd_directory(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, "names", &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    int is_export = strcmp(o.sub, "export") == 0, is_cand = strcmp(o.sub, "candidates") == 0,
        is_ent = strcmp(o.sub, "enterprises") == 0;
    if (is_export || is_cand) {
        if ((rc = need_division(&o, is_export ? "names export" : "names candidates")))
            return rc;
    }
    if (is_export) {
        if (!o.format || (strcmp(o.format, "csv") && strcmp(o.format, "json") && strcmp(o.format, "gpkg"))) {
            fprintf(stderr, "diming names export: --format must be csv, json or gpkg\n");
            return 2;
        }
        if (!o.out) {
            fprintf(stderr, "diming names export: --out FILE is required\n");
            return 2;
        }
    }
    if (is_ent) {
        if (!o.file) {
            fprintf(stderr, "diming names enterprises: FILE is required\n");
            return 2;
        }
        if (o.format && strcmp(o.format, "json") && strcmp(o.format, "csv")) {
            fprintf(stderr, "diming names enterprises: --format must be json or csv\n");
            return 2;
        }
    }
    env_t env;
    if (open_env(&o, "names", !is_cand, &env)) {
        close_env(&env);
        return 1;
    }
    int status = 1;
    if (is_export)
        status = do_export(&o, &env);
    else if (is_ent)
        status = do_enterprises(&o, &env);
    else {
        naming_candidates_t c;
        dm_error e;
        if (directory_candidates(env.s, o.division, o.date, &c, &e))
            fprintf(stderr, "diming names candidates: %s\n", e.message);
        else {
            status = print_json(candidates_json(&c));
            directory_candidates_clear(&c);
        }
    }
    close_env(&env);
    return status;
}
