/* cmd_names.c — `diming names …`: the name standardisation tools on the
 * command line, the same library calls as the /names endpoints:
 *   diming names pinyin NAME [--category C]        standard spelling
 *   diming names split NAME [--category C]         专名/通名, keys, pinyin (JSON)
 *   diming names standardize TEXT [--category C] [--division CODE] [--near LON,LAT] [--limit N]
 *   diming names check NAME --category C [--geometry GEOJSON] [--division CODE]
 *   diming names audit FILE [--tolerance M] [--approved-before DATE]
 *     FILE: a CSV (header: text, channel, lon, lat, id, category), a GeoJSON
 *     FeatureCollection of Points with those properties, or the
 *     /names/audit request body.
 * Word lists: --names-data DIR (else $DIMING_NAMES_DATA, else share/names of
 * the source tree); pinyin list: --pinyin-dict FILE (else $DIMING_PINYIN_DICT,
 * else Debian's rime-data-luna-pinyin). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/names.h"
#include "server/cli.h"
#include "server/routes.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming names pinyin NAME [--category C]\n"
            "       diming names split NAME [--category C]\n"
            "       diming names standardize TEXT [--category C] [--division CODE] [--near LON,LAT] [--limit N]\n"
            "       diming names check NAME --category C [--geometry GEOJSON] [--division CODE]\n"
            "                 [--pinyin SPELLING] [--replaces NAME [--heritage-override]] [--locality NAME]\n"
            "                 [--width-m M] [--area-ha HA] [--floor-area-m2 M2]\n"
            "       diming names audit FILE [--tolerance M] [--approved-before DATE]\n"
            "\n"
            "Standard pinyin, the 专名/通名 split and keys, the lookup of a standard name and\n"
            "the check of a proposed name (《地名管理条例》第九条; DOMAIN.md §3–4).\n"
            "Categories: road residential building division village natural facility (default road).\n"
            "\n"
            "options:\n"
            "  --db PATH            database (standardize, check, audit)\n"
            "  --tolerance M        audit: how far a use may lie from its standard name (default 1000)\n"
            "  --approved-before D  audit: only names approved before D count as not used\n"
            "  --pinyin S           check: the spelling proposed or on the sign (NAME-PINYIN)\n"
            "  --replaces NAME      check: the name this one renames or cancels (NAME-HERITAGE)\n"
            "  --heritage-override  check: the renaming of a protected name is approved\n"
            "  --locality NAME      check: the locality a facility serves (NAME-FACILITY-LOCALITY)\n"
            "  --width-m, --area-ha, --floor-area-m2  check: the feature's size (NAME-GENERIC-SCALE)\n"
            "audit FILE: a .csv with a header naming text, channel, lon, lat, id, category,\n"
            "enterprise, credit_code (统一社会信用代码), pinyin (as on the sign);\n"
            "GeoJSON Points with those properties; or the /names/audit body\n"
            "{\"observations\": [{text, channel, lon, lat}]}.\n"
            "  --names-data DIR     word lists (default $DIMING_NAMES_DATA or the source tree's share/names)\n"
            "  --pinyin-dict FILE   Rime pinyin word list (default $DIMING_PINYIN_DICT or %s)\n",
            DIMING_PINYIN_DICT);
}

/* Splits one CSV line in place (fields may be "quoted", with "" for a quote). */
static int csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            char *end = p;
            *w = '\0';
            p = end;
        } else {
            f[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p != ',')
            break;
        *p++ = '\0';
    }
    if (*p == ',' || *p == '\r' || *p == '\n')
        *p = '\0';
    return n;
}

/* A CSV of observations (header: text, channel, lon, lat, id, category,
 * enterprise, credit_code, pinyin in any order; text required) → the /names/audit observations array. */
static json_t *csv_observations(const char *path, dm_error *e)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        dm_error_set(e, DM_EIO, "file", "cannot open %s", path);
        return NULL;
    }
    char line[4096];
    static const char *const cols[] = {"text",     "channel",    "lon",        "lat",   "id",
                                       "category", "enterprise", "credit_code", "pinyin"};
    enum { NCOLS = sizeof cols / sizeof *cols };
    int where[NCOLS] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
    json_t *arr = json_array();
    long row = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *f[32];
        int n = csv_fields(line, f, 32);
        if (row++ == 0) {
            for (int i = 0; i < n; i++)
                for (int c = 0; c < NCOLS; c++)
                    if (strcmp(f[i] + (i == 0 && strncmp(f[i], "\xEF\xBB\xBF", 3) == 0 ? 3 : 0), cols[c]) == 0)
                        where[c] = i;
            if (where[0] < 0) {
                dm_error_set(e, DM_EINVAL, "file", "%s: the header has no 'text' column", path);
                break;
            }
            continue;
        }
        if (!*line)
            continue;
        json_t *o = json_object();
        for (int c = 0; c < NCOLS; c++) {
            if (where[c] < 0 || where[c] >= n || !*f[where[c]])
                continue;
            if (c == 2 || c == 3) {
                char *end;
                double v = strtod(f[where[c]], &end);
                if (*end) {
                    dm_error_set(e, DM_EINVAL, cols[c], "%s row %ld: %s is not a number", path, row, cols[c]);
                    json_decref(o);
                    json_decref(arr);
                    fclose(fp);
                    return NULL;
                }
                json_object_set_new(o, cols[c], json_real(v));
            } else
                json_object_set_new(o, cols[c], json_string(f[where[c]]));
        }
        json_array_append_new(arr, o);
    }
    fclose(fp);
    if (e->code) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* Runs the audit on a file: a CSV, GeoJSON Points or the /names/audit body. */
static json_t *audit_file(names_worker_t *w, const names_index_t *ix, const char *path, const char *tol_s,
                          const char *before_s, dm_error *e)
{
    size_t pl = strlen(path);
    json_t *doc, *arr, *own = NULL;
    if (pl > 4 && strcmp(path + pl - 4, ".csv") == 0) {
        if (!(doc = csv_observations(path, e)))
            return NULL;
        arr = doc;
    } else {
        json_error_t je;
        doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!doc) {
            dm_error_set(e, DM_EINVAL, "file", "%s: not CSV, JSON or GeoJSON: %s (line %d)", path, je.text, je.line);
            return NULL;
        }
        arr = json_object_get(doc, "observations");
        if (!arr && json_is_array(json_object_get(doc, "features"))) {
            own = json_array();
            size_t i;
            json_t *f;
            json_array_foreach(json_object_get(doc, "features"), i, f)
            {
                json_t *o = json_deep_copy(json_object_get(f, "properties"));
                if (!json_is_object(o)) {
                    json_decref(o);
                    o = json_object();
                }
                json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
                if (json_is_array(c) && json_array_size(c) >= 2) {
                    json_object_set(o, "lon", json_array_get(c, 0));
                    json_object_set(o, "lat", json_array_get(c, 1));
                }
                json_array_append_new(own, o);
            }
            arr = own;
        }
    }
    names_audit_params_t prm = {.tolerance_m = tol_s ? atof(tol_s) : 0, .approved_before = before_s};
    name_observation_t *obs = NULL;
    size_t n = 0, nf = 0;
    name_audit_finding_t *f = NULL;
    json_t *out = NULL;
    if (!names_observations_from_json(arr, &obs, &n, e) && !names_audit(w, ix, obs, n, &prm, &f, &nf, e))
        out = names_audit_json(f, nf, obs);
    free(f);
    free(obs);
    json_decref(own);
    json_decref(doc);
    return out;
}

int cmd_names(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *text = NULL, *cat_s = NULL, *db = NULL, *division = NULL, *near = NULL,
               *geometry = NULL, *limit_s = NULL, *tol_s = NULL, *before_s = NULL, *pinyin_s = NULL,
               *replaces = NULL, *locality = NULL, *width_s = NULL, *area_s = NULL, *floor_s = NULL;
    int heritage_override = 0;
    names_config_t cfg;
    names_default_config(&cfg);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--category") == 0      ? &cat_s
                            : strcmp(a, "--db") == 0          ? &db
                            : strcmp(a, "--division") == 0    ? &division
                            : strcmp(a, "--near") == 0        ? &near
                            : strcmp(a, "--geometry") == 0    ? &geometry
                            : strcmp(a, "--limit") == 0       ? &limit_s
                            : strcmp(a, "--tolerance") == 0   ? &tol_s
                            : strcmp(a, "--approved-before") == 0 ? &before_s
                            : strcmp(a, "--pinyin") == 0      ? &pinyin_s
                            : strcmp(a, "--replaces") == 0    ? &replaces
                            : strcmp(a, "--locality") == 0    ? &locality
                            : strcmp(a, "--width-m") == 0     ? &width_s
                            : strcmp(a, "--area-ha") == 0     ? &area_s
                            : strcmp(a, "--floor-area-m2") == 0 ? &floor_s
                            : strcmp(a, "--names-data") == 0  ? &cfg.data_dir
                            : strcmp(a, "--pinyin-dict") == 0 ? &cfg.pinyin_dict
                                                              : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "diming names: %s needs a value\n", a);
                return 2;
            }
            *slot = argv[++i];
            if (slot == &cfg.pinyin_dict)
                cfg.pinyin_dict_optional = 0;
        } else if (strcmp(a, "--heritage-override") == 0) {
            heritage_override = 1;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "diming names: unknown option %s\n", a);
            return 2;
        } else if (!text)
            text = a;
        else {
            fprintf(stderr, "diming names: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!text) {
        fprintf(stderr, "diming names %s: a name is required\n", sub);
        return 2;
    }
    int known = strcmp(sub, "pinyin") == 0 || strcmp(sub, "split") == 0 || strcmp(sub, "standardize") == 0 ||
                strcmp(sub, "check") == 0 || strcmp(sub, "audit") == 0;
    if (!known) {
        fprintf(stderr, "diming names: unknown subcommand '%s' (pinyin, split, standardize, check, audit)\n", sub);
        return 2;
    }
    dm_error e = {0};
    name_category_t cat = NAME_CAT_ROAD;
    if (cat_s && names_category_parse(cat_s, &cat, &e)) {
        fprintf(stderr, "diming names: %s\n", e.message);
        return 2;
    }
    names_lexicon_t *lx = NULL;
    if (names_lexicon_load(&cfg, &lx, &e)) {
        fprintf(stderr, "diming names: %s\n", e.message);
        return 1;
    }
    names_worker_t *w = names_worker_new(lx, &e);
    int status = 1;
    json_t *doc = NULL;
    if (!w)
        goto fail;
    if (strcmp(sub, "pinyin") == 0 || strcmp(sub, "split") == 0) {
        name_parts_t *np = malloc(sizeof *np);
        if (!np || names_analyze(w, text, (size_t)-1, cat, np, &e)) {
            free(np);
            goto fail;
        }
        if (strcmp(sub, "pinyin") == 0) {
            printf("%s\t%s\n", np->pinyin, np->pinyin_toned);
            status = 0;
        } else
            doc = names_parts_json(np, cat);
        free(np);
    } else {
        store_t *s = NULL;
        names_index_t *ix = NULL;
        division_index_t *divs = NULL;
        if (store_open(db ? db : cli_default_db(), STORE_READONLY | STORE_NOCREATE, &s, &e) ||
            names_index_build(s, lx, &ix, &e) || (strcmp(sub, "check") == 0 && division_index_build(s, &divs, &e))) {
            names_index_free(ix);
            store_close(s);
            goto fail;
        }
        if (strcmp(sub, "standardize") == 0) {
            names_query_t q = {.text = text, .len = (size_t)-1, .limit = 10};
            if (cat_s)
                q.has_category = 1, q.category = cat;
            q.division = division;
            int rc = 0;
            if (near) {
                char *end;
                q.near_lon = strtod(near, &end);
                rc = *end != ',';
                if (!rc) {
                    q.near_lat = strtod(end + 1, &end);
                    rc = *end != '\0';
                }
                q.has_near = 1;
                if (rc)
                    dm_error_set(&e, DM_EINVAL, "near", "--near must be LON,LAT");
            }
            if (!rc && limit_s)
                q.limit = atoi(limit_s);
            name_match_t *m = NULL;
            size_t n = 0;
            if (!rc)
                rc = names_standardize(w, ix, &q, &m, &n, &e);
            if (!rc)
                doc = names_matches_json(m, n);
            free(m);
        } else if (strcmp(sub, "audit") == 0) {
            doc = audit_file(w, ix, text, tol_s, before_s, &e);
        } else {
            names_proposal_t p = {.name = text, .len = (size_t)-1, .category = cat, .division = division};
            char today[11];
            date_today(today);
            p.date = today;
            unsigned char *wkb = NULL;
            int rc = 0;
            if (!cat_s)
                rc = dm_error_set(&e, DM_EINVAL, "category", "--category is required");
            p.pinyin = pinyin_s, p.replaces = replaces, p.locality = locality;
            p.heritage_override = heritage_override;
            const struct {
                const char *opt, *val;
                double *dst;
            } sizes[] = {{"--width-m", width_s, &p.width_m},
                         {"--area-ha", area_s, &p.area_ha},
                         {"--floor-area-m2", floor_s, &p.floor_area_m2}};
            for (size_t i = 0; i < 3 && !rc; i++) {
                if (!sizes[i].val)
                    continue;
                char *end = NULL;
                *sizes[i].dst = strtod(sizes[i].val, &end);
                if (end == sizes[i].val || *end || !(*sizes[i].dst > 0))
                    rc = dm_error_set(&e, DM_EINVAL, sizes[i].opt + 2, "%s must be a positive number", sizes[i].opt);
            }
            if (!rc && geometry)
                rc = names_geojson_to_wkb(geometry, &wkb, &p.wkb_len, &e);
            p.wkb = wkb;
            name_check_t c;
            if (!rc && !(rc = names_check(w, ix, divs, &p, &c, &e))) {
                doc = names_check_json(&c);
                names_check_clear(&c);
            }
            free(wkb);
        }
        division_index_free(divs);
        names_index_free(ix);
        store_close(s);
        if (!doc)
            goto fail;
    }
    if (doc) {
        char *out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        puts(out ? out : "null");
        free(out);
        json_decref(doc);
        status = 0;
    }
    names_worker_free(w);
    names_lexicon_free(lx);
    return status;
fail:
    fprintf(stderr, "diming names %s: %s\n", sub, e.message);
    names_worker_free(w);
    names_lexicon_free(lx);
    return e.code == DM_EINVAL || e.code == DM_EGEOM ? 2 : 1;
}
