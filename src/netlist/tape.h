/* tape.h — compiled expressions: a flat list of operations on numbered
 * slots, evaluated with forward-mode derivatives with respect to every
 * circuit unknown the expression reads (its "vars"), so behavioral
 * elements get exact Jacobian entries.
 *
 * Derivatives of discontinuous functions are one-sided, as in ngspice:
 * comparisons, u(), sgn(), floor/ceil/int/nint have derivative 0; abs has
 * sgn(x) (0 at x = 0); c ? a : b, if(), min/max and limit() take the
 * derivative of the branch they select. */
#ifndef MS_TAPE_H
#define MS_TAPE_H

#include "expr.h"

typedef enum {
    TO_CONST, TO_VAR, TO_TIME, TO_MOV, TO_NEG, TO_NOT,
    TO_ADD, TO_SUB, TO_MUL, TO_DIV, TO_POW, TO_PWR,
    TO_EQ, TO_NE, TO_LT, TO_LE, TO_GT, TO_GE, TO_AND, TO_OR,
    TO_ABS, TO_SQRT, TO_EXP, TO_LN, TO_LOG10, TO_SIN, TO_COS, TO_TAN, TO_ASIN, TO_ACOS,
    TO_ATAN, TO_SINH, TO_COSH, TO_TANH, TO_FLOOR, TO_CEIL, TO_INT, TO_NINT, TO_SGN, TO_U,
    TO_URAMP, TO_ATAN2, TO_MIN, TO_MAX, TO_LIMIT, TO_ASINH, TO_ACOSH, TO_ATANH,
    TO_POWI, /* a ^ k for a small integer k */
    TO_JZ,   /* if slot a == 0 jump to op b */
    TO_JMP,  /* jump to op b */
    TO_PARAM /* a trainable .param: value k, derivative 1 with respect to var a */
} MsTapeOpcode;

typedef struct MsTapeOp {
    MsTapeOpcode op;
    int dst, a, b, c;
    double k;          /* TO_CONST value, TO_POWI exponent */
    /* which operands carry derivatives (constants and time do not), and
     * whether the result does: lets evaluation skip zero gradients */
    unsigned char ga, gb, gc, gd;
} MsTapeOp;

/* A quantity the expression reads: a node voltage or a branch current
 * (branch currents are named at elaboration and resolved to an unknown at
 * setup), or a trainable .param (`param` >= 0, loaded by TO_PARAM; its unk
 * is 0, so a Jacobian entry for it lands in the ground scratch slot). */
typedef struct MsTapeVar {
    int unk;           /* unknown index, -1 until resolved */
    char *branch;      /* flattened element name for I(name), else NULL */
    int param;         /* trainable .param index, or -1 */
} MsTapeVar;

typedef struct MsTape {
    MsTapeOp *ops;
    int nops, nslots, result;
    int result_has_grad;   /* 0: the value depends on no var (gradient is zero) */
    MsTapeVar *vars;
    int nvars;
    int uses_time;
    char *text;        /* source text, for messages */
    MsLoc loc;
} MsTape;

/* Scratch doubles ms_tape_eval needs. */
size_t ms_tape_scratch(const MsTape *t);

/* Value and d/dvar_k of the expression at unknowns x and time t.  grad has
 * nvars entries.  Returns MS_OK, or MS_ERR_EVAL with *what set to a short
 * description ("log of a non-positive number", ...) on a domain error or a
 * non-finite result. */
int ms_tape_eval(const MsTape *t, const double *x, double time, double *scratch, double *val,
                 double *grad, const char **what);

/* Many instances of one tape at once (jump-free tapes only: see
 * ms_tape_batchable).  Lane l reads unknowns unk[l * nvars + j]; results go
 * to val[l] and grad[l * nvars + j].  S needs ms_tape_batch_scratch(t)
 * doubles.  grad == NULL computes values only.  On an error *bad_lane is the
 * lane that failed. */
#define MS_TAPE_LANES 64
int ms_tape_batchable(const MsTape *t);
size_t ms_tape_batch_scratch(const MsTape *t);
int ms_tape_eval_batch(const MsTape *t, int lanes, const int *unk, const double *x, double time, double *S,
                       double *val, double *grad, int *bad_lane, const char **what);
/* 1 if a and b compute the same function of their vars (same operations and
 * constants, the same trainable .params). */
int ms_tape_same_code(const MsTape *a, const MsTape *b);

/* The var of trainable .param j, or -1 if the tape does not read it. */
int ms_tape_param_var(const MsTape *t, int j);
/* Set the value the tape reads for trainable .param j; 1 if it reads j. */
int ms_tape_set_param(MsTape *t, int j, double value);

void ms_tape_free(MsTape *t);

/* The value of one operation on plain numbers (used for constant folding
 * and by the evaluator).  Returns MS_OK or MS_ERR_EVAL with *what set. */
int ms_tape_op_value(MsTapeOpcode op, double a, double b, double c, double k, double *v,
                     const char **what);

/* ---- compiling ---- */
/* A parameter name that depends on trainable .params: either one of them
 * (an input of the tape) or a parameter defined from them, whose definition
 * is compiled in place of the name, so the tape stays exact when a
 * trainable value changes. */
typedef struct MsParamInput {
    int train;             /* >= 0: trainable .param index (value: its value) */
    double value;
    const MsExpr *expr;    /* train < 0: the definition ... */
    MsExprEnv *env;        /* ... and the environment its names resolve in */
} MsParamInput;

typedef struct MsCompileEnv {
    MsExprEnv *params;     /* constants (.param, subcircuit params) and .func */
    /* V(name): the node's unknown index (0 = ground). */
    int (*node)(void *user, const char *name, int *unk, MsError *err);
    /* I(name): the flattened element name whose branch current is meant. */
    char *(*branch)(void *user, const char *name);
    /* Whether parameter `name`, looked up in env (params or an env this
     * callback returned), depends on a trainable .param: 1 and *in filled,
     * 0 if it does not (it is folded), < 0 on error.  NULL: none does. */
    int (*param_input)(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err);
    void *user;
} MsCompileEnv;

/* Compile tree e (source text `text` at loc).  Sub-expressions without
 * circuit quantities or trainable .params are folded to constants at
 * compile time. */
int ms_expr_compile(const MsExpr *e, const char *text, MsLoc loc, MsCompileEnv *env, MsTape **out,
                    MsError *err);

#endif
