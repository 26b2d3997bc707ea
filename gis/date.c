/* date.c — see date.h. */
#include "gis/date.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void date_today(char out[11])
{
    /* China Standard Time (UTC+8, no daylight saving): "today" for a bureau.
     * Asked on every request, so each thread keeps the answer for a second. */
    static _Thread_local time_t cached_at = -1;
    static _Thread_local char cached[11];
    time_t now = time(NULL) + 8 * 3600;
    if (now != cached_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%d", &tm);
        cached_at = now;
    }
    memcpy(out, cached, 11);
}

int date_parse(const char *text, char out[11], const char *param, dm_error *err)
{
    /* out is written only on success, so out may alias text. */
    if (!text || !*text)
        return dm_error_set(err, DM_EINVAL, param, "%s is empty; expected a date YYYY-MM-DD", param);
    char digits[9];
    int nd = 0;
    size_t len = strlen(text);
    if (len == 10 && (text[4] == '-' || text[4] == '/') && text[7] == text[4]) {
        for (int i = 0; i < 10; i++)
            if (i != 4 && i != 7) {
                if (!isdigit((unsigned char)text[i]))
                    goto bad;
                digits[nd++] = text[i];
            }
    } else if (len == 8) {
        for (int i = 0; i < 8; i++) {
            if (!isdigit((unsigned char)text[i]))
                goto bad;
            digits[nd++] = text[i];
        }
    } else
        goto bad;
    digits[8] = '\0';
    int y = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100 + (digits[2] - '0') * 10 + (digits[3] - '0');
    int m = (digits[4] - '0') * 10 + (digits[5] - '0');
    int d = (digits[6] - '0') * 10 + (digits[7] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return dm_error_set(err, DM_EINVAL, param, "%s is not a real date: %.20s", param, text);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 11);
    return 0;
bad:
    return dm_error_set(err, DM_EINVAL, param, "%s must be a date YYYY-MM-DD, got '%.20s'", param, text);
}
