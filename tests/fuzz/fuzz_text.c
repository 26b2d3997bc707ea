/* fuzz_text.c — libFuzzer target: the name normaliser and UTF-8 handling.
 * Properties: invalid UTF-8 is refused, valid input yields valid UTF-8 without
 * leading or trailing white space, and normalising is idempotent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gis/text.h"

static text_normalizer_t *tn;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tn && !(tn = text_normalizer_new(NULL)))
        abort();
    char *out = NULL, *again = NULL;
    dm_error e;
    int valid = text_is_utf8((const char *)data, size) && !memchr(data, 0, size);
    int rc = text_normalize(tn, (const char *)data, valid ? size : size, &out, &e);
    if (!valid && !memchr(data, 0, size) && rc == 0)
        abort();
    if (rc == 0) {
        size_t n = strlen(out);
        if (!text_is_utf8(out, n) || (n && (out[0] == ' ' || out[n - 1] == ' ')))
            abort();
        if (text_normalize(tn, out, n, &again, &e) != 0 || strcmp(out, again) != 0)
            abort();
    }
    free(out);
    free(again);
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    text_scrub_utf8(copy);
    if (!text_is_utf8(copy, strlen(copy)))
        abort();
    free(copy);
    return 0;
}
