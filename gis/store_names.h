/* store_names.h — the store's reads for the names module (SQL in
 * store_names.c). Rows passed to the callback are borrowed for the call. */
#ifndef DIMING_STORE_NAMES_H
#define DIMING_STORE_NAMES_H

#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"

typedef struct store_name_row {
    int64_t id;
    const char *name, *category, *division_code, *status, *former_names, *pinyin, *approved_on;
    double lon, lat; /* centre of the geometry's bounding box; NAN without geometry */
} store_name_row_t;

/* Calls fn for every place_names row in id order; a non-zero return from fn
 * stops the walk and is returned. */
typedef int (*store_name_fn)(const store_name_row_t *row, void *ctx);
int store_names_each(store_t *s, store_name_fn fn, void *ctx, dm_error *err);

#endif
