/* storeInt.h — store internals the tests need: opening a file at an older
 * schema version so the upgrade path can be exercised. Not for other modules. */
#ifndef DIMING_STORE_INT_H
#define DIMING_STORE_INT_H
#include "gis/store.h"
int store_open_at(const char *path, int flags, int version, store_t **out, dm_error *err);
int store_migrate_to(store_t *s, int to, dm_error *err);
#endif
