/* number.h — SPICE numbers: 1.5k, 10pF, 2meg, 3mil, 1e-3V. */
#ifndef MS_NUMBER_H
#define MS_NUMBER_H

/* Parse a number with optional SI suffix and trailing unit letters starting at s.
 * Returns 1 and sets *v, *end on success; 0 if s does not start with a number. */
int ms_parse_number(const char *s, double *v, const char **end);

/* 1 if the whole string is a SPICE number. */
int ms_is_number(const char *s, double *v);

#endif
