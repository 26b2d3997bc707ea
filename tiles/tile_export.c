/* tile_export.c — a tileset for static hosting: every tile of the chosen
 * layers, zooms and box written to an MBTiles 1.3 file (mapbox/mbtiles-spec
 * 1.3: metadata name/format/bounds/center/minzoom/maxzoom and, for vector
 * tiles, the `json` row with vector_layers; tiles gzipped, TMS rows).
 * Empty tiles are not written (the spec's readers treat a missing tile as
 * empty). */
#include "tiles/tile.h"
#include "tiles/tileInt.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tile_layers_extent(store_t *s, const tile_layer_t *const layers[], size_t nlayers, double bbox[4], dm_error *err)
{
    int have = 0;
    for (size_t i = 0; i < nlayers; i++) {
        double b[4];
        int rc = store_layer_extent(s, layers[i]->source, b, err);
        if (rc < 0)
            return rc;
        if (!rc)
            continue;
        if (!have)
            memcpy(bbox, b, sizeof b);
        else {
            bbox[0] = fmin(bbox[0], b[0]);
            bbox[1] = fmin(bbox[1], b[1]);
            bbox[2] = fmax(bbox[2], b[2]);
            bbox[3] = fmax(bbox[3], b[3]);
        }
        have = 1;
    }
    return have;
}

char *tile_export_vector_layers_json(const tile_export_options_t *opt)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < opt->nlayers; i++) {
        const tile_layer_t *L = opt->layers[i];
        json_t *fields = json_object();
        for (const tile_field_t *f = L->fields; f->name; f++)
            json_object_set_new(fields, f->name, json_string(f->type));
        json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:i,s:o}", "id", L->name, "description", L->description,
                                             "minzoom", L->minzoom > opt->minzoom ? L->minzoom : opt->minzoom,
                                             "maxzoom", opt->maxzoom, "fields", fields));
    }
    json_t *doc = json_pack("{s:o}", "vector_layers", arr);
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return s;
}

/* Checks the options and settles the box; *total counts the tiles to visit. */
int tile_export_prepare(store_t *s, const tile_export_options_t *opt, double bbox[4], uint64_t *total,
                        tile_export_stats_t *stats, dm_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (opt->nlayers == 0)
        return dm_error_set(err, DM_EINVAL, "layers", "no layer to export");
    if (opt->minzoom < 0 || opt->maxzoom > TILE_EXPORT_MAX_ZOOM || opt->minzoom > opt->maxzoom)
        return dm_error_set(err, DM_EINVAL, "minzoom", "zooms must satisfy 0 <= minzoom <= maxzoom <= %d",
                            TILE_EXPORT_MAX_ZOOM);
    if (opt->has_bbox)
        memcpy(bbox, opt->bbox, sizeof(double) * 4);
    else {
        int rc = tile_layers_extent(s, opt->layers, opt->nlayers, bbox, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return dm_error_set(err, DM_ENOTFOUND, "layers", "the layers to export hold no geometry");
    }
    memcpy(stats->bbox, bbox, sizeof stats->bbox);
    *total = 0;
    for (int z = opt->minzoom; z <= opt->maxzoom; z++) {
        int x0, y0, x1, y1;
        tile_from_lonlat(bbox[0], bbox[3], z, &x0, &y0);
        tile_from_lonlat(bbox[2], bbox[1], z, &x1, &y1);
        *total += (uint64_t)(x1 - x0 + 1) * (uint64_t)(y1 - y0 + 1);
    }
    return 0;
}

/* Builds every tile of the box at each zoom and hands the non-empty ones,
 * gzipped, to `sink`. */
int tile_export_walk(store_t *s, const tile_export_options_t *opt, const double bbox[4], uint64_t total,
                     tile_sink_fn sink, void *ctx, tile_export_stats_t *stats, dm_error *err)
{
    int rc = 0;
    for (int z = opt->minzoom; z <= opt->maxzoom && !rc; z++) {
        int x0, y0, x1, y1;
        tile_from_lonlat(bbox[0], bbox[3], z, &x0, &y0);
        tile_from_lonlat(bbox[2], bbox[1], z, &x1, &y1);
        for (int x = x0; x <= x1 && !rc; x++)
            for (int y = y0; y <= y1 && !rc; y++) {
                unsigned char *raw = NULL, *gz = NULL;
                size_t len = 0, gzlen = 0, nf = 0;
                rc = tile_build(s, opt->layers, opt->nlayers, z, x, y, &raw, &len, &nf, err);
                if (!rc && len) {
                    rc = tile_gzip(raw, len, &gz, &gzlen, err);
                    if (!rc)
                        rc = sink(z, x, y, gz, gzlen, ctx, err);
                    if (!rc) {
                        stats->tiles_written++;
                        stats->bytes += gzlen;
                        stats->features += nf;
                    }
                }
                free(raw);
                free(gz);
                stats->tiles_visited++;
                if (opt->progress)
                    opt->progress(stats->tiles_visited, total, opt->progress_ctx);
            }
    }
    return rc;
}

static int mbtiles_sink(int z, int x, int y, const unsigned char *gz, size_t len, void *ctx, dm_error *err)
{
    return store_mbtiles_put(ctx, z, x, y, gz, len, err);
}

int tile_export_mbtiles(store_t *s, const tile_export_options_t *opt, const char *path, tile_export_stats_t *stats,
                        dm_error *err)
{
    double bbox[4];
    uint64_t total;
    int rc = tile_export_prepare(s, opt, bbox, &total, stats, err);
    if (rc)
        return rc;
    mbtiles_t *m;
    if ((rc = store_mbtiles_create(path, &m, err)))
        return rc;
    char buf[256];
    char *json = tile_export_vector_layers_json(opt);
    char names[160] = "";
    for (size_t i = 0; i < opt->nlayers; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "", opt->layers[i]->name);
    int cz = opt->minzoom > 10 ? opt->minzoom : (opt->maxzoom < 10 ? opt->maxzoom : 10);
    rc = store_mbtiles_metadata(m, "name", "diming", err) ||
         store_mbtiles_metadata(m, "format", "pbf", err) ||
         store_mbtiles_metadata(m, "type", "overlay", err) ||
         store_mbtiles_metadata(m, "version", "1", err) ||
         store_mbtiles_metadata(m, "description", names, err) ||
         store_mbtiles_metadata(m, "attribution", TILE_ATTRIBUTION, err);
    if (!rc) {
        snprintf(buf, sizeof buf, "%.7f,%.7f,%.7f,%.7f", bbox[0], bbox[1], bbox[2], bbox[3]);
        rc = store_mbtiles_metadata(m, "bounds", buf, err);
    }
    if (!rc) {
        snprintf(buf, sizeof buf, "%.7f,%.7f,%d", (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2, cz);
        rc = store_mbtiles_metadata(m, "center", buf, err);
    }
    if (!rc) {
        snprintf(buf, sizeof buf, "%d", opt->minzoom);
        rc = store_mbtiles_metadata(m, "minzoom", buf, err);
    }
    if (!rc) {
        snprintf(buf, sizeof buf, "%d", opt->maxzoom);
        rc = store_mbtiles_metadata(m, "maxzoom", buf, err);
    }
    if (!rc)
        rc = json ? store_mbtiles_metadata(m, "json", json, err) : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    free(json);
    if (!rc)
        rc = tile_export_walk(s, opt, bbox, total, mbtiles_sink, m, stats, err);
    if (rc) {
        store_mbtiles_close(m, 0, NULL);
        return rc;
    }
    return store_mbtiles_close(m, 1, err);
}
