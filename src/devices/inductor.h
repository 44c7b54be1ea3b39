/* inductor.h — what coupled inductors (K, dev_mutual.c) need of an inductor. */
#ifndef MS_INDUCTOR_H
#define MS_INDUCTOR_H

extern const struct MsDevType ms_dev_inductor, ms_dev_mutual;

/* Mark the inductor as coupled (its value stops being trainable: the mutual
 * inductance holds a copy) and return its inductance and branch unknown. */
double ms_inductor_couple(void *inst, int *branch);

struct MsCard;
/* Where a K card's coupling factor starts (token index, 3 or more): its last
 * token, or the k of a closing k=value; the tokens before it, from 1, name the
 * inductors. */
int ms_k_factor_at(const struct MsCard *c);
/* The lowest coupling factor a K instance may take: -1 for two inductors,
 * -1/(n-1) for n (below it the inductance matrix is indefinite). */
double ms_k_lowest(const void *inst);

#endif
