/* fuzz_divcode.c — libFuzzer target: division codes and dates from any bytes.
 * Property: parsing never crashes, and a code that parses is 12 digits whose
 * parent, short form and type helpers are consistent with it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/divcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char code[13], parent[13], shortc[13], ad[7], date[11];
    dm_error e;
    if (divcode_parse(s, code, &e) == 0) {
        if (strlen(code) != 12 || strspn(code, "0123456789") != 12)
            abort();
        division_level_t lv = divcode_level(code);
        divcode_parent(code, parent);
        divcode_short(code, shortc);
        divcode_adcode(code, ad);
        if (parent[0]) {
            char ps[13];
            divcode_short(parent, ps);
            if (strncmp(ps, code, strlen(ps)) != 0 || divcode_level(parent) >= lv)
                abort();
        } else if (lv != LEVEL_PROVINCE)
            abort();
        if (strncmp(shortc, code, strlen(shortc)) != 0)
            abort();
        (void)divcode_type_from_digits(code);
        (void)divcode_check_type(code, s, &e);
    }
    (void)divcode_type_from_name(s);
    (void)division_level_parse(s);
    if (date_parse(s, date, "date", &e) == 0 && (strlen(date) != 10 || date[4] != '-' || date[7] != '-'))
        abort();
    free(s);
    return 0;
}
