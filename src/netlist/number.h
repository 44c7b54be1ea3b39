/* number.h — SPICE numbers: 1.5k, 10pF, 2meg, 3mil, 1e-3V. */
#ifndef MS_NUMBER_H
#define MS_NUMBER_H

#include "../util/util.h"

/* Parse a number with optional SI suffix and trailing unit letters starting at s.
 * Returns 1 and sets *v, *end on success; 0 if s does not start with a number;
 * -1 if it is one but beyond a double's range (1e999: never infinity). */
int ms_parse_number(const char *s, double *v, const char **end);

/* 1 if the whole string is a SPICE number (0 if not, -1 out of range). */
int ms_is_number(const char *s, double *v);

/* The error for a word that ms_is_number returned r (0 or -1) for. */
int ms_number_error(MsError *err, MsLoc loc, const char *s, int r);

#endif
