/* memspice.h — public C API of libmemspice.
 *
 * A circuit (MsCircuit) is loaded once from a netlist: parsing, elaboration,
 * the sparsity pattern and KLU's symbolic analysis are done then and shared
 * read-only.  Each thread that simulates it owns an MsWork (numeric state:
 * solution vectors, KLU numeric factors, per-sample source overrides), so one
 * circuit can be run many times, in several threads at once.
 *
 * Every function returns an int status: MS_OK (0) or a negative MS_ERR_*
 * code; details (file:line:col, or time and node) are in the MsError. */
#ifndef MEMSPICE_H
#define MEMSPICE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MS_OK = 0,
    MS_ERR_IO = -1,          /* file missing, unreadable, unwritable */
    MS_ERR_SYNTAX = -2,      /* malformed netlist */
    MS_ERR_SEMANTIC = -3,    /* well-formed but meaningless: unknown model, node count, cycle */
    MS_ERR_UNSUPPORTED = -4, /* valid ngspice, not (yet) supported by memspice */
    MS_ERR_SINGULAR = -5,    /* singular circuit matrix */
    MS_ERR_NONCONV = -6,     /* Newton did not converge */
    MS_ERR_TIMESTEP = -7,    /* time step too small */
    MS_ERR_NOMEM = -8,
    MS_ERR_ARG = -9,         /* bad API or command-line argument */
    MS_ERR_EVAL = -10        /* expression evaluation failed (domain, NaN) */
};

#define MS_ERRMSG_MAX 1024
typedef struct MsError {
    int code;                     /* last error code, MS_OK if none */
    char msg[MS_ERRMSG_MAX];      /* human-readable message, "" if none */
} MsError;

/* Text of an error code ("syntax error", "singular matrix", ...). */
const char *ms_strerror(int code);

typedef struct MsCircuit MsCircuit;
typedef struct MsWork MsWork;

/* Kinds of saved vectors, as in ngspice raw files (FREQUENCY: an AC result's
 * scale only). */
enum { MS_VEC_TIME = 0, MS_VEC_VOLTAGE = 1, MS_VEC_CURRENT = 2, MS_VEC_STATE = 3, MS_VEC_FREQUENCY = 4 };

/* Simulation result: npts points of nvec vectors.  data is row-major:
 * data[k * nvec + j] is vector j at point k.  For an operating point
 * npts = 1 and time is NULL.  For a DC sweep time holds the swept values
 * and scale names them as ngspice's raw files do ("v(v-sweep)"); for an AC
 * analysis time holds the frequencies (scale "frequency") and imag the
 * imaginary parts. */
typedef struct MsResult {
    char *title;       /* netlist title line */
    char *plotname;    /* "Transient Analysis", "Operating Point", "DC transfer characteristic",
                        * "AC Analysis" */
    int nvec;
    char **names;      /* "v(out)", "i(v1)", lower case as ngspice prints them */
    int *kinds;        /* MS_VEC_* per vector */
    size_t npts, cap;
    double *time;      /* npts time points, NULL for an operating point */
    char *scale;       /* name of the scale vector (time, the swept source, frequency); NULL = "time" */
    double *imag;      /* imaginary parts beside data (same layout), NULL for a real result */
    double *data;
    char *faults;      /* stuck memristor cells, as ms_circuit_faults(), or NULL */
    /* statistics of the run */
    long steps_accepted, steps_rejected, newton_iters, factorizations;
} MsResult;

/* Transient request; zero fields take the netlist's .tran/.options values. */
typedef struct MsTranSpec {
    double tstep, tstop, tstart, tmax;
    int uic;           /* 1: skip the operating point, start from .ic values */
    int fixed_step;    /* 1: every step exactly tstep (training mode) */
} MsTranSpec;

/* Small-signal (.ac) request: the sweep of the card `.ac dec|oct|lin N FSTART FSTOP`.
 * dec/oct: N points per decade/octave from fstart, multiplied on while
 * f <= fstop (1 + reltol) as ngspice does; lin: N points from fstart to fstop. */
enum { MS_AC_DEC = 0, MS_AC_OCT = 1, MS_AC_LIN = 2 };
typedef struct MsAcSpec {
    int sweep;         /* MS_AC_DEC, MS_AC_OCT or MS_AC_LIN */
    long npoints;      /* N: per decade, per octave, or in all (lin) */
    double fstart, fstop;   /* Hz, 0 < fstart <= fstop */
} MsAcSpec;

/* DC sweep request (.dc): the operating point at every value of one or two
 * independent sources.  With two sweeps, sweep[0] (the inner one) runs
 * through its values for each value of sweep[1], as in ngspice. */
typedef struct MsDcSweep {
    const char *source;   /* independent V or I source, as named in the netlist ("v1", "x1.i2") */
    double start, stop, incr;   /* incr != 0, with the sign of stop - start */
} MsDcSweep;
typedef struct MsDcSpec {
    int nsweeps;          /* 1 or 2 */
    MsDcSweep sweep[2];
} MsDcSpec;
/* The values of a sweep: START, START + INCR, ... up to STOP within rounding, the last one
 * exactly STOP when it is there up to rounding.  The count is a double, so that a sweep
 * too large for a long can be compared with a limit. */
double ms_dc_sweep_points(const MsDcSweep *s);
void ms_dc_sweep_values(const MsDcSweep *s, long n, double *v);   /* v[0..n-1], n = the points */

/* Progress callback for long runs: fraction done in [0,1]. */
typedef void (*MsProgressFn)(double fraction, void *user);

/* ---- circuits ---- */
int ms_circuit_load(const char *path, MsCircuit **out, MsError *err);
int ms_circuit_load_string(const char *text, const char *name, MsCircuit **out,
                           MsError *err);
void ms_circuit_free(MsCircuit **c);

int ms_circuit_num_unknowns(const MsCircuit *c);
/* The analyses the netlist asks for (.op, .tran, .ac, .dc); fills spec from the card. */
int ms_circuit_has_op(const MsCircuit *c);
int ms_circuit_has_tran(const MsCircuit *c, MsTranSpec *spec);
/* The netlist's .ac card (fills spec when there is one). */
int ms_circuit_has_ac(const MsCircuit *c, MsAcSpec *spec);
/* The netlist's .dc card, if any, into spec (source names owned by c). */
int ms_circuit_has_dc(const MsCircuit *c, MsDcSpec *spec);
/* The netlist's .print requests as vector names, NULL-terminated, owned by c. */
const char *const *ms_circuit_print_names(const MsCircuit *c);
/* Memristors stuck by fault= or .options memfault: "m1:sa0,x1.m2:sa1" ("" if none). */
const char *ms_circuit_faults(const MsCircuit *c);

/* ---- numeric state (one per thread) ---- */
int ms_work_new(const MsCircuit *c, MsWork **out, MsError *err);
void ms_work_free(MsWork **w);
void ms_work_set_progress(MsWork *w, MsProgressFn fn, void *user);
/* End a transient with MS_ERR_TIMESTEP once it has tried more than n time
 * steps (accepted and rejected; n <= 0: no limit, the default): a bound on
 * the work of one run for callers that must not wait on a circuit whose
 * steps collapse (services, fuzzing). */
void ms_work_set_max_steps(MsWork *w, long n);

/* Override an independent source's waveform for this work only:
 * a DC value, or a piecewise-linear waveform (t strictly increasing). */
int ms_work_set_source_dc(MsWork *w, const char *name, double value, MsError *err);
int ms_work_set_source_pwl(MsWork *w, const char *name, int n, const double *t,
                           const double *v, MsError *err);
/* The AC phasor mag e^{j phase} (phase in degrees) of source `name` in .ac analyses of this
 * work, in place of the netlist's `AC mag phase` (the large-signal value is unchanged). */
int ms_work_set_source_ac(MsWork *w, const char *name, double mag, double phase, MsError *err);
void ms_work_clear_sources(MsWork *w);

/* ---- analyses ---- */
int ms_run_op(MsWork *w, MsResult *res, MsError *err);
int ms_run_tran(MsWork *w, const MsTranSpec *spec, MsResult *res, MsError *err);
/* Small-signal AC: the operating point (sources at their DC values), then
 * at every frequency of spec (NULL: the netlist's .ac) the complex system
 * (G + j 2 pi f C) X = B_ac with G, C the Jacobians at the operating point
 * and B_ac the sources' AC phasors (mag, phase in degrees).  res: plotname
 * "AC Analysis", scale "frequency" in time[], real parts in data[], imaginary
 * parts in imag[].  A memristor's state is frozen (dx = 0): see README. */
int ms_run_ac(MsWork *w, const MsAcSpec *spec, MsResult *res, MsError *err);
/* DC sweep: one operating point per swept value, each Newton started from
 * the previous point's solution (falling back to the .op homotopies);
 * memristor states stay at x0 (a quasi-static I-V at the initial state).
 * Plot "DC transfer characteristic"; res->time holds the inner source's
 * values (repeating for a nested sweep), res->scale names it. */
int ms_run_dc(MsWork *w, const MsDcSpec *spec, MsResult *res, MsError *err);

/* ---- gradients (memspice grad) ----
 * The netlist names the objective with .loss cards and the parameters with
 * .trainable; ms_run_grad simulates the transient and computes dloss/dparam
 * by the exact discrete adjoint of the steps taken. */
typedef struct MsGrad {
    double loss;
    int nparams;
    const char **names;   /* parameter names as in .trainable (r1, m1:ron, rval), owned by the circuit */
    double *values;       /* their current values */
    double *grad;         /* dloss / dvalue */
    MsResult tran;        /* the forward waveforms */
    double forward_seconds, backward_seconds;
    long checkpoint;      /* checkpoint spacing used (0: every step stored) */
    size_t trajectory_bytes;   /* peak memory of the stored trajectory */
} MsGrad;

int ms_run_grad(MsWork *w, const MsTranSpec *spec, MsGrad *out, MsError *err);
/* Checkpointing for ms_run_grad: keep the full state only every K steps and
 * recompute each segment before sweeping it backward (memory ~ N/K + K
 * instead of N).  K = 0: store every step (default); K < 0: automatic
 * (about sqrt(N)).  The gradients are the same either way. */
void ms_work_set_checkpoint(MsWork *w, long every);
/* Per-work weight of .loss term k (in netlist order), replacing its
 * weight= for this work only (e.g. per-sample loss weights in training). */
int ms_work_set_loss_weight(MsWork *w, int k, double weight, MsError *err);
void ms_grad_free(MsGrad *g);
/* ms_run_grad in three parts, for losses that depend on the forward result
 * (training: softmax cross-entropy of the readout).  ms_grad_forward runs
 * and records the transient in w; ms_grad_terms gives every .loss term's
 * unweighted value on that run (.readout signals are terms too, after the
 * .loss cards; needs every point stored: checkpoint spacing 0); the caller
 * then sets weights (ms_work_set_loss_weight) and ms_grad_backward sums the
 * weighted loss and its gradient (nparams values) on the same run.  The
 * recording stays in w until ms_grad_release or the next forward run. */
int ms_grad_forward(MsWork *w, const MsTranSpec *spec, MsResult *res, MsError *err);
int ms_grad_terms(MsWork *w, double *values, MsError *err);
int ms_grad_backward(MsWork *w, double *loss, double *grad, size_t *peak_bytes, MsError *err);
void ms_grad_release(MsWork *w);
/* Waveforms plus /gradient (attribute loss; one dataset per parameter with
 * dloss/dvalue and attribute value) in an HDF5 file. */
int ms_write_grad_hdf5(const MsGrad *g, const char *path, MsError *err);
int ms_circuit_num_params(const MsCircuit *c);
/* Change a trainable value (finite differences, training steps); for a
 * .param, every value and expression computed from it follows (an error,
 * and no change, if one of them cannot be evaluated).  Not thread-safe: no
 * work of this circuit may be running. */
int ms_circuit_set_param(MsCircuit *c, int k, double value, MsError *err);
double ms_circuit_get_param(const MsCircuit *c, int k);

/* ---- measurements (.meas) ----
 * The netlist's .meas cards of one analysis, evaluated on that analysis's
 * result as ngspice evaluates them (see README "Measurements").  The scale
 * of r (r->time) is time for "tran", the sweep or the frequency for others. */
typedef struct MsMeasure {
    const char *name;     /* as on the card (lower case), owned by the circuit */
    const char *analysis; /* "tran", "dc", "ac" */
    const char *kind;     /* "trig/targ", "when", "find", "avg", "rms", "min", "max", "pp", "integ", "param" */
    const char *file;     /* where the card is */
    int line;
    int ok;               /* 1: value holds the result; 0: the measure failed, why says why */
    double value;
    double trig, targ;    /* trig/targ: the two times; min/max: trig = where */
    double scale;         /* magnitude an absolute error is judged against (memspice check):
                             the signal's range for value measures, range x span for integ, 0 else */
    char why[256];
} MsMeasure;

int ms_circuit_num_measures(const MsCircuit *c);
/* Evaluates the .meas cards of `analysis` on r, in netlist order, into
 * out[0 .. *n) (out holds ms_circuit_num_measures(c) entries).  A measure
 * that cannot be taken (no such crossing, an empty window) is ok = 0 with
 * the reason; the return value is an error only for bad arguments. */
int ms_measure(const MsCircuit *c, const char *analysis, const MsResult *r, MsMeasure *out, int *n,
               MsError *err);
/* Writes measures as CSV "name,value,error" (value empty and error the
 * reason for a failed one; values with 17 digits), through a temporary file. */
int ms_write_measures(const MsMeasure *m, int n, const char *path, MsError *err);

/* ---- results ---- */
int ms_result_find(const MsResult *r, const char *name);   /* index or -1 */
void ms_result_free(MsResult *r);

/* Write a result; format "raw", "rawascii", "csv" or "h5".  A NULL format
 * is chosen from the extension.  path "-" writes to stdout (csv, rawascii).
 * Files are written to a temporary name and renamed when complete. */
int ms_write_result(const MsResult *r, const char *path, const char *format,
                    MsError *err);

#ifdef __cplusplus
}
#endif
#endif
