/* circuit.h — the elaborated circuit (shared, read-only after loading) and
 * the per-thread numeric workspace. */
#ifndef MS_CIRCUIT_H
#define MS_CIRCUIT_H

#include <klu.h>

#include "../devices/device.h"
#include "../netlist/parser.h"

/* What an unknown is: decides its convergence tolerance and output name. */
enum { MS_UNK_NODE = 0, MS_UNK_BRANCH = 1, MS_UNK_INTERNAL = 2, MS_UNK_STATE = 3 };

/* Initial condition: x[unk] = x[ref] + value (ref 0: ground). */
typedef struct MsIc {
    int unk, ref;
    double value;
} MsIc;

/* A saved vector: v(a) = x[a] - x[b] (b may be 0), or a branch current;
 * or (.print/.save only) a vector derived from x at each point. */
enum { MS_SAVE_UNKNOWN = 0, MS_SAVE_POWER, MS_SAVE_EXPR };
typedef struct MsSave {
    char *name;
    int kind;         /* MS_VEC_VOLTAGE / MS_VEC_CURRENT / MS_VEC_STATE (derived vectors: STATE) */
    int a, b;         /* MS_SAVE_POWER: group and instance of the element */
    int derived;      /* MS_SAVE_UNKNOWN: x[a] (- x[b]); MS_SAVE_POWER: p(name); MS_SAVE_EXPR: {expr} */
    const struct MsTape *tape;   /* MS_SAVE_EXPR, owned by the deck's MsVecRef */
} MsSave;

/* A .print column: the saved vector it shows and, in .print ac, the AC form
 * (ac_forms.h) applied to its phasor. */
typedef struct MsPrintCol {
    MsMeasAnalysis analysis;   /* the card's: tran, dc or ac */
    int save;                  /* into saves */
    int form;                  /* MS_FORM_* */
    char *label;               /* column header: "vdb(2)", else the vector's name */
} MsPrintCol;

/* A non-zero slot of G_L or C_L: M[slot] at (row, col), unknowns 1..n. */
typedef struct MsLinEntry {
    int slot, row, col;
} MsLinEntry;

/* A resolved .loss term. */
typedef struct MsLossTerm {
    const MsLossDef *def;
    MsSave sig, target;
    int has_target_sig;
    int meas;           /* MS_LOSS_MEAS: the measure's place among the .meas tran results */
} MsLossTerm;

/* A trainable value: instance `inst` of group `group`, or a .param. */
typedef struct MsParamRef {
    int group, inst;
    int k;              /* -1: the element's value (value_ref); else a named parameter (param_ref) */
    int train;          /* >= 0: trainable .param `train` (group, inst, k unused) */
    const char *name;   /* "r1", "m1:ron", "rval" or "param:rval", points into the deck or into owned */
    char *owned;        /* the name of a value a .trainable pattern matched (m1_3:x0) */
    double lo, hi;      /* bounds for training (min=, max=; a memristor's x0: [0, 1]) */
    double scale;       /* the optimiser's unit (scale=, default 1): it trains value / scale */
} MsParamRef;

/* A feature input of `memspice train`: the source that carries it (.input). */
typedef struct MsInputRef {
    int src;                  /* independent source id */
    const MsInputDef *def;    /* its card: scale and encoding */
} MsInputRef;

/* A top-level .param named by .trainable.  Its value reaches the equations
 * through device values computed from it (MsParamDep) and through the tapes
 * of behavioral elements, which read it as an input (TO_PARAM). */
typedef struct MsTrainParam {
    const char *name;   /* the .param's name, points into the deck */
    double value;
} MsTrainParam;

/* A device value computed from trainable .params (elaboration records one
 * per value whose expression reads one), or an .ic value (group -1). */
typedef struct MsParamDep {
    int group, inst, k;  /* the value: value_ref (k < 0) or param_ref(k); group -1: ics[inst].value */
    struct MsTape *tape; /* the value as a function of the trainable .params */
    double value;        /* the value elaboration gave it */
    double *d;           /* d value / d (the tape's var v), at the current values */
    int uic_unused;      /* an .ic value a device's ic= overrides in a uic start */
} MsParamDep;

/* One way trainable .param j enters the equations (solver/param_deps.c). */
typedef struct MsTrainTerm {
    int group, inst;
    int dep;             /* >= 0: through deps[dep], factor d[var]; < 0: the instance's tape input `var` */
    int var;
} MsTrainTerm;

struct MsCircuit {
    MsDeck deck;                  /* kept: names and locations point into it */
    char *title;
    int n;                        /* unknowns, ground excluded; vectors are n+1 long */
    char **unk_name;              /* [n+1]: "out", "v1#branch", "0" for ground */
    MsMap node_index;             /* node name -> unknown, once elaboration is done (ms_circuit_find_node) */
    int node_index_built;
    int *unk_kind;                /* [n+1] MS_UNK_* */
    MsDevGroup *groups;           /* one per device kind present */
    int ngroups;
    int nonlinear;                /* any nonlinear device present */
    int nsources;                 /* independent sources (ids 0..nsources-1) */
    char **source_name;
    int nstate;                   /* per-work numeric state doubles */
    size_t nscratch;              /* per-work scratch doubles for device evaluation */
    /* sparsity pattern (CSC, n x n on unknowns 1..n) */
    int nnz;
    int *Ap, *Ai;
    int *diag;                    /* [n+1] pattern slot of (i,i) for unknown i, or nnz */
    double *GL, *CL;              /* constant linear stamps, nnz+1 */
    MsLinEntry *lin_g, *lin_c;    /* their non-zero slots, for products with a vector */
    int nlin_g, nlin_c;
    unsigned long stamp_gen;      /* bumped whenever GL/CL change (ms_circuit_set_param) */
    klu_symbolic *sym;
    klu_common common;            /* settings copied into each work */
    MsOptions opt;
    int has_op, has_tran;
    MsTranSpec tran;
    MsIc *ics;                    /* .ic: forced in the operating point, start values with uic */
    int nics;
    MsIc *nodesets;               /* .nodeset: held at first, then released (dcop.c) */
    int nnodesets;
    MsSave *saves;
    int nsaves;
    char *faults;                 /* stuck memristors "m1:sa0,x1.m2:sa1", NULL if none */
    MsLossTerm *losses;           /* .loss, then one per .readout signal */
    int nlosses;
    int readout0, nreadout;       /* the readout's terms: losses[readout0 .. readout0 + nreadout) */
    MsLossDef *readout_defs;      /* their definitions (weight 0 unless a work sets it) */
    MsInputRef *inputs;           /* .input features, in order */
    int ninputs;
    MsParamRef *params;           /* .trainable */
    int nparams;
    MsTrainParam *train;          /* the trainable .params */
    int ntrain;
    MsParamDep *deps;             /* device values computed from them */
    int ndeps;
    MsTrainTerm *terms;           /* per trainable .param j: terms[term_start[j] .. term_start[j+1]) */
    int *term_start;
    int nmeas_sv;                 /* .loss meas: the measured signals a gradient run records (meas_loss.c) */
    int *meas_sv_a, *meas_sv_b;   /* ... as x[a] - x[b] */
    const MsVecRef **meas_sv_ref; /* ... and their names */
    MsMap meas_param_index;       /* the .params PARAM measures read -> meas_param_val */
    double *meas_param_val;
    int nmeas_params;
    MsPrintCol *prints;           /* the .print columns, in card order (all analyses) */
    int nprints;
    char **print_names;           /* the .print tran labels, NULL-terminated (ms_circuit_print_names) */
};

/* Stuck-at fault injection from .options memfault (faults.c). */
void ms_inject_faults(MsCircuit *c);

/* Override source `id`'s waveform in w (DC value; PWL with t increasing). */
void ms_work_source_dc(MsWork *w, int id, double value);
void ms_work_source_pwl(MsWork *w, int id, int n, const double *t, const double *v);
/* Every trainable value at once (one re-stamp); skip[k] set: leave k alone. */
int ms_circuit_set_params(MsCircuit *c, const double *values, const unsigned char *skip, MsError *err);
/* Checkpoint spacing of w's recorded forward run (0: every point). */
long ms_grad_checkpoint(const MsWork *w);
/* ms_grad_backward, also giving wf_sum[n+1] = the sum over the points
 * (and the operating point) of the adjoint weights wf of f: a constant
 * excitation level's gradient is wf_sum . d b / d level (adjoint.c). */
int ms_grad_backward_wf(MsWork *w, double *loss, double *grad, double *wf_sum, MsError *err);

/* Resolve "v(a)", "v(a,b)", "i(x)" to unknowns (out->name is r->name, not copied). */
int ms_circuit_signal(const MsCircuit *c, const MsVecRef *r, MsSave *out, MsError *err);

struct MsWork {
    const MsCircuit *c;
    klu_common common;
    klu_numeric *num;
    int have_factor;              /* num holds factors of the current pattern values */
    double J_cq, J_a;             /* coefficients of the factored J = cq C + a G (linear circuits) */
    unsigned long J_gen;          /* the circuit's stamp_gen when it was factored */
    int limited;                  /* a device limited its step in the last evaluation */
    int past_wall;                /* ... and a state lay past a bound (MsEval.past_wall) */
    int eval_failed;              /* a device could not evaluate (eval_err says why) */
    int no_limit;                 /* evaluate devices exactly at x (adjoint sweeps) */
    long factorizations;
    double chord_a;               /* factors hold a transient Jacobian cq C + a G with this a (0: none) */
    int chord_age;                /* steps those factors have served */
    double *x, *x_prev;           /* n+1 */
    double *f, *q, *f_prev, *q_prev, *b, *rhs, *dx;
    double *G, *C, *J;            /* nnz+1 */
    unsigned long C_gen;          /* counts the evaluations that wrote C */
    double *state;
    double *scratch;
    MsError eval_err;             /* a device's evaluation error (MS_ERR_EVAL) */
    const MsWave **override;      /* per source id */
    MsWave *owned;                /* override storage, per source id */
    MsWave *ac_over;              /* per source id: an AC phasor set for the work (has_ac) */
    MsProgressFn progress;
    void *progress_user;
    struct MsTraj *traj;          /* when set, the transient records every accepted point */
    long checkpoint;              /* ms_work_set_checkpoint */
    long max_steps;               /* ms_work_set_max_steps (0: no limit) */
    struct MsTraj *rec;           /* the last ms_grad_forward's recording, for ms_grad_backward */
    int rec_uic;                  /* that run started from uic */
    double *loss_weight;          /* per .loss term, from weight= unless set per work */
};

#endif
