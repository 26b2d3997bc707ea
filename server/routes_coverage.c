/* routes_coverage.c — the 15-minute elderly-service circle over HTTP:
 *   GET  /coverage/network   the walking graph's size
 *   GET  /coverage/isochrone?lon=&lat=|facility=ID[&minutes=][&speed_mps=][&buffer_m=][&edges=true][&exact=true]
 *   GET  /coverage?division=CODE[&minutes=][&speed_mps=][&types=][&functions=][&date=]
 *   POST /coverage/suggest {division, k, minutes?, speed_mps?, candidates?, types?, functions?, date?}
 *   GET  /reports/elderly?division=CODE[&date=]
 * Each handler validates its parameters, calls one gis/coverage.h function on
 * the server's walking graph and encodes the answer (coverage_json.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gis/coverage.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "server/coverage_json.h"
#include "server/report_targets.h"
#include "server/reqlimits.h"
#include "server/routes.h"

#define MAX_FILTER_BYTES 512
#define MAX_CANDIDATES 10000

/* minutes, speed_mps, buffer_m: numbers here, ranges checked by the library. */
static int parse_params(request_t *req, response_t *res, coverage_params_t *p)
{
    *p = coverage_params_default();
    if (param_double(req, res, "minutes", 0, -1e12, 1e12, &p->minutes, NULL) ||
        param_double(req, res, "speed_mps", 0, -1e12, 1e12, &p->speed_mps, NULL) ||
        param_double(req, res, "buffer_m", 0, -1e12, 1e12, &p->buffer_m, NULL))
        return -1;
    dm_error e;
    if (coverage_params_check(p, &e)) {
        response_from_error(res, req, &e);
        return -1;
    }
    return 0;
}

static int parse_bool(request_t *req, response_t *res, const char *name, int *out)
{
    const char *v = request_query(req, name);
    *out = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
    if (v && !*out && strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
        response_error(res, req, 400, "invalid_parameter", name, "%s must be true or false", name);
        return -1;
    }
    return 0;
}

static int parse_date(request_t *req, response_t *res, const char *v, char out[11])
{
    if (!v) {
        date_today(out);
        return 0;
    }
    dm_error e;
    if (date_parse(v, out, "date", &e)) {
        response_from_error(res, req, &e);
        return -1;
    }
    return 0;
}

static int parse_division(request_t *req, response_t *res, const char *v, char out[13])
{
    if (!v) {
        response_error(res, req, 400, "missing_parameter", "division", "division is required");
        return -1;
    }
    dm_error e;
    if (divcode_parse(v, out, &e)) {
        snprintf(e.param, sizeof e.param, "division");
        response_from_error(res, req, &e);
        return -1;
    }
    return 0;
}

static int parse_filter(request_t *req, response_t *res, const char *name, const char *v)
{
    if (v && strlen(v) > MAX_FILTER_BYTES) {
        response_error(res, req, 400, "invalid_parameter", name, "%s is longer than %d bytes", name,
                       MAX_FILTER_BYTES);
        return -1;
    }
    return 0;
}

static void isochrone(request_t *req, response_t *res)
{
    double lon = 0, lat = 0, fid = 0;
    coverage_params_t p;
    int with_edges, by_facility;
    if (param_double(req, res, "facility", 0, 1, 9007199254740991.0, &fid, &by_facility))
        return;
    if (by_facility && fid != floor(fid)) {
        response_error(res, req, 400, "invalid_parameter", "facility", "facility must be a whole number (an id)");
        return;
    }
    if ((!by_facility && (param_double(req, res, "lon", 1, -180, 180, &lon, NULL) ||
                          param_double(req, res, "lat", 1, -90, 90, &lat, NULL))) ||
        parse_params(req, res, &p) || parse_bool(req, res, "edges", &with_edges) ||
        parse_bool(req, res, "exact", &p.exact))
        return;
    dm_error e;
    store_t *s = by_facility ? server_store(req->srv, &e) : NULL;
    const coverage_graph_t *g = by_facility && !s ? NULL : request_graph(req);
    if (!g) {
        response_from_error(res, req, &e);
        return;
    }
    coverage_isochrone_t iso;
    int rc = by_facility ? coverage_facility_isochrone(s, g, (int64_t)fid, &p, with_edges, &iso, &lon, &lat, &e)
                         : coverage_isochrone(g, lon, lat, &p, with_edges, &iso, &e);
    if (rc == DM_ENOTFOUND)
        response_error(res, req, 404, "not_found", NULL, "no road network has been imported (diming import roads)");
    else if (rc)
        response_from_error(res, req, &e);
    else {
        json_t *doc = coverage_isochrone_json(&iso, lon, lat, &p);
        if (by_facility)
            json_object_set_new(json_object_get(doc, "query"), "facility", json_integer((json_int_t)fid));
        response_json(res, 200, doc);
    }
    coverage_isochrone_clear(&iso);
}

static void coverage(request_t *req, response_t *res)
{
    coverage_query_t q;
    char code[13], date[11];
    memset(&q, 0, sizeof q);
    q.types = request_query(req, "types");
    q.functions = request_query(req, "functions");
    if (parse_division(req, res, request_query(req, "division"), code) ||
        parse_date(req, res, request_query(req, "date"), date) || parse_params(req, res, &q.params) ||
        parse_filter(req, res, "types", q.types) || parse_filter(req, res, "functions", q.functions) ||
        request_check_division_area(req, res, "division", code, date))
        return;
    q.division = code, q.date = date;
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    const coverage_graph_t *g = s ? request_graph(req) : NULL;
    if (!g) {
        response_from_error(res, req, &e);
        return;
    }
    coverage_result_t r;
    int rc = coverage_evaluate(s, g, &q, &r, &e);
    if (rc)
        response_from_error(res, req, &e);
    else
        response_json(res, 200, coverage_result_json(&r, &q));
    coverage_result_clear(&r);
}

/* candidates: [[lon, lat], …] or [{"lon":…, "lat":…}, …]. */
static int parse_candidates(request_t *req, response_t *res, json_t *arr, double **out, size_t *n)
{
    *out = NULL, *n = 0;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr)) {
        response_error(res, req, 400, "invalid_parameter", "candidates",
                       "candidates must be an array of [lon, lat] points");
        return -1;
    }
    size_t len = json_array_size(arr);
    if (len > MAX_CANDIDATES) {
        response_error(res, req, 400, "invalid_parameter", "candidates", "at most %d candidates, got %zu",
                       MAX_CANDIDATES, len);
        return -1;
    }
    double *v = malloc((2 * len + 1) * sizeof *v);
    if (!v) {
        response_error(res, req, 500, "internal_error", NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        json_t *c = json_array_get(arr, i), *x = NULL, *y = NULL;
        if (json_is_array(c) && json_array_size(c) == 2)
            x = json_array_get(c, 0), y = json_array_get(c, 1);
        else if (json_is_object(c))
            x = json_object_get(c, "lon"), y = json_object_get(c, "lat");
        if (!json_is_number(x) || !json_is_number(y) || !(fabs(json_number_value(x)) <= 180) ||
            !(fabs(json_number_value(y)) <= 90)) {
            free(v);
            response_error(res, req, 400, "invalid_parameter", "candidates",
                           "candidate %zu must be [lon, lat] with lon in [-180, 180] and lat in [-90, 90]", i);
            return -1;
        }
        v[2 * i] = json_number_value(x), v[2 * i + 1] = json_number_value(y);
    }
    *out = v, *n = len;
    return 0;
}

static int body_number(request_t *req, response_t *res, json_t *body, const char *name, double *out)
{
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v)) {
        response_error(res, req, 400, "invalid_parameter", name, "%s must be a number", name);
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

static int body_string(request_t *req, response_t *res, json_t *body, const char *name, const char **out)
{
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        response_error(res, req, 400, "invalid_parameter", name, "%s must be a string", name);
        return -1;
    }
    *out = json_string_value(v);
    return parse_filter(req, res, name, *out);
}

static void suggest(request_t *req, response_t *res)
{
    json_error_t jerr;
    json_t *body = req->body ? json_loadb(req->body, req->body_len, 0, &jerr) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        response_error(res, req, 400, "invalid_body", "body",
                       "the body must be a JSON object {division, k, minutes?, speed_mps?, candidates?}");
        return;
    }
    coverage_query_t q;
    memset(&q, 0, sizeof q);
    q.params = coverage_params_default();
    char code[13], date[11];
    const char *division = NULL, *date_s = NULL;
    double *cand = NULL;
    size_t ncand = 0;
    json_t *k_json = json_object_get(body, "k");
    if (body_string(req, res, body, "division", &division))
        goto out;
    if (!json_is_integer(k_json) || json_integer_value(k_json) < 1 || json_integer_value(k_json) > COVERAGE_MAX_K) {
        response_error(res, req, 400, "invalid_parameter", "k", "k must be an integer between 1 and %d",
                       COVERAGE_MAX_K);
        goto out;
    }
    if (parse_division(req, res, division, code) || body_string(req, res, body, "date", &date_s) ||
        parse_date(req, res, date_s, date) || body_number(req, res, body, "minutes", &q.params.minutes) ||
        body_number(req, res, body, "speed_mps", &q.params.speed_mps) ||
        body_string(req, res, body, "types", &q.types) || body_string(req, res, body, "functions", &q.functions) ||
        parse_candidates(req, res, json_object_get(body, "candidates"), &cand, &ncand) ||
        request_check_division_area(req, res, "division", code, date))
        goto out;
    dm_error e;
    if (coverage_params_check(&q.params, &e)) {
        response_from_error(res, req, &e);
        goto out;
    }
    q.division = code, q.date = date;
    store_t *s = server_store(req->srv, &e);
    const coverage_graph_t *g = s ? request_graph(req) : NULL;
    if (!g) {
        response_from_error(res, req, &e);
        goto out;
    }
    int k = (int)json_integer_value(k_json);
    coverage_suggestion_t sg;
    int rc = coverage_suggest(s, g, &q, k, cand, ncand, &sg, &e);
    if (rc)
        response_from_error(res, req, &e);
    else
        response_json(res, 200, coverage_suggestion_json(&sg, &q, k));
    coverage_suggestion_clear(&sg);
out:
    free(cand);
    json_decref(body);
}

/* The walking graph's size: what the server holds in memory for coverage. */
static void network(request_t *req, response_t *res)
{
    const coverage_graph_t *g = request_graph(req);
    coverage_graph_stats_t st = coverage_graph_stats(g);
    response_json(res, 200,
                  json_pack("{s:I,s:I,s:I,s:I,s:f,s:I,s:f}", "input_lines", (json_int_t)st.input_lines, "nodes",
                            (json_int_t)st.nodes, "edges", (json_int_t)st.edges, "crossings",
                            (json_int_t)st.crossings, "length_m", round(st.length_m * 100) / 100, "memory_bytes",
                            (json_int_t)st.memory_bytes, "build_seconds", st.build_seconds));
}

static void report_elderly(request_t *req, response_t *res)
{
    char code[13], date[11];
    if (parse_division(req, res, request_query(req, "division"), code) ||
        parse_date(req, res, request_query(req, "date"), date))
        return;
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    division_t d;
    int rc = store_division_get(s, code, date, 0, &d, &e);
    if (rc == DM_ENOTFOUND) {
        response_error(res, req, 400, "invalid_parameter", "division", "no division with code %s valid on %s", code,
                       date);
        return;
    }
    if (rc) {
        response_from_error(res, req, &e);
        return;
    }
    report_targets_t targets;
    if (report_targets_load(report_targets_dir(), code, &targets, &e)) {
        division_clear(&d);
        e.code = DM_EINTERNAL; /* a broken configuration file is ours, not the client's */
        response_from_error(res, req, &e);
        return;
    }
    const coverage_graph_t *g = request_graph(req);
    report_item_t *items = NULL;
    rc = report_evaluate(s, g, code, date, targets.v, targets.n, &items, &e);
    if (rc)
        response_from_error(res, req, &e);
    else
        response_json(res, 200, coverage_report_json(items, targets.n, code, d.name, date));
    report_items_free(items, targets.n);
    report_targets_free(&targets);
    division_clear(&d);
}

const route_t coverage_routes[] = {
    {"GET", "/reports/elderly", report_elderly},
    {"GET", "/coverage/network", network},
    {"GET", "/coverage/isochrone", isochrone},
    {"GET", "/coverage", coverage},
    {"POST", "/coverage/suggest", suggest},
    {NULL, NULL, NULL},
};
