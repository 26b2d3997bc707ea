/* routes_signs.c — place-name signs and the directory (gis/signs.h,
 * gis/directory.h):
 *   GET  /signs/audit?division=CODE[&date=]                   GeoJSON findings + density summary
 *   GET  /names/export?division=CODE[&category=][&format=csv|json|gpkg][&bom=0|1][&date=]
 *   GET  /names/candidates?division=CODE[&date=]              unnamed rural road segments
 *   POST /names/audit/enterprises[?format=json|csv]           the names audit per enterprise
 * Each handler validates its parameters (400 naming the one at fault),
 * calls one library function and encodes the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/date.h"
#include "gis/directory.h"
#include "gis/divcode.h"
#include "gis/signs.h"
#include "importers/export.h"
#include "server/routes.h"
#include "server/signs_json.h"

/* Checks the query's names, division= (required, a code) and date=. */
static int common(request_t *req, response_t *res, const char *const known[], char code[13], char date[11])
{
    const char *bad = request_unknown_query(req, known);
    if (bad) {
        char list[160] = "";
        for (int i = 0; known[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", known[i]);
        response_error(res, req, 400, "invalid_parameter", bad, "unknown query parameter '%.40s' (known: %s)", bad,
                       list);
        return -1;
    }
    const char *div = request_query(req, "division");
    dm_error e = {0};
    if (!div || !*div) {
        response_error(res, req, 400, "invalid_parameter", "division", "division=CODE is required");
        return -1;
    }
    if (divcode_parse(div, code, &e)) {
        snprintf(e.param, sizeof e.param, "division");
        response_from_error(res, req, &e);
        return -1;
    }
    const char *d = request_query(req, "date");
    date[0] = '\0';
    if (d && date_parse(d, date, "date", &e)) {
        response_from_error(res, req, &e);
        return -1;
    }
    return 0;
}

static names_worker_t *worker(request_t *req, response_t *res)
{
    dm_error e;
    names_worker_t *w = server_names_worker(req->srv, &e);
    if (!w)
        response_from_error(res, req, &e);
    return w;
}

static store_t *store(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s)
        response_from_error(res, req, &e);
    return s;
}

static void audit(request_t *req, response_t *res)
{
    static const char *const known[] = {"division", "date", NULL};
    char code[13], date[11];
    if (common(req, res, known, code, date))
        return;
    store_t *s = store(req, res);
    names_worker_t *w = s ? worker(req, res) : NULL;
    if (!w)
        return;
    signs_audit_params_t p = {.date = date[0] ? date : NULL};
    signs_audit_result_t r;
    dm_error e;
    if (signs_audit(s, w, code, &p, &r, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, signs_audit_json(&r));
    signs_audit_clear(&r);
}

static void attachment(response_t *res, const char code[13], const char *ext)
{
    char v[96], shortc[13];
    divcode_short(code, shortc);
    snprintf(v, sizeof v, "attachment; filename=\"directory-%s.%s\"", shortc, ext);
    response_header(res, "Content-Disposition", v);
}

/* The GeoPackage goes through a temporary file: GDAL writes SQLite files,
 * not streams. The file is removed before the answer is sent. */
static void send_gpkg(request_t *req, response_t *res, const directory_t *d)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/diming-export-XXXXXX.gpkg", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        response_error(res, req, 500, "internal", NULL, "cannot create a temporary file for the GeoPackage");
        return;
    }
    close(fd);
    dm_error e;
    if (export_directory_gpkg(d, path, &e)) {
        unlink(path);
        response_from_error(res, req, &e);
        return;
    }
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    unlink(path);
    if (!buf) {
        response_error(res, req, 500, "internal", NULL, "cannot read the GeoPackage back");
        return;
    }
    response_bytes(res, 200, "application/geopackage+sqlite3", buf, (size_t)n);
    attachment(res, d->division_code, "gpkg");
}

static void export(request_t *req, response_t *res)
{
    static const char *const known[] = {"division", "category", "format", "bom", "date", NULL};
    char code[13], date[11];
    if (common(req, res, known, code, date))
        return;
    directory_params_t p = {.date = date[0] ? date : NULL};
    dm_error e = {0};
    const char *cat = request_query(req, "category"), *fmt = request_query(req, "format"),
               *bom = request_query(req, "bom");
    if (cat && names_category_parse(cat, &p.category, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    p.has_category = cat != NULL;
    if (!fmt)
        fmt = "json";
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "gpkg") != 0) {
        response_error(res, req, 400, "invalid_parameter", "format", "unknown format '%.20s' (csv, json, gpkg)", fmt);
        return;
    }
    if (bom && strcmp(bom, "0") != 0 && strcmp(bom, "1") != 0) {
        response_error(res, req, 400, "invalid_parameter", "bom", "bom must be 0 or 1");
        return;
    }
    store_t *s = store(req, res);
    names_worker_t *w = s ? worker(req, res) : NULL;
    if (!w)
        return;
    directory_t d;
    if (directory_build(s, w, code, &p, &d, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    if (strcmp(fmt, "json") == 0) {
        response_json(res, 200, directory_json(&d));
    } else if (strcmp(fmt, "csv") == 0) {
        char *csv;
        size_t len;
        if (directory_write_csv(&d, bom && strcmp(bom, "1") == 0, &csv, &len, &e))
            response_from_error(res, req, &e);
        else {
            response_bytes(res, 200, "text/csv; charset=utf-8", (unsigned char *)csv, len);
            attachment(res, d.division_code, "csv");
        }
    } else
        send_gpkg(req, res, &d);
    directory_clear(&d);
}

static void candidates(request_t *req, response_t *res)
{
    static const char *const known[] = {"division", "date", NULL};
    char code[13], date[11];
    if (common(req, res, known, code, date))
        return;
    store_t *s = store(req, res);
    if (!s)
        return;
    naming_candidates_t c;
    dm_error e;
    if (directory_candidates(s, code, date[0] ? date : NULL, &c, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, candidates_json(&c));
    directory_candidates_clear(&c);
}

static void enterprises(request_t *req, response_t *res)
{
    static const char *const known[] = {"format", NULL};
    const char *bad = request_unknown_query(req, known);
    if (bad) {
        response_error(res, req, 400, "invalid_parameter", bad, "unknown query parameter '%.40s' (known: format)", bad);
        return;
    }
    const char *fmt = request_query(req, "format");
    if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
        response_error(res, req, 400, "invalid_parameter", "format", "unknown format '%.20s' (json, csv)", fmt);
        return;
    }
    json_error_t je;
    json_t *doc = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!doc || !json_is_object(doc)) {
        response_error(res, req, 400, "invalid_body", NULL,
                       "body must be a JSON object {observations: [{text, enterprise, credit_code, …}]}");
        json_decref(doc);
        return;
    }
    dm_error e = {0};
    name_observation_t *obs = NULL;
    enterprise_ref_t *ents = NULL;
    size_t n = 0;
    names_audit_params_t prm = {0};
    json_t *tol = json_object_get(doc, "tolerance_m");
    if (tol && (!json_is_number(tol) || !(json_number_value(tol) > 0 && json_number_value(tol) <= 50000))) {
        response_error(res, req, 400, "invalid_parameter", "tolerance_m", "tolerance_m must be a number in (0, 50000]");
        goto done;
    }
    prm.tolerance_m = tol ? json_number_value(tol) : 0;
    json_t *arr = json_object_get(doc, "observations");
    if (names_observations_from_json(arr, &obs, &n, &e) || enterprise_refs_from_json(arr, &ents, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    names_worker_t *w = worker(req, res);
    if (!w)
        goto done;
    enterprise_report_t r;
    if (directory_enterprise_audit(w, request_names(req), obs, ents, n, &prm, &r, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    if (fmt && strcmp(fmt, "csv") == 0) {
        size_t len;
        char *csv = enterprise_report_csv(&r, &len);
        if (csv)
            response_bytes(res, 200, "text/csv; charset=utf-8", (unsigned char *)csv, len);
        else
            response_error(res, req, 500, "internal", NULL, "out of memory");
    } else
        response_json(res, 200, enterprise_report_json(&r, obs));
    directory_enterprise_clear(&r);
done:
    free(obs);
    free(ents);
    json_decref(doc);
}

const route_t signs_routes[] = {
    {"GET", "/signs/audit", audit},
    {"GET", "/names/export", export},
    {"GET", "/names/candidates", candidates},
    {"POST", "/names/audit/enterprises", enterprises},
    {NULL, NULL, NULL},
};
