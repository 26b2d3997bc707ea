/* routes_tiles.c — vector tiles over HTTP:
 *   GET /tiles/{layers}/{z}/{x}/{y}.mvt  one MVT tile of one layer, a comma
 *                                        list ("roads,names") or "all"
 *   GET /tiles/{layers}.json             TileJSON 3.0.0 for the same
 *   GET /style.json                      a MapLibre style drawing every layer
 *
 * Tiles come from the server's tile cache (tiles/tile.h), keyed by layers,
 * z/x/y and the day, and tagged with the largest data version of their
 * layers, so a tile built before an import into one of its layers is never
 * served after it (tiles of other layers stay cached). Responses carry a strong ETag (If-None-Match →
 * 304), "Cache-Control: public, no-cache" (clients may keep tiles but must
 * revalidate, which costs a 304, so they never show data older than the
 * server's), gzip when the client accepts it, and 204 for a tile with no
 * features. X-Tile-Cache says hit or miss. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/store_tiles.h"
#include "server/routes.h"
#include "tiles/glyphs.h"
#include "tiles/tile.h"

#define MVT_TYPE "application/vnd.mapbox-vector-tile"
#define TILE_CACHE_CONTROL "public, no-cache"

/* "http://host:port" from the Host header when it looks like one, else the
 * address the server listens on. */
static void base_url(const request_t *req, char *out, size_t n)
{
    const char *host = request_header(req, "Host");
    int ok = host && *host && strlen(host) < 200;
    for (const char *p = host; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr(".-:[]", *p);
    if (ok)
        snprintf(out, n, "http://%s", host);
    else
        snprintf(out, n, "http://127.0.0.1:%u", server_port(req->srv));
}

/* A whole decimal number in [0, max]; fills a 400 naming `param` otherwise. */
static int parse_coord(request_t *req, response_t *res, const char *param, const char *text, size_t len, long max,
                       long *out)
{
    char buf[24];
    int ok = len > 0 && len < 12;
    for (size_t i = 0; ok && i < len; i++)
        ok = text[i] >= '0' && text[i] <= '9';
    if (ok) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        *out = strtol(buf, NULL, 10);
        ok = *out <= max;
    }
    if (!ok) {
        response_error(res, req, 400, "invalid_parameter", param, "%s must be a whole number from 0 to %ld, got '%.*s'",
                       param, max, (int)(len > 20 ? 20 : len), text);
        return -1;
    }
    return 0;
}

static int accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    const char *p = strstr(ae, "gzip");
    if (!p)
        return 0;
    /* "gzip;q=0" refuses it (RFC 9110 12.5.3). */
    const char *q = p + 4;
    while (*q == ' ')
        q++;
    if (*q == ';') {
        q++;
        while (*q == ' ')
            q++;
        if (q[0] == 'q' && q[1] == '=' && strtod(q + 2, NULL) == 0)
            return 0;
    }
    return 1;
}

static void serve_tile(request_t *req, response_t *res, const char *layers_text, size_t layers_len, const char *zxy)
{
    char list[128];
    if (layers_len >= sizeof list) {
        response_error(res, req, 404, "not_found", "layer", "unknown layer list");
        return;
    }
    memcpy(list, layers_text, layers_len);
    list[layers_len] = '\0';
    const tile_layer_t *layers[TILE_MAX_LAYERS];
    size_t nl;
    dm_error e;
    if (tile_parse_layers(list, "layer", layers, &nl, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    /* z/x/y.mvt */
    const char *s1 = strchr(zxy, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    if (!s1 || !s2 || strchr(s2 + 1, '/')) {
        response_error(res, req, 404, "not_found", NULL, "tile paths are /tiles/{layers}/{z}/{x}/{y}.mvt");
        return;
    }
    const char *yend = strrchr(s2 + 1, '.');
    if (!yend || (strcmp(yend, ".mvt") != 0 && strcmp(yend, ".pbf") != 0)) {
        response_error(res, req, 404, "not_found", NULL, "tile paths end in .mvt (or .pbf)");
        return;
    }
    long z, x, y;
    if (parse_coord(req, res, "z", zxy, (size_t)(s1 - zxy), TILE_MAX_ZOOM, &z))
        return;
    long max = (1L << z) - 1;
    if (parse_coord(req, res, "x", s1 + 1, (size_t)(s2 - s1 - 1), max, &x) ||
        parse_coord(req, res, "y", s2 + 1, (size_t)(yend - s2 - 1), max, &y))
        return;

    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    int64_t versions[STORE_LAYER__COUNT], version = 0;
    if (store_layer_versions_fast(s, versions, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    char key[192], today[11];
    int klen = 0;
    for (size_t i = 0; i < nl; i++) {
        klen += snprintf(key + klen, sizeof key - (size_t)klen, "%s%s", i ? "," : "", layers[i]->name);
        if (versions[layers[i]->source] > version)
            version = versions[layers[i]->source];
    }
    /* Divisions are drawn as valid today: a new day is a new tile. */
    date_today(today);
    snprintf(key + klen, sizeof key - (size_t)klen, "/%ld/%ld/%ld@%s", z, x, y, today);
    int gz = accepts_gzip(request_header(req, "Accept-Encoding"));
    tile_cache_t *cache = server_tile_cache(req->srv);
    tile_hit_t hit;
    const char *inm = request_header(req, "If-None-Match");
    if (inm && tile_cache_get(cache, key, version, gz, 0, &hit) && !hit.empty && tile_etag_matches(inm, hit.etag)) {
        /* revalidation of a cached tile: no body to copy */
        response_header(res, "X-Tile-Cache", "hit");
        response_header(res, "Cache-Control", TILE_CACHE_CONTROL);
        response_header(res, "Vary", "Accept-Encoding");
        response_header(res, "ETag", hit.etag);
        response_bytes(res, 304, MVT_TYPE, NULL, 0);
        return;
    }
    int cached = tile_cache_get(cache, key, version, gz, 1, &hit);
    if (!cached) {
        unsigned char *raw = NULL, *zipped = NULL;
        size_t len = 0, zlen = 0;
        if (tile_build(s, layers, nl, (int)z, (int)x, (int)y, &raw, &len, NULL, &e) ||
            (len && tile_gzip(raw, len, &zipped, &zlen, &e))) {
            free(raw);
            response_from_error(res, req, &e);
            return;
        }
        tile_cache_put(cache, key, version, raw, len, zipped, zlen);
        memset(&hit, 0, sizeof hit);
        hit.empty = len == 0;
        hit.gzipped = gz && zlen > 0;
        tile_etag(raw, len, hit.gzipped, hit.etag);
        if (hit.gzipped) {
            hit.body = zipped, hit.len = zlen;
            free(raw);
        } else {
            hit.body = raw, hit.len = len;
            free(zipped);
        }
    }
    response_header(res, "X-Tile-Cache", cached ? "hit" : "miss");
    response_header(res, "Cache-Control", TILE_CACHE_CONTROL);
    response_header(res, "Vary", "Accept-Encoding");
    if (hit.empty) {
        free(hit.body);
        response_bytes(res, 204, MVT_TYPE, NULL, 0);
        return;
    }
    response_header(res, "ETag", hit.etag);
    if (tile_etag_matches(inm, hit.etag)) {
        free(hit.body);
        response_bytes(res, 304, MVT_TYPE, NULL, 0);
        return;
    }
    if (hit.gzipped)
        response_header(res, "Content-Encoding", "gzip");
    response_bytes(res, 200, MVT_TYPE, hit.body, hit.len);
}

static json_t *vector_layer_json(const tile_layer_t *l)
{
    json_t *fields = json_object();
    for (const tile_field_t *f = l->fields; f->name; f++)
        json_object_set_new(fields, f->name, json_string(f->type));
    return json_pack("{s:s,s:s,s:i,s:i,s:o}", "id", l->name, "description", l->description, "minzoom", l->minzoom,
                     "maxzoom", TILE_EXPORT_MAX_ZOOM, "fields", fields);
}

static void serve_tilejson(request_t *req, response_t *res, const char *list)
{
    const tile_layer_t *layers[TILE_MAX_LAYERS];
    size_t nl;
    dm_error e;
    if (tile_parse_layers(list, "layer", layers, &nl, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    store_t *s = server_store(req->srv, &e);
    if (!s) {
        response_from_error(res, req, &e);
        return;
    }
    double b[4] = {-180, -85.0511287798066, 180, 85.0511287798066};
    int have = tile_layers_extent(s, layers, nl, b, &e);
    if (have < 0) {
        response_from_error(res, req, &e);
        return;
    }
    char base[256], url[512];
    base_url(req, base, sizeof base);
    snprintf(url, sizeof url, "%s/tiles/%s/{z}/{x}/{y}.mvt", base, list);
    int minzoom = TILE_MAX_ZOOM;
    json_t *vl = json_array();
    for (size_t i = 0; i < nl; i++) {
        json_array_append_new(vl, vector_layer_json(layers[i]));
        if (layers[i]->minzoom < minzoom)
            minzoom = layers[i]->minzoom;
    }
    int cz = have ? 10 : 0;
    if (cz < minzoom)
        cz = minzoom;
    char name[160];
    snprintf(name, sizeof name, "diming %s", list);
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:[s],s:i,s:i,s:[ffff],s:[ffi],s:o}", "tilejson", "3.0.0", "name", name, "version",
        "1.0.0", "scheme", "xyz", "attribution", "diming; roads and names © OpenStreetMap contributors", "tiles", url,
        "minzoom", minzoom, "maxzoom", TILE_EXPORT_MAX_ZOOM, "bounds", b[0], b[1], b[2], b[3], "center",
        (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, cz, "vector_layers", vl);
    response_json(res, 200, doc);
}

static void tiles(request_t *req, response_t *res)
{
    const char *rest = req->path + strlen("/tiles/");
    const char *slash = strchr(rest, '/');
    if (!slash) {
        size_t n = strlen(rest);
        if (n > 5 && strcmp(rest + n - 5, ".json") == 0 && n - 5 < 128) {
            char list[128];
            memcpy(list, rest, n - 5);
            list[n - 5] = '\0';
            serve_tilejson(req, res, list);
            return;
        }
        response_error(res, req, 404, "not_found", NULL,
                       "no such endpoint: %s (tiles are /tiles/{layers}/{z}/{x}/{y}.mvt, TileJSON /tiles/{layers}.json)",
                       req->path);
        return;
    }
    serve_tile(req, res, rest, (size_t)(slash - rest), slash + 1);
}

/* ---- style.json (MapLibre style specification, version 8) -------------------------------- */

static json_t *style_layer(const char *id, const char *type, const char *source_layer, json_t *paint,
                           json_t *layout, int minzoom)
{
    json_t *l = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "type", type, "source", "diming", "source-layer",
                          source_layer, "paint", paint);
    if (layout)
        json_object_set_new(l, "layout", layout);
    if (minzoom)
        json_object_set_new(l, "minzoom", json_integer(minzoom));
    return l;
}

static void style(request_t *req, response_t *res)
{
    char base[256], url[512], glyphs[512];
    base_url(req, base, sizeof base);
    snprintf(url, sizeof url, "%s/tiles/all.json", base);
    snprintf(glyphs, sizeof glyphs, "%s/fonts/{fontstack}/{range}.pbf", base);
    json_t *layers = json_array();
    json_array_append_new(layers,
                          json_pack("{s:s,s:s,s:{s:s}}", "id", "background", "type", "background", "paint",
                                    "background-color", "#f6f4ee"));
    json_array_append_new(layers, style_layer("divisions-fill", "fill", "divisions",
                                              json_pack("{s:s,s:f}", "fill-color", "#e8e2d0", "fill-opacity", 0.5),
                                              NULL, 0));
    json_array_append_new(layers, style_layer("residential-fill", "fill", "residential",
                                              json_pack("{s:s,s:f}", "fill-color", "#f0c8a0", "fill-opacity", 0.7),
                                              NULL, 0));
    json_array_append_new(layers, style_layer("roads-line", "line", "roads",
                                              json_pack("{s:s,s:[s,[s],[s],f,f,f,f]}", "line-color", "#ffffff",
                                                        "line-width", "interpolate", "linear", "zoom", 12.0, 1.0,
                                                        16.0, 6.0),
                                              json_pack("{s:s,s:s}", "line-cap", "round", "line-join", "round"), 0));
    json_array_append_new(layers, style_layer("divisions-line", "line", "divisions",
                                              json_pack("{s:s,s:f,s:[f,f]}", "line-color", "#8a6d9e", "line-width",
                                                        1.5, "line-dasharray", 3.0, 2.0),
                                              NULL, 0));
    json_array_append_new(layers, style_layer("boundaries-line", "line", "boundaries",
                                              json_pack("{s:s,s:[s,[s],[s],f,f,f,f]}", "line-color", "#6c3483",
                                                        "line-width", "interpolate", "linear", "zoom", 7.0, 1.0,
                                                        14.0, 3.0),
                                              json_pack("{s:s}", "line-join", "round"), 0));
    json_array_append_new(layers, style_layer("markers-circle", "circle", "markers",
                                              json_pack("{s:s,s:f,s:s,s:f}", "circle-color", "#c0392b",
                                                        "circle-radius", 4.0, "circle-stroke-color", "#ffffff",
                                                        "circle-stroke-width", 1.0),
                                              NULL, 0));
    json_array_append_new(layers, style_layer("facilities-circle", "circle", "facilities",
                                              json_pack("{s:s,s:f,s:s,s:f}", "circle-color", "#2e86c1",
                                                        "circle-radius", 5.0, "circle-stroke-color", "#ffffff",
                                                        "circle-stroke-width", 1.5),
                                              NULL, 0));
    json_array_append_new(
        layers,
        style_layer("names-label", "symbol", "names",
                    json_pack("{s:s,s:s,s:f}", "text-color", "#333333", "text-halo-color", "#ffffff",
                              "text-halo-width", 1.5),
                    json_pack("{s:[s,[s,s],s,[s,[s,s],s]],s:i,s:[s]}", "text-field", "concat", "get", "name", "\n",
                              "coalesce", "get", "pinyin", "", "text-size", 12, "text-font", "Noto Sans Regular"),
                    0));
    json_t *doc = json_pack("{s:i,s:s,s:{s:{s:s,s:s}},s:s,s:o}", "version", 8, "name", "diming", "sources", "diming",
                            "type", "vector", "url", url, "glyphs", glyphs, "layers", layers);
    response_json(res, 200, doc);
}

/* GET /fonts/{fontstack}/{start}-{end}.pbf: the style's "glyphs" URL. */
static void fonts(request_t *req, response_t *res)
{
    const char *rest = req->path + strlen("/fonts/");
    const char *slash = strrchr(rest, '/');
    size_t n = slash ? strlen(slash + 1) : 0;
    if (!slash || slash == rest || n < 5 || strcmp(slash + n - 3, ".pbf") != 0 || (size_t)(slash - rest) > 1024) {
        response_error(res, req, 404, "not_found", NULL,
                       "glyphs are at /fonts/{fontstack}/{start}-{end}.pbf, e.g. /fonts/Noto%%20Sans%%20Regular/0-255.pbf");
        return;
    }
    char stack[1025], range[16];
    snprintf(stack, sizeof stack, "%.*s", (int)(slash - rest), rest);
    snprintf(range, sizeof range, "%.*s", (int)(n - 4 < sizeof range - 1 ? n - 4 : sizeof range - 1), slash + 1);
    unsigned start;
    dm_error e;
    if (n - 4 >= sizeof range || glyphs_parse_range(range, "range", &start, &e)) {
        if (n - 4 >= sizeof range)
            dm_error_set(&e, DM_EINVAL, "range", "glyph range must be START-END, e.g. 0-255");
        response_from_error(res, req, &e);
        return;
    }
    const char *why;
    glyphs_t *g = server_glyphs(req->srv, &why);
    if (!g) {
        response_error(res, req, 503, "no_fonts", NULL, "%s", why);
        return;
    }
    unsigned char *pbf;
    size_t len;
    if (glyphs_range(g, stack, start, &pbf, &len, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    /* Fonts change only when the machine's fonts do: cache for a day. */
    response_header(res, "Cache-Control", "public, max-age=86400");
    response_bytes(res, 200, "application/x-protobuf", pbf, len);
}

const route_t tiles_routes[] = {
    {"GET", "/tiles/*", tiles},
    {"GET", "/fonts/*", fonts},
    {"GET", "/style.json", style},
    {NULL, NULL, NULL},
};
