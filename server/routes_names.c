/* routes_names.c — the name standardisation endpoints (gis/names.h):
 *   GET  /names/pinyin?q=NAME[&category=]           standard spelling, toned form, split
 *   GET  /names/standardize?q=…[&near=lon,lat][&division=CODE][&category=][&limit=]
 *   POST /names/check  {name, category, geometry?, division?, width_m?, area_ha?, floor_area_m2?,
 *                       locality?, replaces?, heritage_override?, pinyin?}
 *   POST /names/audit  {observations: [{id?, text, channel?, lon?, lat?, category?, enterprise?, credit_code?, pinyin?}],
 *                       tolerance_m?, approved_before?, required_channels?}
 * plus the JSON encoders `diming names` shares. The name index is built at
 * server start and after imports (request_names); each worker thread has its own names worker
 * (normaliser + ICU transliterator, not thread-safe). */
#include <geos_c.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/geom.h"
#include "gis/names.h"
#include "gis/text.h"
#include "server/json.h"
#include "server/reqlimits.h"
#include "server/routes.h"

#ifndef DIMING_NAMES_DATA
#define DIMING_NAMES_DATA "share/names"
#endif
#ifndef DIMING_PINYIN_DICT
#define DIMING_PINYIN_DICT "/usr/share/rime-data/luna_pinyin.dict.yaml"
#endif

void names_default_config(names_config_t *cfg)
{
    const char *d = getenv("DIMING_NAMES_DATA"), *p = getenv("DIMING_PINYIN_DICT");
    cfg->data_dir = d && *d ? d : DIMING_NAMES_DATA;
    cfg->pinyin_dict = p ? p : DIMING_PINYIN_DICT; /* "" turns the word list off */
    /* Without the package the server still starts (ICU and share/names
     * readings only); an explicitly named file must exist. */
    cfg->pinyin_dict_optional = p == NULL;
}

int names_geojson_to_wkb(const char *geojson, unsigned char **wkb, size_t *len, dm_error *err)
{
    *wkb = NULL;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
    GEOSGeometry *g = r ? GEOSGeoJSONReader_readGeometry_r(h, r, geojson) : NULL;
    if (r)
        GEOSGeoJSONReader_destroy_r(h, r);
    if (!g)
        return dm_error_set(err, DM_EGEOM, "geometry", "geometry is not valid GeoJSON: %.200s", geom_last_error());
    if (GEOSisEmpty_r(h, g) || !geom_in_lonlat_range(g)) {
        GEOSGeom_destroy_r(h, g);
        return dm_error_set(err, DM_EGEOM, "geometry", "geometry must be non-empty lon/lat (CGCS2000)");
    }
    *wkb = geom_to_wkb(g, len);
    GEOSGeom_destroy_r(h, g);
    return *wkb ? 0 : dm_error_set(err, DM_EGEOM, "geometry", "geometry cannot be encoded");
}

json_t *names_parts_json(const name_parts_t *np, name_category_t cat)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "name", np->norm, "category",
                     names_category_name(cat), "pinyin", np->pinyin, "pinyin_toned", np->pinyin_toned, "specific",
                     np->specific, "generic", np->generic, "orientation", np->orientation, "base_generic",
                     np->base_generic, "duplicate_key", np->dup_key, "homophone_key", np->hom_key, "ordinal_only",
                     np->ordinal_only);
    if (o)
        json_object_set_new(o, "section", json_string(np->section));
    return o;
}

static json_t *entry_properties(const name_entry_t *e)
{
    json_t *p = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)e->id, "name", e->name, "category",
                          names_category_name(e->category), "division_code", e->division_code);
    json_object_set_new(p, "status", e->status ? json_string(e->status) : json_null());
    json_object_set_new(p, "former_names", e->former_names ? json_string(e->former_names) : json_null());
    return p;
}

static json_t *entry_feature(const name_entry_t *e, json_t *props)
{
    json_t *geom = isnan(e->lon) ? json_null()
                                 : json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", e->lon, e->lat);
    return json_pack("{s:s,s:o,s:o}", "type", "Feature", "geometry", geom, "properties", props);
}

json_t *names_matches_json(const name_match_t *m, size_t n)
{
    json_t *features = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *p = entry_properties(m[i].entry);
        json_object_set_new(p, "match", json_string(names_match_type_name(m[i].type)));
        json_object_set_new(p, "score", json_real(m[i].score));
        json_object_set_new(p, "distance_m", isnan(m[i].distance_m) ? json_null()
                                                                     : json_integer((json_int_t)lround(m[i].distance_m)));
        json_array_append_new(features, entry_feature(m[i].entry, p));
    }
    return feature_collection(features);
}

json_t *names_check_json(const name_check_t *c)
{
    json_t *findings = json_array();
    for (size_t i = 0; i < c->nfindings; i++) {
        const name_finding_t *f = &c->findings[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "rule", f->rule, "severity", names_severity_name(f->severity),
                              "message_zh", f->message_zh, "message_en", f->message_en, "source", f->source);
        if (f->conflict)
            json_object_set_new(o, "conflict_id", json_integer((json_int_t)f->conflict->id));
        json_array_append_new(findings, o);
    }
    json_t *conflicts = json_array();
    for (size_t i = 0; i < c->nconflicts; i++) {
        json_t *p = entry_properties(c->conflicts[i].entry);
        json_object_set_new(p, "rule", json_string(c->conflicts[i].rule));
        json_object_set_new(p, "distance_m", isnan(c->conflicts[i].distance_m)
                                                 ? json_null()
                                                 : json_integer((json_int_t)lround(c->conflicts[i].distance_m)));
        json_array_append_new(conflicts, entry_feature(c->conflicts[i].entry, p));
    }
    json_t *divs = json_array();
    for (size_t i = 0; i < c->ndivisions; i++)
        json_array_append_new(divs, json_pack("{s:s,s:s,s:i}", "code", c->divisions[i]->code, "name",
                                              c->divisions[i]->name, "level", (int)c->divisions[i]->level));
    return json_pack("{s:s,s:o,s:o,s:o,s:b,s:o}", "verdict", names_verdict_name(c->verdict), "findings", findings,
                     "name", names_parts_json(&c->parts, c->category), "divisions", divs, "crosses_county",
                     c->crosses_county, "conflicts", feature_collection(conflicts));
}

/* q= (required, non-empty, valid UTF-8, at most NAMES_MAX_INPUT bytes). */
static const char *param_name(request_t *req, response_t *res, const char *pname)
{
    const char *q = request_query(req, pname);
    if (!q || !*q) {
        response_error(res, req, 400, "missing_parameter", pname, "%s is required (a place name)", pname);
        return NULL;
    }
    if (strlen(q) > NAMES_MAX_INPUT) {
        response_error(res, req, 400, "invalid_parameter", pname, "%s is too long (%zu bytes, at most %d)", pname,
                       strlen(q), NAMES_MAX_INPUT);
        return NULL;
    }
    if (!text_is_utf8(q, strlen(q))) {
        response_error(res, req, 400, "invalid_parameter", pname, "%s is not valid UTF-8", pname);
        return NULL;
    }
    return q;
}

static int param_category(request_t *req, response_t *res, name_category_t *cat, int *present)
{
    const char *c = request_query(req, "category");
    *present = c != NULL;
    if (!c)
        return 0;
    dm_error e;
    if (names_category_parse(c, cat, &e)) {
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

static void pinyin(request_t *req, response_t *res)
{
    name_category_t cat = NAME_CAT_ROAD;
    int has_cat;
    const char *q = param_name(req, res, "q");
    if (!q || param_category(req, res, &cat, &has_cat))
        return;
    names_worker_t *w = worker(req, res);
    if (!w)
        return;
    name_parts_t *np = malloc(sizeof *np);
    dm_error e;
    if (!np || names_analyze(w, q, (size_t)-1, cat, np, &e)) {
        if (np)
            snprintf(e.param, sizeof e.param, "q");
        else
            dm_error_set(&e, DM_ENOMEM, NULL, "out of memory");
        response_from_error(res, req, &e);
        free(np);
        return;
    }
    response_json(res, 200, names_parts_json(np, cat));
    free(np);
}

static void standardize(request_t *req, response_t *res)
{
    names_query_t q = {.len = (size_t)-1, .limit = 10};
    int has_cat;
    if (!(q.text = param_name(req, res, "q")) || param_category(req, res, &q.category, &has_cat))
        return;
    q.has_category = has_cat;
    const char *near = request_query(req, "near");
    if (near) {
        char *end;
        q.near_lon = strtod(near, &end);
        int bad = end == near || *end != ',';
        if (!bad) {
            const char *lat = end + 1;
            q.near_lat = strtod(lat, &end);
            bad = end == lat || *end;
        }
        if (bad || !(q.near_lon >= -180 && q.near_lon <= 180) || !(q.near_lat >= -90 && q.near_lat <= 90)) {
            response_error(res, req, 400, "invalid_parameter", "near", "near must be lon,lat in degrees, got '%.40s'",
                           near);
            return;
        }
        q.has_near = 1;
    }
    const char *div = request_query(req, "division");
    if (div) {
        size_t n = strlen(div);
        if (strspn(div, "0123456789") != n || (n != 2 && n != 4 && n != 6 && n != 9 && n != 12)) {
            response_error(res, req, 400, "invalid_parameter", "division",
                           "division must be a code of 2, 4, 6, 9 or 12 digits, got '%.20s'", div);
            return;
        }
        q.division = div;
    }
    double limit;
    int has_limit;
    if (param_double(req, res, "limit", 0, 1, 100, &limit, &has_limit))
        return;
    if (has_limit) {
        if (limit != (int)limit) {
            response_error(res, req, 400, "invalid_parameter", "limit", "limit must be a whole number");
            return;
        }
        q.limit = (int)limit;
    }
    names_worker_t *w = worker(req, res);
    if (!w)
        return;
    name_match_t *m = NULL;
    size_t n = 0;
    dm_error e;
    if (names_standardize(w, request_names(req), &q, &m, &n, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    json_t *doc = names_matches_json(m, n);
    free(m);
    json_object_set_new(doc, "query", json_string(q.text));
    response_json(res, 200, doc);
}

/* The optional facts of a proposal: sizes (NAME-GENERIC-SCALE), locality
 * (NAME-FACILITY-LOCALITY), the name it replaces and the override
 * (NAME-HERITAGE), its pinyin (NAME-PINYIN). 0, or -1 with a 400 sent. */
static int check_options(request_t *req, response_t *res, json_t *doc, names_proposal_t *p)
{
    static const struct {
        const char *key;
        size_t off;
        double max;
    } nums[] = {{"width_m", offsetof(names_proposal_t, width_m), 1000},
                {"area_ha", offsetof(names_proposal_t, area_ha), 100000},
                {"floor_area_m2", offsetof(names_proposal_t, floor_area_m2), 1e9}};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        json_t *v = json_object_get(doc, nums[i].key);
        if (!v || json_is_null(v))
            continue;
        double d = json_is_number(v) ? json_number_value(v) : NAN;
        if (!(d > 0 && d <= nums[i].max)) {
            response_error(res, req, 400, "invalid_parameter", nums[i].key, "%s must be a number in (0, %g]",
                           nums[i].key, nums[i].max);
            return -1;
        }
        *(double *)((char *)p + nums[i].off) = d;
    }
    static const struct {
        const char *key;
        size_t off;
    } strs[] = {{"locality", offsetof(names_proposal_t, locality)},
                {"replaces", offsetof(names_proposal_t, replaces)},
                {"pinyin", offsetof(names_proposal_t, pinyin)}};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        json_t *v = json_object_get(doc, strs[i].key);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > NAMES_MAX_INPUT ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            response_error(res, req, 400, "invalid_parameter", strs[i].key,
                           "%s must be a non-empty string of at most %d bytes", strs[i].key, NAMES_MAX_INPUT);
            return -1;
        }
        *(const char **)((char *)p + strs[i].off) = json_string_value(v);
    }
    json_t *ov = json_object_get(doc, "heritage_override");
    if (ov && !json_is_null(ov)) {
        if (!json_is_boolean(ov)) {
            response_error(res, req, 400, "invalid_parameter", "heritage_override",
                           "heritage_override must be true or false");
            return -1;
        }
        p->heritage_override = json_is_true(ov);
    }
    return 0;
}

static void check(request_t *req, response_t *res)
{
    if (!req->body || !req->body_len) {
        response_error(res, req, 400, "invalid_body", NULL, "a JSON body {name, category, geometry?} is required");
        return;
    }
    json_error_t je;
    json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!doc || !json_is_object(doc)) {
        response_error(res, req, 400, "invalid_body", NULL, "body is not a JSON object: %s", doc ? "" : je.text);
        json_decref(doc);
        return;
    }
    json_t *jn = json_object_get(doc, "name"), *jc = json_object_get(doc, "category"),
           *jg = json_object_get(doc, "geometry"), *jd = json_object_get(doc, "division");
    names_proposal_t p = {0};
    char today[11];
    date_today(today);
    p.date = today;
    dm_error e = {0};
    unsigned char *wkb = NULL;
    if (!json_is_string(jn) || !json_string_length(jn)) {
        response_error(res, req, 400, "invalid_parameter", "name", "name must be a non-empty string");
        goto done;
    }
    p.name = json_string_value(jn);
    p.len = json_string_length(jn);
    if (!json_is_string(jc)) {
        response_error(res, req, 400, "invalid_parameter", "category", "category must be a string");
        goto done;
    }
    if (names_category_parse(json_string_value(jc), &p.category, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    if (jd && !json_is_null(jd)) {
        const char *d = json_is_string(jd) ? json_string_value(jd) : "";
        size_t n = strlen(d);
        if (strspn(d, "0123456789") != n || (n != 6 && n != 9 && n != 12)) {
            response_error(res, req, 400, "invalid_parameter", "division",
                           "division must be a code of 6, 9 or 12 digits");
            goto done;
        }
        p.division = d;
    }
    if (jg && !json_is_null(jg)) {
        if (request_check_vertices(req, res, "geometry", jg))
            goto done;
        char *gj = json_is_object(jg) ? json_dumps(jg, JSON_COMPACT) : NULL;
        int rc = gj ? names_geojson_to_wkb(gj, &wkb, &p.wkb_len, &e)
                    : dm_error_set(&e, DM_EGEOM, "geometry", "geometry must be a GeoJSON geometry object");
        free(gj);
        if (rc) {
            response_from_error(res, req, &e);
            goto done;
        }
        p.wkb = wkb;
    }
    if (check_options(req, res, doc, &p))
        goto done;
    names_worker_t *w = worker(req, res);
    if (!w)
        goto done;
    name_check_t c;
    if (names_check(w, request_names(req), request_divisions(req), &p, &c, &e)) {
        if (e.code == DM_EINVAL && !e.param[0])
            snprintf(e.param, sizeof e.param, "name");
        response_from_error(res, req, &e);
        goto done;
    }
    response_json(res, 200, names_check_json(&c));
    names_check_clear(&c);
done:
    free(wkb);
    json_decref(doc);
}

json_t *names_audit_json(const name_audit_finding_t *f, size_t n, const name_observation_t *obs)
{
    json_t *features = json_array();
    for (size_t i = 0; i < n; i++) {
        const name_observation_t *o = f[i].observation >= 0 ? &obs[f[i].observation] : NULL;
        json_t *p = json_pack("{s:s,s:s,s:s}", "type", names_audit_type_name(f[i].type), "subtype",
                              f[i].subtype ? f[i].subtype : "", "rule", f[i].rule);
        if (o) {
            json_object_set_new(p, "observation", json_integer(f[i].observation));
            json_object_set_new(p, "observation_id", o->id ? json_string(o->id) : json_null());
            json_object_set_new(p, "text", json_string(o->text));
            json_object_set_new(p, "channel", o->channel ? json_string(o->channel) : json_null());
            json_object_set_new(p, "enterprise", o->enterprise ? json_string(o->enterprise) : json_null());
            json_object_set_new(p, "credit_code", o->credit_code ? json_string(o->credit_code) : json_null());
            if (o->pinyin)
                json_object_set_new(p, "pinyin", json_string(o->pinyin));
        } else
            json_object_set_new(p, "channel", f[i].channel ? json_string(f[i].channel) : json_null());
        json_object_set_new(p, "channel_kind", f[i].channel ? json_string(f[i].channel) : json_null());
        /* The evidence: the observations behind an entry-level finding. */
        json_t *ev = json_array();
        for (size_t k = 0; k < f[i].nevidence; k++) {
            const name_observation_t *e = &obs[f[i].evidence[k]];
            json_t *x = json_pack("{s:I,s:o,s:s,s:o,s:o,s:o}", "observation", (json_int_t)f[i].evidence[k],
                                  "observation_id", e->id ? json_string(e->id) : json_null(), "text", e->text,
                                  "channel", e->channel ? json_string(e->channel) : json_null(), "enterprise",
                                  e->enterprise ? json_string(e->enterprise) : json_null(), "credit_code",
                                  e->credit_code ? json_string(e->credit_code) : json_null());
            json_array_append_new(ev, x);
        }
        json_object_set_new(p, "evidence", ev);
        json_object_set_new(p, "standard_name", f[i].entry ? json_string(f[i].entry->name) : json_null());
        json_object_set_new(p, "standard_id", f[i].entry ? json_integer((json_int_t)f[i].entry->id) : json_null());
        json_object_set_new(p, "division_code", f[i].entry ? json_string(f[i].entry->division_code) : json_null());
        json_object_set_new(p, "distance_m", isnan(f[i].distance_m) ? json_null()
                                                                     : json_integer((json_int_t)lround(f[i].distance_m)));
        double x = o ? o->lon : f[i].entry->lon, y = o ? o->lat : f[i].entry->lat;
        json_t *geom = isnan(x) ? json_null() : json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", x, y);
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "geometry", geom,
                                                  "properties", p));
    }
    return feature_collection(features);
}

/* Observations from a JSON array; strings are borrowed from `arr`. */
int names_observations_from_json(json_t *arr, name_observation_t **out, size_t *n, dm_error *err)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return dm_error_set(err, DM_EINVAL, "observations", "observations must be a non-empty array");
    if (json_array_size(arr) > 100000)
        return dm_error_set(err, DM_ELIMIT, "observations", "at most 100000 observations per request");
    name_observation_t *o = calloc(json_array_size(arr), sizeof *o);
    if (!o)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *t = json_object_get(v, "text"), *id = json_object_get(v, "id"), *ch = json_object_get(v, "channel"),
               *lon = json_object_get(v, "lon"), *lat = json_object_get(v, "lat"), *cat = json_object_get(v, "category"),
               *ent = json_object_get(v, "enterprise"), *ucc = json_object_get(v, "credit_code"),
               *py = json_object_get(v, "pinyin");
        int rc = 0;
        if (!json_is_string(t) || !json_string_length(t))
            rc = dm_error_set(err, DM_EINVAL, "text", "observations[%zu].text must be a non-empty string", i);
        else if (cat && names_category_parse(json_is_string(cat) ? json_string_value(cat) : "", &o[i].category, err))
            rc = DM_EINVAL;
        else if ((lon && !json_is_number(lon)) || (lat && !json_is_number(lat)) || (!lon != !lat) ||
                 (lon && !(fabs(json_number_value(lon)) <= 180 && fabs(json_number_value(lat)) <= 90)))
            rc = dm_error_set(err, DM_EINVAL, "lon", "observations[%zu]: lon and lat must be given together, in degrees",
                              i);
        else if ((ent && !json_is_null(ent) && !json_is_string(ent)) || (ucc && !json_is_null(ucc) && !json_is_string(ucc)))
            rc = dm_error_set(err, DM_EINVAL, ent && !json_is_null(ent) && !json_is_string(ent) ? "enterprise" : "credit_code",
                              "observations[%zu]: enterprise and credit_code must be strings", i);
        else if (py && !json_is_null(py) && !json_is_string(py))
            rc = dm_error_set(err, DM_EINVAL, "pinyin", "observations[%zu].pinyin must be a string", i);
        if (rc) {
            free(o);
            return rc;
        }
        o[i].text = json_string_value(t);
        o[i].pinyin = json_is_string(py) ? json_string_value(py) : NULL;
        o[i].enterprise = json_is_string(ent) ? json_string_value(ent) : NULL;
        o[i].credit_code = json_is_string(ucc) ? json_string_value(ucc) : NULL;
        o[i].id = json_is_string(id) ? json_string_value(id) : NULL;
        o[i].channel = json_is_string(ch) ? json_string_value(ch) : NULL;
        o[i].has_category = cat != NULL;
        o[i].lon = lon ? json_number_value(lon) : NAN;
        o[i].lat = lat ? json_number_value(lat) : NAN;
    }
    *out = o;
    *n = json_array_size(arr);
    return 0;
}

static void audit(request_t *req, response_t *res)
{
    json_error_t je;
    json_t *doc = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!doc || !json_is_object(doc)) {
        response_error(res, req, 400, "invalid_body", NULL, "body must be a JSON object {observations: [...]}%s%s",
                       doc ? "" : ": ", doc ? "" : (req->body ? je.text : "no body"));
        json_decref(doc);
        return;
    }
    dm_error e = {0};
    name_observation_t *obs = NULL;
    size_t n = 0;
    names_audit_params_t prm = {0};
    json_t *tol = json_object_get(doc, "tolerance_m"), *before = json_object_get(doc, "approved_before");
    char date[11];
    if (tol && (!json_is_number(tol) || !(json_number_value(tol) > 0 && json_number_value(tol) <= 50000))) {
        response_error(res, req, 400, "invalid_parameter", "tolerance_m", "tolerance_m must be a number in (0, 50000]");
        goto done;
    }
    prm.tolerance_m = tol ? json_number_value(tol) : 0;
    if (before) {
        if (!json_is_string(before) || date_parse(json_string_value(before), date, "approved_before", &e)) {
            if (!e.code)
                dm_error_set(&e, DM_EINVAL, "approved_before", "approved_before must be a date YYYY-MM-DD");
            response_from_error(res, req, &e);
            goto done;
        }
        prm.approved_before = date;
    }
    names_worker_t *w = worker(req, res);
    if (!w)
        goto done;
    json_t *rq = json_object_get(doc, "required_channels");
    const char *req_ch[16];
    if (rq && !json_is_null(rq)) {
        size_t k;
        json_t *v;
        int bad = !json_is_array(rq) || json_array_size(rq) == 0 || json_array_size(rq) > 16;
        json_array_foreach(rq, k, v)
        {
            const char *c = json_is_string(v) ? names_channel_canonical(names_worker_lexicon(w), json_string_value(v), NULL)
                                              : NULL;
            if (bad || !c) {
                bad = 1;
                break;
            }
            req_ch[k] = c;
        }
        if (bad) {
            response_error(res, req, 400, "invalid_parameter", "required_channels",
                           "required_channels must be an array of 1 to 16 known channels (sign, household, property, "
                           "enterprise, internet_map, advert)");
            goto done;
        }
        prm.required_channels = req_ch;
        prm.nrequired_channels = json_array_size(rq);
    }
    if (names_observations_from_json(json_object_get(doc, "observations"), &obs, &n, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    name_audit_finding_t *f = NULL;
    size_t nf = 0;
    if (names_audit(w, request_names(req), obs, n, &prm, &f, &nf, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    response_json(res, 200, names_audit_json(f, nf, obs));
    free(f);
done:
    free(obs);
    json_decref(doc);
}

const route_t names_routes[] = {
    {"POST", "/names/audit", audit},
    {"GET", "/names/pinyin", pinyin},
    {"GET", "/names/standardize", standardize},
    {"POST", "/names/check", check},
    {NULL, NULL, NULL},
};
