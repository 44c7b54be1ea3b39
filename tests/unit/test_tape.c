/* test_tape.c — compiled expressions (netlist/tape.h): values of every
 * operator, function and constant against hand-computed numbers (exact
 * closed forms such as sin(pi/6) = 1/2, cosh(ln 2) = 5/4), every
 * derivative against central finite differences of the tape, the
 * one-sided derivative conventions of tape.h, evaluation and compile-time
 * errors, .func inlining (nested, shadowing, ngspice's macro-like scoping)
 * and constant folding (a folded tape gives the same number as the
 * unfolded one and as the tree evaluator ms_expr_eval), trainable .params
 * as tape inputs (derivatives, definitions compiled in place, changing a
 * value, batches, classes).
 *
 * Tapes are built as elaboration does: ms_expr_parse + ms_expr_compile,
 * with a small environment of our own: nodes a, b, c are unknowns 1, 2, 3
 * (0 and gnd are ground), I(v1) is unknown 4, I(v2) unknown 5; parameters
 * and .func bodies come from the tables below. */
#include "check.h"
#include "netlist/expr.h"
#include "netlist/tape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define NX 6

static const MsLoc LOC = {"t.cir", 3, 7};

/* ---- environment ---- */

static int node_cb(void *user, const char *name, int *unk, MsError *err)
{
    (void)user;
    static const char *names[] = {"a", "b", "c"};
    if (!strcmp(name, "0") || !strcmp(name, "gnd")) {
        *unk = 0;
        return MS_OK;
    }
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) {
            *unk = i + 1;
            return MS_OK;
        }
    return ms_err_at(err, MS_ERR_SEMANTIC, LOC, "unknown node '%s'", name);
}

static char *branch_cb(void *user, const char *name)
{
    (void)user;
    return ms_strdup(name);
}

static const struct { const char *name; double v; } params[] = {
    {"p", 2}, {"q", -1.5}, {"half", 0.5}, {"big", 1e300}, {"zero", 0}, {"mzero", -0.0},
};

static int param_lookup(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    (void)env;
    (void)err;
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (!strcmp(params[i].name, name)) {
            *v = params[i].v;
            return 1;
        }
    return 0;
}

/* .func definitions: name, argument names, body text */
static struct Func {
    const char *name;
    const char *args[3];
    int nargs;
    const char *body;
    MsExpr *tree;
} funcs[] = {
    {"sq", {"x"}, 1, "x*x", NULL},
    {"hyp", {"x", "y"}, 2, "sqrt(sq(x) + sq(y))", NULL},
    {"f3", {"x", "y", "z"}, 3, "hyp(x, y)*z + p", NULL},
    {"twice", {"x"}, 1, "2*x", NULL},
    {"outer", {"x"}, 1, "twice(x + 1) * x", NULL},      /* inner x is outer's x+1 */
    {"dyn", {"y"}, 1, "y + x", NULL},                   /* x free: the caller's x */
    {"calldyn", {"x"}, 1, "dyn(1) * 10", NULL},
    {"shadowp", {"p"}, 1, "p*10", NULL},                /* argument hides .param p */
    {"sat", {"x"}, 1, "x > 1 ? 1 : x < -1 ? -1 : x", NULL},
    {"k0", {NULL}, 0, "p*3", NULL},
    {"rec", {"x"}, 1, "rec(x) + 1", NULL},
    {"usetime", {"w"}, 1, "sin(w*time)", NULL},
    {"usedp", {"p"}, 1, "p + dp", NULL},                /* dp's definition reads .param p, not this p */
};
#define NFUNCS ((int)(sizeof funcs / sizeof funcs[0]))

static const MsExpr *func_cb(MsExprEnv *env, const char *name, char ***argnames, int *nargs)
{
    (void)env;
    for (int i = 0; i < NFUNCS; i++)
        if (!strcmp(funcs[i].name, name)) {
            *argnames = (char **)funcs[i].args;
            *nargs = funcs[i].nargs;
            return funcs[i].tree;
        }
    return NULL;
}

static MsExprEnv penv = {param_lookup, func_cb, NULL, {"t.cir", 3, 7}, "test"};

/* Trainable .params (test_param_inputs): tp, tq, tr are inputs 0, 1, 2;
 * dq and dp are defined from them (compiled in place of the name). */
static int with_inputs;
static const struct { const char *name; int train; double v; const char *def; } inputs[] = {
    {"tp", 0, 3, NULL}, {"tq", 1, -2, NULL}, {"tr", 2, 3, NULL}, {"dq", -1, 0, "tp*tp + p"}, {"dp", -1, 0, "p*tp"},
};
static MsExpr *input_defs[sizeof inputs / sizeof inputs[0]];

static int input_cb(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err)
{
    (void)user, (void)err;
    CHECK(env == &penv);
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        if (!strcmp(inputs[i].name, name)) {
            *in = (MsParamInput){inputs[i].train, inputs[i].v, input_defs[i], &penv};
            return 1;
        }
    return 0;
}

static void setup_funcs(void)
{
    for (int i = 0; i < NFUNCS; i++) {
        MsError err;
        if (ms_expr_parse(funcs[i].body, LOC, &funcs[i].tree, &err)) {
            printf("FAIL cannot parse .func body '%s': %s\n", funcs[i].body, err.msg);
            exit(1);
        }
    }
}

static void free_funcs(void)
{
    for (int i = 0; i < NFUNCS; i++)
        ms_expr_free(funcs[i].tree);
}

/* ---- compiling and evaluating ---- */

/* Compile text; branch variables are resolved (v1 -> 4, v2 -> 5) as setup
 * would.  Returns the status; *t is NULL on error, err set. */
static int compile(const char *text, MsTape **t, MsError *err)
{
    MsExpr *e = NULL;
    *t = NULL;
    err->code = 0;
    err->msg[0] = 0;
    int rc = ms_expr_parse(text, LOC, &e, err);
    if (rc)
        return rc;
    MsCompileEnv ce = {&penv, node_cb, branch_cb, with_inputs ? input_cb : NULL, NULL};
    rc = ms_expr_compile(e, text, LOC, &ce, t, err);
    ms_expr_free(e);
    if (rc)
        return rc;
    for (int k = 0; k < (*t)->nvars; k++)
        if ((*t)->vars[k].branch)
            (*t)->vars[k].unk = !strcmp((*t)->vars[k].branch, "v1") ? 4 : !strcmp((*t)->vars[k].branch, "v2") ? 5 : -1;
    return MS_OK;
}

static MsTape *compile_ok(const char *text)
{
    MsTape *t;
    MsError err;
    if (compile(text, &t, &err)) {
        printf("  compiling '%s' failed: %s\n", text, err.msg);
        return NULL;
    }
    return t;
}

/* Evaluate at x (NX entries) and time; grad has nvars entries. */
static int eval(const MsTape *t, const double *x, double time, double *val, double *grad, const char **what)
{
    double *S = calloc(ms_tape_scratch(t) + 1, sizeof *S);
    *what = NULL;
    int rc = ms_tape_eval(t, x, time, S, val, grad, what);
    free(S);
    return rc;
}

/* The variable k of tape t that stands for unknown unk, or -1. */
static int var_of(const MsTape *t, int unk)
{
    for (int k = 0; k < t->nvars; k++)
        if (t->vars[k].unk == unk)
            return k;
    return -1;
}

/* Tree-evaluated value of text (params and .func only), NAN on error. */
static double tree_value(const char *text)
{
    MsExpr *e;
    MsError err;
    double v = NAN;
    if (ms_expr_parse(text, LOC, &e, &err)) {
        printf("  parse '%s': %s\n", text, err.msg);
        return NAN;
    }
    if (ms_expr_eval(e, &penv, &v, &err)) {
        printf("  tree eval '%s': %s\n", text, err.msg);
        v = NAN;
    }
    ms_expr_free(e);
    return v;
}

/* text with every V(n), V(n1,n2), I(src) replaced by the number it has at
 * x (printed exactly), so that the compiler folds it. */
static int unk_of(const char *name, size_t len)
{
    static const char *names[] = {"0", "a", "b", "c", "v1", "v2"};
    if (len == 3 && !strncmp(name, "gnd", 3))
        return 0;
    for (int i = 0; i < 6; i++)
        if (strlen(names[i]) == len && !strncmp(names[i], name, len))
            return i;
    return -1;
}

static char *substitute(const char *text, const double *x)
{
    size_t cap = strlen(text) * 32 + 64, n = 0;
    char *out = malloc(cap);
    const char *p = text;
    while (*p) {
        if ((p[0] == 'v' || p[0] == 'i') && p[1] == '(' && (p == text || !isalnum((unsigned char)p[-1]))) {
            const char *a = p + 2, *end = strchr(a, ')'), *comma = memchr(a, ',', (size_t)(end - a));
            const char *a_end = comma ? comma : end;
            double v = x[unk_of(a, (size_t)(a_end - a))];
            if (comma)
                v -= x[unk_of(comma + 1, (size_t)(end - comma - 1))];
            n += (size_t)snprintf(out + n, cap - n, "(%.17g)", v);
            p = end + 1;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return out;
}

/* ---- values of every operator and function ---- */

typedef struct Case {
    const char *text;
    double a, b, c, i1, t;  /* V(a), V(b), V(c), I(v1), time */
    double want;
    int no_fd;              /* 1: a kink/jump is within the FD step, skip FD */
} Case;

static const Case value_cases[] = {
    /* arithmetic and precedence */
    {"v(a) + v(b)", 1.25, -0.5, 0, 0, 0, 0.75, 0},
    {"v(a) - v(b) - v(c)", 10, 4, 3, 0, 0, 3, 0},             /* left associative */
    {"v(a) * v(b)", 1.5, -4, 0, 0, 0, -6, 0},
    {"v(a) / v(b) / v(c)", 64, 4, 2, 0, 0, 8, 0},
    {"v(a) ^ v(b)", 2, 10, 0, 0, 0, 1024, 0},
    {"v(a) ** v(b)", 9, 0.5, 0, 0, 0, 3, 0},
    {"v(a) ^ -1", 4, 0, 0, 0, 0, 0.25, 0},
    {"-v(a)", 2.5, 0, 0, 0, 0, -2.5, 0},
    {"- -v(a)", 2.5, 0, 0, 0, 0, 2.5, 0},
    {"-v(a)^2", 3, 0, 0, 0, 0, -9, 0},                      /* unary minus binds looser than ^ */
    {"+v(a) * 2", 3, 0, 0, 0, 0, 6, 0},
    {"v(a) + v(b) * v(c)", 1, 2, 3, 0, 0, 7, 0},
    {"(v(a) + v(b)) * v(c)", 1, 2, 3, 0, 0, 9, 0},
    {"v(a,b)", 5, 1.5, 0, 0, 0, 3.5, 0},
    {"v(a,0) + v(gnd) + v(0,b)", 5, 1.5, 0, 0, 0, 3.5, 0},
    {"i(v1) * 1k", 0, 0, 0, 2.5e-3, 0, 2.5, 0},
    {"{v(a) * {2}}", 4, 0, 0, 0, 0, 8, 0},
    {"'v(a)' * 2", 4, 0, 0, 0, 0, 8, 0},
    /* logic and comparisons (1 true, 0 false) */
    {"!v(a)", 0, 0, 0, 0, 0, 1, 0},
    {"!v(a)", -3, 0, 0, 0, 0, 0, 0},
    {"!!v(a)", 0.25, 0, 0, 0, 0, 1, 0},
    {"v(a) == v(b)", 2, 2, 0, 0, 0, 1, 1},
    {"v(a) == v(b)", 2, 2.5, 0, 0, 0, 0, 0},
    {"v(a) != v(b)", 2, 2.5, 0, 0, 0, 1, 0},
    {"v(a) != v(b)", 2, 2, 0, 0, 0, 0, 1},
    {"v(a) < v(b)", 1, 2, 0, 0, 0, 1, 0},
    {"v(a) < v(b)", 2, 2, 0, 0, 0, 0, 1},
    {"v(a) <= v(b)", 2, 2, 0, 0, 0, 1, 1},
    {"v(a) <= v(b)", 3, 2, 0, 0, 0, 0, 0},
    {"v(a) > v(b)", 3, 2, 0, 0, 0, 1, 0},
    {"v(a) > v(b)", 2, 2, 0, 0, 0, 0, 1},
    {"v(a) >= v(b)", 2, 2, 0, 0, 0, 1, 1},
    {"v(a) >= v(b)", 1, 2, 0, 0, 0, 0, 0},
    {"v(a) && v(b)", 2, -1, 0, 0, 0, 1, 0},
    {"v(a) && v(b)", 2, 0, 0, 0, 0, 0, 1},
    {"v(a) || v(b)", 0, 0, 0, 0, 0, 0, 1},
    {"v(a) || v(b)", 0, 0.5, 0, 0, 0, 1, 0},
    {"v(a) < 1 || v(b) < 1 && v(c) < 1", 0, 5, 5, 0, 0, 1, 0},   /* && binds tighter */
    {"v(a) + 1 > v(b) * 2", 4, 2, 0, 0, 0, 1, 0},                /* comparison looser than + * */
    /* ternary, nested (right associative), if() */
    {"v(a) > 0 ? v(b) : v(c)", 1, 2, 3, 0, 0, 2, 0},
    {"v(a) > 0 ? v(b) : v(c)", -1, 2, 3, 0, 0, 3, 0},
    {"v(a) > 1 ? 1 : v(a) < -1 ? -1 : v(a)", 0.5, 0, 0, 0, 0, 0.5, 0},
    {"v(a) > 1 ? 1 : v(a) < -1 ? -1 : v(a)", -4, 0, 0, 0, 0, -1, 0},
    {"v(a) > 0 ? v(b) > 0 ? 1 : 2 : 3", 1, -1, 0, 0, 0, 2, 0},
    {"if(v(a) > v(b), v(a) * v(c), v(b) * v(c))", 1, 2, 3, 0, 0, 6, 0},
    {"if(v(a), v(b), v(c))", 0, 2, 3, 0, 0, 3, 0},
    /* functions: exact closed forms */
    {"abs(v(a))", -2.5, 0, 0, 0, 0, 2.5, 0},
    {"abs(v(a))", 3, 0, 0, 0, 0, 3, 0},
    {"sqrt(v(a))", 2.25, 0, 0, 0, 0, 1.5, 0},
    {"exp(v(a))", 0, 0, 0, 0, 0, 1, 0},
    {"exp(v(a)) * exp(-v(a))", 1.7, 0, 0, 0, 0, 1, 0},
    {"ln(v(a))", 2.71828182845904523536, 0, 0, 0, 0, 1, 0},
    {"ln(v(a))", 0.125, 0, 0, 0, 0, -3 * 0.69314718055994530942, 0},
    {"log(v(a))", 2.71828182845904523536 * 2.71828182845904523536, 0, 0, 0, 0, 2, 0},   /* natural log, as ngspice */
    {"log10(v(a))", 1000, 0, 0, 0, 0, 3, 0},
    {"log10(v(a))", 0.01, 0, 0, 0, 0, -2, 0},
    {"sin(v(a))", PI / 6, 0, 0, 0, 0, 0.5, 0},
    {"cos(v(a))", PI / 3, 0, 0, 0, 0, 0.5, 0},
    {"tan(v(a))", PI / 4, 0, 0, 0, 0, 1, 0},
    {"asin(v(a))", 0.5, 0, 0, 0, 0, PI / 6, 0},
    {"acos(v(a))", 0.5, 0, 0, 0, 0, PI / 3, 0},
    {"atan(v(a))", 1, 0, 0, 0, 0, PI / 4, 0},
    {"atan(v(a))", -1, 0, 0, 0, 0, -PI / 4, 0},
    {"atan2(v(a), v(b))", 1, -1, 0, 0, 0, 3 * PI / 4, 0},
    {"atan2(v(a), v(b))", -2, -2, 0, 0, 0, -3 * PI / 4, 0},
    {"sinh(v(a))", 0.69314718055994530942, 0, 0, 0, 0, 0.75, 0},
    {"cosh(v(a))", 0.69314718055994530942, 0, 0, 0, 0, 1.25, 0},
    {"tanh(v(a))", 0.69314718055994530942, 0, 0, 0, 0, 0.6, 0},
    /* ngspice's inverse hyperbolics and other spellings */
    {"asinh(v(a))", 0.75, 0, 0, 0, 0, 0.69314718055994530942, 0},
    {"acosh(v(a))", 1.25, 0, 0, 0, 0, 0.69314718055994530942, 0},
    {"atanh(v(a))", 0.6, 0, 0, 0, 0, 0.69314718055994530942, 0},
    {"arctan(v(a))", 1, 0, 0, 0, 0, PI / 4, 0},
    {"ternary_fcn(v(a) > 0, v(b), v(c))", -1, 2, 3, 0, 0, 3, 0},
    {"pow(v(a), v(b))", 4, 1.5, 0, 0, 0, 8, 0},
    {"pwr(v(a), v(b))", -4, 0.5, 0, 0, 0, -2, 0},         /* sgn(x)|x|^y */
    {"pwr(v(a), v(b))", 8, 1.0 / 3, 0, 0, 0, 2, 0},
    {"min(v(a), v(b))", 3, -2, 0, 0, 0, -2, 0},
    {"max(v(a), v(b))", 3, -2, 0, 0, 0, 3, 0},
    {"limit(v(a), v(b), v(c))", 0.5, 0, 1, 0, 0, 0.5, 0},
    {"limit(v(a), v(b), v(c))", -3, 0, 1, 0, 0, 0, 0},
    {"limit(v(a), v(b), v(c))", 7, 0, 1, 0, 0, 1, 0},
    {"floor(v(a))", 2.7, 0, 0, 0, 0, 2, 0},
    {"floor(v(a))", -2.3, 0, 0, 0, 0, -3, 0},
    {"ceil(v(a))", 2.3, 0, 0, 0, 0, 3, 0},
    {"ceil(v(a))", -2.7, 0, 0, 0, 0, -2, 0},
    {"int(v(a))", 2.7, 0, 0, 0, 0, 2, 0},                 /* truncation toward 0 */
    {"int(v(a))", -2.7, 0, 0, 0, 0, -2, 0},
    {"nint(v(a))", 2.7, 0, 0, 0, 0, 3, 0},
    {"nint(v(a))", -2.7, 0, 0, 0, 0, -3, 0},
    {"nint(v(a))", 2.5, 0, 0, 0, 0, 2, 1},                /* halves to even, as ngspice (nearbyint) */
    {"nint(v(a))", 3.5, 0, 0, 0, 0, 4, 1},
    {"nint(v(a))", -2.5, 0, 0, 0, 0, -2, 1},
    {"sgn(v(a))", -0.1, 0, 0, 0, 0, -1, 0},
    {"sgn(v(a))", 0, 0, 0, 0, 0, 0, 1},
    {"sgn(v(a))", 7, 0, 0, 0, 0, 1, 0},
    {"u(v(a))", 0.1, 0, 0, 0, 0, 1, 0},
    {"u(v(a))", -0.1, 0, 0, 0, 0, 0, 0},
    {"u(v(a))", 0, 0, 0, 0, 0, 0.5, 1},                   /* ngspice: u(0) = 0.5 */
    {"uramp(v(a))", 2.5, 0, 0, 0, 0, 2.5, 0},
    {"uramp(v(a))", -2.5, 0, 0, 0, 0, 0, 0},
    /* constants, parameters, time */
    {"pi * v(a)", 2, 0, 0, 0, 0, 2 * PI, 0},
    {"e * v(a)", 1, 0, 0, 0, 0, 2.71828182845904523536, 0},
    {"ln(e) + cos(pi) + v(a)", 1, 0, 0, 0, 0, 1, 0},
    {"p * q * v(a)", 2, 0, 0, 0, 0, -6, 0},
    {"1k * v(a) + 2m", 3, 0, 0, 0, 0, 3000.002, 0},
    {"time", 0, 0, 0, 0, 0.125, 0.125, 0},
    {"sin(2*pi*1k*time)", 0, 0, 0, 0, 0.25e-3, 1, 0},
    {"v(a) * time", 4, 0, 0, 0, 0.5, 2, 0},
    {"usetime(2*pi*v(a))", 1, 0, 0, 0, 1.0 / 12, 0.5, 0},  /* sin(2 pi/12) */
};

static double rel_tol(double want) { return 1e-13 * fmax(1, fabs(want)); }

static void x_of(const Case *k, double *x)
{
    memset(x, 0, NX * sizeof *x);
    x[1] = k->a;
    x[2] = k->b;
    x[3] = k->c;
    x[4] = k->i1;
}

/* Central differences of the tape itself wrt every variable at x. */
static void check_fd(const MsTape *t, const double *x0, double time, const double *grad, const char *text)
{
    double x[NX], fp, fm, g[16], val0;
    const char *what;
    memcpy(x, x0, sizeof x);
    if (eval(t, x, time, &val0, g, &what))
        return;
    for (int k = 0; k < t->nvars; k++) {
        int u = t->vars[k].unk;
        /* step relative to the variable (branch currents are ~1e-3) */
        double h = x0[u] != 0 ? 1e-5 * fabs(x0[u]) : 1e-7;
        memcpy(x, x0, sizeof x);
        x[u] = x0[u] + h;
        int r1 = eval(t, x, time, &fp, g, &what);
        x[u] = x0[u] - h;
        int r2 = eval(t, x, time, &fm, g, &what);
        if (r1 || r2) {
            CHECK_MSG(0, "'%s': FD evaluation failed near x[%d]=%g", text, u, x0[u]);
            continue;
        }
        double fd = (fp - fm) / (2 * h);
        /* relative 1e-6, plus the rounding error of the difference */
        double tol = 1e-6 * fmax(fabs(fd), fabs(grad[k])) + 4 * 2.3e-16 * fmax(1, fabs(val0)) / h;
        CHECK_MSG(fabs(fd - grad[k]) <= tol, "'%s': d/dx[%d] = %.12g, central difference %.12g", text, u,
                  grad[k], fd);
    }
}

static void test_values_and_derivatives(void)
{
    for (size_t n = 0; n < sizeof value_cases / sizeof value_cases[0]; n++) {
        const Case *k = &value_cases[n];
        double x[NX], val = NAN, grad[16];
        const char *what;
        x_of(k, x);
        MsTape *t = compile_ok(k->text);
        CHECK_MSG(t != NULL, "'%s' does not compile", k->text);
        if (!t)
            continue;
        int rc = eval(t, x, k->t, &val, grad, &what);
        CHECK_MSG(rc == MS_OK, "'%s': eval failed: %s", k->text, what ? what : "?");
        CHECK_MSG(fabs(val - k->want) <= rel_tol(k->want), "'%s' at a=%g b=%g c=%g i=%g t=%g: %.17g, want %.17g",
                  k->text, k->a, k->b, k->c, k->i1, k->t, val, k->want);
        if (rc == MS_OK && !k->no_fd)
            check_fd(t, x, k->t, grad, k->text);
        CHECK_MSG(t->uses_time == (strstr(k->text, "time") != NULL), "'%s': uses_time = %d", k->text, t->uses_time);

        /* the same expression with the circuit quantities written as
         * numbers folds to a constant: same value, bit for bit, and the
         * tree evaluator agrees */
        if (!t->uses_time) {
            char *ftext = substitute(k->text, x);
            MsTape *f = compile_ok(ftext);
            double fv = NAN, fg[1];
            CHECK_MSG(f && f->nvars == 0 && eval(f, x, 0, &fv, fg, &what) == MS_OK && fv == val,
                      "folded '%s' = %.17g, unfolded %.17g", ftext, fv, val);
            double tv = tree_value(ftext);
            CHECK_MSG(fabs(tv - val) <= rel_tol(val), "tree evaluator: '%s' = %.17g, tape %.17g", ftext, tv, val);
            if (f) {
                int computes = 0;   /* a folded tape computes nothing at run time */
                for (int o = 0; o < f->nops; o++)
                    computes += f->ops[o].op != TO_CONST;
                CHECK_MSG(computes == 0, "folded '%s' still has %d run-time operations", ftext, computes);
            }
            ms_tape_free(f);
            free(ftext);
        }
        ms_tape_free(t);
    }
}

/* ---- derivatives of composite expressions of two to four variables ---- */

typedef struct FdCase {
    const char *text;
    double x[NX];
    double t;
    int nvars;
} FdCase;

static void test_composite_derivatives(void)
{
    const FdCase cases[] = {
        {"v(a,b) * i(v1) + exp(-v(c)/2) * sin(v(a))", {0, 0.7, -0.3, 1.1, 2e-3, 0}, 0, 4},
        {"sqrt(v(a)^2 + v(b)^2) * tanh(i(v1)*1k) / (1 + v(c)*v(c))", {0, 0.6, -0.8, 0.4, 1.5e-3, 0}, 0, 4},
        {"v(a) > v(b) ? pwr(v(a,b), 1.5) * i(v1) : atan2(v(c), v(a))", {0, 1.3, 0.2, 0.5, -3e-3, 0}, 0, 4},
        {"v(a) > v(b) ? pwr(v(a,b), 1.5) * i(v1) : atan2(v(c), v(a))", {0, 0.2, 1.3, 0.5, -3e-3, 0}, 0, 4},
        {"max(v(a), v(b)) * min(v(c), i(v1)*1k) + limit(v(a)*v(c), -1, 1)", {0, 0.3, -0.4, 2, 1e-3, 0}, 0, 4},
        {"pow(v(c), v(a)) + log10(v(c)*v(c)) - cosh(v(b))/sinh(v(c))", {0, 0.7, -1.2, 1.9, 0, 0}, 0, 3},
        {"asin(v(a)/2) * acos(v(b)/3) + atan(v(a)*v(b)) + ln(v(c)) * log(v(c)+1)", {0, 0.9, -1.1, 2.2, 0, 0}, 0, 3},
        {"asinh(v(a)*v(b)) + acosh(v(c)) * atanh(v(a)/2) - arctan(v(b))", {0, 0.9, -1.1, 2.2, 0, 0}, 0, 3},
        {"v(a) ^ v(b) + v(a) ** 2 / v(c) - cos(v(b) * v(c)) * tan(v(a) / 4)", {0, 1.7, 0.6, 0.9, 0, 0}, 0, 3},
        {"time * v(a) + sin(2*pi*1k*time) * v(b) - uramp(v(a,b)) * abs(v(c))", {0, 1.5, 0.5, -0.7, 0, 0}, 1.1e-4, 3},
        {"f3(v(a), v(b), v(c))", {0, 0.3, 0.4, 1.5, 0, 0}, 0, 3},
        {"hyp(sq(v(a)), twice(v(b))) * i(v1) + outer(v(c))", {0, 1.1, -0.45, 0.8, 4e-3, 0}, 0, 4},
        {"sat(v(a) * 3) * sat(v(b))", {0, 0.2, 0.6, 0, 0, 0}, 0, 2},
        {"i(v1) * i(v2) * 1e6 + v(a,c) / (1 + i(v2)*1k)", {0, 0.5, 0, -0.25, 1e-3, 2e-3}, 0, 4},
    };
    for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
        const FdCase *k = &cases[n];
        MsTape *t = compile_ok(k->text);
        CHECK_MSG(t != NULL, "'%s' does not compile", k->text);
        if (!t)
            continue;
        CHECK_MSG(t->nvars == k->nvars, "'%s': %d variables, want %d", k->text, t->nvars, k->nvars);
        double val, grad[16];
        const char *what;
        int rc = eval(t, k->x, k->t, &val, grad, &what);
        CHECK_MSG(rc == MS_OK, "'%s': %s", k->text, what ? what : "?");
        if (rc == MS_OK)
            check_fd(t, k->x, k->t, grad, k->text);
        ms_tape_free(t);
    }

    /* closed forms for one of them: f = V(a,b) I(v1) + exp(-c/2) sin(a) */
    MsTape *t = compile_ok(cases[0].text);
    if (t) {
        const double *x = cases[0].x;
        double a = x[1], b = x[2], c = x[3], i = x[4], val, g[4];
        const char *what;
        CHECK(eval(t, x, 0, &val, g, &what) == MS_OK);
        CHECK_NEAR(val, (a - b) * i + exp(-c / 2) * sin(a), 1e-15);
        CHECK_NEAR(g[var_of(t, 1)], i + exp(-c / 2) * cos(a), 1e-15);
        CHECK_NEAR(g[var_of(t, 2)], -i, 1e-15);
        CHECK_NEAR(g[var_of(t, 3)], -0.5 * exp(-c / 2) * sin(a), 1e-15);
        CHECK_NEAR(g[var_of(t, 4)], a - b, 1e-15);
        CHECK(t->vars[var_of(t, 4)].branch && !strcmp(t->vars[var_of(t, 4)].branch, "v1"));
        ms_tape_free(t);
    }

    /* the same unknown read twice is one variable; ground is none */
    t = compile_ok("v(a) * v(a,b) + v(b,a) + v(a,0) + v(0)");
    if (t) {
        CHECK(t->nvars == 2);
        double x[NX] = {0, 3, 1}, val, g[2];
        const char *what;
        CHECK(eval(t, x, 0, &val, g, &what) == MS_OK);
        CHECK_NEAR(val, 3 * 2 - 2 + 3, 0);
        CHECK_NEAR(g[var_of(t, 1)], 2 * 3 - 1 - 1 + 1, 0);   /* 2a - b - 1 + 1 */
        CHECK_NEAR(g[var_of(t, 2)], -3 + 1, 0);              /* -a + 1 */
        ms_tape_free(t);
    }
}

/* ---- one-sided derivative conventions (tape.h) ---- */

/* value and gradient of text at x: grad[k] per unknown 1..5 (0 if not read) */
static int at(const char *text, double a, double b, double c, double *val, double g[NX])
{
    MsTape *t = compile_ok(text);
    memset(g, 0, NX * sizeof *g);
    if (!t)
        return -1;
    double x[NX] = {0, a, b, c, 0, 0}, grad[16];
    const char *what;
    int rc = eval(t, x, 0, val, grad, &what);
    for (int k = 0; k < t->nvars && rc == MS_OK; k++)
        g[t->vars[k].unk] = grad[k];
    ms_tape_free(t);
    return rc;
}

static void test_conventions(void)
{
    double v, g[NX];
    /* abs: sgn(x), 0 at 0 */
    CHECK(at("abs(v(a))", 0, 0, 0, &v, g) == MS_OK && v == 0 && g[1] == 0);
    CHECK(at("abs(v(a))", -2, 0, 0, &v, g) == MS_OK && g[1] == -1);
    CHECK(at("abs(v(a))", 2, 0, 0, &v, g) == MS_OK && g[1] == 1);
    /* comparisons and logic: 0, also where they jump */
    const char *flat[] = {"v(a) < v(b)", "v(a) <= v(b)", "v(a) > v(b)", "v(a) >= v(b)", "v(a) == v(b)",
                          "v(a) != v(b)", "v(a) && v(b)", "v(a) || v(b)", "!v(a)"};
    for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++) {
        CHECK_MSG(at(flat[i], 1, 1, 0, &v, g) == MS_OK && g[1] == 0 && g[2] == 0, "'%s' at a=b: gradient %g %g",
                  flat[i], g[1], g[2]);
        CHECK_MSG(at(flat[i], 0, 2, 0, &v, g) == MS_OK && g[1] == 0 && g[2] == 0, "'%s': gradient %g %g", flat[i],
                  g[1], g[2]);
    }
    /* u, sgn, floor, ceil, int, nint: 0 everywhere, at their jumps too */
    const char *steps[] = {"u(v(a))", "sgn(v(a))", "floor(v(a))", "ceil(v(a))", "int(v(a))", "nint(v(a))"};
    double pts[] = {0, 2, 2.5, -1.5, 0.3};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        for (size_t j = 0; j < sizeof pts / sizeof pts[0]; j++)
            CHECK_MSG(at(steps[i], pts[j], 0, 0, &v, g) == MS_OK && g[1] == 0, "'%s' at %g: gradient %g", steps[i],
                      pts[j], g[1]);
    /* uramp: the branch it takes; 0 at 0 */
    CHECK(at("uramp(v(a))", 0, 0, 0, &v, g) == MS_OK && v == 0 && g[1] == 0);
    CHECK(at("uramp(v(a))", 1e-300, 0, 0, &v, g) == MS_OK && g[1] == 1);
    /* c ? x : y and if(): the selected branch only, also at the switch point */
    const char *sel[] = {"v(a) > 0 ? v(a)*v(b) : v(c)*v(c)", "if(v(a) > 0, v(a)*v(b), v(c)*v(c))"};
    for (int i = 0; i < 2; i++) {
        CHECK(at(sel[i], 0, 3, 5, &v, g) == MS_OK && v == 25 && g[1] == 0 && g[2] == 0 && g[3] == 10);
        CHECK(at(sel[i], 1e-300, 3, 5, &v, g) == MS_OK && g[1] == 3 && g[2] == 1e-300 && g[3] == 0);
        CHECK(at(sel[i], -1, 3, 5, &v, g) == MS_OK && g[1] == 0 && g[3] == 10);
    }
    /* the condition's own derivative never leaks in */
    CHECK(at("(v(a) * v(b)) ? v(c) : 0", 2, 3, 4, &v, g) == MS_OK && g[1] == 0 && g[2] == 0 && g[3] == 1);
    /* min/max: the argument selected; at a tie exactly one of them */
    CHECK(at("min(v(a), v(b))", 1, 2, 0, &v, g) == MS_OK && g[1] == 1 && g[2] == 0);
    CHECK(at("min(v(a), v(b))", 3, 2, 0, &v, g) == MS_OK && g[1] == 0 && g[2] == 1);
    CHECK(at("max(v(a), v(b))", 1, 2, 0, &v, g) == MS_OK && g[1] == 0 && g[2] == 1);
    CHECK(at("max(v(a), v(b))", 3, 2, 0, &v, g) == MS_OK && g[1] == 1 && g[2] == 0);
    CHECK(at("min(v(a), v(b))", 2, 2, 0, &v, g) == MS_OK && v == 2 && g[1] + g[2] == 1 && g[1] * g[2] == 0);
    CHECK(at("max(v(a), v(b))", 2, 2, 0, &v, g) == MS_OK && v == 2 && g[1] + g[2] == 1 && g[1] * g[2] == 0);
    /* limit(x, lo, hi): the bound or x, whichever is selected */
    CHECK(at("limit(v(a), v(b), v(c))", 0.5, 0, 1, &v, g) == MS_OK && g[1] == 1 && g[2] == 0 && g[3] == 0);
    CHECK(at("limit(v(a), v(b), v(c))", -2, 0, 1, &v, g) == MS_OK && g[1] == 0 && g[2] == 1 && g[3] == 0);
    CHECK(at("limit(v(a), v(b), v(c))", 4, 0, 1, &v, g) == MS_OK && g[1] == 0 && g[2] == 0 && g[3] == 1);
    CHECK(at("limit(v(a), v(b), v(c))", 1, 0, 1, &v, g) == MS_OK && v == 1 && g[1] + g[2] + g[3] == 1);
    CHECK(at("limit(v(a), v(b), v(c))", 0, 0, 1, &v, g) == MS_OK && v == 0 && g[1] + g[2] + g[3] == 1);
    /* square roots and powers at 0: finite, and the same for sqrt(x), x^0.5, pow(x,0.5), pwr(x,0.5) */
    double gs[NX];
    CHECK(at("sqrt(v(a))", 0, 0, 0, &v, gs) == MS_OK && v == 0 && isfinite(gs[1]));
    const char *roots[] = {"v(a)^0.5", "pow(v(a), 0.5)", "pwr(v(a), 0.5)", "v(a)**half"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        CHECK_MSG(at(roots[i], 0, 0, 0, &v, g) == MS_OK && v == 0 && g[1] == gs[1], "'%s' at 0: %g, gradient %g (sqrt: %g)",
                  roots[i], v, g[1], gs[1]);
    CHECK(at("pwr(v(a), 1)", 0, 0, 0, &v, g) == MS_OK && g[1] == 1);
    CHECK(at("pow(v(a), 1)", 0, 0, 0, &v, g) == MS_OK && g[1] == 1);
    CHECK(at("pow(v(a), 2)", 0, 0, 0, &v, g) == MS_OK && g[1] == 0);
    CHECK(at("pow(v(a), 0)", 0, 0, 0, &v, g) == MS_OK && v == 1 && g[1] == 0);
    /* asin/acos at +-1: finite */
    CHECK(at("asin(v(a)) + acos(v(b))", 1, -1, 0, &v, g) == MS_OK && isfinite(g[1]) && isfinite(g[2]));
    CHECK_NEAR(v, PI / 2 + PI, 1e-15);
    /* atan2 at the origin: finite */
    CHECK(at("atan2(v(a), v(b))", 0, 0, 0, &v, g) == MS_OK && v == 0 && isfinite(g[1]) && isfinite(g[2]));
}

/* ---- evaluation errors ---- */

static void expect_eval_error(const char *text, double a, double b, const char *word)
{
    MsTape *t = compile_ok(text);
    if (!t) {
        CHECK_MSG(0, "'%s' does not compile", text);
        return;
    }
    double x[NX] = {0, a, b, 1, 0, 0}, val = 12345, grad[16];
    const char *what = NULL;
    int rc = eval(t, x, 0, &val, grad, &what);
    CHECK_MSG(rc == MS_ERR_EVAL, "'%s' at a=%g b=%g: rc %d, want MS_ERR_EVAL (value %g)", text, a, b, rc, val);
    CHECK_MSG(what && *what && (!word || strstr(what, word)), "'%s': message '%s' (want '%s')", text,
              what ? what : "(null)", word ? word : "");
    /* no state is left behind: the same tape evaluates at a good point */
    x[1] = 0.5;
    x[2] = 2;
    CHECK_MSG(eval(t, x, 0, &val, grad, &what) == MS_OK, "'%s' fails at a good point after an error", text);
    ms_tape_free(t);
}

static void expect_compile_error(const char *text, int code, const char *word)
{
    MsTape *t = NULL;
    MsError err;
    int rc = compile(text, &t, &err);
    CHECK_MSG(rc == code && t == NULL, "'%s': rc %d, want %d", text, rc, code);
    CHECK_MSG(strstr(err.msg, "t.cir:3") != NULL, "'%s': message without location: %s", text, err.msg);
    CHECK_MSG(!word || strstr(err.msg, word), "'%s': message '%s' does not mention '%s'", text, err.msg, word);
    ms_tape_free(t);
}

static void test_errors(void)
{
    expect_eval_error("ln(v(a))", -1, 0, "log");
    expect_eval_error("ln(v(a))", 0, 0, "log");
    expect_eval_error("log(v(a) + 1)", -1.5, 0, "log");
    expect_eval_error("log10(v(a))", 0, 0, "log");
    expect_eval_error("sqrt(v(a))", -1e-12, 0, "square root");
    expect_eval_error("v(b) / v(a)", 0, 1, "division");
    expect_eval_error("1 / (v(a) - v(b))", 2, 2, "division");
    expect_eval_error("exp(v(a))", 1000, 0, "finite");
    expect_eval_error("v(a) * v(b) * big", 1e10, 1e10, "finite");
    expect_eval_error("sinh(v(a) * 1k)", 1, 0, "finite");
    expect_eval_error("asin(v(a))", 1.5, 0, "asin");
    expect_eval_error("acos(v(a))", -1.0000001, 0, "acos");
    expect_eval_error("v(a) ^ -1", 0, 0, NULL);
    /* in the branch taken only: the other one is not evaluated */
    expect_eval_error("v(a) > 0 ? 1 : ln(v(a))", -1, 0, "log");
    MsTape *t = compile_ok("v(a) > 0 ? ln(v(a)) : 0");
    if (t) {
        double x[NX] = {0, -1}, val, g[1];
        const char *what;
        CHECK(eval(t, x, 0, &val, g, &what) == MS_OK && val == 0);
        ms_tape_free(t);
    }
    /* constant sub-expressions fail when compiled, with location and text */
    expect_compile_error("v(a) + ln(-1)", MS_ERR_EVAL, "v(a) + ln(-1)");
    expect_compile_error("v(a) * (1/0)", MS_ERR_EVAL, "division");
    expect_compile_error("v(a) * (p/zero)", MS_ERR_EVAL, "division");
    expect_compile_error("v(a) + sqrt(q)", MS_ERR_EVAL, "square root");
    expect_compile_error("v(a) + exp(1000)", MS_ERR_EVAL, NULL);
    /* names */
    expect_compile_error("v(a) * nosuch", MS_ERR_SEMANTIC, "nosuch");
    expect_compile_error("frob(v(a))", MS_ERR_SEMANTIC, "frob");
    expect_compile_error("max(v(a))", MS_ERR_SEMANTIC, "max");
    expect_compile_error("limit(v(a), 1)", MS_ERR_SEMANTIC, "limit");
    expect_compile_error("sq(v(a), 2)", MS_ERR_SEMANTIC, "sq");
    expect_compile_error("if(v(a), 1)", MS_ERR_SEMANTIC, "if");
    expect_compile_error("rec(v(a))", MS_ERR_SEMANTIC, "rec");
    expect_compile_error("v(nowhere) * 2", MS_ERR_SEMANTIC, "nowhere");
    /* syntax errors are the parser's, with the column of the fault */
    const char *bad[] = {"v(a) +", "(v(a)", "v(a) ? 1", "v()", "v(a", "2 3", "v(a) * * 2", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        MsError err;
        MsTape *tb = NULL;
        int rc = compile(bad[i], &tb, &err);
        CHECK_MSG(rc == MS_ERR_SYNTAX && tb == NULL && strstr(err.msg, "t.cir:3:"), "'%s': rc %d, %s", bad[i], rc,
                  err.msg);
        ms_tape_free(tb);
    }
}

/* ---- .func inlining ---- */

static double value_at(const char *text, double a, double b, double c)
{
    double v = NAN, g[NX];
    if (at(text, a, b, c, &v, g) != MS_OK)
        return NAN;
    return v;
}

static void test_funcs(void)
{
    double a = 0.3, b = 0.4, c = 1.5;
    CHECK_NEAR(value_at("sq(v(a))", 3, 0, 0), 9, 0);
    CHECK_NEAR(value_at("f3(v(a), v(b), v(c))", a, b, c), 0.5 * c + 2, 1e-15);
    CHECK_NEAR(value_at("hyp(sq(v(a)), twice(v(b)))", 2, 1.5, 0), 5, 1e-15);     /* hyp(4, 3) */
    CHECK_NEAR(value_at("sq(v(a)) + sq(v(b)) + hyp(v(a), 4) * sq(2)", 3, 2, 0), 9 + 4 + 20, 1e-14);
    CHECK_NEAR(value_at("outer(v(a))", 2, 0, 0), 2 * 3 * 2, 0);                  /* twice(3) * 2 */
    CHECK_NEAR(value_at("shadowp(v(a))", 0.25, 0, 0), 2.5, 0);                   /* the argument, not .param p */
    CHECK_NEAR(value_at("shadowp(p) + p", 0, 0, 0), 22, 0);
    CHECK_NEAR(value_at("k0() * v(a)", 2, 0, 0), 12, 0);
    CHECK_NEAR(value_at("sat(v(a))", 5, 0, 0), 1, 0);
    CHECK_NEAR(value_at("sat(v(a))", -5, 0, 0), -1, 0);
    CHECK_NEAR(value_at("sat(v(a))", 0.25, 0, 0), 0.25, 0);
    CHECK_NEAR(value_at("sat(sat(v(a)) * 4) + sat(v(b))", 0.1, -3, 0), 0.4 - 1, 1e-15);
    /* a name the body does not bind is looked up where the function is
     * called, as ngspice's textual expansion and ms_expr_eval do:
     * calldyn(x) = dyn(1)*10, dyn(y) = y + x  =>  (1 + x)*10 */
    CHECK_NEAR(value_at("calldyn(v(a))", 2, 0, 0), 30, 0);
    CHECK_NEAR(tree_value("calldyn(2)"), 30, 0);
    /* inlined and folded: all-constant calls leave nothing to compute */
    MsTape *t = compile_ok("f3(0.6, 0.8, 3) + outer(1)");
    if (t) {
        double x[NX] = {0}, v, g[1];
        const char *what;
        CHECK(t->nvars == 0 && eval(t, x, 0, &v, g, &what) == MS_OK && v == 3 + 2 + 4);
        int computes = 0;
        for (int o = 0; o < t->nops; o++)
            computes += t->ops[o].op != TO_CONST;
        CHECK_MSG(computes == 0, "constant .func calls: %d run-time operations", computes);
        ms_tape_free(t);
    }
    /* derivatives through inlined functions: closed form of f3 */
    double v, g[NX];
    CHECK(at("f3(v(a), v(b), v(c))", a, b, c, &v, g) == MS_OK);
    double r = sqrt(a * a + b * b);
    CHECK_NEAR(g[1], a / r * c, 1e-15);
    CHECK_NEAR(g[2], b / r * c, 1e-15);
    CHECK_NEAR(g[3], r, 1e-15);
    /* the tree evaluator and the tape agree on every function */
    const char *calls[] = {"f3(0.3, 0.4, 1.5)", "hyp(sq(2), twice(1.5))", "outer(2)", "shadowp(0.25)",
                           "sat(-5) + sat(0.5)", "k0()", "calldyn(-0.5)"};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        double tv = tree_value(calls[i]), cv = value_at(calls[i], 0, 0, 0);
        CHECK_MSG(fabs(tv - cv) <= 1e-15 * fmax(1, fabs(tv)), "'%s': tree %.17g, tape %.17g", calls[i], tv, cv);
    }
}

/* ---- common subexpressions, shared code, batches ---- */

static int count_ops(const MsTape *t, MsTapeOpcode op)
{
    int n = 0;
    for (int i = 0; i < t->nops; i++)
        n += t->ops[i].op == op;
    return n;
}

static void test_cse(void)
{
    double v, g[NX];
    MsTape *t = compile_ok("sin(v(a)) * sin(v(a)) + cos(v(a)) ^ 2");
    if (t) {
        CHECK(count_ops(t, TO_SIN) == 1 && count_ops(t, TO_VAR) == 1);
        ms_tape_free(t);
    }
    CHECK(at("sin(v(a)) * sin(v(a)) + cos(v(a)) ^ 2", 0.7, 0, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, 1, 1e-15);
    CHECK_NEAR(g[1], 0, 1e-15);
    /* a value computed inside a branch not taken must not be reused after it */
    CHECK(at("(v(a) > 0 ? sin(v(b)) : 1) + sin(v(b))", -1, 0.5, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, 1 + sin(0.5), 1e-15);
    CHECK_NEAR(g[2], cos(0.5), 1e-15);
    CHECK(at("(v(a) > 0 ? v(c) : exp(v(b))) + exp(v(b))", 1, 0.5, 3, &v, g) == MS_OK);
    CHECK_NEAR(v, 3 + exp(0.5), 1e-15);
    CHECK_NEAR(g[2], exp(0.5), 1e-15);
    CHECK_NEAR(g[3], 1, 0);
    CHECK(at("if(v(a) > 0, v(b) * v(c), 2) * (v(b) * v(c)) + (v(a) > 0 ? 0 : v(b) * v(c))", -1, 2, 3, &v, g) == MS_OK);
    CHECK_NEAR(v, 2 * 6 + 6, 0);
    CHECK_NEAR(g[2], 2 * 3 + 3, 0);
    /* values computed in the condition are available in both branches */
    CHECK(at("exp(v(b)) > 2 ? exp(v(b)) : -exp(v(b))", 0, 1, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, exp(1), 1e-15);
    CHECK(at("exp(v(b)) > 2 ? exp(v(b)) : -exp(v(b))", 0, 0.5, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, -exp(0.5), 1e-15);
    CHECK_NEAR(g[2], -exp(0.5), 1e-15);
    /* -0 is not +0: atan2 tells them apart */
    CHECK(at("0 * v(b) + atan2(-0, v(a))", -1, 1, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, -PI, 1e-15);
    CHECK(at("atan2(0, v(a)) + atan2(-0, v(a))", -1, 1, 0, &v, g) == MS_OK);
    CHECK_NEAR(v, 0, 1e-15);
    /* constant integer exponents (compiled to TO_POWI) give what the
     * general power with the exponent as a variable gives, also for
     * negative bases (whichever convention that follows) */
    const char *powers[] = {"v(a) ^ 3", "v(a) ^ -2", "v(a) ** 8", "pow(v(a), -8)", "v(a) ^ 0", "v(a) ^ 1"};
    double expo[] = {3, -2, 8, -8, 0, 1};
    for (size_t i = 0; i < sizeof powers / sizeof powers[0]; i++) {
        double xs[] = {-1.7, 0.3, 2.2};
        for (int j = 0; j < 3; j++) {
            double a = xs[j], vg, gg[NX];
            int r1 = at(powers[i], a, 0, 0, &v, g), r2 = at("pow(v(a), v(b))", a, expo[i], 0, &vg, gg);
            CHECK_MSG(r1 == MS_OK && r2 == MS_OK && fabs(v - vg) <= 1e-14 * fabs(vg) &&
                          fabs(g[1] - gg[1]) <= 1e-14 * fmax(1, fabs(gg[1])),
                      "'%s' at %g: %.17g, d %.17g; pow(a, %g): %.17g, d %.17g", powers[i], a, v, g[1], expo[i], vg, gg[1]);
        }
    }
    CHECK(at("v(a) ^ 3", 2, 0, 0, &v, g) == MS_OK && v == 8 && g[1] == 12);
    CHECK(at("v(a) ^ -2", 0, 0, 0, &v, g) == MS_ERR_EVAL);
    CHECK(at("v(a) ^ 9", 1e40, 0, 0, &v, g) == MS_ERR_EVAL);   /* overflow */
}

static void test_same_code(void)
{
    MsTape *a = compile_ok("v(a) * 2 + sin(v(b))"), *b = compile_ok("v(b) * 2 + sin(v(c))"),
           *c = compile_ok("v(a) * 3 + sin(v(b))"), *d = compile_ok("v(a) * 2 + cos(v(b))"),
           *e = compile_ok("v(a) > 0 ? 1 : 2"), *f = compile_ok("i(v1) * 2 + sin(v(a))"),
           *z1 = compile_ok("atan2(zero, v(a))"), *z2 = compile_ok("atan2(mzero, v(a))");
    if (a && b && c && d && e && f && z1 && z2) {
        CHECK(ms_tape_same_code(a, b) == 1);   /* same function, other unknowns */
        CHECK(ms_tape_same_code(a, f) == 1);
        CHECK(ms_tape_same_code(a, c) == 0);   /* another constant */
        CHECK(ms_tape_same_code(a, d) == 0);   /* another function */
        CHECK(ms_tape_same_code(z1, z2) == 0); /* 0 and -0 differ: pi and -pi at v(a) = -1 */
        CHECK(ms_tape_batchable(a) == 1);
        CHECK(ms_tape_batchable(e) == 0);
    } else {
        CHECK_MSG(0, "same-code tapes do not compile");
    }
    ms_tape_free(a); ms_tape_free(b); ms_tape_free(c); ms_tape_free(d);
    ms_tape_free(e); ms_tape_free(f); ms_tape_free(z1); ms_tape_free(z2);
}

/* ms_tape_eval_batch against ms_tape_eval, lane by lane: lane l reads its
 * own unknowns (at shifted points), and gives the same value and gradient;
 * an error in one lane is reported for that lane, as ms_tape_eval would. */
static void batch_vs_scalar(const char *text, const double *x0, double time, int lanes, int bad)
{
    MsTape *t = compile_ok(text);
    if (!t || !ms_tape_batchable(t)) {
        ms_tape_free(t);
        return;
    }
    const int nv = t->nvars, base = 8;
    int *unk = malloc((size_t)(lanes * (nv ? nv : 1)) * sizeof *unk);
    double *xb = calloc((size_t)(base + lanes * NX), sizeof *xb);
    double *S = calloc(ms_tape_batch_scratch(t), sizeof *S);
    double *val = calloc((size_t)lanes, sizeof *val), *grad = calloc((size_t)(lanes * (nv ? nv : 1)), sizeof *grad);
    double xs[NX][NX];
    for (int l = 0; l < lanes; l++) {
        memcpy(xs[l], x0, sizeof xs[l]);
        for (int j = 0; j < nv; j++) {
            int u = t->vars[j].unk;
            xs[l][u] = x0[u] * (1 + 0.01 * l);   /* lane 0 at the point itself */
            unk[l * nv + j] = base + l * NX + u;
            xb[base + l * NX + u] = xs[l][u];
        }
    }
    int bad_lane = -1;
    const char *what = NULL;
    int rc = ms_tape_eval_batch(t, lanes, unk, xb, time, S, val, grad, &bad_lane, &what);
    /* the scalar evaluator, lane by lane */
    int first_bad = -1;
    for (int l = 0; l < lanes; l++) {
        double v, g[16];
        const char *w;
        int r = eval(t, xs[l], time, &v, g, &w);
        if (r) {
            if (first_bad < 0)
                first_bad = l;
            continue;
        }
        if (rc == MS_OK) {
            CHECK_MSG(v == val[l] || fabs(v - val[l]) <= 1e-15 * fabs(v), "batch '%s' lane %d: %.17g, scalar %.17g", text,
                      l, val[l], v);
            for (int j = 0; j < nv; j++)
                CHECK_MSG(fabs(g[j] - grad[l * nv + j]) <= 1e-15 * fmax(1e-300, fabs(g[j])),
                          "batch '%s' lane %d d/dvar%d: %.17g, scalar %.17g", text, l, j, grad[l * nv + j], g[j]);
        }
    }
    if (bad >= 0 || first_bad >= 0) {
        CHECK_MSG(rc == MS_ERR_EVAL && bad_lane == first_bad && what && *what,
                  "batch '%s': rc %d lane %d (%s), scalar evaluation fails first in lane %d", text, rc, bad_lane,
                  what ? what : "-", first_bad);
        CHECK_MSG(bad < 0 || first_bad == bad, "'%s': scalar evaluation fails in lane %d, expected %d", text, first_bad, bad);
    } else {
        CHECK_MSG(rc == MS_OK, "batch '%s': %s", text, what ? what : "?");
    }
    free(unk); free(xb); free(S); free(val); free(grad);
    ms_tape_free(t);
}

static void test_batch(void)
{
    for (size_t n = 0; n < sizeof value_cases / sizeof value_cases[0]; n++) {
        double x[NX];
        x_of(&value_cases[n], x);
        batch_vs_scalar(value_cases[n].text, x, value_cases[n].t, 1, -1);
        if (!value_cases[n].no_fd)
            batch_vs_scalar(value_cases[n].text, x, value_cases[n].t, 5, -1);
    }
    double x1[NX] = {0, 0.7, -0.3, 1.1, 2e-3, 1e-3};
    batch_vs_scalar("v(a,b) * i(v1) + exp(-v(c)/2) * sin(v(a)) - i(v2) * v(c)", x1, 0, 6, -1);
    batch_vs_scalar("f3(v(a), v(b), v(c)) * time + limit(v(a), v(b), v(c)) - min(v(a), v(c))", x1, 0.3, 6, -1);
    batch_vs_scalar("-v(a) * v(b) - v(c) + v(a) * 2 - 3 * v(b) + v(c) * v(c)", x1, 0, 4, -1);
    /* errors: lane 3 is the first whose argument leaves the domain */
    double x2[NX] = {0, 1.0 / 1.035, 0, 0, 0, 0};   /* a (1 + 0.01 l) > 1 from lane 4 on */
    batch_vs_scalar("asin(v(a)) + v(a)", x2, 0, 6, 4);
    double x3[NX] = {0, -1e-3, 0, 0, 0, 0};
    batch_vs_scalar("ln(v(a) + 1.02e-3)", x3, 0, 5, 2);   /* lane 2: 1.02e-3 - 1.02e-3 = 0 */
    /* an overflow in an intermediate +, -, * is an error in both evaluators */
    double x4[NX] = {0, 1e10, 1, 0, 0, 0};
    batch_vs_scalar("(v(a) * v(a) * big) > v(b)", x4, 0, 3, 0);
    batch_vs_scalar("1 / (v(a) * v(a) * big - v(b))", x4, 0, 3, 0);
    batch_vs_scalar("exp(-(v(a) * v(a) * big))", x4, 0, 3, 0);
}

/* Trainable .params as tape inputs: value and derivatives, a parameter
 * defined from them compiled in place (seeing .params, not the arguments of
 * the .func it is used in), a changed value, batches, and class identity. */
static void test_param_inputs(void)
{
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        MsError err;
        input_defs[i] = NULL;
        if (inputs[i].def && ms_expr_parse(inputs[i].def, LOC, &input_defs[i], &err))
            CHECK_MSG(0, "parse %s: %s", inputs[i].def, err.msg);
    }
    with_inputs = 1;
    double x[NX] = {0, 0.7, -0.3, 1.1, 0, 0}, a = x[1], b = x[2], v, g[8];
    const char *what;
    MsTape *t = compile_ok("tp*v(a) + dq*v(b) + tq");
    if (t && eval(t, x, 0, &v, g, &what) == MS_OK) {
        int kp = ms_tape_param_var(t, 0), kq = ms_tape_param_var(t, 1);
        CHECK(t->nvars == 4 && kp >= 0 && kq >= 0 && ms_tape_param_var(t, 2) < 0);
        CHECK(kp >= 0 && t->vars[kp].unk == 0 && t->vars[kp].param == 0 && !t->vars[kp].branch);
        CHECK(var_of(t, 1) >= 0 && t->vars[var_of(t, 1)].param < 0);
        /* 3 a + (tp^2 + p) b + tq; d/dtp = a + 2 tp b, d/dtq = 1 */
        CHECK_NEAR(v, 3 * a + 11 * b - 2, 1e-15);
        CHECK_NEAR(g[kp], a + 6 * b, 1e-15);
        CHECK(g[kq] == 1);
        CHECK_NEAR(g[var_of(t, 1)], 3, 0);
        CHECK_NEAR(g[var_of(t, 2)], 11, 1e-15);
        /* tp = 4: every use follows, the definition of dq too */
        CHECK(ms_tape_set_param(t, 0, 4) == 1 && ms_tape_set_param(t, 2, 1) == 0);
        CHECK(eval(t, x, 0, &v, g, &what) == MS_OK);
        CHECK_NEAR(v, 4 * a + 18 * b - 2, 1e-15);
        CHECK_NEAR(g[kp], a + 8 * b, 1e-15);
    } else {
        CHECK_MSG(0, "tape with inputs");
    }
    ms_tape_free(t);
    t = compile_ok("usedp(v(a))");   /* a + p tp = a + 6, not a + a tp */
    if (t && eval(t, x, 0, &v, g, &what) == MS_OK) {
        CHECK_NEAR(v, a + 6, 1e-15);
        CHECK_NEAR(g[ms_tape_param_var(t, 0)], 2, 0);
    } else {
        CHECK_MSG(0, "usedp(v(a))");
    }
    ms_tape_free(t);
    batch_vs_scalar("tp*v(a)*v(a) + exp(dq*v(b)/20) - tq/v(c)", x, 0, 5, -1);
    /* tp and tr have the same value but are different inputs */
    MsTape *p1 = compile_ok("tp*v(a)"), *p2 = compile_ok("tr*v(a)"), *p3 = compile_ok("tp*v(b)");
    if (p1 && p2 && p3) {
        CHECK(ms_tape_same_code(p1, p3) == 1);
        CHECK(ms_tape_same_code(p1, p2) == 0);
    }
    ms_tape_free(p1); ms_tape_free(p2); ms_tape_free(p3);
    with_inputs = 0;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        ms_expr_free(input_defs[i]);
}

int main(void)
{
    setup_funcs();
    test_values_and_derivatives();
    test_composite_derivatives();
    test_conventions();
    test_errors();
    test_funcs();
    test_cse();
    test_same_code();
    test_batch();
    test_param_inputs();
    free_funcs();
    return check_summary("tape");
}
