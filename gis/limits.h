/* limits.h — per-request deadlines and the size measures request limits use.
 *
 * A deadline bounds how long one piece of work may run on the calling thread
 * (nginx-style: a request that runs too long is stopped and answered, instead
 * of holding a worker). It is thread-local: the HTTP server sets it before a
 * handler runs and clears it after; the CLI never sets one, so nothing here
 * changes what a command does.
 *
 * Where it is checked:
 *  - every store connection (store_open installs limits_sqlite_progress as the
 *    SQLite progress handler): a statement running past the deadline stops
 *    with SQLITE_INTERRUPT and the store call fails;
 *  - long loops in the library call limits_deadline_passed() every few
 *    hundred iterations and fail with DM_ELIMIT.
 * Either way the failure is sticky (limits_deadline_hit), so the server can
 * answer 503 however the error was reported on the way up.
 *
 * Ownership: nothing is allocated. */
#ifndef DIMING_LIMITS_H
#define DIMING_LIMITS_H

#include <stddef.h>

/* Sets this thread's deadline to `at` (CLOCK_MONOTONIC seconds); at <= 0
 * removes it. Resets the sticky "hit" flag. */
void limits_deadline_set(double at);
void limits_deadline_clear(void);
/* 1 if a deadline is set and has passed (then also sets the sticky flag). */
int limits_deadline_passed(void);
/* 1 if limits_deadline_passed returned 1 since the last set/clear. */
int limits_deadline_hit(void);
/* CLOCK_MONOTONIC in seconds (the clock deadlines are measured on). */
double limits_now(void);

/* SQLite progress handler (sqlite3_progress_handler): non-zero interrupts
 * the running statement when this thread's deadline has passed. */
int limits_sqlite_progress(void *unused);

/* Area in km² of a lon/lat box (west, south, east, north in degrees) on a
 * sphere of the CGCS2000 semi-major axis: R² · Δλ · (sin φ2 − sin φ1).
 * Exact for the box (a box is a "rectangle" in lon/lat, not a polygon with
 * geodesic edges), which is what a bbox parameter means (OGC API Features). */
double limits_bbox_km2(const double bbox[4]);

#endif
