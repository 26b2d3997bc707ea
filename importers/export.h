/* export.h — files written through GDAL (export.c).
 *
 * export_directory_gpkg writes the directory of a division (gis/directory.h)
 * as a GeoPackage at `path`, overwriting it: one point layer "directory" in
 * EPSG:4490 (lon/lat order) with the columns of directory_columns. The
 * directory is borrowed; nothing is allocated for the caller. */
#ifndef DIMING_IMPORT_EXPORT_H
#define DIMING_IMPORT_EXPORT_H

#include "gis/directory.h"

int export_directory_gpkg(const directory_t *d, const char *path, dm_error *err);

#endif
