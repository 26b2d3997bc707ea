/* date.h — calendar dates as diming uses them: ISO 8601 "YYYY-MM-DD" strings,
 * which compare correctly as strings (validity intervals are [from, to)). */
#ifndef DIMING_DATE_H
#define DIMING_DATE_H

#include "gis/error.h"

/* Writes today's date in China Standard Time (UTC+8) into out[11]. */
void date_today(char out[11]);

/* Checks `text` is a real calendar date in YYYY-MM-DD form (1900–2999) and
 * copies it to out[11]. Also accepts YYYY/MM/DD and YYYYMMDD, normalised.
 * DM_EINVAL naming `param` otherwise. */
int date_parse(const char *text, char out[11], const char *param, dm_error *err);

#endif
