/* divcode.h — administrative division codes (行政区划代码).
 *
 * Two code systems meet here (see DOMAIN.md §2):
 *  - GB/T 2260, six digits: province (2) + prefecture (2) + county (2);
 *  - the 12-digit statistical code = those six + 3 township digits
 *    (GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 政企合一)
 *    + 3 village digits (001–199 居委会/社区, 200–399 村委会).
 * diming stores the 12-digit form; shorter forms (2, 4, 6, 9 digits) are
 * zero-padded. Rule ids are those of DOMAIN.md (DIV-CODE-FMT, -PARENT, -TYPE). */
#ifndef DIMING_DIVCODE_H
#define DIMING_DIVCODE_H

#include "gis/error.h"
#include "gis/store.h"

/* Parses `text` (2, 4, 6, 9 or 12 ASCII digits, surrounding blanks allowed)
 * into the 12-digit form in out[13]. DM_EINVAL with a message naming the
 * problem (DIV-CODE-FMT) otherwise. */
int divcode_parse(const char *text, char out[13], dm_error *err);

/* The level a 12-digit code denotes by its trailing zeros. */
division_level_t divcode_level(const char code[13]);

/* The parent's 12-digit code by prefix (DIV-CODE-PARENT); "" for a province.
 * Province-administered county-level units (xx90xx) have the pseudo-prefecture
 * xx9000 as parent, as in the NBS tables. */
void divcode_parent(const char code[13], char parent[13]);

/* The significant prefix of a code for its level (51, 5101, 510104,
 * 510104001, 510104001001) and the GB/T 2260 six-digit form ("" below county). */
void divcode_short(const char code[13], char out[13]);
void divcode_adcode(const char code[13], char out[7]);

/* The division type implied by the code's township or village digits:
 * "街道", "镇", "乡", "政企合一", "社区", "村", or NULL when the code does not
 * say (levels above township, or unassigned ranges). */
const char *divcode_type_from_digits(const char code[13]);

/* The type implied by a name's suffix (街道, 镇, 乡 / 民族乡 / 苏木, 社区 / 居委会,
 * 村 / 村委会, and above township 省 市 区 县 旗 州 盟 自治区), or NULL. */
const char *divcode_type_from_name(const char *name);

/* DIV-CODE-TYPE: checks that a township or village code's digits agree with
 * the name's suffix. Returns 0 if they agree or either side is silent,
 * DM_EINVAL with an explanation otherwise. */
int divcode_check_type(const char code[13], const char *name, dm_error *err);

/* Level names used in the API: "province", "prefecture", "county",
 * "township", "village"; and the reverse (also Chinese 省级/市级/县级/乡级/村级,
 * 省 市 县 乡 村 and the digits 1–5). LEVEL_NONE if unknown. */
const char *division_level_name(division_level_t level);
division_level_t division_level_parse(const char *text);

#endif
