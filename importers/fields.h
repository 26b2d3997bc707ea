/* fields.h — which column of a source file feeds which field of a layer.
 *
 * Each layer has a fixed list of target fields. A source column is matched to
 * a target by an explicit `--field target=column` mapping first, then by the
 * usual Chinese and English column names people use (代码/区划代码/code,
 * 名称/name, 级别/level …), compared case-insensitively. The tables live here
 * so that the README's field table and the importer cannot drift apart. */
#ifndef DIMING_IMPORT_FIELDS_H
#define DIMING_IMPORT_FIELDS_H

#include <stddef.h>

#include "gis/error.h"

typedef enum {
    LAYER_DIVISIONS,
    LAYER_MARKERS,
    LAYER_NAMES,
    LAYER_FACILITIES,
    LAYER_RESIDENTIAL,
    LAYER_ROADS,
    LAYER_SIGNS, /* 地名标志 (gis/store_signs.h) */
    LAYER__COUNT
} import_layer_t;

#define FIELD_MAX 16

typedef struct field_spec {
    const char *target;         /* canonical field name */
    int required;
    const char *const *aliases; /* NULL-terminated, canonical name included */
} field_spec_t;

/* Layer by its CLI name ("divisions", "markers", "names", "facilities",
 * "residential", "roads", "signs"); -1 if unknown. */
int import_layer_parse(const char *name);
const char *import_layer_name(import_layer_t layer);

/* The layer's fields; *n receives their number. */
const field_spec_t *import_layer_fields(import_layer_t layer, size_t *n);

/* Resolves the columns of a source. `columns` are the source's column names;
 * `overrides` are "target=column" strings from the command line. On success
 * index[i] is the column index feeding field i of the layer, or -1. Fails with
 * DM_EINVAL if an override names an unknown target or column, or a required
 * field has no column (the message lists the columns the file has). */
int import_resolve_fields(import_layer_t layer, const char *const *columns, size_t ncolumns,
                          const char *const *overrides, size_t noverrides, int index[FIELD_MAX],
                          dm_error *err);

#endif
