/* expr.c — recursive-descent parser and tree evaluator for expressions. */
#include "expr.h"
#include "number.h"
#include "../util/limits.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
    const char *text, *p;
    MsLoc loc;
    MsError *err;
    int failed;
    int nesting;   /* brackets, unary operators, ternaries open around ps->p */
} Parser;

static MsExpr *new_node(MsExprKind k, int col)
{
    MsExpr *e = ms_calloc(1, sizeof *e);
    e->kind = k;
    e->col = col;
    e->height = 1;
    return e;
}

MsExpr *ms_expr_number(double v)
{
    MsExpr *e = new_node(EX_NUM, 0);
    e->num = v;
    return e;
}

void ms_expr_free(MsExpr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nargs; i++)
        ms_expr_free(e->args[i]);
    free(e->args);
    free(e->name);
    free(e->name2);
    free(e);
}

static void add_arg(MsExpr *e, MsExpr *a)
{
    e->args = ms_realloc(e->args, (size_t)(e->nargs + 1) * sizeof *e->args);
    e->args[e->nargs++] = a;
    if (a->height >= e->height)
        e->height = a->height + 1;
}

static int col_of(Parser *ps) { return (int)(ps->p - ps->text); }

static MsExpr *fail(Parser *ps, const char *what)
{
    if (!ps->failed) {
        MsLoc l = ps->loc;
        l.col = ps->loc.col + col_of(ps);
        if (*ps->p)
            ms_err_at(ps->err, MS_ERR_SYNTAX, l, "%s in expression '%s' near '%.12s'", what,
                      ps->text, ps->p);
        else
            ms_err_at(ps->err, MS_ERR_SYNTAX, l, "%s at end of expression '%s'", what, ps->text);
    }
    ps->failed = 1;
    return NULL;
}

/* Trees grow by loops (a + b + c ...) as well as by recursion: every
 * evaluator and the compiler recurse over them, so their height is bounded
 * here, while the tree can still be freed. */
static MsExpr *bounded(Parser *ps, MsExpr *e)
{
    if (e && e->height > MS_MAX_EXPR_HEIGHT) {
        ms_expr_free(e);
        return fail(ps, "expression too long or nested too deeply (more than "
                        MS_STR(MS_MAX_EXPR_HEIGHT) " operations in a chain)");
    }
    return e;
}

/* Recursion of the parser itself: brackets, unary operators, ternaries. */
static int enter(Parser *ps)
{
    if (ps->nesting >= MS_MAX_EXPR_NESTING) {
        fail(ps, "brackets or operators nested more than " MS_STR(MS_MAX_EXPR_NESTING) " deep");
        return 0;
    }
    ps->nesting++;
    return 1;
}

static void skip_ws(Parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int accept(Parser *ps, const char *tok)
{
    skip_ws(ps);
    size_t n = strlen(tok);
    if (strncmp(ps->p, tok, n))
        return 0;
    /* "=" must not match the start of "==", "*" not of "**" */
    if (n == 1 && (tok[0] == '*' || tok[0] == '=') && ps->p[1] == tok[0])
        return 0;
    if (n == 1 && (tok[0] == '<' || tok[0] == '>') && ps->p[1] == '=')
        return 0;
    ps->p += n;
    return 1;
}

static MsExpr *parse_ternary(Parser *ps);

static MsExpr *binary(MsExprOp op, MsExpr *a, MsExpr *b, int col)
{
    MsExpr *e = new_node(EX_BIN, col);
    e->op = op;
    add_arg(e, a);
    add_arg(e, b);
    return e;
}

static int is_name_char(int c) { return isalnum(c) || c == '_' || c == '.' || c == '#' || c == '$'; }

static char *read_name(Parser *ps)
{
    skip_ws(ps);
    const char *s = ps->p;
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return NULL;
    while (is_name_char((unsigned char)*ps->p))
        ps->p++;
    return ms_strndup(s, (size_t)(ps->p - s));
}

/* node names inside V(...) may start with a digit ("v(1)") */
static char *read_node(Parser *ps)
{
    skip_ws(ps);
    const char *s = ps->p;
    while (is_name_char((unsigned char)*ps->p) || *ps->p == '+' || *ps->p == '-' ||
           *ps->p == ':' || *ps->p == '[' || *ps->p == ']')
        ps->p++;
    return ps->p > s ? ms_strndup(s, (size_t)(ps->p - s)) : NULL;
}

static MsExpr *parse_call_or_name(Parser *ps, char *name, int col)
{
    if (!accept(ps, "(")) {
        MsExpr *e = new_node(EX_NAME, col);
        e->name = name;
        return e;
    }
    if (!strcmp(name, "v") || !strcmp(name, "i")) {
        int is_v = name[0] == 'v';
        free(name);
        MsExpr *e = new_node(is_v ? EX_VOLT : EX_CURR, col);
        e->name = read_node(ps);
        if (!e->name) {
            ms_expr_free(e);
            return fail(ps, is_v ? "node name expected" : "source name expected");
        }
        if (is_v && accept(ps, ",")) {
            e->name2 = read_node(ps);
            if (!e->name2) {
                ms_expr_free(e);
                return fail(ps, "node name expected");
            }
        }
        if (!accept(ps, ")")) {
            ms_expr_free(e);
            return fail(ps, "')' expected");
        }
        return e;
    }
    MsExpr *e = new_node(EX_CALL, col);
    e->name = name;
    if (accept(ps, ")"))
        return e;
    do {
        MsExpr *a = parse_ternary(ps);
        if (!a) {
            ms_expr_free(e);
            return NULL;
        }
        add_arg(e, a);
    } while (accept(ps, ","));
    if (!accept(ps, ")")) {
        ms_expr_free(e);
        return fail(ps, "')' or ',' expected");
    }
    return e;
}

static MsExpr *parse_primary(Parser *ps)
{
    skip_ws(ps);
    int col = col_of(ps);
    double v;
    const char *end;
    int num = *ps->p != '+' && *ps->p != '-' ? ms_parse_number(ps->p, &v, &end) : 0;
    if (num < 0)
        return fail(ps, "number out of range (magnitude above 1.8e308)");
    if (num) {
        ps->p = end;
        MsExpr *e = new_node(EX_NUM, col);
        e->num = v;
        return e;
    }
    if (accept(ps, "(")) {
        MsExpr *e = parse_ternary(ps);
        if (e && !accept(ps, ")")) {
            ms_expr_free(e);
            return fail(ps, "')' expected");
        }
        return e;
    }
    if (accept(ps, "'")) {   /* 'expr' quoting, as in ngspice */
        MsExpr *e = parse_ternary(ps);
        if (e && !accept(ps, "'")) {
            ms_expr_free(e);
            return fail(ps, "closing quote expected");
        }
        return e;
    }
    if (accept(ps, "{")) {   /* tolerate nested braces: {a*{b}} */
        MsExpr *e = parse_ternary(ps);
        if (e && !accept(ps, "}")) {
            ms_expr_free(e);
            return fail(ps, "'}' expected");
        }
        return e;
    }
    char *name = read_name(ps);
    if (!name)
        return fail(ps, *ps->p ? "value expected" : "value expected");
    return parse_call_or_name(ps, name, col);
}

/* a ^ b ^ c is (a ^ b) ^ c, as ngspice evaluates it; an exponent may carry
 * a sign: 2^-1. */
static MsExpr *parse_power(Parser *ps)
{
    MsExpr *a = parse_primary(ps);
    while (a) {
        int col = col_of(ps);
        if (!accept(ps, "^") && !accept(ps, "**"))
            break;
        skip_ws(ps);
        int neg = *ps->p == '-';
        if (*ps->p == '-' || *ps->p == '+')
            ps->p++;
        MsExpr *b = parse_primary(ps);
        if (!b) {
            ms_expr_free(a);
            return NULL;
        }
        if (neg) {
            MsExpr *n = new_node(EX_NEG, col);
            add_arg(n, b);
            b = n;
        }
        a = bounded(ps, binary(OP_POW, a, b, col));
    }
    return a;
}

static MsExpr *parse_unary(Parser *ps)
{
    skip_ws(ps);
    int col = col_of(ps);
    if (accept(ps, "-") || accept(ps, "!")) {
        MsExprKind k = ps->p[-1] == '-' ? EX_NEG : EX_NOT;
        if (!enter(ps))
            return NULL;
        MsExpr *a = parse_unary(ps);
        ps->nesting--;
        if (!a)
            return NULL;
        MsExpr *e = new_node(k, col);
        add_arg(e, a);
        return e;
    }
    if (accept(ps, "+")) {
        if (!enter(ps))
            return NULL;
        MsExpr *e = parse_unary(ps);
        ps->nesting--;
        return e;
    }
    return parse_power(ps);
}

/* One precedence level of left-associative binary operators. */
typedef struct { const char *tok; MsExprOp op; } OpTok;

static MsExpr *parse_level(Parser *ps, int level);

static const OpTok levels[][5] = {
    {{"||", OP_OR}, {0, 0}},
    {{"&&", OP_AND}, {0, 0}},
    {{"==", OP_EQ}, {"!=", OP_NE}, {0, 0}},
    {{"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}, {0, 0}},
    {{"+", OP_ADD}, {"-", OP_SUB}, {0, 0}},
    {{"*", OP_MUL}, {"/", OP_DIV}, {0, 0}},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static MsExpr *parse_level(Parser *ps, int level)
{
    if (level == NLEVELS)
        return parse_unary(ps);
    MsExpr *a = parse_level(ps, level + 1);
    while (a) {
        int col = col_of(ps), matched = 0;
        for (const OpTok *t = levels[level]; t->tok; t++)
            if (accept(ps, t->tok)) {
                MsExpr *b = parse_level(ps, level + 1);
                if (!b) {
                    ms_expr_free(a);
                    return NULL;
                }
                a = bounded(ps, binary(t->op, a, b, col));
                matched = 1;
                break;
            }
        if (!matched)
            break;
    }
    return a;
}

static MsExpr *parse_ternary_in(Parser *ps);

static MsExpr *parse_ternary(Parser *ps)
{
    if (!enter(ps))
        return NULL;
    MsExpr *e = parse_ternary_in(ps);
    ps->nesting--;
    return e;
}

static MsExpr *parse_ternary_in(Parser *ps)
{
    MsExpr *c = parse_level(ps, 0);
    if (!c)
        return NULL;
    int col = col_of(ps);
    if (!accept(ps, "?"))
        return c;
    MsExpr *a = parse_ternary(ps);
    if (!a) {
        ms_expr_free(c);
        return NULL;
    }
    if (!accept(ps, ":")) {
        ms_expr_free(c);
        ms_expr_free(a);
        return fail(ps, "':' expected in 'c ? a : b'");
    }
    MsExpr *b = parse_ternary(ps);
    if (!b) {
        ms_expr_free(c);
        ms_expr_free(a);
        return NULL;
    }
    MsExpr *e = new_node(EX_TERN, col);
    add_arg(e, c);
    add_arg(e, a);
    add_arg(e, b);
    return bounded(ps, e);
}

int ms_expr_parse_prefix(const char *text, const char **pos, MsLoc loc, MsExpr **out,
                         MsError *err)
{
    Parser ps = {text, *pos, loc, err, 0, 0};
    MsExpr *e = parse_ternary(&ps);
    *pos = ps.p;
    *out = e;
    return e ? MS_OK : MS_ERR_SYNTAX;
}

int ms_expr_parse(const char *text, MsLoc loc, MsExpr **out, MsError *err)
{
    Parser ps = {text, text, loc, err, 0, 0};
    skip_ws(&ps);
    if (!*ps.p) {
        *out = NULL;
        return ms_err_at(err, MS_ERR_SYNTAX, loc, "empty expression");
    }
    MsExpr *e = parse_ternary(&ps);
    if (e) {
        skip_ws(&ps);
        if (*ps.p) {
            ms_expr_free(e);
            e = fail(&ps, "unexpected text");
        }
    }
    *out = e;
    return e ? MS_OK : MS_ERR_SYNTAX;
}

/* ---- evaluation ---- */

static double sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

int ms_builtin_call(const char *f, const double *a, int n, double *out)
{
    struct { const char *name; int nargs; } tab[] = {
        {"abs", 1}, {"sqrt", 1}, {"exp", 1}, {"ln", 1}, {"log", 1}, {"log10", 1},
        {"sin", 1}, {"cos", 1}, {"tan", 1}, {"asin", 1}, {"acos", 1}, {"atan", 1},
        {"sinh", 1}, {"cosh", 1}, {"tanh", 1}, {"floor", 1}, {"ceil", 1}, {"int", 1},
        {"nint", 1}, {"sgn", 1}, {"u", 1}, {"uramp", 1}, {"atan2", 2}, {"pow", 2},
        {"pwr", 2}, {"min", 2}, {"max", 2}, {"limit", 3}, {"if", 3}, {"asinh", 1}, {"acosh", 1},
        {"atanh", 1}, {"sqr", 1}, {"u2", 1}, {"eq0", 1}, {"ne0", 1}, {"gt0", 1}, {"lt0", 1},
        {"ge0", 1}, {"le0", 1},
    };
    /* ngspice's other spellings */
    if (!strcmp(f, "arctan"))
        f = "atan";
    else if (!strcmp(f, "ternary_fcn"))
        f = "if";
    int k = -1;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i].name, f)) {
            k = (int)i;
            break;
        }
    if (k < 0)
        return 0;
    if (tab[k].nargs != n)
        return -1;
    double x = a[0], r;
    switch (k) {
    case 0: r = fabs(x); break;
    case 1: r = sqrt(x); break;
    case 2: r = exp(x); break;
    case 3: case 4: r = log(x); break;   /* ngspice: log is the natural log */
    case 5: r = log10(x); break;
    case 6: r = sin(x); break;
    case 7: r = cos(x); break;
    case 8: r = tan(x); break;
    case 9: r = asin(x); break;
    case 10: r = acos(x); break;
    case 11: r = atan(x); break;
    case 12: r = sinh(x); break;
    case 13: r = cosh(x); break;
    case 14: r = tanh(x); break;
    case 15: r = floor(x); break;
    case 16: r = ceil(x); break;
    case 17: r = trunc(x); break;
    case 18: r = nearbyint(x); break;   /* halves to even, as ngspice */
    case 19: r = sgn(x); break;
    case 20: r = x > 0 ? 1 : x < 0 ? 0 : 0.5; break;   /* ngspice: u(0) = 0.5 */
    case 21: r = x > 0 ? x : 0; break;
    case 22: r = atan2(x, a[1]); break;
    case 23: r = pow(x, a[1]); break;
    case 24: r = sgn(x) * pow(fabs(x), a[1]); break;
    case 25: r = fmin(x, a[1]); break;
    case 26: r = fmax(x, a[1]); break;
    case 27: r = x < a[1] ? a[1] : x > a[2] ? a[2] : x; break;
    case 28: r = x != 0 ? a[1] : a[2]; break;
    case 29: r = asinh(x); break;
    case 30: r = acosh(x); break;   /* NaN below 1: the caller's finiteness check reports it */
    case 31: r = atanh(x); break;
    case 32: r = x * x; break;   /* ngspice's numparam: sqr is the square, not the root */
    case 33: r = x <= 0 ? 0 : x < 1 ? x : 1; break;
    case 34: r = x == 0; break;
    case 35: r = x != 0; break;
    case 36: r = x > 0; break;
    case 37: r = x < 0; break;
    case 38: r = x >= 0; break;
    default: r = x <= 0; break;
    }
    *out = r;
    return 1;
}

/* Environment of a user function call: its arguments, then the caller's names. */
typedef struct FuncEnv {
    MsExprEnv base;
    MsExprEnv *outer;
    char **names;
    const double *vals;
    int n;
} FuncEnv;

static int func_lookup(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    FuncEnv *fe = (FuncEnv *)env;
    for (int i = 0; i < fe->n; i++)
        if (!strcmp(fe->names[i], name)) {
            *v = fe->vals[i];
            return 1;
        }
    return fe->outer->lookup ? fe->outer->lookup(fe->outer, name, v, err) : 0;
}

static const MsExpr *func_func(MsExprEnv *env, const char *name, char ***an, int *n)
{
    FuncEnv *fe = (FuncEnv *)env;
    return fe->outer->func ? fe->outer->func(fe->outer, name, an, n) : NULL;
}

static int eval_err(MsExprEnv *env, MsError *err, int code, const char *msg, const char *name)
{
    return ms_err_at(err, code, env->loc, "%s%s%s in '%s'", msg, name ? " " : "",
                     name ? name : "", env->text ? env->text : "expression");
}

/* What one evaluation may spend: .func calls are expanded as they are met,
 * so a chain of functions each calling the next twice is exponential. */
typedef struct Budget {
    long work;
    int calls;
} Budget;

static int eval_rec(const MsExpr *e, MsExprEnv *env, double *out, MsError *err, Budget *b, int depth)
{
    double a[8];
    int rc;
    if (b->calls > MS_MAX_INLINE_DEPTH || depth > MS_MAX_EXPR_DEPTH)
        return eval_err(env, err, MS_ERR_SEMANTIC, "functions nested too deeply (recursive .func?)", NULL);
    if (++b->work > MS_MAX_EXPR_WORK)
        return eval_err(env, err, MS_ERR_SEMANTIC,
                        "expression too large once its .func calls are expanded (more than "
                        MS_STR(MS_MAX_EXPR_WORK) " operations)", NULL);
    switch (e->kind) {
    case EX_NUM:
        *out = e->num;
        return MS_OK;
    case EX_NAME:
        if (env->lookup) {
            rc = env->lookup(env, e->name, out, err);
            if (rc < 0)
                return rc;
            if (rc > 0)
                return MS_OK;
        }
        if (!strcmp(e->name, "pi")) { *out = 3.14159265358979323846; return MS_OK; }
        if (!strcmp(e->name, "e")) { *out = 2.71828182845904523536; return MS_OK; }
        if (!strcmp(e->name, "temper")) { *out = 27.0; return MS_OK; }
        if (!strcmp(e->name, "time"))
            return eval_err(env, err, MS_ERR_UNSUPPORTED, "'time' is not allowed here", NULL);
        return eval_err(env, err, MS_ERR_SEMANTIC, "unknown parameter", e->name);
    case EX_VOLT:
    case EX_CURR:
        return eval_err(env, err, MS_ERR_UNSUPPORTED,
                        "node voltages and branch currents are not allowed here", NULL);
    case EX_NEG:
    case EX_NOT:
        if ((rc = eval_rec(e->args[0], env, &a[0], err, b, depth + 1)))
            return rc;
        *out = e->kind == EX_NEG ? -a[0] : (a[0] == 0);
        return MS_OK;
    case EX_TERN:
        if ((rc = eval_rec(e->args[0], env, &a[0], err, b, depth + 1)))
            return rc;
        return eval_rec(e->args[a[0] != 0 ? 1 : 2], env, out, err, b, depth + 1);
    case EX_BIN:
        if ((rc = eval_rec(e->args[0], env, &a[0], err, b, depth + 1)) ||
            (rc = eval_rec(e->args[1], env, &a[1], err, b, depth + 1)))
            return rc;
        switch (e->op) {
        case OP_ADD: *out = a[0] + a[1]; break;
        case OP_SUB: *out = a[0] - a[1]; break;
        case OP_MUL: *out = a[0] * a[1]; break;
        case OP_DIV:
            if (a[1] == 0)
                return eval_err(env, err, MS_ERR_EVAL, "division by zero", NULL);
            *out = a[0] / a[1];
            break;
        case OP_POW: *out = pow(a[0], a[1]); break;
        case OP_EQ: *out = a[0] == a[1]; break;
        case OP_NE: *out = a[0] != a[1]; break;
        case OP_LT: *out = a[0] < a[1]; break;
        case OP_LE: *out = a[0] <= a[1]; break;
        case OP_GT: *out = a[0] > a[1]; break;
        case OP_GE: *out = a[0] >= a[1]; break;
        case OP_AND: *out = a[0] != 0 && a[1] != 0; break;
        case OP_OR: *out = a[0] != 0 || a[1] != 0; break;
        }
        break;
    case EX_CALL: {
        if (e->nargs > 8)
            return eval_err(env, err, MS_ERR_SEMANTIC, "too many arguments to", e->name);
        for (int i = 0; i < e->nargs; i++)
            if ((rc = eval_rec(e->args[i], env, &a[i], err, b, depth + 1)))
                return rc;
        char **an;
        int na;
        const MsExpr *body = env->func ? env->func(env, e->name, &an, &na) : NULL;
        if (body) {
            if (na != e->nargs)
                return eval_err(env, err, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
            FuncEnv fe = {{func_lookup, func_func, NULL, env->loc, env->text}, env, an, a, na};
            b->calls++;
            rc = eval_rec(body, &fe.base, out, err, b, depth + 1);
            b->calls--;
            return rc;
        }
        rc = ms_builtin_call(e->name, a, e->nargs, out);
        if (rc == 0)
            return eval_err(env, err, MS_ERR_SEMANTIC, "unknown function", e->name);
        if (rc < 0)
            return eval_err(env, err, MS_ERR_SEMANTIC, "wrong number of arguments to", e->name);
        break;
    }
    }
    if (!isfinite(*out))
        return eval_err(env, err, MS_ERR_EVAL, "result is not a finite number", NULL);
    return MS_OK;
}

int ms_expr_eval(const MsExpr *e, MsExprEnv *env, double *out, MsError *err)
{
    Budget b = {0, 0};
    return eval_rec(e, env, out, err, &b, 0);
}

int ms_expr_is_behavioral(const MsExpr *e)
{
    if (e->kind == EX_VOLT || e->kind == EX_CURR)
        return 1;
    if (e->kind == EX_NAME && !strcmp(e->name, "time"))
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (ms_expr_is_behavioral(e->args[i]))
            return 1;
    return 0;
}
