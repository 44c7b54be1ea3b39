/* klu_wrap.h — factor and solve the circuit matrix with KLU, reusing the
 * symbolic analysis of the circuit and the numeric factors of the work. */
#ifndef MS_KLU_WRAP_H
#define MS_KLU_WRAP_H

#include "circuit.h"

/* Factor w->J (klu_refactor when factors exist, klu_factor when they do not
 * or when the pivots degrade).  On a singular matrix returns MS_ERR_SINGULAR
 * and sets *bad to the unknown (1..n) of the singular column. */
int ms_klu_factor(MsWork *w, int *bad);
/* Solve J x = b in place (b has n entries: unknowns 1..n). */
void ms_klu_solve(MsWork *w, double *b);
/* Solve J^T x = b in place. */
void ms_klu_tsolve(MsWork *w, double *b);
void ms_klu_free(MsWork *w);

#endif
