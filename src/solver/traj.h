/* traj.h — the trajectory of a transient run as the adjoint needs it:
 * every accepted point x_k (all unknowns), its time, and the method of the
 * step that ended there. */
#ifndef MS_TRAJ_H
#define MS_TRAJ_H

#include <stddef.h>

typedef struct MsTraj {
    int n1;                /* vector length (unknowns + ground) */
    size_t npts, cap;
    double *t;             /* [npts] */
    double *h;             /* [npts]: the step size that ended at point k, exactly as used */
    unsigned char *be;     /* [npts]: 1 if the step ending at point k was backward Euler */
    double *x;             /* [npts * n1] */
} MsTraj;

void ms_traj_init(MsTraj *tr, int n1);
void ms_traj_add(MsTraj *tr, double t, double h, int be, const double *x);
void ms_traj_free(MsTraj *tr);
static inline const double *ms_traj_x(const MsTraj *tr, size_t k) { return tr->x + k * (size_t)tr->n1; }

#endif
