/* report_targets.h — plan targets read from configuration: every
 * share/coverage/targets/NAME.json file (one per jurisdiction) whose applies_to
 * codes contain the division asked about. Format: docs/coverage.md.
 *
 * The directory is $DIMING_SHARE/coverage/targets when DIMING_SHARE is set,
 * else the source tree's share/ (compiled in). Files are read per request,
 * so an edited target applies without a restart.
 *
 * Ownership: the report_target_t strings point into JSON documents the
 * report_targets_t holds; report_targets_free releases both. */
#ifndef DIMING_REPORT_TARGETS_H
#define DIMING_REPORT_TARGETS_H

#include <jansson.h>

#include "gis/error.h"
#include "gis/report.h"

typedef struct report_targets {
    report_target_t *v;
    size_t n;
    json_t *docs; /* array of the files' documents that apply */
} report_targets_t;

/* The directory the targets are read from. */
const char *report_targets_dir(void);

/* Loads the targets of `dir` that apply to `division` (12 digits), in file
 * name order, then file order. A malformed file is DM_EINVAL naming the file
 * and target. */
int report_targets_load(const char *dir, const char *division, report_targets_t *out, dm_error *err);
void report_targets_free(report_targets_t *t);

#endif
