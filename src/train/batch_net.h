/* batch_net.h — the batched training engine: a network netlist compiled
 * into layers, simulated for a chunk of samples at once.
 *
 * What it compiles (batch_build.c checks every element, and says why when a
 * circuit is not of this form; training then takes the per-sample path):
 *   - crossbar cells: level-3 (Yakopcic) YMEMRISTOR from a row node to a
 *     column node, read inside the no-disturb window (checked at every step:
 *     there g = 0, so a cell's state is its x0 for the whole window);
 *   - rows driven by the .input sources, by constant DC sources, or by
 *     buffers (linear E, or E value= / B V= of one membrane voltage);
 *   - columns held at 0 V by a DC source whose current F sources mirror
 *     (with gains) into neuron membranes ("virtual-ground" columns);
 *   - neurons: a membrane with a capacitor to ground (ic = its start) and
 *     memristive branches (level 5, MMS, the MIF neuron) to DC sources;
 *   - .readout signals: membrane voltages; uic; trainable: cells' x0 and
 *     membrane capacitances (heterogeneous neurons).
 *
 * The discrete system is the one `memspice run --fixed-step` and `memspice
 * grad` solve (the same steps, backward Euler on the first step and on every
 * step that starts at an input waveform corner, trapezoidal otherwise; the
 * same model equations), reduced exactly: the column currents of a layer are
 * I = h(V) X with h(v) = a sinh(b v) (a matrix product over the chunk), and
 * each neuron is a small Newton solve per sample, converged to rounding.
 * Shapes: S samples of a chunk, N steps (points k = 0..N), R rows, C
 * columns, M neurons; arrays are sample-major: [s][k][.]. */
#ifndef MS_TRAIN_BATCH_NET_H
#define MS_TRAIN_BATCH_NET_H

#include "net.h"

typedef struct MsBatchNet MsBatchNet;
typedef struct MsBatchWork MsBatchWork;

/* Samples per chunk: the unit of work of a thread and of the gradient
 * reduction, so results do not depend on the thread count. */
#define MS_BATCH_CHUNK 16

/* Compile; MS_ERR_UNSUPPORTED with the reason if net is not of that form. */
int ms_batch_compile(const MsNet *net, MsBatchNet **out, MsError *err);
void ms_batch_free(MsBatchNet **b);
/* Read the cells' states and the membrane capacitances from the circuit
 * again (after parameter updates or faults). */
void ms_batch_sync(MsBatchNet *b);
/* Set the cells' states and trainable capacitances to params (skip[k]: leave k) in the engine only, not
 * in the circuit: between the batches of an epoch, where nothing else reads it. */
void ms_batch_set_params(MsBatchNet *b, const double *params, const unsigned char *skip);

int ms_batch_work_new(const MsBatchNet *b, MsBatchWork **out);
void ms_batch_work_free(MsBatchWork **w);

/* n <= MS_BATCH_CHUNK samples: features x[s] (nin each), rate-code draws,
 * labels.  Writes scores[s * nclass + k] and loss[s]; if grad is not NULL,
 * sets grad[nparams] to the sum over the samples of dloss/dparam. */
int ms_batch_run(const MsBatchNet *b, MsBatchWork *w, int n, const float *const *x, const uint64_t *draw,
                 const int *label, double *scores, double *loss, double *grad, MsError *err);

/* The same chunk with double features x[s] (nin each), the adjoint seeded
 * by the caller's dL/dscore ds[s * nclass + k] (any loss) instead of the
 * readout's loss: scores[s * nclass + k]; if grad is not NULL, grad[nparams]
 * = the sum over the samples of dL/dparam; if dx is not NULL, dx[s * nin + i]
 * = dL/dfeature i of sample s (encoding=analog inputs only, else
 * MS_ERR_UNSUPPORTED).  ds may be NULL when neither is asked. */
int ms_batch_run_ds(const MsBatchNet *b, MsBatchWork *w, int n, const double *const *x, const uint64_t *draw,
                    const double *ds, double *scores, double *grad, double *dx, MsError *err);

#endif
