/* fuzz_geometry.c — libFuzzer target: WKB from outside → GEOS → conform for
 * each layer kind → WKB again. Property: no crash or leak; what conform
 * accepts is non-empty, of the asked kind, and valid when polygonal. */
#include <stdint.h>
#include <stdlib.h>

#include "gis/geom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    GEOSContextHandle_t h = geom_ctx();
    geom_kind_t kind = (geom_kind_t)(data[0] % 4);
    GEOSGeometry *g = geom_from_wkb(data + 1, size - 1, NULL);
    if (!g)
        return 0;
    int repaired = 0;
    char why[128];
    if (geom_conform(&g, kind, data[0] & 4, &repaired, why, sizeof why, NULL) == 0) {
        if (GEOSisEmpty_r(h, g) == 1)
            abort();
        int t = GEOSGeomTypeId_r(h, g);
        if (kind == GEOM_KIND_POLYGON && (t != GEOS_MULTIPOLYGON || GEOSisValid_r(h, g) != 1))
            abort();
        if (kind == GEOM_KIND_POINT && t != GEOS_POINT)
            abort();
        size_t n;
        unsigned char *wkb = geom_to_wkb(g, &n);
        free(wkb);
        (void)geom_length_m(g);
        (void)geom_in_lonlat_range(g);
    }
    if (g)
        GEOSGeom_destroy_r(h, g);
    return 0;
}
