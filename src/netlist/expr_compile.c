/* expr_compile.c — expression trees to tapes (see tape.h).  User functions
 * are inlined, parameters become constants (except trainable .params, which
 * are tape inputs, and the parameters defined from them, whose definitions
 * are inlined), and every operation whose operands are constants is computed
 * here rather than at run time. */
#include "tape.h"
#include "../util/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Local {
    const char *name;
    int slot;
} Local;

/* An operation already on the tape whose result can be reused
 * (common subexpression elimination). */
typedef struct Known {
    MsTapeOpcode op;
    int a, b, c;
    double k;
    int slot;
} Known;

typedef struct Comp {
    MsTape *t;
    MsCompileEnv *env;
    MsExprEnv *params;    /* where names resolve: env->params, or an inlined parameter's scope */
    MsError *err;
    int *is_const;
    unsigned char *has_grad;
    double *cval;
    Known *known;      /* ops whose results are valid at the current point of the tape */
    size_t nknown, cap_known;
    int cap_slots, cap_ops;
    Local *locals;
    int nlocals, frame;   /* locals of the innermost function call start at frame */
    int locals_base;      /* an inlined parameter definition sees no locals below this */
    size_t cap_locals;
    int depth;            /* .func calls and parameter definitions being inlined */
    int rdepth;           /* recursion of comp() */
    long work;            /* nodes compiled: inlining can be exponential */
} Comp;

static int fail(Comp *c, int code, const char *msg, const char *name)
{
    return ms_err_at(c->err, code, c->t->loc, "%s%s%s in '%s'", msg, name ? " " : "", name ? name : "",
                     c->t->text);
}

static int new_slot(Comp *c, int is_const, double v, int grad)
{
    if (c->t->nslots == c->cap_slots) {
        c->cap_slots = c->cap_slots ? 2 * c->cap_slots : 16;
        c->is_const = ms_realloc(c->is_const, (size_t)c->cap_slots * sizeof *c->is_const);
        c->has_grad = ms_realloc(c->has_grad, (size_t)c->cap_slots * sizeof *c->has_grad);
        c->cval = ms_realloc(c->cval, (size_t)c->cap_slots * sizeof *c->cval);
    }
    c->is_const[c->t->nslots] = is_const;
    c->has_grad[c->t->nslots] = (unsigned char)grad;
    c->cval[c->t->nslots] = v;
    return c->t->nslots++;
}

static int emit(Comp *c, MsTapeOp op)
{
    if (c->t->nops == c->cap_ops) {
        c->cap_ops = c->cap_ops ? 2 * c->cap_ops : 32;
        c->t->ops = ms_realloc(c->t->ops, (size_t)c->cap_ops * sizeof *c->t->ops);
    }
    c->t->ops[c->t->nops] = op;
    return c->t->nops++;
}

/* The slot of an identical earlier operation, or -1. */
static int find_known(const Comp *c, MsTapeOpcode op, int a, int b, int d, double k)
{
    for (size_t i = 0; i < c->nknown; i++) {
        const Known *e = &c->known[i];
        /* -0 is not 0 (atan2(-0, -1) = -pi) */
        if (e->op == op && e->a == a && e->b == b && e->c == d && e->k == k && signbit(e->k) == signbit(k))
            return e->slot;
    }
    return -1;
}

static void add_known(Comp *c, MsTapeOpcode op, int a, int b, int d, double k, int slot)
{
    ms_grow((void **)&c->known, &c->cap_known, c->nknown + 1, sizeof *c->known);
    c->known[c->nknown++] = (Known){op, a, b, d, k, slot};
}

/* Emit op into a new slot, or reuse an identical one. */
static int emit_value(Comp *c, MsTapeOpcode op, int a, int b, int d, double k, int is_const, int grad)
{
    int s = find_known(c, op, a, b, d, k);
    if (s >= 0)
        return s;
    s = new_slot(c, is_const, k, grad);
    emit(c, (MsTapeOp){op, s, a, b, d, k, 0, 0, 0, (unsigned char)grad});
    add_known(c, op, a, b, d, k, s);
    return s;
}


static int emit_const(Comp *c, double v) { return emit_value(c, TO_CONST, 0, 0, 0, v, 1, 0); }

static int emit_var(Comp *c, int unk, char *branch)
{
    MsTape *t = c->t;
    int k = -1;
    for (int i = 0; i < t->nvars && k < 0; i++)
        if (t->vars[i].param < 0 && (branch ? t->vars[i].branch && !strcmp(t->vars[i].branch, branch)
                                            : !t->vars[i].branch && t->vars[i].unk == unk))
            k = i;
    if (k < 0) {
        t->vars = ms_realloc(t->vars, (size_t)(t->nvars + 1) * sizeof *t->vars);
        t->vars[t->nvars] = (MsTapeVar){branch ? -1 : unk, branch, -1};
        k = t->nvars++;
    } else {
        free(branch);
    }
    return emit_value(c, TO_VAR, k, 0, 0, 0, 0, 1);
}

/* Trainable .param j (current value v) as an input of the tape. */
static int emit_param(Comp *c, int j, double v)
{
    MsTape *t = c->t;
    int k = ms_tape_param_var(t, j);
    if (k < 0) {
        t->vars = ms_realloc(t->vars, (size_t)(t->nvars + 1) * sizeof *t->vars);
        t->vars[t->nvars] = (MsTapeVar){0, NULL, j};
        k = t->nvars++;
    }
    return emit_value(c, TO_PARAM, k, 0, 0, v, 0, 1);
}

/* An operation on 1-3 slots: folded when all are constants, x^n with a
 * small integer n becomes TO_POWI, and identical operations are shared. */
static int emit_op(Comp *c, MsTapeOpcode op, int a, int b, int d, int nargs, int *out)
{
    if (nargs < 2)
        b = 0;
    if (nargs < 3)
        d = 0;
    double k = 0;
    if (op == TO_POW && c->is_const[b] && c->cval[b] == floor(c->cval[b]) && fabs(c->cval[b]) <= 8) {
        k = c->cval[b];
        op = TO_POWI;
        nargs = 1;
        b = 0;
    }
    int all_const = c->is_const[a] && (nargs < 2 || c->is_const[b]) && (nargs < 3 || c->is_const[d]);
    if (all_const) {
        double v;
        const char *what;
        if (ms_tape_op_value(op, c->cval[a], c->cval[b], c->cval[d], k, &v, &what))
            return fail(c, MS_ERR_EVAL, what, NULL);
        *out = emit_const(c, v);
        return MS_OK;
    }
    int s = find_known(c, op, a, b, d, k);
    if (s < 0) {
        unsigned char ga = c->has_grad[a], gb = nargs > 1 && c->has_grad[b], gc = nargs > 2 && c->has_grad[d];
        s = new_slot(c, 0, 0, ga | gb | gc);
        emit(c, (MsTapeOp){op, s, a, b, d, k, ga, gb, gc, (unsigned char)(ga | gb | gc)});
        add_known(c, op, a, b, d, k, s);
    }
    *out = s;
    return MS_OK;
}

static int comp(Comp *c, const MsExpr *e, int *out);

/* c ? a : b with a jump around the branch not taken. */
static int comp_select(Comp *c, const MsExpr *cond, const MsExpr *a, const MsExpr *b, int *out)
{
    int sc, sa, sb, rc;
    if ((rc = comp(c, cond, &sc)))
        return rc;
    if (c->is_const[sc])
        return comp(c, c->cval[sc] != 0 ? a : b, out);
    /* results computed inside a branch are not available after it */
    int r = new_slot(c, 0, 0, 1);
    size_t known_before = c->nknown;
    int jz = emit(c, (MsTapeOp){TO_JZ, 0, sc, 0, 0, 0, 0, 0, 0, 0});
    if ((rc = comp(c, a, &sa)))
        return rc;
    emit(c, (MsTapeOp){TO_MOV, r, sa, 0, 0, 0, c->has_grad[sa], 0, 0, 1});
    c->nknown = known_before;
    int jmp = emit(c, (MsTapeOp){TO_JMP, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    c->t->ops[jz].b = c->t->nops;
    if ((rc = comp(c, b, &sb)))
        return rc;
    emit(c, (MsTapeOp){TO_MOV, r, sb, 0, 0, 0, c->has_grad[sb], 0, 0, 1});
    c->nknown = known_before;
    c->t->ops[jmp].b = c->t->nops;
    *out = r;
    return MS_OK;
}

static const struct { const char *name; MsTapeOpcode op; int nargs; } builtins[] = {
    {"abs", TO_ABS, 1}, {"sqrt", TO_SQRT, 1}, {"exp", TO_EXP, 1}, {"ln", TO_LN, 1}, {"log", TO_LN, 1},
    {"log10", TO_LOG10, 1}, {"sin", TO_SIN, 1}, {"cos", TO_COS, 1}, {"tan", TO_TAN, 1},
    {"asin", TO_ASIN, 1}, {"acos", TO_ACOS, 1}, {"atan", TO_ATAN, 1}, {"sinh", TO_SINH, 1},
    {"cosh", TO_COSH, 1}, {"tanh", TO_TANH, 1}, {"floor", TO_FLOOR, 1}, {"ceil", TO_CEIL, 1},
    {"int", TO_INT, 1}, {"nint", TO_NINT, 1}, {"sgn", TO_SGN, 1}, {"u", TO_U, 1},
    {"uramp", TO_URAMP, 1}, {"atan2", TO_ATAN2, 2}, {"pow", TO_POW, 2}, {"pwr", TO_PWR, 2},
    {"min", TO_MIN, 2}, {"max", TO_MAX, 2}, {"limit", TO_LIMIT, 3}, {"asinh", TO_ASINH, 1},
    {"acosh", TO_ACOSH, 1}, {"atanh", TO_ATANH, 1}, {"arctan", TO_ATAN, 1},
};

static int comp_call(Comp *c, const MsExpr *e, int *out)
{
    int rc, s[8];
    char **argnames;
    int nargnames;
    MsExprEnv *pe = c->params;
    const MsExpr *body = pe && pe->func ? pe->func(pe, e->name, &argnames, &nargnames) : NULL;
    if (body) {
        if (nargnames != e->nargs)
            return fail(c, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
        if (c->depth >= MS_MAX_INLINE_DEPTH || e->nargs > 8)
            return fail(c, MS_ERR_SEMANTIC, "functions nested too deeply (recursive .func?) at", e->name);
        for (int i = 0; i < e->nargs; i++)
            if ((rc = comp(c, e->args[i], &s[i])))
                return rc;
        int saved_frame = c->frame, saved_n = c->nlocals;
        c->frame = c->nlocals;
        for (int i = 0; i < e->nargs; i++) {
            ms_grow((void **)&c->locals, &c->cap_locals, (size_t)c->nlocals + 1, sizeof *c->locals);
            c->locals[c->nlocals++] = (Local){argnames[i], s[i]};
        }
        c->depth++;
        rc = comp(c, body, out);
        c->depth--;
        c->frame = saved_frame;
        c->nlocals = saved_n;
        return rc;
    }
    if (!strcmp(e->name, "if") || !strcmp(e->name, "ternary_fcn")) {   /* ternary_fcn: ngspice's spelling */
        if (e->nargs != 3)
            return fail(c, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
        return comp_select(c, e->args[0], e->args[1], e->args[2], out);
    }
    /* ngspice's functions that are existing operations: sqr (numparam's x*x), u2 (a step with a
     * unit ramp), and the comparisons with zero of its B sources */
    static const struct { const char *name; MsTapeOpcode op; } lowered[] = {
        {"sqr", TO_POWI}, {"u2", TO_LIMIT}, {"eq0", TO_EQ}, {"ne0", TO_NE}, {"gt0", TO_GT},
        {"lt0", TO_LT}, {"ge0", TO_GE}, {"le0", TO_LE},
    };
    for (size_t k = 0; k < sizeof lowered / sizeof lowered[0]; k++) {
        if (strcmp(lowered[k].name, e->name))
            continue;
        if (e->nargs != 1)
            return fail(c, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
        if ((rc = comp(c, e->args[0], &s[0])))
            return rc;
        int zero = emit_const(c, 0);
        if (lowered[k].op == TO_POWI)
            return emit_op(c, TO_POW, s[0], emit_const(c, 2), 0, 2, out);
        if (lowered[k].op == TO_LIMIT)
            return emit_op(c, TO_LIMIT, s[0], zero, emit_const(c, 1), 3, out);
        return emit_op(c, lowered[k].op, s[0], zero, 0, 2, out);
    }
    for (size_t k = 0; k < sizeof builtins / sizeof builtins[0]; k++) {
        if (strcmp(builtins[k].name, e->name))
            continue;
        if (builtins[k].nargs != e->nargs)
            return fail(c, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
        for (int i = 0; i < e->nargs; i++)
            if ((rc = comp(c, e->args[i], &s[i])))
                return rc;
        return emit_op(c, builtins[k].op, s[0], e->nargs > 1 ? s[1] : 0, e->nargs > 2 ? s[2] : 0, e->nargs, out);
    }
    return fail(c, MS_ERR_SEMANTIC, "unknown function", e->name);
}

/* A parameter defined from trainable .params: its definition, compiled in
 * its own scope (no .func arguments of the caller are visible there). */
static int comp_inline(Comp *c, const MsExpr *def, MsExprEnv *env, int *out)
{
    if (c->depth >= MS_MAX_INLINE_DEPTH)
        return fail(c, MS_ERR_SEMANTIC, "parameters nested too deeply (a cycle in .param?)", NULL);
    MsExprEnv *saved_params = c->params;
    int saved_base = c->locals_base;
    c->params = env;
    c->locals_base = c->nlocals;
    c->depth++;
    int rc = comp(c, def, out);
    c->depth--;
    c->params = saved_params;
    c->locals_base = saved_base;
    return rc;
}

static int comp_name(Comp *c, const MsExpr *e, int *out)
{
    /* the innermost call's arguments first, then its callers': a name a
     * .func body does not bind is the caller's, as in ngspice's textual
     * expansion and in ms_expr_eval */
    for (int i = c->nlocals - 1; i >= c->locals_base; i--)
        if (!strcmp(c->locals[i].name, e->name)) {
            *out = c->locals[i].slot;
            return MS_OK;
        }
    if (!strcmp(e->name, "time")) {
        c->t->uses_time = 1;
        *out = emit_value(c, TO_TIME, 0, 0, 0, 0, 0, 0);
        return MS_OK;
    }
    if (c->env->param_input) {
        MsParamInput in;
        int rc = c->env->param_input(c->env->user, c->params, e->name, &in, c->err);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            if (in.train >= 0) {
                *out = emit_param(c, in.train, in.value);
                return MS_OK;
            }
            return comp_inline(c, in.expr, in.env, out);
        }
    }
    double v;
    int rc = ms_expr_eval(e, c->params, &v, c->err);
    if (rc)
        return rc;
    *out = emit_const(c, v);
    return MS_OK;
}

static const MsTapeOpcode binops[] = {
    [OP_ADD] = TO_ADD, [OP_SUB] = TO_SUB, [OP_MUL] = TO_MUL, [OP_DIV] = TO_DIV, [OP_POW] = TO_POW,
    [OP_EQ] = TO_EQ, [OP_NE] = TO_NE, [OP_LT] = TO_LT, [OP_LE] = TO_LE, [OP_GT] = TO_GT,
    [OP_GE] = TO_GE, [OP_AND] = TO_AND, [OP_OR] = TO_OR,
};

static int comp_node(Comp *c, const MsExpr *e, int *out);

static int comp(Comp *c, const MsExpr *e, int *out)
{
    if (++c->work > MS_MAX_EXPR_WORK)
        return fail(c, MS_ERR_SEMANTIC, "expression too large once its .func calls are expanded (more than "
                    MS_STR(MS_MAX_EXPR_WORK) " operations)", NULL);
    if (c->rdepth >= MS_MAX_EXPR_DEPTH)
        return fail(c, MS_ERR_SEMANTIC, "functions nested too deeply (recursive .func?)", NULL);
    c->rdepth++;
    int rc = comp_node(c, e, out);
    c->rdepth--;
    return rc;
}

static int comp_node(Comp *c, const MsExpr *e, int *out)
{
    int rc, a, b, unk;
    switch (e->kind) {
    case EX_NUM:
        *out = emit_const(c, e->num);
        return MS_OK;
    case EX_NAME:
        return comp_name(c, e, out);
    case EX_VOLT:
        if ((rc = c->env->node(c->env->user, e->name, &unk, c->err)))
            return rc;
        a = unk ? emit_var(c, unk, NULL) : emit_const(c, 0);
        if (!e->name2) {
            *out = a;
            return MS_OK;
        }
        if ((rc = c->env->node(c->env->user, e->name2, &unk, c->err)))
            return rc;
        b = unk ? emit_var(c, unk, NULL) : emit_const(c, 0);
        return emit_op(c, TO_SUB, a, b, 0, 2, out);
    case EX_CURR:
        *out = emit_var(c, 0, c->env->branch(c->env->user, e->name));
        return MS_OK;
    case EX_NEG:
    case EX_NOT:
        if ((rc = comp(c, e->args[0], &a)))
            return rc;
        return emit_op(c, e->kind == EX_NEG ? TO_NEG : TO_NOT, a, 0, 0, 1, out);
    case EX_BIN:
        if ((rc = comp(c, e->args[0], &a)) || (rc = comp(c, e->args[1], &b)))
            return rc;
        return emit_op(c, binops[e->op], a, b, 0, 2, out);
    case EX_TERN:
        return comp_select(c, e->args[0], e->args[1], e->args[2], out);
    case EX_CALL:
        return comp_call(c, e, out);
    }
    return fail(c, MS_ERR_SEMANTIC, "cannot compile expression", NULL);
}

/* Mark the slots an operation reads. */
static void mark_reads(const MsTapeOp *o, int *used)
{
    switch (o->op) {
    case TO_CONST: case TO_VAR: case TO_TIME: case TO_PARAM: case TO_JMP:
        return;
    case TO_JZ: case TO_MOV: case TO_NEG: case TO_NOT: case TO_POWI:
    case TO_ABS: case TO_SQRT: case TO_EXP: case TO_LN: case TO_LOG10: case TO_SIN: case TO_COS:
    case TO_TAN: case TO_ASIN: case TO_ACOS: case TO_ATAN: case TO_SINH: case TO_COSH: case TO_TANH:
    case TO_ASINH: case TO_ACOSH: case TO_ATANH:
    case TO_FLOOR: case TO_CEIL: case TO_INT: case TO_NINT: case TO_SGN: case TO_U: case TO_URAMP:
        used[o->a] = 1;
        return;
    case TO_LIMIT:
        used[o->c] = 1;
        /* fall through */
    default:
        used[o->a] = used[o->b] = 1;
    }
}

/* Folding leaves the loads of the constants it folded behind: drop every
 * load (constant, variable, time) whose slot nothing reads, and move the
 * jump targets accordingly. */
static void drop_dead_loads(MsTape *t)
{
    int *used = ms_calloc((size_t)t->nslots + 1, sizeof *used), *newpos = ms_malloc(((size_t)t->nops + 1) * sizeof *newpos);
    used[t->result] = 1;
    for (int i = 0; i < t->nops; i++)
        mark_reads(&t->ops[i], used);
    int n = 0;
    for (int i = 0; i < t->nops; i++) {
        MsTapeOpcode op = t->ops[i].op;
        newpos[i] = n;
        if ((op == TO_CONST || op == TO_VAR || op == TO_TIME || op == TO_PARAM) && !used[t->ops[i].dst])
            continue;
        t->ops[n++] = t->ops[i];
    }
    newpos[t->nops] = n;
    for (int i = 0; i < n; i++)
        if (t->ops[i].op == TO_JZ || t->ops[i].op == TO_JMP)
            t->ops[i].b = newpos[t->ops[i].b];
    t->nops = n;
    free(used);
    free(newpos);
}

int ms_expr_compile(const MsExpr *e, const char *text, MsLoc loc, MsCompileEnv *env, MsTape **out,
                    MsError *err)
{
    MsTape *t = ms_calloc(1, sizeof *t);
    t->text = ms_strdup(text);
    t->loc = loc;
    Comp c = {0};
    c.t = t;
    c.env = env;
    c.params = env->params;
    c.err = err;
    int rc = comp(&c, e, &t->result);
    if (rc == MS_OK) {
        t->result_has_grad = c.has_grad[t->result];
        drop_dead_loads(t);
    }
    free(c.is_const);
    free(c.has_grad);
    free(c.known);
    free(c.cval);
    free(c.locals);
    if (rc) {
        ms_tape_free(t);
        *out = NULL;
        return rc;
    }
    *out = t;
    return MS_OK;
}

void ms_tape_free(MsTape *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nvars; i++)
        free(t->vars[i].branch);
    free(t->vars);
    free(t->ops);
    free(t->text);
    free(t);
}
