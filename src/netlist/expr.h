/* expr.h — ngspice-style expressions as parse trees.
 *
 * Grammar (lowest to highest precedence):
 *   ternary  c ? a : b
 *   ||   &&   == !=   < <= > >=   + -   * /   unary - + !   ^ ** (right assoc.)
 *   primary: number (SI suffixes), name, name(args), (expr), V(n), V(n1,n2), I(vsrc)
 * Trees are kept (not strings) so later passes can compile them and
 * differentiate them. */
#ifndef MS_EXPR_H
#define MS_EXPR_H

#include "../util/util.h"

typedef enum {
    EX_NUM, EX_NAME, EX_NEG, EX_NOT, EX_BIN, EX_TERN, EX_CALL, EX_VOLT, EX_CURR
} MsExprKind;

typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR
} MsExprOp;

typedef struct MsExpr {
    MsExprKind kind;
    MsExprOp op;              /* EX_BIN */
    double num;               /* EX_NUM */
    char *name;               /* EX_NAME, EX_CALL (function), EX_VOLT (node), EX_CURR (source) */
    char *name2;              /* EX_VOLT second node or NULL */
    struct MsExpr **args;     /* EX_CALL args; EX_NEG/NOT: args[0]; EX_BIN: 2; EX_TERN: 3 */
    int nargs;
    int col;                  /* column offset within the source text, for errors */
    int height;               /* 1 + the highest argument's: bounded by MS_MAX_EXPR_HEIGHT */
} MsExpr;

/* Parse a whole expression from text (lower case).  On error returns
 * MS_ERR_SYNTAX with loc (column adjusted to the error position). */
int ms_expr_parse(const char *text, MsLoc loc, MsExpr **out, MsError *err);

/* Parse one expression from *pos, stopping at the first character that cannot
 * continue it (used for ".param a=1+2 b=3" where assignments follow each other). */
int ms_expr_parse_prefix(const char *text, const char **pos, MsLoc loc, MsExpr **out,
                         MsError *err);

void ms_expr_free(MsExpr *e);
MsExpr *ms_expr_number(double v);

/* Evaluation environment: names resolve through a callback (parameters,
 * user functions).  V(), I() and `time` are refused unless allowed. */
typedef struct MsExprEnv MsExprEnv;
struct MsExprEnv {
    /* Resolve a name to a value; return 1 found, 0 unknown, <0 error (err set). */
    int (*lookup)(MsExprEnv *env, const char *name, double *v, MsError *err);
    /* Find a user function (.func); returns its parameter names and body or NULL. */
    const MsExpr *(*func)(MsExprEnv *env, const char *name, char ***argnames, int *nargs);
    void *user;
    MsLoc loc;               /* where the expression stands, for messages */
    const char *text;        /* its text, for messages */
};

int ms_expr_eval(const MsExpr *e, MsExprEnv *env, double *out, MsError *err);

/* 1 if the tree mentions V(), I(), time or temper (a behavioral quantity). */
int ms_expr_is_behavioral(const MsExpr *e);

/* Built-in functions shared with compiled evaluation: returns 1 if name is a
 * builtin with nargs arguments and sets *out, 0 if unknown, -1 on arity error. */
int ms_builtin_call(const char *name, const double *a, int nargs, double *out);

#endif
