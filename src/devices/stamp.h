/* stamp.h — helpers for devices: the four-entry conductance pattern of a
 * two-terminal element, and reading the common "name n+ n- value" cards. */
#ifndef MS_STAMP_H
#define MS_STAMP_H

#include "device.h"

/* Slots of (a,a) (a,b) (b,a) (b,b). */
typedef struct MsQuad {
    int aa, ab, ba, bb;
} MsQuad;

static inline void ms_quad_declare(MsSetup *s, int a, int b, MsQuad *q)
{
    ms_setup_entry(s, a, a, &q->aa);
    ms_setup_entry(s, a, b, &q->ab);
    ms_setup_entry(s, b, a, &q->ba);
    ms_setup_entry(s, b, b, &q->bb);
}

static inline void ms_quad_add(double *M, const MsQuad *q, double g)
{
    M[q->aa] += g;
    M[q->ab] -= g;
    M[q->ba] -= g;
    M[q->bb] += g;
}

/* Read "name n1 n2 ... nN" into nodes; error if the card is too short. */
int ms_parse_nodes(MsElab *el, const MsCard *c, int count, int *nodes);

/* Read the value of a two-terminal element: "R1 a b 1k", "R1 a b r=1k" or
 * "R1 a b {expr}" (key is the keyword alias, e.g. "r").  *next is the first
 * token after the value. */
int ms_parse_value(MsElab *el, const MsCard *c, int at, const char *key, double *v, int *next);

/* Read the optional "ic=value" after an element's value (C, L); any other
 * argument is an error naming `what`. */
int ms_parse_ic_option(MsElab *el, const MsCard *c, int at, const char *what, double *ic, int *has_ic);

#endif
