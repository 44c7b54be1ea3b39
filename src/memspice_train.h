/* memspice_train.h — public C API of libmemspice for a network netlist as a
 * differentiable layer (the Python package's memspice.torch.CircuitLayer).
 *
 * A network netlist is one `memspice train` reads: .input sources (the
 * features), .readout signals (the class scores), .trainable values, a .tran
 * window run with fixed steps.  A batch of B samples goes through it:
 *   forward:  x[B * nin] (features, row-major)  ->  scores[B * nclass];
 *   backward: dL/dscores[B * nclass] (the upstream gradient, so any loss)
 *             ->  dL/dparams[nparams] (summed over the batch), and if asked
 *             dL/dx[B * nin].
 * The batched engine (README "Training engines") is used when the network
 * compiles for it, else the per-sample path (one MsWork per thread).  The
 * samples run in chunks (MS_BATCH_CHUNK on the batched engine, 1 per
 * sample) on the library's own threads; each chunk's gradient has its own
 * slot and the slots are summed in chunk order, so results do not depend on
 * the thread count.  One handle runs one call at a time (not thread-safe);
 * nothing global is kept.  All arrays are plain doubles, caller-owned. */
#ifndef MEMSPICE_TRAIN_H
#define MEMSPICE_TRAIN_H

#include "memspice.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name of a circuit's trainable value k (as ms_run_grad reports it),
 * NULL if k is out of range; owned by the circuit. */
const char *ms_circuit_param_name(const MsCircuit *c, int k);
/* Unknown k (1..n) of a circuit: its node name, "" if it is not a node (a
 * branch current, a device's internal unknown), NULL past the end.  Nodes
 * come in netlist order (owned by the circuit). */
const char *ms_circuit_node_name(const MsCircuit *c, int k);
/* Which training cards the netlist has (MS_CARD_* bits). */
enum { MS_CARD_INPUT = 1, MS_CARD_READOUT = 2, MS_CARD_TRAINABLE = 4 };
int ms_circuit_train_cards(const MsCircuit *c);

typedef struct MsTrainNet MsTrainNet;

enum { MS_ENGINE_AUTO = 0, MS_ENGINE_BATCHED = 1, MS_ENGINE_PER_SAMPLE = 2 };

/* Load and check a network netlist.  engine: MS_ENGINE_AUTO (batched when
 * it compiles), MS_ENGINE_BATCHED (an error, with the reason, if not) or
 * MS_ENGINE_PER_SAMPLE. */
int ms_tnet_open(const char *path, int engine, MsTrainNet **out, MsError *err);
/* The same from the netlist's text, called name in messages; relative
 * .include/.lib paths are taken from name's folder. */
int ms_tnet_open_string(const char *text, const char *name, int engine, MsTrainNet **out, MsError *err);
void ms_tnet_free(MsTrainNet **t);

int ms_tnet_num_inputs(const MsTrainNet *t);
int ms_tnet_num_classes(const MsTrainNet *t);
int ms_tnet_num_params(const MsTrainNet *t);
/* MS_ENGINE_BATCHED or MS_ENGINE_PER_SAMPLE; why the batched engine was
 * not used ("" if it was, or was not asked for). */
int ms_tnet_engine(const MsTrainNet *t);
const char *ms_tnet_engine_reason(const MsTrainNet *t);
/* Names (owned by t): trainable value k as in .trainable (m1_3:x0), the
 * source of input i. */
const char *ms_tnet_param_name(const MsTrainNet *t, int k);
const char *ms_tnet_input_name(const MsTrainNet *t, int i);

void ms_tnet_get_params(const MsTrainNet *t, double *values);
void ms_tnet_bounds(const MsTrainNet *t, double *lo, double *hi);
/* Each value's optimiser unit (.trainable scale=; 1 where none): memspice
 * train steps on value / scale. */
void ms_tnet_scales(const MsTrainNet *t, double *scale);
/* Write all nparams values into the circuit (as given: clamp to the
 * bounds first if wanted). */
int ms_tnet_set_params(MsTrainNet *t, const double *values, MsError *err);
/* Worker threads for the batches (0: one per core; at most 64). */
void ms_tnet_set_threads(MsTrainNet *t, int n);

/* Features x[B * nin]; seed: rate-coded spikes of sample b are drawn from
 * hash(seed, b).  scores[B * nclass]. */
int ms_tnet_forward(MsTrainNet *t, int B, const double *x, uint64_t seed, double *scores, MsError *err);
/* Forward again and the adjoint seeded with dscores[B * nclass]: scores
 * (may be NULL), dparams[nparams] (may be NULL) summed over the batch,
 * dx[B * nin] (may be NULL; encoding=analog inputs only, else
 * MS_ERR_UNSUPPORTED: rate and latency spikes are not differentiable in x). */
int ms_tnet_backward(MsTrainNet *t, int B, const double *x, uint64_t seed, const double *dscores, double *scores,
                     double *dparams, double *dx, MsError *err);
/* What `memspice train` computes for a batch: features as floats, the
 * readout's own loss (.readout loss=) for labels[B]: scores, loss[B] and
 * dparams[nparams] (may be NULL) summed over the batch. */
int ms_tnet_loss(MsTrainNet *t, int B, const double *x, uint64_t seed, const int *labels, double *scores,
                 double *loss, double *dparams, MsError *err);

#ifdef __cplusplus
}
#endif
#endif
