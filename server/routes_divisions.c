/* routes_divisions.c — /health and the division endpoints:
 *   GET /divisions/locate?lon=&lat=[&date=]  the chain province → village
 *   GET /divisions/{code}[?date=]            one division with its outline
 *   GET /divisions[?parent=CODE][&date=]     the children of a division
 * Point lookup uses the in-memory index (gis/locate.h); the others read the
 * store through the worker thread's connection. */
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/divcode.h"
#include "server/json.h"
#include "server/jsonw.h"
#include "server/routes.h"

/* date= parameter, or today. Fills a 400 and returns -1 when malformed. */
static int param_date(request_t *req, response_t *res, char out[11])
{
    const char *v = request_query(req, "date");
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

static void health(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    division_index_stats_t st = division_index_stats(request_divisions(req));
    json_t *doc = json_pack("{s:s,s:i,s:I,s:{s:I,s:I,s:f}}", "status", "ok", "schema_version", STORE_SCHEMA_VERSION,
                            "data_version", (json_int_t)request_data_version(req), "divisions_index", "divisions",
                            (json_int_t)st.divisions, "vertices", (json_int_t)st.vertices, "build_seconds",
                            st.build_seconds);
    response_json(res, 200, doc);
}

static void locate(request_t *req, response_t *res)
{
    double lon, lat;
    char date[11];
    if (param_double(req, res, "lon", 1, -180, 180, &lon, NULL) ||
        param_double(req, res, "lat", 1, -90, 90, &lat, NULL) || param_date(req, res, date))
        return;
    const division_entry_t *chain[LOCATE_MAX_CHAIN];
    int n = division_index_locate(request_divisions(req), lon, lat, date, chain);
    /* The hottest answer of the server: written directly, not through a
     * jansson tree (bench/locate measured 4/5 of the request in jansson). */
    jsonw_t w;
    jsonw_init(&w);
    jsonw_lit(&w, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            jsonw_lit(&w, ",");
        size_t flen;
        const char *f = request_division_feature(req, chain[i], &flen);
        jsonw_raw(&w, f, flen);
    }
    /* The point as given, to 1e-9° (0.1 mm), without printf. */
    jsonw_lit(&w, "],\"query\":{\"lon\":");
    jsonw_fixed(&w, lon, 9);
    jsonw_lit(&w, ",\"lat\":");
    jsonw_fixed(&w, lat, 9);
    jsonw_lit(&w, ",\"date\":");
    jsonw_str(&w, date);
    jsonw_lit(&w, "}");
    /* Distance to the boundary of the lowest division found (gis/boundary.h). */
    boundary_distance_t bd;
    dm_error e;
    if (n > 0 && boundary_distance(request_boundaries(req), lon, lat, chain[n - 1]->code, date, &bd, &e) == 0) {
        jsonw_lit(&w, ",\"boundary\":");
        boundary_distance_write(&w, chain[n - 1]->code, &bd);
    }
    jsonw_lit(&w, "}");
    size_t len;
    char *body = jsonw_steal(&w, &len);
    response_json_text(res, 200, body, len);
}

static void get_one(request_t *req, response_t *res)
{
    char code[13], date[11];
    dm_error e;
    if (divcode_parse(request_last_segment(req), code, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    if (param_date(req, res, date))
        return;
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    division_t d;
    if (store_division_get(s, code, date, 1, &d, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, division_feature(&d));
    division_clear(&d);
}

static int add_child(const division_t *d, void *ctx)
{
    json_array_append_new(ctx, division_feature(d));
    return 0;
}

static void children(request_t *req, response_t *res)
{
    char parent[13] = "", date[11];
    dm_error e;
    const char *p = request_query(req, "parent");
    if (p && divcode_parse(p, parent, &e)) {
        snprintf(e.param, sizeof e.param, "parent");
        response_from_error(res, req, &e);
        return;
    }
    if (param_date(req, res, date))
        return;
    const char *g = request_query(req, "geometry");
    int with_geom = g && (strcmp(g, "true") == 0 || strcmp(g, "1") == 0);
    if (g && !with_geom && strcmp(g, "false") != 0 && strcmp(g, "0") != 0) {
        response_error(res, req, 400, "invalid_parameter", "geometry", "geometry must be true or false");
        return;
    }
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    if (parent[0]) {
        int exists = store_division_exists(s, parent, date, &e);
        if (exists < 0) {
            response_from_error(res, req, &e);
            return;
        }
        if (!exists) {
            response_error(res, req, 404, "not_found", "parent", "no division with code %s valid on %s", parent,
                           date);
            return;
        }
    }
    json_t *features = json_array();
    if (store_division_children(s, parent, date, with_geom, add_child, features, &e)) {
        json_decref(features);
        response_from_error(res, req, &e);
        return;
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "parent", parent[0] ? json_string(parent) : json_null());
    json_object_set_new(doc, "date", json_string(date));
    response_json(res, 200, doc);
}

const route_t divisions_routes[] = {
    {"GET", "/health", health},
    {"GET", "/divisions/locate", locate},
    {"GET", "/divisions/{}", get_one},
    {"GET", "/divisions", children},
    {NULL, NULL, NULL},
};
