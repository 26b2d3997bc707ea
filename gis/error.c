/* error.c — filling dm_error values; see error.h. */
#include "gis/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gis/text.h"

void dm_error_clear(dm_error *err)
{
    if (!err)
        return;
    err->code = DM_OK;
    err->param[0] = '\0';
    err->message[0] = '\0';
}

int dm_error_set(dm_error *err, int code, const char *param, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->param, sizeof err->param, "%s", param ? param : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* Messages quote input; keep them valid UTF-8 for JSON. */
    text_scrub_utf8(err->message);
    text_scrub_utf8(err->param);
    return code;
}

const char *dm_status_name(int code)
{
    switch (code) {
    case DM_OK: return "ok";
    case DM_EINVAL: return "invalid";
    case DM_ENOTFOUND: return "not_found";
    case DM_EIO: return "io";
    case DM_ESCHEMA: return "schema";
    case DM_ENOMEM: return "out_of_memory";
    case DM_EGEOM: return "geometry";
    case DM_ECONFLICT: return "conflict";
    case DM_ELIMIT: return "limit";
    default: return "internal";
    }
}
