/* inductor.h — what coupled inductors (K, dev_mutual.c) need of an inductor. */
#ifndef MS_INDUCTOR_H
#define MS_INDUCTOR_H

extern const struct MsDevType ms_dev_inductor, ms_dev_mutual;

/* Mark the inductor as coupled (its value stops being trainable: the mutual
 * inductance holds a copy) and return its inductance and branch unknown. */
double ms_inductor_couple(void *inst, int *branch);

struct MsCard;
/* Where a K card's coupling factor starts: its last token, or the k of a
 * closing k=value; the tokens from 1 up to it name the inductors (at least 3). */
int ms_k_factor_at(const struct MsCard *c);

#endif
