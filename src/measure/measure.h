/* measure.h — measures with their derivatives (measure.c), for `.loss meas`
 * (solver/meas_loss.c).  A measure's value is a function of the signal
 * values at the result's points (the scale held fixed: the time points of
 * the discrete trajectory are constants of the adjoint); its derivative is
 * a short list of (signal, point, d value / d signal value there). */
#ifndef MS_MEASURE_H
#define MS_MEASURE_H

#include "../solver/circuit.h"

typedef struct MsMeasSens {
    const MsVecRef *sig;  /* the measured signal (a card's, as written: v(a,b) is one signal) */
    size_t k;             /* the point */
    double d;             /* d value / d signal(k) */
} MsMeasSens;

typedef struct MsMeasGrad {
    MsMeasSens *e;
    size_t n, cap;
} MsMeasGrad;

/* ms_measure on the transient result r, and for each measure taken g[i]
 * (zeroed by the caller, out's order) its derivative.  Subgradients where
 * the value has a kink: MIN/MAX/PP at the extreme point, a crossing at the
 * interval it was found in. */
int ms_measure_grad(const MsCircuit *c, const MsResult *r, MsMeasure *out, int *n, MsMeasGrad *g, MsError *err);
void ms_meas_grad_free(MsMeasGrad *g, int n);

#endif
