/* tileInt.h — internals shared by the export files of the tile module
 * (tile_export.c, tile_pmtiles.c). Nothing outside tiles/ includes this. */
#ifndef DIMING_TILE_INT_H
#define DIMING_TILE_INT_H

#include "tiles/tile.h"

#define TILE_ATTRIBUTION "diming; roads and names © OpenStreetMap contributors"

/* Receives one gzipped, non-empty tile of an export. */
typedef int (*tile_sink_fn)(int z, int x, int y, const unsigned char *gz, size_t len, void *ctx, dm_error *err);

int tile_export_prepare(store_t *s, const tile_export_options_t *opt, double bbox[4], uint64_t *total,
                        tile_export_stats_t *stats, dm_error *err);
int tile_export_walk(store_t *s, const tile_export_options_t *opt, const double bbox[4], uint64_t total,
                     tile_sink_fn sink, void *ctx, tile_export_stats_t *stats, dm_error *err);
/* {"vector_layers": [...]} of the export's layers; malloc'd, NULL on failure. */
char *tile_export_vector_layers_json(const tile_export_options_t *opt);

#endif
