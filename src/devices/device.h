/* device.h — the device interface.
 *
 * Every device kind is one file exporting one `const MsDevType`.  Devices
 * write only their contributions to the DAE  d/dt q(x) + f(x, t) = 0:
 *   - linear kinds stamp constant matrices once: f += G_L x, q += C_L x;
 *   - independent sources add an excitation b(t): f -= b(t);
 *   - nonlinear kinds evaluate f, q and their Jacobians G = df/dx, C = dq/dx
 *     at the current x in `eval`.
 * Devices know nothing of the integration method.  One call per kind loops
 * over all its instances (stored as one array per kind).
 *
 * Index conventions: unknown 0 is ground; vectors are sized n+1 and x[0] = 0,
 * so devices never test for ground.  Matrix value arrays are sized nnz+1:
 * entries that touch ground point at the scratch slot nnz. */
#ifndef MS_DEVICE_H
#define MS_DEVICE_H

#include "../netlist/parser.h"
#include "waveform.h"

/* Every instance struct starts with this header. */
typedef struct MsInstHead {
    char *name;       /* flattened name, e.g. "x1.r2" */
    MsLoc loc;
} MsInstHead;

enum { MS_PF_TRAINABLE = 1 };

/* A parameter a device accepts as name=value on its card or .model. */
typedef struct MsParamDesc {
    const char *name;
    size_t offset;    /* of the double inside the instance or model struct */
    double def;
    unsigned flags;
    const char *help;
} MsParamDesc;

typedef struct MsElab MsElab;     /* elaboration context (netlist/elaborate.c) */
typedef struct MsSetup MsSetup;   /* unknown and pattern builder (solver/setup.c) */

/* What devices read and write while the solver evaluates them. */
typedef struct MsEval {
    const double *x;              /* solution, x[0] = 0 */
    double *f, *q;                /* residual contributions, [0] is scratch */
    double *G, *C;                /* Jacobian values per pattern entry, [nnz] scratch */
    double *state;                /* per-instance numeric state (limiting memory) */
    double t;
    int dc;                       /* 1 in DC analyses (no reactive currents) */
    double gmin;                  /* conductance across nonlinear junctions */
    int first_iter;               /* 1 on the first Newton iteration of a solve */
    int limited;                  /* set to 1 when a device limited its voltages */
    int past_wall;                /* set to 1 when a state lies past a bound its equations do not
                                   * approach smoothly (Xyce's TEAM): a trapezoidal step that arrives
                                   * there is retried with backward Euler (tran.c) */
    double *scratch;              /* per-work scratch (ms_setup_scratch) */
    int no_limit;                 /* 1: evaluate exactly at x (adjoint), no voltage limiting */
    int values_only;              /* 1: only f and q are needed (G, C may be left stale) */
    MsError *err;                 /* where a device reports an evaluation error */
    int failed;                   /* set when it did */
} MsEval;

/* Context for source excitation. */
typedef struct MsSourceEval {
    double t;
    double scale;                 /* source stepping factor in [0, 1] */
    int dc_op;                    /* 1: .op analysis (use DC values) */
    const MsWave *const *override; /* per source id, NULL = the netlist's waveform */
    int ac;                       /* .ac excitation: 1 the real, 2 the imaginary part of the
                                   * source's `AC mag phase` phasor (t unused) */
    const MsWave *ac_over;        /* per source id: a phasor set for the work (has_ac), or NULL */
} MsSourceEval;

typedef struct MsBreaks {
    double *t;
    int n, cap;
    int full;    /* MS_MAX_BREAKS reached: further corners are dropped, the run refused */
    /* per source id: the work's override (its own corners are added by the
     * caller), whose netlist waveform then adds none; NULL: no overrides */
    const struct MsWave *const *override;
} MsBreaks;
void ms_breaks_add(MsBreaks *b, double t);

/* Receives initial conditions for "uic": x[unk] = x[ref] + value. */
typedef struct MsIcSink {
    void (*add)(struct MsIcSink *sink, int unk, int ref, double value);
    void *user;
} MsIcSink;

enum { MS_DEV_NONLINEAR = 1, MS_DEV_SOURCE = 2 };

struct MsElemInfo;

typedef struct MsDevType {
    const char *name;             /* "resistor" */
    char letter;                  /* element letter, lower case */
    size_t inst_size;
    unsigned flags;
    /* Read one element card into inst (zeroed, head filled by the caller). */
    int (*parse)(MsElab *el, const MsCard *card, void *inst);
    /* Allocate branch currents, internal nodes and states. */
    int (*unknowns)(MsSetup *s, void *insts, int n);
    /* Declare Jacobian entries (after all unknowns exist). */
    int (*entries)(MsSetup *s, void *insts, int n);
    /* Constant linear stamps into G_L and C_L (may be NULL). */
    void (*stamp_linear)(const void *insts, int n, double *G, double *C);
    /* What differs in the .ac analysis, added to G at the operating point
     * (a resistor's ac=); NULL for most kinds. */
    void (*stamp_ac)(const void *insts, int n, double *G);
    /* Excitation b(t) (sources only). */
    void (*load_sources)(const void *insts, int n, const MsSourceEval *se, double *b);
    /* Nonlinear evaluation (nonlinear kinds only). */
    void (*eval)(const void *insts, int n, MsEval *ev);
    /* Time points where the waveform has corners. */
    void (*breakpoints)(const void *insts, int n, double tstop, MsBreaks *bp);
    /* Instance initial conditions (ic=) for "uic" (may be NULL). */
    void (*initial)(const void *insts, int n, MsIcSink *sink);
    /* Cards of this letter the kind takes (NULL: all); kinds sharing a letter
     * are asked in registry order, e.g. behavioral resistors before plain ones. */
    int (*claims)(const MsCard *card);
    /* Free what parse() allocated inside the instances (may be NULL). */
    void (*free)(void *insts, int n);
    /* The instance's trainable value (resistance, capacitance, gain, source
     * level): its name and storage, or NULL if the kind has none. */
    const char *value_name;
    double *(*value_ref)(void *inst);
    /* wq . dq/dvalue + wf . df/dvalue for one instance at ev->x and time
     * se->t (wq, wf: vectors of n+1 with [0] = 0): the adjoint's parameter
     * term, without forming the sparse derivative vectors. */
    double (*dvalue)(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                     const double *wf);
    /* Named trainable parameters ("m1:ron"): index by name (-1 if none or
     * not trainable), storage, and the same dot product as dvalue. */
    int (*param_index)(const void *inst, const char *name);
    double *(*param_ref)(void *inst, int k);
    double (*dparam)(const void *inst, int k, const MsEval *ev, const MsSourceEval *se, const double *wq,
                     const double *wf);
    /* w . d x_0 / d param k for a "uic" start whose initial values depend on
     * the parameter (NULL: they do not). */
    double (*dinitial)(const void *inst, int k, const double *w);
    /* The trainable parameter whose storage is p (param_ref(inst, k) == p),
     * or -1: tells elaboration which parameter a value computed from a
     * trainable .param sets (NULL: the kind has none). */
    int (*param_at)(const void *inst, const double *p);
    /* Kinds whose equations are compiled expressions (behavioral elements):
     * the instance's tape, whose TO_PARAM inputs are trainable .params, and
     * the dot product of dvalue for the tape's input var. */
    struct MsTape *(*tape)(void *inst);
    double (*dtape)(const void *inst, int var, const MsEval *ev, const MsSourceEval *se, const double *wq,
                    const double *wf);
    /* What the instance is, for engines that compile a circuit of known
     * structure (the batched training engine); NULL: not described. */
    void (*describe)(const void *inst, struct MsElemInfo *out);
    /* The power the instance absorbs at solution x, v(n+, n-) times the current
     * from n+ through it to n- (.print p(name)); NULL: not available. */
    double (*power)(const void *inst, const double *x);
    /* A time point was accepted: the operating point or uic start (h = 0),
     * then every transient point, the adjoint's replay included.  Kinds with
     * a memory of the last accepted point (switches: their hysteresis) keep
     * it in `state` (per work), read from x.  Returns 1 if an instance
     * changed discretely there (the integrator restarts as after a
     * breakpoint); may lower *hmax to the largest next step the kind wants,
     * given the step h that ended here.  NULL: no memory. */
    int (*accepted)(const void *insts, int n, const double *x, double h, double *state, double *hmax);
} MsDevType;

/* An instance as describe() tells it.  Unknown indices; 0 is ground. */
typedef struct MsElemInfo {
    char kind;            /* 'v' V source, 'c' capacitor, 'y' memristor, 'e' linear E, 'f' F,
                           * 'b' behavioral voltage source (B V=, E value=) */
    int a, b;             /* + and - terminals */
    int branch;           /* own branch current unknown (v, e, b), else -1 */
    int c, d;             /* e: controlling nodes; f: c = controlling branch */
    double value;         /* v: DC level (if is_dc), c: capacitance, e/f: gain */
    int is_dc;            /* v: a constant waveform */
    int source_id;        /* v: source id */
    double ic;            /* c: initial voltage, if has_ic */
    int has_ic;
    int state;            /* y: state unknown */
    int fault;            /* y: stuck (MS_MEM_FAULT_*) */
    const struct MsMemModel *model;   /* y: level and parameters */
    const struct MsTape *tape;        /* b: the expression of its voltage */
} MsElemInfo;

/* Instance storage for one kind. */
typedef struct MsDevGroup {
    const MsDevType *type;
    void *inst;
    int n, cap;
} MsDevGroup;

static inline void *ms_group_inst(const MsDevGroup *g, int i)
{
    return (char *)g->inst + (size_t)i * g->type->inst_size;
}

/* ---- elaboration services for parse() (netlist/elaborate.c) ---- */
/* Node index for a node-name token (creates the node). */
int ms_elab_node(MsElab *el, const MsToken *t, int *node);
/* Compile a behavioral expression (V(), I(), time allowed) in this scope. */
struct MsTape;
int ms_elab_compile(MsElab *el, const char *text, MsLoc loc, struct MsTape **tape);
/* Value of a token: number, {expr}, 'expr' or parameter name. */
int ms_elab_value(MsElab *el, const MsToken *t, double *v);
/* The random sources' seed (.options seed, default 1). */
double ms_elab_seed(const MsElab *el);
/* The TRNOISE table values the netlist's sources hold so far (noise_wave.h). */
long *ms_elab_noise_values(MsElab *el);
/* The circuit temperature (.temp, °C). */
double ms_elab_temp(const MsElab *el);
/* Flattened name of an element referenced from this scope (F/H controls). */
char *ms_elab_ref(MsElab *el, const MsToken *t);
/* The .model named by token t, of the given type (NULL type: any). */
int ms_elab_model(MsElab *el, const MsToken *t, const char *type, const MsModelDef **m);
/* A device's reading of model card md, kept by ms_elab_model_keep, or NULL.
 * The last card read is kept: the thousands of cells of a crossbar, one
 * after the other, read their card once. */
const void *ms_elab_model_kept(MsElab *el, const MsModelDef *md, size_t size);
/* Keep the reading (size bytes, no pointers) of md when every value on the
 * card is a plain number, the same in every scope; else nothing. */
void ms_elab_model_keep(MsElab *el, const MsModelDef *md, const void *reading, size_t size);
/* The model named so in scope, or NULL (no error). */
const MsModelDef *ms_elab_find_model(MsElab *el, const char *name);
/* Read name=value pairs from tokens [first,last) into base using desc;
 * unknown names are errors.  `given` (may be NULL) gets a bit per desc entry. */
int ms_elab_params(MsElab *el, const MsCard *c, int first, int last, const MsParamDesc *desc,
                   void *base, unsigned *given);
/* Fill base with desc defaults. */
void ms_params_default(const MsParamDesc *desc, void *base);
/* Error at a token. */
int ms_elab_error(MsElab *el, int code, const MsToken *t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Register a source instance; returns its source id. */
int ms_elab_source_id(MsElab *el, const char *name);
/* The .tran step and stop time (for waveform defaults); 0 if no .tran. */
void ms_elab_tran(MsElab *el, double *tstep, double *tstop);
/* A one-line notice "file:line: text" about card c, once for that card (the
 * netlist's notice callback; nothing if it has none). */
void ms_elab_notice_once(MsElab *el, const MsCard *c, const char *text);

/* ---- setup services (solver/setup.c) ---- */
int ms_setup_branch(MsSetup *s, const char *inst_name);     /* "i(name)" */
int ms_setup_internal(MsSetup *s, const char *inst_name, const char *suffix);
int ms_setup_state_unknown(MsSetup *s, const char *inst_name, const char *suffix);   /* "name#x" */
int ms_setup_find_branch(MsSetup *s, const char *inst_name); /* -1 if none */
/* The instance named so (flattened name) and its kind, or NULL. */
void *ms_setup_find_inst(MsSetup *s, const char *inst_name, const MsDevType **type);
void ms_setup_entry(MsSetup *s, int row, int col, int *slot);
int ms_setup_state(MsSetup *s, int count);                  /* numeric state offset */
void ms_setup_scratch(MsSetup *s, size_t count);            /* eval scratch doubles needed */
int ms_setup_error(MsSetup *s, MsLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Kinds that training code names (a membrane capacitor; values written back
 * by position on the card). */
extern const MsDevType ms_dev_capacitor, ms_dev_inductor;

#endif
