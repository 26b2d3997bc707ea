/* error.h — the error value every fallible libdiming call fills.
 *
 * Library functions never print and never exit. They return 0 on success or a
 * negative dm_status, and describe the failure in a dm_error the caller owns
 * (usually on the stack). `param` names the input at fault when there is one,
 * so the HTTP layer can say which query parameter was wrong and the CLI which
 * option or row. */
#ifndef DIMING_ERROR_H
#define DIMING_ERROR_H

#include <stddef.h>

typedef enum {
    DM_OK = 0,
    DM_EINVAL = -1,    /* bad input: a parameter, a value, a file's content */
    DM_ENOTFOUND = -2, /* no such object (code, file, layer) */
    DM_EIO = -3,       /* file or database could not be read or written */
    DM_ESCHEMA = -4,   /* database schema missing, newer than us, or broken */
    DM_ENOMEM = -5,
    DM_EGEOM = -6,     /* geometry unusable (parse, topology, CRS) */
    DM_ECONFLICT = -7, /* duplicate key or state clash */
    DM_EINTERNAL = -8, /* a bug or an unexpected library failure */
    DM_ELIMIT = -9     /* a configured limit was exceeded */
} dm_status;

typedef struct dm_error {
    int code;           /* a dm_status, DM_OK when nothing failed */
    char param[64];     /* offending parameter / field, "" if none */
    char message[512];  /* one line, no trailing newline */
} dm_error;

/* Resets *err to "no error". NULL is accepted and ignored. */
void dm_error_clear(dm_error *err);

/* Fills *err (if not NULL) and returns `code`, so callers can write
 * `return dm_error_set(err, DM_EINVAL, "lon", "lon must be a number");`.
 * `param` may be NULL. */
int dm_error_set(dm_error *err, int code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A short stable name for a status ("invalid", "not_found", …). */
const char *dm_status_name(int code);

#endif
