/* parser.h — cards to a deck: the subcircuit tree with its elements,
 * parameters, functions and models, plus the control cards (.tran, .op, .dc, .ac,
 * .options, .ic, .save, .print).  Element cards are kept as token lists; the
 * device that owns the element letter reads them during elaboration. */
#ifndef MS_PARSER_H
#define MS_PARSER_H

#include "expr.h"
#include "lexer.h"

typedef struct MsParamDef {
    char *name;
    MsExpr *expr;
    char *text;       /* expression text, for messages */
    MsLoc loc;
} MsParamDef;

typedef struct MsFuncDef {
    char *name;
    char **args;
    int nargs;
    MsExpr *body;
    char *text;
    MsLoc loc;
} MsFuncDef;

typedef struct MsModelDef {
    char *name, *type;
    const MsCard *card;
    int first, last;  /* parameter tokens [first, last) */
} MsModelDef;

typedef struct MsSubckt {
    char *name;                    /* NULL for the top level */
    char **ports;
    int nports;
    int nrequired;                 /* ports before PSpice's "optional:"; the rest have defaults */
    char **port_defaults;          /* per port: the node an instance that omits it connects (NULL: required) */
    MsParamDef *defaults;          /* params: a=1 b=2 */
    int ndefaults;
    const MsCard **elems;
    int nelems;
    MsParamDef *params;            /* .param in this scope, in order */
    int nparams;
    MsFuncDef *funcs;
    int nfuncs;
    MsModelDef *models;
    int nmodels;
    struct MsIcDef *ics;           /* .ic inside a definition: per instance (top level: MsDeck.ics) */
    int nics;
    struct MsSubckt **subs;        /* nested definitions */
    int nsubs;
    struct MsSubckt *parent;
    MsLoc loc;
} MsSubckt;

typedef struct MsOptions {
    double reltol, abstol, vntol, chgtol, trtol, gmin, maxstep;
    int itl1, itl4, fixedstep;
    int chord;                  /* transient Newton may reuse factorizations (chord iterations) */
    double memfault, memfaultseed, memfaultsa1;   /* stuck-at fault injection (solver/faults.c) */
    double seed;                  /* random sources (TRNOISE, TRRANDOM): .options seed=N, default 1 */
} MsOptions;

typedef struct MsIcDef {
    char *node;       /* node name as written (scope prefix added at elaboration) */
    MsExpr *expr;
    MsLoc loc;
} MsIcDef;

typedef struct MsVecRef {
    char *name;       /* "v(out)", "v(a,b)", "i(v1)", "x(m1)", "p(r1)", "{v(a)*i(v1)}" */
    MsLoc loc;
    char *expr;       /* .print/.save {expr}: its text (name is "{text}"), else NULL */
    struct MsTape *tape;   /* ... compiled at elaboration (elab_print.c) */
    int form;         /* .print ac / .save: an AC form of `name` (ac_forms.h: vdb(2) is
                       * name "v(2)", form MS_FORM_DB); MS_FORM_NONE elsewhere */
} MsVecRef;

/* .loss terms (memspice only): the objective `memspice grad` differentiates. */
typedef enum { MS_LOSS_VALUE, MS_LOSS_INTEGRAL, MS_LOSS_SQERR, MS_LOSS_MAX, MS_LOSS_MEAS } MsLossKind;

typedef struct MsLossDef {
    MsLossKind kind;
    MsVecRef signal;
    double at;                /* MS_LOSS_VALUE: the time */
    double from, to;          /* integration window; to < 0: up to tstop */
    double weight;
    MsVecRef target;          /* MS_LOSS_SQERR against a signal (name NULL otherwise) */
    double *pwl_t, *pwl_v;    /* ... or against a PWL waveform */
    int npwl;
    MsVecRef meas;            /* MS_LOSS_MEAS: the .meas tran result's name (in meas.name) */
    double meas_target;       /* ... with has_meas_target: (value - target)^2, else the value */
    int has_meas_target;
    MsLoc loc;
} MsLossDef;

/* Training cards (memspice only, parse_train.c): which sources carry a
 * sample's features and how they are encoded, and the readout. */
typedef enum { MS_ENC_ANALOG, MS_ENC_RATE, MS_ENC_LATENCY } MsEncoding;

typedef struct MsInputDef {
    char **patterns;          /* globs over independent source names */
    int npatterns;
    double scale;             /* source value per unit feature */
    MsEncoding encoding;
    MsLoc loc;
} MsInputDef;

typedef enum { MS_REDUCE_MEAN, MS_REDUCE_INTEGRAL, MS_REDUCE_FINAL, MS_REDUCE_MAX } MsReduce;
typedef enum { MS_READOUT_CE, MS_READOUT_MSE } MsReadoutLoss;

typedef struct MsReadoutDef {
    MsVecRef *signals;        /* one per class, in class order */
    int nsignals;
    MsReduce reduce;
    MsReadoutLoss loss;
    double gain, target;      /* score = gain * reduce(signal); mse target of the true class */
    MsLoc loc;
} MsReadoutDef;

/* .meas / .measure cards (parse_meas.c; evaluated on a result by
 * measure/measure.c).  The analysis each reads: */
typedef enum { MS_MEAS_TRAN, MS_MEAS_DC, MS_MEAS_AC } MsMeasAnalysis;

typedef enum {
    MS_MEAS_TRIG_TARG,   /* TRIG ... TARG ...: targ time - trig time */
    MS_MEAS_WHEN,        /* WHEN sig=val: the time of the crossing */
    MS_MEAS_FIND_WHEN,   /* FIND sig WHEN sig2=val: sig at that crossing */
    MS_MEAS_FIND_AT,     /* FIND sig AT=t */
    MS_MEAS_AVG, MS_MEAS_RMS, MS_MEAS_MIN, MS_MEAS_MAX, MS_MEAS_PP, MS_MEAS_INTEG,
    MS_MEAS_PARAM        /* PARAM='expr' of earlier measures and .params */
} MsMeasKind;

/* Which crossing: the n-th rise, fall or crossing (n = -1: the last one);
 * MS_EDGE_ANY with n = 0 is the first crossing of either direction. */
typedef enum { MS_EDGE_ANY, MS_EDGE_RISE, MS_EDGE_FALL, MS_EDGE_CROSS } MsMeasEdge;

typedef struct MsMeasCond {
    MsVecRef sig;        /* the signal that crosses */
    MsVecRef sig2;       /* ... another signal (WHEN v(a)=v(b)), or name NULL: the value val */
    double val;
    int has_val;
    MsMeasEdge edge;
    int n;               /* which one (1, 2, ...), -1 the last */
    double td;           /* crossings before td do not count (tran) */
    double at;           /* TRIG AT=t: the time itself (has_at) */
    int has_at;
} MsMeasCond;

typedef struct MsMeasDef {
    char *name;
    MsMeasAnalysis analysis;
    MsMeasKind kind;
    MsVecRef sig;        /* FIND, AVG, RMS, MIN, MAX, PP, INTEG */
    MsMeasCond trig, targ;   /* TRIG/TARG; WHEN and FIND ... WHEN use trig */
    double at;           /* FIND AT= */
    double from, to;     /* window of AVG ... INTEG; has_to 0: to the end */
    int has_from, has_to;
    MsExpr *expr;        /* PARAM */
    char *text;
    MsLoc loc;           /* the card */
    MsLoc expr_loc;
} MsMeasDef;

typedef struct MsDeck {
    MsSource src;
    MsSubckt top;
    MsOptions opt;
    int has_op, has_tran;
    MsTranSpec tran;              /* filled from tran_card during elaboration */
    const MsCard *tran_card;
    MsLoc tran_loc;
    int has_ac;
    MsAcSpec ac;                  /* filled from ac_card during elaboration (elab_ac.c) */
    const MsCard *ac_card;
    int has_dc;
    MsDcSpec dc;                  /* filled from dc_card during elaboration (elab_dc.c) */
    const MsCard *dc_card;
    MsIcDef *ics;
    int nics;
    MsIcDef *nodesets;            /* .nodeset: the operating point's first guess */
    int nnodesets;
    MsVecRef *saves;
    int nsaves, save_all;
    MsVecRef *prints;
    MsMeasAnalysis *print_an;     /* per .print vector: the analysis of its card (tran, dc, ac) */
    int nprints;
    MsLossDef *losses;        /* .loss */
    int nlosses;
    MsVecRef *trainables;     /* .trainable element names or glob patterns */
    double *train_lo, *train_hi;  /* per .trainable name: bounds (min=, max=; +-inf if not given) */
    double *train_scale;      /* per .trainable name: the optimiser's unit (scale=; 1 if not given) */
    int ntrainables;
    MsInputDef *inputs;       /* .input */
    int ninputs;
    MsReadoutDef *readout;    /* .readout, NULL if none */
    MsMeasDef *meas;          /* .meas / .measure, in netlist order */
    int nmeas;
    double temp;              /* .temp (°C; 27 unless given): `temper` in expressions */
    MsMap globals;            /* .global node names: never prefixed inside subcircuits */
} MsDeck;

void ms_options_default(MsOptions *o);

/* Lex and parse a netlist (file, or text named path). */
int ms_parse_netlist(const char *path, const char *text, MsDeck *deck, MsError *err,
                     MsNoticeFn notice, void *notice_user);
void ms_deck_free(MsDeck *deck);

/* "v(a)", "v(a,b)", "i(x)" or a bare node name from tokens at *i (left on
 * the last token used).  ngspice's AC forms (vdb(n), ip(v1), ...) are
 * refused, naming the cards that take them; ms_parse_print_ref (.print,
 * .save) takes them too, as the underlying vector plus MsVecRef.form. */
int ms_parse_vecref(const MsCard *c, int *i, MsVecRef *out, MsError *err);
int ms_parse_print_ref(const MsCard *c, int *i, MsVecRef *out, MsError *err);
/* Xyce's "ymemristor!mr1_x" as memspice's "x(mr1)" (newly allocated). */
int ms_xyce_state_name(const char *s, MsLoc loc, char **out, MsError *err);
void ms_vecref_free(MsVecRef *r);
/* .loss and .trainable (parse_grad.c). */
int ms_parse_loss(MsDeck *d, const MsCard *c, MsError *err);
int ms_parse_trainable(MsDeck *d, const MsCard *c, MsError *err);
/* .input and .readout (parse_train.c). */
int ms_parse_input(MsDeck *d, const MsCard *c, MsError *err);
int ms_parse_readout(MsDeck *d, const MsCard *c, MsError *err);
void ms_train_cards_free(MsDeck *d);
/* .meas / .measure (parse_meas.c); after the whole deck is read,
 * ms_meas_check_analyses refuses a measure of an analysis the deck lacks. */
int ms_parse_meas(MsDeck *d, const MsCard *c, MsError *err);
int ms_meas_check_analyses(const MsDeck *d, MsError *err);
void ms_meas_defs_free(MsDeck *d);
const char *ms_meas_analysis_name(MsMeasAnalysis a);
/* Glob match: '*' any run, '?' any one character. */
int ms_glob_match(const char *pattern, const char *s);

/* Token helpers used by the parser and by devices reading their cards. */
int ms_tok_is(const MsToken *t, const char *word);

#endif
