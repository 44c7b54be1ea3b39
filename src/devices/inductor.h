/* inductor.h — what coupled inductors (K, dev_mutual.c) need of an inductor. */
#ifndef MS_INDUCTOR_H
#define MS_INDUCTOR_H

extern const struct MsDevType ms_dev_inductor, ms_dev_mutual;

/* Mark the inductor as coupled (its value stops being trainable: the mutual
 * inductance holds a copy) and return its inductance and branch unknown. */
double ms_inductor_couple(void *inst, int *branch);

#endif
