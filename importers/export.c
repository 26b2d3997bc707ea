/* export.c — writing files through GDAL (the importers' library, which is
 * the one that links GDAL): the GeoPackage of the directory (地名录) for
 * `diming names export --format gpkg` and GET /names/export?format=gpkg. */
#include "importers/export.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <string.h>

/* ---- GeoPackage -------------------------------------------------------------- */

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_setup(void) { GDALAllRegister(); }

int export_directory_gpkg(const directory_t *d, const char *path, dm_error *err)
{
    pthread_once(&gdal_once, gdal_setup);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv)
        return dm_error_set(err, DM_EINTERNAL, "format", "this GDAL has no GPKG driver");
    GDALDeleteDataset(drv, path); /* overwrite; a missing file is no error */
    GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds)
        return dm_error_set(err, DM_EIO, "out", "cannot create %s: %s", path, CPLGetLastErrorMsg());
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4490);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH layer = GDALDatasetCreateLayer(ds, "directory", srs, wkbPoint, NULL);
    OSRDestroySpatialReference(srs);
    int rc = 0;
    if (!layer) {
        rc = dm_error_set(err, DM_EIO, "out", "cannot create the directory layer: %s", CPLGetLastErrorMsg());
        goto out;
    }
    for (int i = 0; directory_columns[i] && !rc; i++) {
        const char *c = directory_columns[i];
        OGRFieldType t = strcmp(c, "id") == 0 ? OFTInteger64 : (strcmp(c, "lon") == 0 || strcmp(c, "lat") == 0) ? OFTReal : OFTString;
        OGRFieldDefnH fd = OGR_Fld_Create(c, t);
        if (OGR_L_CreateField(layer, fd, TRUE) != OGRERR_NONE)
            rc = dm_error_set(err, DM_EIO, "out", "cannot create field %s", c);
        OGR_Fld_Destroy(fd);
    }
    if (!rc && OGR_L_StartTransaction(layer) != OGRERR_NONE)
        rc = dm_error_set(err, DM_EIO, "out", "cannot write %s", path);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    for (size_t i = 0; i < d->n && !rc; i++) {
        const directory_entry_t *e = &d->entries[i];
        OGRFeatureH f = OGR_F_Create(defn);
        OGR_F_SetFieldInteger64(f, 0, e->id);
        const char *txt[] = {e->name, e->pinyin, e->category, e->division_code, e->status};
        for (int k = 0; k < 5; k++)
            OGR_F_SetFieldString(f, 1 + k, txt[k]);
        if (!isnan(e->lon)) {
            OGR_F_SetFieldDouble(f, 6, e->lon);
            OGR_F_SetFieldDouble(f, 7, e->lat);
            OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_SetPoint_2D(pt, 0, e->lon, e->lat);
            OGR_F_SetGeometryDirectly(f, pt);
        }
        OGR_F_SetFieldString(f, 8, e->approval_doc);
        OGR_F_SetFieldString(f, 9, e->approved_on);
        OGR_F_SetFieldString(f, 10, e->former_names);
        if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE)
            rc = dm_error_set(err, DM_EIO, "out", "cannot write feature %lld: %s", (long long)e->id,
                              CPLGetLastErrorMsg());
        OGR_F_Destroy(f);
    }
    if (!rc && OGR_L_CommitTransaction(layer) != OGRERR_NONE)
        rc = dm_error_set(err, DM_EIO, "out", "cannot write %s", path);
out:
    GDALClose(ds);
    return rc;
}
