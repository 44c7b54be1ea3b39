/* elab_internal.h — the elaboration context, shared by elaborate.c
 * (flattening, parameter scopes) and elab_train.c (trainable .params). */
#ifndef MS_ELAB_INTERNAL_H
#define MS_ELAB_INTERNAL_H

#include "elaborate.h"

typedef struct Scope Scope;
typedef struct ScopeEnv ScopeEnv;

typedef struct ScopeParam {
    const MsParamDef *def;   /* NULL when the value was given by the instance */
    double value;
    int state;               /* 0 not yet evaluated, 1 being evaluated, 2 known */
    int train;               /* >= 0: this is trainable .param `train` (top level only) */
    /* Set when the value depends on a trainable .param: the definition is
     * then compiled in place of the name (tape.h, MsParamInput) */
    int dep;
    MsExpr *own;             /* an instance override's expression (owned), else def->expr */
    ScopeEnv *env;           /* where the definition's names resolve (owned) */
} ScopeParam;

struct Scope {
    const MsSubckt *def;
    struct Scope *parent;
    char *prefix;            /* "" or "x1.x2." */
    char **port_names;       /* local port names -> global node indices */
    int *port_nodes;
    int nports;
    ScopeParam *params;
    const char **param_names;
    int nparams;
    MsMap param_index;       /* name -> index in params */
    int depth;
};

struct ScopeEnv {
    MsExprEnv base;
    MsElab *el;
    Scope *scope;
};

/* A value a device's parse() read (recorded only when there are trainable
 * .params), to find which device values depend on them. */
typedef struct ValueWrite {
    double *dst;             /* where the value went */
    struct MsTape *tape;     /* its tape when it depends on a trainable .param (owned), else NULL */
    const MsToken *tok;
    const char *key;         /* the parameter name for name=value, else NULL */
    double value;
} ValueWrite;

struct MsElab {
    MsCircuit *c;
    MsError *err;
    Scope *scope;
    MsMap nodes;             /* flattened node name -> unknown index */
    MsMap inst_names;        /* to reject duplicates */
    int ntrain;              /* trainable .params (c->train) */
    int cur_group, cur_inst; /* the instance being parsed, cur_group -1 if none */
    int param_depth;         /* parameters being evaluated, one inside the other */
    ValueWrite *writes;      /* its values read so far */
    int nwrites;
    size_t cap_writes;
    long noise_values;       /* TRNOISE table values precomputed so far (MS_MAX_NOISE_TOTAL) */
    const struct MsCard *noticed;   /* the card of the last ms_elab_notice_once */
    const MsModelDef *kept_model;   /* ms_elab_model_keep: the last model card kept, */
    void *kept;                     /* a device's reading of it (owned), */
    size_t kept_size;               /* its size */
};

/* ---- elab_print.c ---- */
/* Compile the {expr} vectors of .print and .save (after the elements). */
int ms_elab_print_exprs(MsElab *el, Scope *top);

/* ---- elaborate.c ---- */
void ms_scope_env(ScopeEnv *env, MsElab *el, Scope *s, MsLoc loc, const char *text);
ScopeEnv *ms_scope_env_new(MsElab *el, Scope *s, MsLoc loc, const char *text);
/* Parameter `name` as seen from scope s, evaluated if needed: 1 found
 * (*out), 0 unknown, < 0 error. */
int ms_elab_find_param(MsElab *el, Scope *s, const char *name, ScopeParam **out);
int ms_elab_compile_node(void *user, const char *name, int *unk, MsError *err);
/* The node named in scope s (Xyce's x1:b for x1.b too), 0 for ground, -1
 * where there is none; nothing is created. */
int ms_elab_existing_node(MsElab *el, Scope *s, const char *name);
char *ms_elab_compile_branch(void *user, const char *name);

/* ---- elab_ac.c ---- */
/* .ac: d->ac from d->ac_card. */
int ms_elab_ac_card(MsElab *el);

/* ---- elab_dc.c ---- */
/* The .dc card's sweeps into deck.dc (after flattening: sources must exist). */
int ms_elab_dc(MsElab *el);

/* ---- elab_meas.c ---- */
/* The names PARAM measures read: each an earlier measure or a top-level
 * .param (its value kept in c->meas_param_*), else an error at the card. */
int ms_elab_meas_params(MsElab *el, Scope *top);

/* ---- elab_train.c ---- */
/* Which .trainable names are top-level .params: marks them in top and fills
 * c->train (before any parameter is evaluated). */
int ms_elab_train_init(MsElab *el, Scope *top);
/* After flattening: a bare .trainable name that is an element and a .param. */
int ms_elab_train_check(MsElab *el);
/* MsCompileEnv.param_input for elaboration scopes (user: the MsElab). */
int ms_elab_param_input(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err);
/* e (evaluated in scope s) as a tape of the trainable .params if it reads
 * one (*v: its value from the tape), else *tape = NULL. */
int ms_elab_dep_tape(MsElab *el, Scope *s, const MsExpr *e, MsLoc loc, const char *text, struct MsTape **tape,
                     double *v);
/* The name of a trainable .param t reads, for messages. */
const char *ms_elab_tape_param_name(const MsElab *el, const struct MsTape *t);
/* Record a value read by the instance being parsed (takes the tape). */
void ms_elab_record(MsElab *el, double *dst, struct MsTape *tape, const MsToken *tok, const char *key, double value);
/* After parse(): which device values depend on trainable .params (c->deps),
 * or an error naming a dependent value the device cannot differentiate. */
int ms_elab_resolve_writes(MsElab *el, void *inst);
void ms_elab_clear_writes(MsElab *el);

#endif
