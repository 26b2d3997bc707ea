/* routes_ogc.c — OGC API - Features - Part 1: Core (OGC 17-069r4), GeoJSON:
 *   GET /                                      landing page
 *   GET /conformance                           conformance classes
 *   GET /api                                   the OpenAPI 3.0 definition
 *   GET /collections                           the six layers
 *   GET /collections/{id}                      one of them
 *   GET /collections/{id}/items                features: bbox, limit (1–10000,
 *        default 10), offset, datetime, name, code, category
 *   GET /collections/{id}/items/{featureId}    one feature (its row id)
 *
 * Collections are the tile layers (tiles/tile.h), read through
 * store_layer_features. Coordinates are CGCS2000 lon/lat, which the standard's
 * default CRS84 stands for here (they differ by centimetres). `datetime` is
 * tested against the divisions' validity dates [valid_from, valid_to); the
 * other collections have no validity and are always "valid". Unknown query
 * parameters are refused with 400 (requirement /req/core/query-param-unknown).
 * All answers are JSON, except that a browser asking "/" for HTML gets the
 * web map (routes_web.c); GDAL's OAPIF driver and other clients asking for
 * JSON keep getting the landing document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/store_tiles.h"
#include "server/json.h"
#include "server/reqlimits.h"
#include "server/routes.h"
#include "tiles/tile.h"

#define GEOJSON "application/geo+json"
#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define LIMIT_DEFAULT 10
#define LIMIT_MAX 10000

static void base_url(const request_t *req, char *out, size_t n)
{
    const char *host = request_header(req, "Host");
    int ok = host && *host && strlen(host) < 200;
    for (const char *p = host; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-:[]", *p);
    if (ok)
        snprintf(out, n, "http://%s", host);
    else
        snprintf(out, n, "http://127.0.0.1:%u", server_port(req->srv));
}

static json_t *link(const char *base, const char *path, const char *rel, const char *type, const char *title)
{
    char href[2048];
    snprintf(href, sizeof href, "%s%s", base, path);
    json_t *l = json_pack("{s:s,s:s,s:s}", "href", href, "rel", rel, "type", type);
    if (title)
        json_object_set_new(l, "title", json_string(title));
    return l;
}

static void landing(request_t *req, response_t *res)
{
    if (web_wants_page(req)) { /* a browser: the web map (routes_web.c) */
        web_page(req, res);
        return;
    }
    response_header(res, "Vary", "Accept"); /* the same URL also answers HTML */
    char b[256];
    base_url(req, b, sizeof b);
    json_t *links = json_array();
    json_array_append_new(links, link(b, "/", "self", "application/json", "this document"));
    json_array_append_new(links, link(b, "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                                      "the API definition"));
    json_array_append_new(links, link(b, "/conformance", "conformance", "application/json",
                                      "OGC API conformance classes implemented by this server"));
    json_array_append_new(links, link(b, "/collections", "data", "application/json", "the feature collections"));
    json_array_append_new(links, link(b, "/style.json", "stylesheet", "application/vnd.mapbox.style+json",
                                      "a MapLibre style over the vector tiles"));
    response_json(res, 200,
                  json_pack("{s:s,s:s,s:o}", "title", "diming 地名",
                            "description", "Standard place names, administrative divisions and elderly-care "
                                           "facilities as OGC API - Features and vector tiles",
                            "links", links));
}

static void conformance(request_t *req, response_t *res)
{
    (void)req;
    response_json(res, 200,
                  json_pack("{s:[sss]}", "conformsTo", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"));
}

/* ---- collections ------------------------------------------------------------------ */

static const tile_layer_t *find_collection(request_t *req, response_t *res, const char *id, size_t len)
{
    size_t n;
    const tile_layer_t *cat = tile_layers(&n);
    for (size_t i = 0; i < n; i++)
        if (strlen(cat[i].name) == len && strncmp(cat[i].name, id, len) == 0)
            return &cat[i];
    response_error(res, req, 404, "not_found", "collection",
                   "no collection '%.*s' (collections: %s)", (int)(len > 40 ? 40 : len), id, tile_layer_names());
    return NULL;
}

static json_t *collection_doc(const char *b, store_t *s, const tile_layer_t *l, dm_error *e, int *failed)
{
    char path[128];
    json_t *links = json_array();
    snprintf(path, sizeof path, "/collections/%s", l->name);
    json_array_append_new(links, link(b, path, "self", "application/json", l->title));
    snprintf(path, sizeof path, "/collections/%s/items", l->name);
    json_array_append_new(links, link(b, path, "items", GEOJSON, "the features"));
    double bb[4] = {-180, -90, 180, 90};
    int have = store_layer_extent(s, l->source, bb, e);
    if (have < 0)
        *failed = 1;
    json_t *extent = json_pack("{s:{s:[[ffff]],s:s}}", "spatial", "bbox", bb[0], bb[1], bb[2], bb[3], "crs", CRS84);
    if (store_layer_filters(l->source) & STORE_FILTER_DATE)
        json_object_set_new(extent, "temporal",
                            json_pack("{s:[[nn]],s:s}", "interval", "trs",
                                      "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"));
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:[s]}", "id", l->name, "title", l->title, "description",
                     l->description, "links", links, "extent", extent, "itemType", "feature", "crs", CRS84);
}

static void collections(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    char b[256];
    base_url(req, b, sizeof b);
    size_t n;
    const tile_layer_t *cat = tile_layers(&n);
    json_t *arr = json_array();
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, collection_doc(b, s, &cat[i], &e, &failed));
    if (failed) {
        json_decref(arr);
        response_from_error(res, req, &e);
        return;
    }
    json_t *links = json_array();
    json_array_append_new(links, link(b, "/collections", "self", "application/json", "this document"));
    response_json(res, 200, json_pack("{s:o,s:o}", "links", links, "collections", arr));
}

/* ---- items -------------------------------------------------------------------------- */

static json_t *feature_json(const store_feature_t *f)
{
    json_t *props = json_object();
    for (int i = 0; i < f->nprops; i++) {
        const store_prop_t *p = &f->props[i];
        json_t *v;
        switch (p->type) {
        case STORE_VAL_TEXT: v = json_string(p->text); break;
        case STORE_VAL_INT: v = json_integer(p->i); break;
        case STORE_VAL_REAL: v = json_real(p->d); break;
        default: v = json_null(); break;
        }
        json_object_set_new(props, p->key, v ? v : json_null());
    }
    return json_pack("{s:s,s:I,s:o,s:o}", "type", "Feature", "id", (json_int_t)f->id, "geometry",
                     geojson_geometry_wkb(f->wkb, f->wkb_len), "properties", props);
}

static int add_item(const store_feature_t *f, void *ctx)
{
    json_array_append_new(ctx, feature_json(f));
    return 0;
}

/* A whole number in [min, max]. */
static int param_long(request_t *req, response_t *res, const char *name, long min, long max, long dflt, long *out)
{
    const char *v = request_query(req, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || strspn(v, "0123456789") != strlen(v) || n < min || n > max) {
        response_error(res, req, 400, "invalid_parameter", name, "%s must be a whole number from %ld to %ld, got '%.40s'",
                       name, min, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_bbox(request_t *req, response_t *res, double bb[4])
{
    const char *v = request_query(req, "bbox");
    const char *p = v;
    int n = 0;
    double vals[6];
    while (n < 6) {
        char *end;
        int plain = strspn(p, "0123456789+-.eE") > 0;
        vals[n] = plain ? strtod(p, &end) : 0;
        if (!plain || end == p || (*end && *end != ',') || vals[n] != vals[n])
            break;
        n++;
        if (!*end) {
            p = end;
            break;
        }
        p = end + 1;
    }
    size_t vlen = strlen(v);
    if (*p || (n != 4 && n != 6) || v[vlen - 1] == ',') {
        response_error(res, req, 400, "invalid_parameter", "bbox",
                       "bbox must be four numbers minlon,minlat,maxlon,maxlat, got '%.60s'", v);
        return -1;
    }
    if (n == 6) {
        response_error(res, req, 400, "invalid_parameter", "bbox",
                       "bbox with heights (six numbers) is not supported: these collections are 2D");
        return -1;
    }
    memcpy(bb, vals, sizeof vals[0] * 4);
    if (!(bb[0] >= -180 && bb[2] <= 180 && bb[1] >= -90 && bb[3] <= 90)) {
        response_error(res, req, 400, "invalid_parameter", "bbox",
                       "bbox must lie within longitude -180..180 and latitude -90..90, got '%.60s'", v);
        return -1;
    }
    if (bb[0] > bb[2] || bb[1] > bb[3]) {
        response_error(res, req, 400, "invalid_parameter", "bbox",
                       "bbox is inverted: minlon must not exceed maxlon nor minlat maxlat, got '%.60s'", v);
        return -1;
    }
    return 0;
}

/* One end of a datetime: "..", "" (open), a date or an RFC 3339 date-time
 * (its date is used: validity is kept by day). */
static int datetime_end(const char *text, size_t len, char out[11], int *open, dm_error *e)
{
    *open = 0;
    if (len == 0 || (len == 2 && strncmp(text, "..", 2) == 0)) {
        *open = 1;
        return 0;
    }
    char buf[40];
    if (len >= sizeof buf)
        return dm_error_set(e, DM_EINVAL, "datetime", "datetime is too long");
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (len > 10) {
        /* YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm) */
        const char *t = buf + 10;
        int ok = (*t == 'T' || *t == 't') && strlen(t) >= 9 && t[3] == ':' && t[6] == ':';
        if (!ok)
            return dm_error_set(e, DM_EINVAL, "datetime",
                                "datetime must be a date, an RFC 3339 date-time or an interval a/b, got '%.40s'", buf);
        buf[10] = '\0';
    }
    if (strlen(buf) != 10 || buf[4] != '-' || buf[7] != '-')
        return dm_error_set(e, DM_EINVAL, "datetime",
                            "datetime must be a date, an RFC 3339 date-time or an interval a/b, got '%.40s'", buf);
    return date_parse(buf, out, "datetime", e);
}

static int parse_datetime(request_t *req, response_t *res, char from[11], char to[11], int *has_from, int *has_to)
{
    const char *v = request_query(req, "datetime");
    *has_from = *has_to = 0;
    if (!v)
        return 0;
    dm_error e;
    const char *slash = strchr(v, '/');
    int open_a, open_b;
    if (!slash) {
        if (datetime_end(v, strlen(v), from, &open_a, &e) || open_a) {
            if (open_a)
                dm_error_set(&e, DM_EINVAL, "datetime", "datetime must name a date or an interval, got '%.40s'", v);
            response_from_error(res, req, &e);
            return -1;
        }
        memcpy(to, from, 11);
        *has_from = *has_to = 1;
        return 0;
    }
    if (datetime_end(v, (size_t)(slash - v), from, &open_a, &e) ||
        datetime_end(slash + 1, strlen(slash + 1), to, &open_b, &e)) {
        response_from_error(res, req, &e);
        return -1;
    }
    if (open_a && open_b) {
        response_error(res, req, 400, "invalid_parameter", "datetime", "datetime interval open at both ends");
        return -1;
    }
    if (!open_a && !open_b && strcmp(from, to) > 0) {
        response_error(res, req, 400, "invalid_parameter", "datetime", "datetime interval ends before it starts: '%.40s'",
                       v);
        return -1;
    }
    *has_from = !open_a;
    *has_to = !open_b;
    return 0;
}

static const char *const item_params[] = {"limit", "offset", "bbox", "datetime", "name", "code", "category", "f", NULL};

/* Appends key=value to a query string, percent-encoding the value. */
static void qs_add(char *qs, size_t n, const char *key, const char *value)
{
    if (!value)
        return;
    size_t len = strlen(qs);
    len += (size_t)snprintf(qs + len, n > len ? n - len : 0, "%s%s=", len ? "&" : "?", key);
    for (const unsigned char *p = (const unsigned char *)value; *p && len + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~,:", *p))
            qs[len++] = (char)*p;
        else
            len += (size_t)snprintf(qs + len, n - len, "%%%02X", *p);
    }
    qs[len < n ? len : n - 1] = '\0';
}

static void items(request_t *req, response_t *res, const tile_layer_t *l)
{
    const char *bad = request_unknown_query(req, item_params);
    if (bad) {
        response_error(res, req, 400, "invalid_parameter", bad,
                       "unknown query parameter '%.40s' (known: limit, offset, bbox, datetime, name, code, category)",
                       bad);
        return;
    }
    store_feature_query_t q;
    store_feature_query_init(&q);
    long limit, offset;
    char from[11], to[11], code[13];
    int has_from, has_to;
    if (param_long(req, res, "limit", 1, LIMIT_MAX, LIMIT_DEFAULT, &limit) ||
        param_long(req, res, "offset", 0, 1000000000L, 0, &offset) ||
        (request_query(req, "bbox") && (parse_bbox(req, res, q.bbox) || request_check_bbox(req, res, "bbox", q.bbox))) ||
        parse_datetime(req, res, from, to, &has_from, &has_to))
        return;
    q.has_bbox = request_query(req, "bbox") != NULL;
    q.exact_bbox = 1;
    q.limit = limit;
    q.offset = offset;
    int filters = store_layer_filters(l->source);
    if (filters & STORE_FILTER_DATE) {
        q.valid_from = has_from ? from : NULL;
        q.valid_to = has_to ? to : NULL;
    }
    static const struct {
        const char *name;
        int bit;
    } fnames[] = {{"name", STORE_FILTER_NAME}, {"code", STORE_FILTER_CODE}, {"category", STORE_FILTER_CATEGORY}};
    const char *fv[3];
    for (int i = 0; i < 3; i++) {
        fv[i] = request_query(req, fnames[i].name);
        if (fv[i] && !(filters & fnames[i].bit)) {
            response_error(res, req, 400, "invalid_parameter", fnames[i].name,
                           "collection %s cannot be filtered by %s", l->name, fnames[i].name);
            return;
        }
    }
    q.name = fv[0];
    q.code = fv[1];
    q.category = fv[2];
    dm_error e;
    if (q.code && l->source == STORE_LAYER_DIVISIONS) {
        if (divcode_parse(q.code, code, &e)) {
            snprintf(e.param, sizeof e.param, "code");
            response_from_error(res, req, &e);
            return;
        }
        q.code = code;
    }
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    long matched = store_layer_count(s, l->source, &q, &e);
    if (matched < 0) {
        response_from_error(res, req, &e);
        return;
    }
    json_t *features = json_array();
    if (store_layer_features(s, l->source, &q, add_item, features, &e)) {
        json_decref(features);
        response_from_error(res, req, &e);
        return;
    }
    long returned = (long)json_array_size(features);

    /* Links keep the query, with the page moved. */
    char b[256], qs[1024] = "", path[1400];
    base_url(req, b, sizeof b);
    static const char *const keep[] = {"bbox", "datetime", "name", "code", "category"};
    for (int i = 0; i < 5; i++)
        qs_add(qs, sizeof qs, keep[i], request_query(req, keep[i]));
    char num[32];
    json_t *links = json_array();
    char page[1100];
    snprintf(page, sizeof page, "%s", qs);
    snprintf(num, sizeof num, "%ld", limit);
    qs_add(page, sizeof page, "limit", num);
    snprintf(num, sizeof num, "%ld", offset);
    qs_add(page, sizeof page, "offset", num);
    snprintf(path, sizeof path, "/collections/%s/items%s", l->name, page);
    json_array_append_new(links, link(b, path, "self", GEOJSON, "this document"));
    if (offset + returned < matched) {
        snprintf(page, sizeof page, "%s", qs);
        snprintf(num, sizeof num, "%ld", limit);
        qs_add(page, sizeof page, "limit", num);
        snprintf(num, sizeof num, "%ld", offset + returned);
        qs_add(page, sizeof page, "offset", num);
        snprintf(path, sizeof path, "/collections/%s/items%s", l->name, page);
        json_array_append_new(links, link(b, path, "next", GEOJSON, "the next page"));
    }
    if (offset > 0) {
        snprintf(page, sizeof page, "%s", qs);
        snprintf(num, sizeof num, "%ld", limit);
        qs_add(page, sizeof page, "limit", num);
        snprintf(num, sizeof num, "%ld", offset > limit ? offset - limit : 0);
        qs_add(page, sizeof page, "offset", num);
        snprintf(path, sizeof path, "/collections/%s/items%s", l->name, page);
        json_array_append_new(links, link(b, path, "prev", GEOJSON, "the previous page"));
    }
    snprintf(path, sizeof path, "/collections/%s", l->name);
    json_array_append_new(links, link(b, path, "collection", "application/json", l->title));
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *doc = json_pack("{s:s,s:o,s:I,s:I,s:s,s:o}", "type", "FeatureCollection", "features", features,
                            "numberMatched", (json_int_t)matched, "numberReturned", (json_int_t)returned, "timeStamp",
                            stamp, "links", links);
    response_json(res, 200, doc);
    res->content_type = GEOJSON;
}

static int take_one(const store_feature_t *f, void *ctx)
{
    *(json_t **)ctx = feature_json(f);
    return 1;
}

static void item(request_t *req, response_t *res, const tile_layer_t *l, const char *fid)
{
    long id = 0;
    int ok = *fid && strlen(fid) < 16 && strspn(fid, "0123456789") == strlen(fid);
    if (ok)
        id = strtol(fid, NULL, 10);
    if (!ok || id <= 0) {
        response_error(res, req, 404, "not_found", "featureId", "no feature '%.40s' in collection %s", fid, l->name);
        return;
    }
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    store_feature_query_t q;
    store_feature_query_init(&q);
    q.fid = id;
    json_t *f = NULL;
    int rc = store_layer_features(s, l->source, &q, take_one, &f, &e);
    if (rc < 0) {
        response_from_error(res, req, &e);
        return;
    }
    if (!f) {
        response_error(res, req, 404, "not_found", "featureId", "no feature %ld in collection %s", id, l->name);
        return;
    }
    char b[256], path[256];
    base_url(req, b, sizeof b);
    json_t *links = json_array();
    snprintf(path, sizeof path, "/collections/%s/items/%ld", l->name, id);
    json_array_append_new(links, link(b, path, "self", GEOJSON, "this document"));
    snprintf(path, sizeof path, "/collections/%s", l->name);
    json_array_append_new(links, link(b, path, "collection", "application/json", l->title));
    json_object_set_new(f, "links", links);
    response_json(res, 200, f);
    res->content_type = GEOJSON;
}

/* /collections/{id}[/items[/{featureId}]] */
static void collection_paths(request_t *req, response_t *res)
{
    const char *rest = req->path + strlen("/collections/");
    const char *slash = strchr(rest, '/');
    const tile_layer_t *l = find_collection(req, res, rest, slash ? (size_t)(slash - rest) : strlen(rest));
    if (!l)
        return;
    if (!slash) {
        dm_error e;
        store_t *s = server_store(req->srv, &e);
        if (!s) {
            response_from_error(res, req, &e);
            return;
        }
        char b[256];
        base_url(req, b, sizeof b);
        int failed = 0;
        json_t *doc = collection_doc(b, s, l, &e, &failed);
        if (failed) {
            json_decref(doc);
            response_from_error(res, req, &e);
            return;
        }
        response_json(res, 200, doc);
        return;
    }
    if (strcmp(slash, "/items") == 0) {
        items(req, res, l);
        return;
    }
    if (strncmp(slash, "/items/", 7) == 0 && slash[7] && !strchr(slash + 7, '/')) {
        item(req, res, l, slash + 7);
        return;
    }
    response_error(res, req, 404, "not_found", NULL, "no such endpoint: %s", req->path);
}

/* ---- /api: the OpenAPI 3.0 definition ---------------------------------------------------- */

static json_t *qparam(const char *name, const char *desc, json_t *schema, int in_path)
{
    return json_pack("{s:s,s:s,s:s,s:b,s:o}", "name", name, "in", in_path ? "path" : "query", "description", desc,
                     "required", in_path, "schema", schema);
}

static json_t *op(const char *summary, const char *id, json_t *params, const char *type)
{
    json_t *o = json_pack("{s:s,s:s,s:{s:{s:s,s:{s:{}}},s:{s:s},s:{s:s}}}", "summary", summary, "operationId", id,
                          "responses", "200", "description", "success", "content", type, "400", "description",
                          "bad parameter (JSON error body naming it)", "404", "description", "no such collection or feature");
    if (params)
        json_object_set_new(o, "parameters", params);
    return json_pack("{s:o}", "get", o);
}

static void api(request_t *req, response_t *res)
{
    char b[256];
    base_url(req, b, sizeof b);
    size_t n;
    const tile_layer_t *cat = tile_layers(&n);
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(cat[i].name));
    json_t *coll = qparam("collectionId", "a collection", json_pack("{s:s,s:o}", "type", "string", "enum", ids), 1);
    json_t *item_params_doc = json_pack(
        "[o,o,o,o,o,o,o,o]", json_deep_copy(coll),
        qparam("limit", "features per page", json_pack("{s:s,s:i,s:i,s:i}", "type", "integer", "minimum", 1, "maximum",
                                                       LIMIT_MAX, "default", LIMIT_DEFAULT),
               0),
        qparam("offset", "features to skip (paging)", json_pack("{s:s,s:i,s:i}", "type", "integer", "minimum", 0,
                                                                 "default", 0),
               0),
        qparam("bbox", "minlon,minlat,maxlon,maxlat (CRS84)",
               json_pack("{s:s,s:i,s:i,s:{s:s}}", "type", "array", "minItems", 4, "maxItems", 4, "items", "type",
                         "number"),
               0),
        qparam("datetime", "a date, an RFC 3339 date-time or an interval a/b ('..' open); tested against the "
                           "divisions' validity",
               json_pack("{s:s}", "type", "string"), 0),
        qparam("name", "exact name", json_pack("{s:s}", "type", "string"), 0),
        qparam("code", "division code (divisions), marker number (markers), division code of the feature (others)",
               json_pack("{s:s}", "type", "string"), 0),
        qparam("category", "type (divisions, markers, facilities), category (names), class (roads)",
               json_pack("{s:s}", "type", "string"), 0));
    json_t *paths = json_object();
    json_object_set_new(paths, "/", op("landing page", "getLandingPage", NULL, "application/json"));
    json_object_set_new(paths, "/conformance", op("conformance classes", "getConformance", NULL, "application/json"));
    json_object_set_new(paths, "/api", op("this document", "getApi", NULL, "application/vnd.oai.openapi+json;version=3.0"));
    json_object_set_new(paths, "/collections", op("the collections", "getCollections", NULL, "application/json"));
    json_object_set_new(paths, "/collections/{collectionId}",
                        op("one collection", "describeCollection", json_pack("[O]", coll), "application/json"));
    json_object_set_new(paths, "/collections/{collectionId}/items",
                        op("features of a collection", "getFeatures", item_params_doc, GEOJSON));
    json_object_set_new(paths, "/collections/{collectionId}/items/{featureId}",
                        op("one feature", "getFeature",
                           json_pack("[O,o]", coll,
                                     qparam("featureId", "the feature's id", json_pack("{s:s}", "type", "integer"), 1)),
                           GEOJSON));
    json_decref(coll);
    json_t *doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o}", "openapi", "3.0.3", "info", "title",
                            "diming OGC API - Features", "version", "1.0.0", "description",
                            "Place names, divisions and elderly-care facilities (OGC API - Features - Part 1: Core)",
                            "servers", "url", b, "paths", paths);
    response_json(res, 200, doc);
    res->content_type = "application/vnd.oai.openapi+json;version=3.0";
}

const route_t ogc_routes[] = {
    {"GET", "/", landing},
    {"GET", "/conformance", conformance},
    {"GET", "/api", api},
    {"GET", "/collections", collections},
    {"GET", "/collections/*", collection_paths},
    {NULL, NULL, NULL},
};
