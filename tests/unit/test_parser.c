/* test_parser.c — lexer, numbers, expressions and parser through the public
 * API: SI suffixes, continuation lines, comments, case, .param (expressions,
 * forward references), {expr} values, .subckt with params and hierarchical
 * node names, .include / .lib, .control skipping.  Values are checked
 * against hand-computed operating points of small resistive circuits. */
#include "check.h"
#include "op_util.h"
#include "memspice.h"
#include "netlist/expr.h"
#include "netlist/number.h"
#include "netlist/parser.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static int op_of(const char *text, MsResult *res, MsError *err) { return op_of_text(text, "t.cir", res, err); }

static char tmpdir[64];

/* ---- helpers ---- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("FAIL cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}




/* ---- numbers ---- */

static double num(const char *s)
{
    double v = NAN;
    if (!ms_is_number(s, &v)) {
        printf("  ms_is_number(\"%s\") refused\n", s);
        return NAN;
    }
    return v;
}

static void test_numbers(void)
{
    CHECK_NEAR(num("1k"), 1e3, 1e-12);
    CHECK_NEAR(num("1K"), 1e3, 1e-12);
    CHECK_NEAR(num("10pF"), 10e-12, 1e-24);
    CHECK_NEAR(num("10PF"), 10e-12, 1e-24);
    CHECK_NEAR(num("2meg"), 2e6, 1e-6);
    CHECK_NEAR(num("2MEG"), 2e6, 1e-6);
    CHECK_NEAR(num("2Megohm"), 2e6, 1e-6);
    CHECK_NEAR(num("3mil"), 3 * 25.4e-6, 1e-15);
    CHECK_NEAR(num("1e-3"), 1e-3, 1e-18);
    CHECK_NEAR(num("1E3"), 1e3, 1e-12);
    CHECK_NEAR(num("5V"), 5, 0);
    CHECK_NEAR(num("1m"), 1e-3, 1e-18);        /* milli, not mega */
    CHECK_NEAR(num("1M"), 1e-3, 1e-18);
    CHECK_NEAR(num("1mA"), 1e-3, 1e-18);
    CHECK_NEAR(num("4.7u"), 4.7e-6, 1e-18);
    CHECK_NEAR(num("-2.5n"), -2.5e-9, 1e-21);
    CHECK_NEAR(num("+3"), 3, 0);
    CHECK_NEAR(num(".5"), 0.5, 0);
    CHECK_NEAR(num("1.5e3k"), 1.5e6, 1e-6);
    CHECK_NEAR(num("7f"), 7e-15, 1e-27);
    CHECK_NEAR(num("2g"), 2e9, 1e-3);
    CHECK_NEAR(num("1t"), 1e12, 1);
    CHECK_NEAR(num("10Hz"), 10, 0);           /* units only */
    CHECK(!ms_is_number("abc", NULL));
    CHECK(!ms_is_number("k1", NULL));
    CHECK(!ms_is_number("1k2", NULL));
    CHECK(!ms_is_number("0x10", NULL));
    CHECK(!ms_is_number("", NULL));
    CHECK(!ms_is_number("inf", NULL));
    CHECK(!ms_is_number("1.2.3", NULL));
    const char *end;
    double v;
    CHECK(ms_parse_number("2k*3", &v, &end) && v == 2e3 && !strcmp(end, "*3"));
}

/* ---- expressions ---- */

static int tab_lookup(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    (void)env;
    (void)err;
    if (!strcmp(name, "a")) { *v = 3; return 1; }
    if (!strcmp(name, "b")) { *v = 4; return 1; }
    if (!strcmp(name, "r_1")) { *v = 1e3; return 1; }
    return 0;
}

/* Evaluate text; returns the status, value in *v. */
static int ev(const char *text, double *v, MsError *err)
{
    MsLoc loc = {"e.cir", 7, 3};
    MsExpr *e = NULL;
    err->code = 0;
    err->msg[0] = 0;
    int rc = ms_expr_parse(text, loc, &e, err);
    if (rc)
        return rc;
    MsExprEnv env = {tab_lookup, NULL, NULL, loc, text};
    rc = ms_expr_eval(e, &env, v, err);
    ms_expr_free(e);
    return rc;
}

static double evv(const char *text)
{
    MsError err;
    double v = NAN;
    int rc = ev(text, &v, &err);
    if (rc) {
        printf("  '%s': %s\n", text, err.msg);
        return NAN;
    }
    return v;
}

static void test_expressions(void)
{
    CHECK_NEAR(evv("1+2*3"), 7, 0);
    CHECK_NEAR(evv("(1+2)*3"), 9, 0);
    CHECK_NEAR(evv("10-4-3"), 3, 0);            /* left associative */
    CHECK_NEAR(evv("64/4/2"), 8, 0);
    CHECK_NEAR(evv("2^3^2"), 64, 0);            /* left to right, as ngspice */
    CHECK_NEAR(evv("2**3"), 8, 0);
    CHECK_NEAR(evv("2^-1"), 0.5, 0);
    CHECK_NEAR(evv("-a+b"), 1, 0);
    CHECK_NEAR(evv("a*b"), 12, 0);
    CHECK_NEAR(evv("2k*a"), 6e3, 1e-9);
    CHECK_NEAR(evv("r_1/2"), 500, 0);
    CHECK_NEAR(evv("sqrt(a*a+b*b)"), 5, 1e-15);
    CHECK_NEAR(evv("max(a,b)+min(a,b)"), 7, 0);
    CHECK_NEAR(evv("abs(-2.5)"), 2.5, 0);
    CHECK_NEAR(evv("exp(0)+ln(1)+log10(100)"), 3, 1e-15);
    CHECK_NEAR(evv("pwr(-2,2)"), -4, 1e-15);
    CHECK_NEAR(evv("a>b ? 1 : 2"), 2, 0);
    CHECK_NEAR(evv("a<b && b<5"), 1, 0);
    CHECK_NEAR(evv("a==3 || 0"), 1, 0);
    CHECK_NEAR(evv("!0 + (a!=3)"), 1, 0);
    CHECK_NEAR(evv("a<=3") + evv("b>=5"), 1, 0);
    CHECK_NEAR(evv("pi"), 3.14159265358979323846, 1e-15);
    CHECK_NEAR(evv("limit(7, 0, 5)"), 5, 0);
    CHECK_NEAR(evv("{a*{b}}"), 12, 0);
    MsError err;
    double v;
    CHECK(ev("1/0", &v, &err) == MS_ERR_EVAL);
    CHECK_MSG(strstr(err.msg, "e.cir:7") != NULL, "division by zero message: %s", err.msg);
    CHECK(ev("nosuch + 1", &v, &err) == MS_ERR_SEMANTIC);
    CHECK_MSG(strstr(err.msg, "nosuch") != NULL, "unknown name message: %s", err.msg);
    CHECK(ev("foo(1)", &v, &err) == MS_ERR_SEMANTIC);
    CHECK_MSG(strstr(err.msg, "foo") != NULL, "unknown function message: %s", err.msg);
    CHECK(ev("max(1)", &v, &err) == MS_ERR_SEMANTIC);
    CHECK(ev("1 +", &v, &err) == MS_ERR_SYNTAX);
    CHECK(ev("(1+2", &v, &err) == MS_ERR_SYNTAX);
    CHECK(ev("1 2", &v, &err) == MS_ERR_SYNTAX);
    CHECK(ev("a ? 1", &v, &err) == MS_ERR_SYNTAX);
    CHECK(ev("", &v, &err) == MS_ERR_SYNTAX);
    CHECK(ev("sqrt(-1)", &v, &err) == MS_ERR_EVAL);
    CHECK(ev("v(out)*2", &v, &err) == MS_ERR_UNSUPPORTED);
}

/* ngspice's numparam sqr (x*x) and its B-source step and comparison
 * functions, in .param values and compiled into a B source. */
static void test_ngspice_functions(void)
{
    CHECK_NEAR(evv("sqr(3)"), 9, 0);
    CHECK_NEAR(evv("sqr(-2)"), 4, 0);
    CHECK_NEAR(evv("u2(0.25) + u2(2) + u2(-1)"), 1.25, 0);
    CHECK_NEAR(evv("eq0(0) + ne0(0) + gt0(1) + lt0(1) + ge0(0) + le0(1)"), 3, 0);
    MsError err;
    MsResult r;
    int rc = op_of_text("t\nV1 b 0 3\nB1 a 0 V={sqr(v(b)) + u2(v(b)/12) + le0(v(b)) + 10*gt0(v(b)-3)}\nR1 a 0 1k\n.op\n",
                        "f.cir", &r, &err);
    CHECK_MSG(rc == MS_OK, "B source with sqr: %s", err.msg);
    if (rc == MS_OK)
        CHECK_NEAR(val(&r, "v(a)"), 9.25, 1e-12);
    ms_result_free(&r);
}

/* Xyce's output names: n(ymemristor!NAME_x), p(elem), {expr}. */
static void test_xyce_outputs(void)
{
    char *name = NULL;
    MsError err;
    MsLoc loc = {0};
    CHECK(ms_xyce_state_name("ymemristor!mr1_x", loc, &name, &err) == MS_OK && name && !strcmp(name, "x(mr1)"));
    free(name);
    name = NULL;
    CHECK(ms_xyce_state_name("x1:ymemristor!mr1_x", loc, &name, &err) == MS_OK && name && !strcmp(name, "x(x1.mr1)"));
    free(name);
    name = NULL;
    CHECK(ms_xyce_state_name("ymemristor!x2:m_x", loc, &name, &err) == MS_OK && name && !strcmp(name, "x(x2.m)"));
    free(name);
    name = NULL;
    CHECK(ms_xyce_state_name("ymemristor!_x", loc, &name, &err) != MS_OK && !name);
    CHECK(ms_xyce_state_name("r1_x", loc, &name, &err) != MS_OK && !name);
    CHECK(ms_xyce_state_name("ymemristor!mr1:r", loc, &name, &err) != MS_OK && !name);
    /* 2 V over 1k and 3k in series, 0.5 mA: p(r1) = 0.25 mW, p(r2) = 0.75 mW, the source delivers 1 mW */
    MsResult r;
    int rc = op_of_text("t\nV1 a 0 2\nR1 a b 1k\nR2 b 0 3k\n.print tran p(r1) p(r2) p(v1) {v(a)*i(v1)} {sqr(v(b))/3k}\n.op\n",
                        "p.cir", &r, &err);
    CHECK_MSG(rc == MS_OK, "p() and {expr}: %s", err.msg);
    if (rc == MS_OK) {
        CHECK_NEAR(val(&r, "p(r1)"), 2.5e-4, 1e-15);
        CHECK_NEAR(val(&r, "p(r2)"), 7.5e-4, 1e-15);
        CHECK_NEAR(val(&r, "p(v1)"), -1e-3, 1e-15);
        CHECK_NEAR(val(&r, "{v(a)*i(v1)}"), -1e-3, 1e-15);
        CHECK_NEAR(val(&r, "{sqr(v(b))/3k}"), 7.5e-4, 1e-15);
    }
    ms_result_free(&r);
}

/* ---- netlists ---- */

/* V1 = 10 V into R1, R2 to ground: v(mid) = 10 R2 / (R1 + R2). */
static void test_suffixes_in_netlist(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("suffixes\n"
                   "V1 in 0 DC 10V\n"
                   "R1 in mid 1kohm\n"
                   "R2 mid 0 3k\n"
                   "R3 in a 2meg\n"
                   "R4 a 0 2MEG\n"
                   "R5 in b 40mil\n"     /* 1.016e-3 ohm */
                   "R6 b 0 1e-3\n"
                   "C1 b 0 10pF\n"
                   "I1 0 c 1mA\n"
                   "R7 c 0 4.7K\n"
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(mid)"), 7.5, 1e-9);
    CHECK_NEAR(val(&r, "v(a)"), 5, 1e-9);
    CHECK_NEAR(val(&r, "v(b)"), 10 * 1e-3 / (1e-3 + 40 * 25.4e-6), 1e-9);
    CHECK_NEAR(val(&r, "v(c)"), 4.7, 1e-9);
    ms_result_free(&r);
}

static void test_continuation_and_comments(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("title line: R1 x y 5 would be an error if parsed\n"
                   "* a comment line\n"
                   "   * an indented comment line\n"
                   "V1 in 0\n"
                   "+ DC\n"
                   "+   12\n"
                   "\n"
                   "R1 in mid 1k ; R9 mid 0 1 (inline comment)\n"
                   "R2 mid 0 $ a dollar comment after a blank\n"
                   "+ 2k\n"
                   "R3 mid\n"
                   "* a comment between continuation lines\n"
                   "+ 0\n"
                   "\t+ 6k\n"
                   "R4 in q$x 1k\n"            /* '$' inside a word is not a comment */
                   "R5 q$x 0 1k\n"
                   ".op\n.end\n"
                   "R6 mid 0 1\n",             /* after .end: ignored */
                   &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    /* 1k over (2k || 6k) = 1.5k */
    CHECK_NEAR(val(&r, "v(mid)"), 12 * 1.5 / 2.5, 1e-9);
    CHECK_NEAR(val(&r, "v(q$x)"), 6, 1e-9);
    CHECK(ms_result_find(&r, "v(r9)") < 0);
    ms_result_free(&r);

    /* CRLF line endings behave like LF */
    rc = op_of("crlf\r\nV1 a 0 DC 2\r\nR1 a b 1k\r\n+ \r\nR2 b 0 1k\r\n.op\r\n.end\r\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "CRLF netlist failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(b)"), 1, 1e-12);
    ms_result_free(&r);
}

static void test_case_insensitive(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("Case\n"
                   "v1 IN 0 dc 6\n"
                   "R1 In Out 1K\n"
                   "r2 OUT 0 2k\n"
                   ".PARAM RX=3K\n"
                   "R3 out 0 {rx}\n"
                   ".Model DX D(IS=1e-14)\n"
                   ".SAVE V(Out) I(V1)\n"
                   ".OP\n.END\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    /* 1k over (2k || 3k) = 1.2k */
    CHECK_NEAR(val(&r, "v(out)"), 6 * 1.2 / 2.2, 1e-9);
    CHECK_NEAR(val(&r, "i(v1)"), -6 / 2.2e3, 1e-12);
    CHECK(r.nvec == 2);
    ms_result_free(&r);
}

static void test_params(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("params\n"
                   ".param vin = {2 * half}\n"             /* forward reference */
                   ".param half = 'vs/2' vs=10\n"         /* quotes, two on one line */
                   ".param ra=1k, rb={ra*3}\n"
                   ".param g = {ra*rb/(ra+rb)}\n"
                   ".func par(x, y) {x*y/(x+y)}\n"
                   "V1 in 0 DC {vin}\n"
                   "R1 in mid {ra}\n"
                   "R2 mid 0 {rb}\n"
                   "R3 in m2 {g*4/3}\n"                  /* 1k */
                   "R4 m2 0 'par(ra, ra)*2'\n"          /* 1k */
                   "R5 in m3 ra\n"                       /* a bare parameter name */
                   "R6 m3 0 {max(ra, rb) - 2k}\n"       /* 1k */
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(in)"), 10, 1e-12);
    CHECK_NEAR(val(&r, "v(mid)"), 7.5, 1e-9);
    CHECK_NEAR(val(&r, "v(m2)"), 5, 1e-9);
    CHECK_NEAR(val(&r, "v(m3)"), 5, 1e-9);
    ms_result_free(&r);

    /* a later .param of the same name wins (ngspice behaviour) */
    rc = op_of("redef\n.param x=1\nV1 a 0 {x}\nR1 a 0 1k\n.param x=2\n.op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(a)"), 2, 1e-12);
    ms_result_free(&r);

    /* error messages carry file:line */
    MsCircuit *c = NULL;
    rc = ms_circuit_load_string("cycle\n.param a={b+1}\n.param b={a*2}\nR1 1 0 {a}\n.end\n", "cyc.cir", &c, &err);
    CHECK(rc == MS_ERR_SEMANTIC && c == NULL);
    CHECK_MSG(strstr(err.msg, "cyc.cir:") && strstr(err.msg, "cycle"), "cycle message: %s", err.msg);
    rc = ms_circuit_load_string("unknown\n\nR1 1 0 {nope*2}\n.end\n", "unk.cir", &c, &err);
    CHECK(rc == MS_ERR_SEMANTIC);
    CHECK_MSG(strstr(err.msg, "unk.cir:3") && strstr(err.msg, "nope"), "unknown param message: %s", err.msg);
}

static void test_subckt(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("subckt with params\n"
                   ".subckt div top bot params: rt=1k rb={2*rt}\n"
                   "R1 top n3 {rt}\n"
                   "R2 n3 bot {rb}\n"
                   ".ends div\n"
                   ".subckt pair a b\n"               /* nesting: x3.x1.n3 */
                   "X1 a b div rt=2k\n"
                   "Xq a b div\n"
                   ".ends\n"
                   "V1 in 0 DC 9\n"
                   "X1 in 0 div\n"                   /* 1k / 2k */
                   "X2 in 0 div rt=500 rb=1k\n"      /* override both */
                   "X3 in 0 div params: rt=4k\n"     /* rb = 2 rt = 8k */
                   "X4 in 0 pair\n"
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(x1.n3)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x2.n3)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x3.n3)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x4.x1.n3)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x4.xq.n3)"), 6, 1e-9);
    /* the current distinguishes the instances' parameters */
    /* total load: 3k || 1.5k || 12k || (2k+4k) || 3k */
    double g = 1 / 3e3 + 1 / 1.5e3 + 1 / 12e3 + 1 / 6e3 + 1 / 3e3;
    CHECK_NEAR(val(&r, "i(v1)"), -9 * g, 1e-12);
    CHECK(ms_result_find(&r, "v(n3)") < 0);
    ms_result_free(&r);

    /* ports keep their outer names; element names are prefixed */
    rc = op_of("sub names\n"
                ".subckt buf i o\n"
                "Vs i m 0\n"
                "R1 m o 1k\n"
                "E1 e 0 o 0 2\n"
                "Re e 0 1k\n"
                ".ends\n"
                "V1 a 0 3\n"
                "X1 a b buf\n"
                "R2 b 0 2k\n"
                ".save v(b) v(x1.m) v(x1.e) i(x1.vs)\n"
                ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(b)"), 2, 1e-9);
    CHECK_NEAR(val(&r, "v(x1.m)"), 3, 1e-9);
    CHECK_NEAR(val(&r, "v(x1.e)"), 4, 1e-9);
    CHECK_NEAR(val(&r, "i(x1.vs)"), 1e-3, 1e-12);
    ms_result_free(&r);

    /* scopes: a subckt .param from its params:, a default from a global
     * .param, an override from the instantiating subckt's parameter */
    rc = op_of("scopes\n"
                ".param rglob=2k\n"
                ".subckt s a b params: w=1 r={rglob}\n"
                ".param w2={w*2}\n"
                "R1 a n {w2*1k}\n"
                "R2 n b {r}\n"
                ".ends\n"
                ".subckt t a params: k=3\n"
                "X1 a 0 s w={k}\n"
                ".ends\n"
                "V1 in GND 9\n"                       /* gnd is ground */
                "X1 in 0 s\n"                         /* 2k / 2k */
                "X2 in 0 s w=2 r={rglob*2}\n"         /* 4k / 4k */
                "Xt in t k=0.5\n"                     /* 1k / 2k */
                ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "scopes: %s", err.msg);
    CHECK_NEAR(val(&r, "v(x1.n)"), 4.5, 1e-9);
    CHECK_NEAR(val(&r, "v(x2.n)"), 4.5, 1e-9);
    CHECK_NEAR(val(&r, "v(xt.x1.n)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "i(v1)"), -(9 / 4e3 + 9 / 8e3 + 9 / 3e3), 1e-12);
    CHECK(ms_result_find(&r, "v(gnd)") < 0);
    ms_result_free(&r);

    MsCircuit *c = NULL;
    rc = ms_circuit_load_string("bad param\n.subckt s a params: p=1\nR1 a 0 {p}\n.ends\nX1 n s q=2\nR2 n 0 1\n.end\n",
                                "sp.cir", &c, &err);
    CHECK(rc == MS_ERR_SEMANTIC);
    CHECK_MSG(strstr(err.msg, "sp.cir:5") && strstr(err.msg, "'q'"), "unknown subckt param: %s", err.msg);
}

static void test_include_and_lib(void)
{
    char sub[128], main_cir[128], inc[128], lib[128], nested[128], text[512];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    snprintf(main_cir, sizeof main_cir, "%s/main.cir", tmpdir);
    snprintf(inc, sizeof inc, "%s/sub/Parts.INC", tmpdir);
    snprintf(lib, sizeof lib, "%s/models.lib", tmpdir);
    snprintf(nested, sizeof nested, "%s/sub/more.inc", tmpdir);
    if (mkdir(sub, 0700) != 0) {
        CHECK_MSG(0, "mkdir %s failed", sub);
        return;
    }
    /* a relative .include inside an included file is relative to that file;
     * the file name keeps its case */
    write_file(inc, "* parts\n"
                    ".param rpart=2k\n"
                    "R2 mid 0 {rpart}\n"
                    ".include more.inc\n");
    write_file(nested, "R3 mid 0 2k\n");
    write_file(lib, "* a library with two sections\n"
                    ".lib fast\n"
                    ".param rl=1k\n"
                    ".endl fast\n"
                    ".lib slow\n"
                    ".param rl=100k\n"
                    "R99 mid 0 1\n"
                    ".endl slow\n");
    write_file(main_cir, "include and lib\n"
                         ".include sub/Parts.INC\n"
                         ".lib 'models.lib' fast\n"
                         "V1 in 0 DC 4\n"
                         "R1 in mid {rl}\n"
                         ".op\n.end\n");
    MsResult r;
    MsError err;
    int rc = op_of_file(main_cir, &r, &err);
    CHECK_MSG(rc == MS_OK, "include/lib netlist failed: %s", err.msg);
    /* 1k over (2k || 2k); the slow section's R99 is not there */
    CHECK_NEAR(val(&r, "v(mid)"), 2, 1e-9);
    ms_result_free(&r);

    /* the other section of the same library */
    write_file(main_cir, "lib slow\n"
                         ".lib models.lib SLOW\n"
                         "V1 in 0 DC 4\n"
                         "R1 in mid {rl/100}\n"
                         ".op\n.end\n");
    rc = op_of_file(main_cir, &r, &err);
    CHECK_MSG(rc == MS_OK, "lib slow netlist failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(mid)"), 4.0 / 1001, 1e-12);
    ms_result_free(&r);

    /* absolute paths and a missing section */
    snprintf(text, sizeof text, "abs\n.include \"%s\"\n.lib %s nosuch\nV1 in 0 1\nR1 in mid 1\n.end\n", inc, lib);
    MsCircuit *c = NULL;
    rc = ms_circuit_load_string(text, "abs.cir", &c, &err);
    CHECK(rc == MS_ERR_SEMANTIC && c == NULL);
    CHECK_MSG(strstr(err.msg, "abs.cir:3") && strstr(err.msg, "nosuch"), "missing section: %s", err.msg);
    /* a missing include names the including file and line */
    rc = ms_circuit_load_string("miss\nV1 a 0 1\n.include /nonexistent/dir/x.inc\n.end\n", "inc.cir", &c, &err);
    CHECK(rc == MS_ERR_IO && c == NULL);
    CHECK_MSG(strstr(err.msg, "inc.cir:3") && strstr(err.msg, "/nonexistent/dir/x.inc"), "missing include: %s", err.msg);

    /* an error inside an included file names that file and its line */
    write_file(nested, "* line 1\nR3 mid 0 2k\nR4 mid 0 {1/0}\n");
    write_file(main_cir, "error in include\n.include sub/Parts.INC\nV1 mid 0 1\n.op\n.end\n");
    rc = op_of_file(main_cir, &r, &err);
    CHECK(rc == MS_ERR_EVAL);
    CHECK_MSG(strstr(err.msg, "sub/more.inc:3:"), "error in an included file: %s", err.msg);

    remove(nested);
    remove(inc);
    remove(lib);
    remove(main_cir);
    rmdir(sub);
}

static void test_control_skipped(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("control\n"
                   "V1 a 0 DC 3\n"
                   ".control\n"
                   "run\n"
                   "plot v(a) this is not a netlist card\n"
                   "R1 a 0 1 ; not an element either\n"
                   ".endc\n"
                   "R2 a b 1k\n"
                   "R3 b 0 2k\n"
                   ".CONTROL\n"
                   "set x = 1\n"
                   ".ENDC\n"
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "load/op failed: %s", err.msg);
    CHECK_NEAR(val(&r, "v(b)"), 2, 1e-9);
    CHECK_NEAR(val(&r, "i(v1)"), -1e-3, 1e-12);
    ms_result_free(&r);
}

static void test_tran_card(void)
{
    MsCircuit *c = NULL;
    MsError err;
    MsTranSpec s = {0};
    int rc = ms_circuit_load_string("tran\nV1 a 0 PULSE(0 1 1u 1n 1n 5u 10u)\nR1 a 0 1k\n"
                                    ".tran 10n 20u 1u 5n uic\n.end\n", "tr.cir", &c, &err);
    CHECK_MSG(rc == MS_OK, "load failed: %s", err.msg);
    if (c) {
        CHECK(ms_circuit_has_tran(c, &s));
        CHECK(!ms_circuit_has_op(c));
        CHECK_NEAR(s.tstep, 10e-9, 1e-20);
        CHECK_NEAR(s.tstop, 20e-6, 1e-18);
        CHECK_NEAR(s.tstart, 1e-6, 1e-18);
        CHECK_NEAR(s.tmax, 5e-9, 1e-20);
        CHECK(s.uic == 1);
        ms_circuit_free(&c);
        CHECK(c == NULL);
    }
    rc = ms_circuit_load_string("print\nV1 a 0 1\nR1 a b 1\nR2 b 0 1\n.print tran v(b) i(v1)\n.tran 1u 2u\n.end\n",
                                "pr.cir", &c, &err);
    CHECK_MSG(rc == MS_OK, "load failed: %s", err.msg);
    if (c) {
        const char *const *pn = ms_circuit_print_names(c);
        CHECK(pn && pn[0] && !strcmp(pn[0], "v(b)") && pn[1] && !strcmp(pn[1], "i(v1)") && !pn[2]);
        ms_circuit_free(&c);
    }
}

/* Errors from strings: location and code. */
static void test_error_locations(void)
{
    struct { const char *text; int code; const char *where; } cases[] = {
        {"t\nV1 a 0 1\nR1 a 0 1x2\n.end\n", MS_ERR_SYNTAX, "e.cir:3:"},
        {"t\nV1 a 0 1\n\n\nR1 a\n+ b\n.end\n", MS_ERR_SYNTAX, "e.cir:"},
        {"t\nV1 a 0 1\nR1 a 0 {1+\n.end\n", MS_ERR_SYNTAX, "e.cir:3:"},
        {"t\nV1 a 0 1\nR1 a 0 0\n.end\n", MS_ERR_SEMANTIC, "e.cir:3:"},
        {"t\nV1 a 0 1\nZ1 a 0 1\n.end\n", MS_ERR_UNSUPPORTED, "e.cir:3:1"},
        {"t\nV1 a 0 1\n.ends\n.end\n", MS_ERR_SYNTAX, "e.cir:3:"},
        {"t\nV1 a 0 1\nR1 a 0 1\n.options method=euler\n.end\n", MS_ERR_SYNTAX, "e.cir:4:"},
        /* exact columns: on the third of three continued lines (blanks, a tab
         * before it), after leading blanks, and after a tab */
        {"t\nV1 a 0 1\nR1 a b\n+\t  \n+ 1k\nr3 b 0 1k foo=\n.end\n", MS_ERR_SYNTAX, "e.cir:6:14:"},
        {"t\nV1 a 0 pwl(0 0\n+ 1u 1\n+ 2u {badname})\nR1 a 0 1\n.end\n", MS_ERR_SEMANTIC, "e.cir:4:6:"},
        {"t\nV1 a 0 1\n   C1 a 0\n+  1p ic=\n.end\n", MS_ERR_UNSUPPORTED, "e.cir:4:7:"},
        {"t\nV1 a 0 1\n\tR1 a 0 1 x=\n.end\n", MS_ERR_SYNTAX, "e.cir:3:12:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        MsCircuit *c = NULL;
        MsError err = {0};
        int rc = ms_circuit_load_string(cases[i].text, "e.cir", &c, &err);
        CHECK_MSG(rc == cases[i].code && c == NULL, "case %zu: rc %d, want %d (%s)", i, rc, cases[i].code, err.msg);
        CHECK_MSG(strstr(err.msg, cases[i].where) != NULL, "case %zu: '%s' not in '%s'", i, cases[i].where, err.msg);
        CHECK(err.code == rc);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ms_parser_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL mkdtemp\n");
        return 1;
    }
    test_numbers();
    test_expressions();
    test_ngspice_functions();
    test_xyce_outputs();
    test_suffixes_in_netlist();
    test_continuation_and_comments();
    test_case_insensitive();
    test_params();
    test_subckt();
    test_include_and_lib();
    test_control_skipped();
    test_tran_card();
    test_error_locations();
    rmdir(tmpdir);
    return check_summary("parser");
}
