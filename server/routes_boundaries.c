/* routes_boundaries.c — the boundary endpoints:
 *   GET  /boundaries[?level=][&code=][&status=][&date=]  boundary lines in force on date, as GeoJSON
 *   GET  /boundaries/changes?from=&to=[&status=]  line versions started or ended in (from, to]
 *   POST /boundaries/check                        divisions, lines and markers a geometry touches
 *   GET  /boundaries/markers/audit[?line=][&tolerance_m=][&as_of=]   marker findings
 *   GET  /divisions/qa?parent=[&tolerance_m=][&date=]                topology QA
 * Handlers parse and validate, call one gis/boundary.h function and encode
 * the answer; the in-memory boundary index comes from the server. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundary.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "server/json.h"
#include "server/reqlimits.h"
#include "server/routes.h"

static store_t *store_or_error(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s)
        response_from_error(res, req, &e);
    return s;
}

/* A division code parameter that must name a division valid on `date`. */
static int param_code(request_t *req, response_t *res, store_t *s, const char *name, const char *date,
                      char out[13])
{
    const char *v = request_query(req, name);
    dm_error e;
    if (divcode_parse(v, out, &e)) {
        response_error(res, req, 400, "invalid_parameter", name, "%s: %s", name, e.message);
        return -1;
    }
    int exists = store_division_exists(s, out, date, &e);
    if (exists < 0) {
        response_from_error(res, req, &e);
        return -1;
    }
    if (!exists) {
        response_error(res, req, 400, "unknown_code", name, "%s: no division with code %s valid on %s", name, out,
                       date);
        return -1;
    }
    return 0;
}

static int param_date_opt(request_t *req, response_t *res, const char *name, char out[11])
{
    const char *v = request_query(req, name);
    if (!v) {
        date_today(out);
        return 0;
    }
    dm_error e;
    if (date_parse(v, out, name, &e)) {
        response_from_error(res, req, &e);
        return -1;
    }
    return 0;
}

/* ---- GET /boundaries ---------------------------------------------------------- */

static json_t *line_properties(const boundary_line_t *l)
{
    json_t *p = json_object();
    json_object_set_new(p, "id", json_integer(l->id));
    json_object_set_new(p, "name", json_string(l->name ? l->name : ""));
    json_object_set_new(p, "level", json_string(division_level_name(l->level)));
    json_object_set_new(p, "left_code", json_string(l->left_code));
    json_object_set_new(p, "right_code", json_string(l->right_code));
    json_object_set_new(p, "line_code", l->line_code ? json_string(l->line_code) : json_null());
    json_object_set_new(p, "length_m", json_real(round(l->length_m * 10) / 10));
    json_object_set_new(p, "status", json_string(l->status ? l->status : "unknown"));
    json_object_set_new(p, "agreement_ref", l->agreement_ref ? json_string(l->agreement_ref) : json_null());
    json_object_set_new(p, "source", json_string(l->source ? l->source : "derived"));
    json_object_set_new(p, "tolerance_m", json_real(l->tolerance_m));
    json_object_set_new(p, "valid_from", l->valid_from && *l->valid_from ? json_string(l->valid_from) : json_null());
    json_object_set_new(p, "valid_to", l->valid_to && *l->valid_to ? json_string(l->valid_to) : json_null());
    return p;
}

static int add_line(const boundary_line_t *l, void *ctx)
{
    json_t *f = json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", line_properties(l), "geometry",
                          geojson_geometry_wkb(l->wkb, l->wkb_len));
    json_array_append_new(ctx, f);
    return 0;
}

static void list_lines(request_t *req, response_t *res)
{
    division_level_t level = LEVEL_NONE;
    const char *lv = request_query(req, "level");
    if (lv && (level = division_level_parse(lv)) == LEVEL_NONE) {
        response_error(res, req, 400, "invalid_parameter", "level",
                       "level must be province, prefecture, county, township or village, got '%s'", lv);
        return;
    }
    const char *status = request_query(req, "status");
    if (status && strcmp(status, "agreed") && strcmp(status, "not_agreed") && strcmp(status, "unknown")) {
        response_error(res, req, 400, "invalid_parameter", "status",
                       "status must be agreed, not_agreed or unknown, got '%s'", status);
        return;
    }
    store_t *s = store_or_error(req, res);
    if (!s)
        return;
    /* The line versions in force on `date` (default today). */
    char code[13] = "", date[11];
    if (param_date_opt(req, res, "date", date))
        return;
    if (request_query(req, "code") && param_code(req, res, s, "code", date, code))
        return;
    json_t *features = json_array();
    dm_error e;
    if (store_boundary_lines_on(s, level, code, status, date, add_line, features, &e)) {
        json_decref(features);
        response_from_error(res, req, &e);
        return;
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "level", level ? json_string(division_level_name(level)) : json_null());
    json_object_set_new(doc, "code", code[0] ? json_string(code) : json_null());
    json_object_set_new(doc, "date", json_string(date));
    response_json(res, 200, doc);
}

/* ---- GET /boundaries/changes ------------------------------------------------------ */

typedef struct {
    json_t *features;
    const char *from, *to;
} line_changes_t;

static int add_line_change(const boundary_line_t *l, void *ctx)
{
    line_changes_t *c = ctx;
    json_t *p = line_properties(l);
    int started = l->valid_from && *l->valid_from && strcmp(l->valid_from, c->from) > 0 &&
                  strcmp(l->valid_from, c->to) <= 0;
    int ended = l->valid_to && *l->valid_to && strcmp(l->valid_to, c->from) > 0 && strcmp(l->valid_to, c->to) <= 0;
    json_object_set_new(p, "started", json_boolean(started));
    json_object_set_new(p, "ended", json_boolean(ended));
    json_array_append_new(c->features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", p, "geometry",
                                                 geojson_geometry_wkb(l->wkb, l->wkb_len)));
    return 0;
}

/* The line versions that started or ended in (from, to]: what an edition
 * changed on the ground, and with status=unknown the new segments to agree. */
static void line_changes(request_t *req, response_t *res)
{
    char from[11], to[11];
    dm_error e;
    const char *f = request_query(req, "from"), *t = request_query(req, "to");
    if (!f || !t) {
        response_error(res, req, 400, "missing_parameter", f ? "to" : "from", "%s is required (YYYY-MM-DD)",
                       f ? "to" : "from");
        return;
    }
    if (date_parse(f, from, "from", &e) || date_parse(t, to, "to", &e)) {
        response_from_error(res, req, &e);
        return;
    }
    if (strcmp(from, to) > 0) {
        response_error(res, req, 400, "invalid_parameter", "to", "to (%s) is before from (%s)", to, from);
        return;
    }
    const char *status = request_query(req, "status");
    if (status && strcmp(status, "agreed") && strcmp(status, "not_agreed") && strcmp(status, "unknown")) {
        response_error(res, req, 400, "invalid_parameter", "status",
                       "status must be agreed, not_agreed or unknown, got '%s'", status);
        return;
    }
    store_t *s = store_or_error(req, res);
    if (!s)
        return;
    line_changes_t c = {json_array(), from, to};
    if (store_boundary_line_changes(s, from, to, status, add_line_change, &c, &e)) {
        json_decref(c.features);
        response_from_error(res, req, &e);
        return;
    }
    json_t *doc = feature_collection(c.features);
    json_object_set_new(doc, "from", json_string(from));
    json_object_set_new(doc, "to", json_string(to));
    response_json(res, 200, doc);
}

/* ---- POST /boundaries/check --------------------------------------------------------- */

static json_t *num1(double v) { return isfinite(v) ? json_real(round(v * 10) / 10) : json_null(); }

static json_t *check_json(const boundary_check_result_t *r, const char *date)
{
    json_t *divs = json_array();
    for (size_t i = 0; i < r->ndivisions; i++) {
        const check_division_t *d = &r->divisions[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s?}", "code", d->div->code, "name", d->div->name, "level",
                              division_level_name(d->div->level), "parent_code", d->div->parent_code, "type",
                              d->div->type && *d->div->type ? d->div->type : NULL);
        if (r->dimension == 1)
            json_object_set_new(o, "length_m", num1(d->length_m));
        else if (r->dimension == 2)
            json_object_set_new(o, "area_m2", num1(d->area_m2));
        json_object_set_new(o, "share", json_real(round(d->share * 1e4) / 1e4));
        json_array_append_new(divs, o);
    }
    json_t *cross = json_array();
    for (size_t i = 0; i < r->ncrossings; i++) {
        const check_crossing_t *c = &r->crossings[i];
        json_t *props = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:s,s:i}", "line_id", (json_int_t)c->line->id, "name",
                                  c->line->name, "level", division_level_name(c->line->level), "left_code",
                                  c->line->left_code, "right_code", c->line->right_code, "line_code",
                                  *c->line->line_code ? c->line->line_code : NULL, "status", c->line->status,
                                  "crossings", c->npoints);
        json_object_set_new(props, "valid_from", *c->line->valid_from ? json_string(c->line->valid_from) : json_null());
        json_object_set_new(props, "valid_to", *c->line->valid_to ? json_string(c->line->valid_to) : json_null());
        json_array_append_new(cross, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props, "geometry",
                                               geojson_geometry(c->points)));
    }
    json_t *marks = json_array();
    for (size_t i = 0; i < r->nmarkers; i++) {
        const bmarker_t *m = r->markers[i].marker;
        json_t *props = json_pack("{s:s,s:s,s:s,s:o}", "number", m->number, "line_code", m->line_code, "status",
                                  m->status, "distance_m", num1(r->markers[i].distance_m));
        json_array_append_new(marks, json_pack("{s:s,s:o,s:{s:s,s:[ff]}}", "type", "Feature", "properties", props,
                                               "geometry", "type", "Point", "coordinates", m->lon, m->lat));
    }
    json_t *approval = json_pack("{s:b,s:s,s:s?,s:s?,s:s}", "above_county", r->approval_above_county, "level",
                                 r->approval_level ? division_level_name(r->approval_level) : "national", "code",
                                 r->approval_by ? r->approval_by->code : NULL, "name",
                                 r->approval_by ? r->approval_by->name : NULL, "reason", r->approval_reason);
    json_t *doc = json_object();
    json_object_set_new(doc, "date", json_string(date));
    json_object_set_new(doc, "geometry_type",
                        json_string(r->dimension == 0 ? "point" : r->dimension == 1 ? "line" : "polygon"));
    if (r->dimension == 1)
        json_object_set_new(doc, "length_m", num1(r->length_m));
    if (r->dimension == 2)
        json_object_set_new(doc, "area_m2", num1(r->area_m2));
    json_object_set_new(doc, "divisions", divs);
    json_object_set_new(doc, "crossings", feature_collection(cross));
    json_object_set_new(doc, "markers", feature_collection(marks));
    json_object_set_new(doc, "approval", approval);
    return doc;
}

static void check(request_t *req, response_t *res)
{
    if (!req->body || !req->body_len) {
        response_error(res, req, 400, "invalid_body", "geometry",
                       "the body must be a GeoJSON geometry, a Feature, or {\"geometry\": …, \"date\": …}");
        return;
    }
    json_error_t je;
    json_t *body = json_loadb(req->body, req->body_len, 0, &je);
    if (!body || !json_is_object(body)) {
        json_decref(body);
        response_error(res, req, 400, "invalid_body", "geometry", "the body is not a JSON object: %s",
                       body ? "expected an object" : je.text);
        return;
    }
    /* {"geometry": …, "date": …}, a Feature, or a bare geometry. */
    json_t *geom = json_object_get(body, "geometry");
    const char *type = json_string_value(json_object_get(body, "type"));
    if (!geom && type && strcmp(type, "Feature") != 0)
        geom = body;
    char date[11];
    const char *dv = json_string_value(json_object_get(body, "date"));
    if (!dv)
        dv = request_query(req, "date");
    dm_error e;
    if (json_object_get(body, "date") && !dv) {
        json_decref(body);
        response_error(res, req, 400, "invalid_parameter", "date", "date must be a string YYYY-MM-DD");
        return;
    }
    if (dv ? date_parse(dv, date, "date", &e) : (date_today(date), 0)) {
        json_decref(body);
        response_from_error(res, req, &e);
        return;
    }
    if (!json_is_object(geom)) {
        json_decref(body);
        response_error(res, req, 400, "invalid_parameter", "geometry", "geometry is missing or not a JSON object");
        return;
    }
    if (request_check_vertices(req, res, "geometry", geom)) {
        json_decref(body);
        return;
    }
    char *text = json_dumps(geom, JSON_COMPACT);
    json_decref(body);
    GEOSGeometry *g = text ? boundary_parse_geojson(text, "geometry", &e) : NULL;
    free(text);
    if (!g) {
        response_from_error(res, req, &e);
        return;
    }
    boundary_check_opts_t o = {.date = date};
    boundary_check_result_t r;
    if (boundary_check(request_boundaries(req), g, &o, &r, &e)) {
        GEOSGeom_destroy_r(geom_ctx(), g);
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, check_json(&r, date));
    boundary_check_result_clear(&r);
    GEOSGeom_destroy_r(geom_ctx(), g);
}

/* ---- GET /boundaries/markers/audit -------------------------------------------------- */

static void audit(request_t *req, response_t *res)
{
    const char *line = request_query(req, "line");
    if (line && (strlen(line) != 4 || strspn(line, "0123456789") != 4)) {
        response_error(res, req, 400, "invalid_parameter", "line", "line must be a 4-digit line code, got '%s'",
                       line);
        return;
    }
    double tol = 50;
    char as_of[11];
    if (param_double(req, res, "tolerance_m", 0, 0.01, 10000, &tol, NULL) ||
        param_date_opt(req, res, "as_of", as_of))
        return;
    store_t *s = store_or_error(req, res);
    if (!s)
        return;
    boundary_audit_opts_t o = {.line_code = line, .tolerance_m = tol, .as_of = as_of};
    boundary_audit_result_t r;
    dm_error e;
    if (boundary_audit(s, &o, &r, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, boundary_audit_json(&r, &o));
    boundary_audit_result_clear(&r);
}

/* ---- GET /divisions/qa ------------------------------------------------------------- */

static void qa(request_t *req, response_t *res)
{
    char date[11], parent[13];
    double tol = 1;
    if (param_date_opt(req, res, "date", date) || param_double(req, res, "tolerance_m", 0, 0, 10000, &tol, NULL))
        return;
    if (!request_query(req, "parent")) {
        response_error(res, req, 400, "missing_parameter", "parent", "parent is required (a division code)");
        return;
    }
    division_level_t level = LEVEL_NONE;
    const char *lv = request_query(req, "level");
    if (lv && (level = division_level_parse(lv)) == LEVEL_NONE) {
        response_error(res, req, 400, "invalid_parameter", "level",
                       "level must be province, prefecture, county, township or village, got '%s'", lv);
        return;
    }
    store_t *s = store_or_error(req, res);
    if (!s || param_code(req, res, s, "parent", date, parent))
        return;
    boundary_qa_opts_t o = {.parent = parent, .level = level, .date = date, .tolerance_m = tol};
    boundary_qa_result_t r;
    dm_error e;
    if (boundary_qa(s, &o, &r, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    response_json(res, 200, boundary_qa_json(&r, parent, date, tol));
    boundary_qa_result_clear(&r);
}

/* ---- GET /divisions/changes ------------------------------------------------------- */

static json_t *side(const char *code, const char *name, const char *type, const char *parent)
{
    if (!code)
        return json_null();
    return json_pack("{s:s,s:s?,s:s?,s:s?}", "code", code, "name", name, "type", type, "parent_code", parent);
}

static int add_change(const division_change_t *c, void *ctx)
{
    json_t *props = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)c->id, "date", c->date, "kind", c->kind,
                              "level", division_level_name(c->level), "from",
                              side(c->code_from, c->name_from, c->type_from, c->parent_from), "to",
                              side(c->code_to, c->name_to, c->type_to, c->parent_to));
    json_object_set_new(props, "area_m2", isfinite(c->area_m2) ? json_real(round(c->area_m2 * 10) / 10) : json_null());
    json_array_append_new(ctx, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props, "geometry",
                                         c->wkb ? geojson_geometry_wkb(c->wkb, c->wkb_len) : json_null()));
    return 0;
}

static void changes(request_t *req, response_t *res)
{
    char from[11], to[11];
    dm_error e;
    const char *f = request_query(req, "from"), *t = request_query(req, "to");
    if (!f || !t) {
        response_error(res, req, 400, "missing_parameter", f ? "to" : "from", "%s is required (YYYY-MM-DD)",
                       f ? "to" : "from");
        return;
    }
    if (date_parse(f, from, "from", &e) || date_parse(t, to, "to", &e)) {
        response_from_error(res, req, &e);
        return;
    }
    if (strcmp(from, to) > 0) {
        response_error(res, req, 400, "invalid_parameter", "to", "to (%s) is before from (%s)", to, from);
        return;
    }
    store_t *s = store_or_error(req, res);
    if (!s)
        return;
    char prefix[13] = "";
    const char *p = request_query(req, "parent");
    if (p) {
        char code[13];
        if (divcode_parse(p, code, &e)) {
            response_error(res, req, 400, "invalid_parameter", "parent", "parent: %s", e.message);
            return;
        }
        int a = store_division_exists(s, code, from, &e), b = a > 0 ? 1 : store_division_exists(s, code, to, &e);
        if (a < 0 || b < 0) {
            response_from_error(res, req, &e);
            return;
        }
        if (!a && !b) {
            response_error(res, req, 400, "unknown_code", "parent", "parent: no division with code %s on %s or %s",
                           code, from, to);
            return;
        }
        divcode_short(code, prefix);
    }
    json_t *features = json_array();
    if (store_changes(s, from, to, prefix, add_change, features, &e)) {
        json_decref(features);
        response_from_error(res, req, &e);
        return;
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "from", json_string(from));
    json_object_set_new(doc, "to", json_string(to));
    json_object_set_new(doc, "parent", p ? json_string(prefix) : json_null());
    response_json(res, 200, doc);
}

const route_t boundaries_routes[] = {
    {"GET", "/divisions/changes", changes},
    {"GET", "/divisions/qa", qa},
    {"GET", "/boundaries/markers/audit", audit},
    {"GET", "/boundaries", list_lines},
    {"GET", "/boundaries/changes", line_changes},
    {"POST", "/boundaries/check", check},
    {NULL, NULL, NULL},
};
