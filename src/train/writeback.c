/* writeback.c — see writeback.h.  Values are printed with 17 significant
 * digits, so the trained netlist holds the trained doubles exactly. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "writeback.h"
#include "../devices/device.h"
#include "../netlist/lexer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The top-level cards of the main file by their first line (an element
 * card starts a line), so that each trained value finds its card at once. */
static const MsCard **cards_by_line(const MsNet *net, int *nlines)
{
    const MsSubckt *top = &net->c->deck.top;
    const char *main_file = net->c->deck.src.files[0];
    int n = 0;
    for (int i = 0; i < top->nelems; i++)
        if (top->elems[i]->file == main_file && top->elems[i]->nspan && top->elems[i]->span[0].line > n)
            n = top->elems[i]->span[0].line;
    const MsCard **by = ms_calloc((size_t)n + 2, sizeof *by);
    for (int i = 0; i < top->nelems; i++)
        if (top->elems[i]->file == main_file && top->elems[i]->nspan)
            by[top->elems[i]->span[0].line] = top->elems[i];
    *nlines = n;
    return by;
}

/* Kinds whose value is the card's fourth token (`c1 a b 100p`, or `c=100p`). */
static int value_on_token3(const MsDevType *t)
{
    return t == &ms_dev_capacitor || t == &ms_dev_inductor;
}

int ms_writeback_check(const MsNet *net, MsError *err)
{
    const MsCircuit *c = net->c;
    for (int k = 0; k < c->nparams; k++) {
        const MsParamRef *p = &c->params[k];
        if (p->train >= 0 || (p->k < 0 && !value_on_token3(c->groups[p->group].type)))
            return ms_err(err, MS_ERR_UNSUPPORTED, "%s: '%s': training writes back named device parameters "
                          "(m1:x0) and capacitor or inductor values only, not .params or other element values",
                          net->path, p->name);
        const MsInstHead *h = ms_group_inst(&c->groups[p->group], p->inst);
        if (strchr(h->name, '.') || h->loc.file != c->deck.src.files[0])
            return ms_err(err, MS_ERR_UNSUPPORTED, "%s: '%s' is inside a subcircuit or an included file: training "
                          "writes trained values back onto top-level cards of the netlist itself", net->path, p->name);
    }
    return MS_OK;
}

typedef struct Edit {
    int line, col0, col1;     /* replace columns [col0, col1) of line (1-based) */
    char *text;
} Edit;

static int cmp_edit(const void *a, const void *b)
{
    const Edit *x = a, *y = b;
    return x->line != y->line ? (x->line > y->line) - (x->line < y->line) : (x->col0 < y->col0) - (x->col0 > y->col0);
}

/* The edit replacing token i (a number, word or {expression}) of card c by v;
 * line 0 (no edit) if the token spans lines. */
static Edit token_edit(const MsCard *c, int i, double v)
{
    const MsToken *val = &c->tok[i];
    /* pos is where the token starts in the card: at its '{' or quote for a
     * bracketed value, which the edit replaces along with the closing one */
    int bracketed = strchr("{'\"", c->text[val->pos]) != NULL;
    int a = val->pos, b = val->pos + (int)strlen(val->s) - 1 + 2 * bracketed;
    MsLoc la = ms_card_loc(c, a), lb = ms_card_loc(c, b);
    if (la.line == lb.line)
        return (Edit){la.line, la.col, lb.col + 1, ms_shortest_g(v)};
    return (Edit){0, 0, 0, NULL};
}

/* The edit writing the element value v of a capacitor or inductor card. */
static Edit value_edit(const MsCard *c, double v)
{
    int i = c->ntok > 5 && c->tok[3].kind == TK_WORD && c->tok[4].kind == TK_EQ ? 5 : 3;
    return i < c->ntok ? token_edit(c, i, v) : (Edit){0, 0, 0, NULL};
}

/* The edit writing value v of parameter pname onto card c. */
static Edit param_edit(const MsCard *c, const char *pname, double v)
{
    for (int i = 1; i + 2 < c->ntok; i++) {
        if (!ms_tok_is(&c->tok[i], pname) || c->tok[i + 1].kind != TK_EQ)
            continue;
        Edit e = token_edit(c, i + 2, v);
        if (e.text)
            return e;
    }
    MsLoc last = ms_card_loc(c, (int)strlen(c->text) - 1);
    char *num = ms_shortest_g(v), *text = ms_asprintf(" %s=%s", pname, num);
    free(num);
    return (Edit){last.line, last.col + 1, last.col + 1, text};
}

/* A relative path on a .include / .lib line made absolute (dir: the netlist's folder). */
static char *absolute_include(const char *line, const char *dir)
{
    const char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncasecmp(s, ".inc", 4) && strncasecmp(s, ".lib", 4))
        return NULL;
    const char *p = s;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    while (*p == ' ' || *p == '\t')
        p++;
    int quoted = *p == '"' || *p == '\'';
    const char *f = p + quoted, *e = f;
    while (*e && (quoted ? *e != *p : (*e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')))
        e++;
    if (e == f || *f == '/')
        return NULL;
    char *rel = ms_asprintf("%s/%.*s", dir, (int)(e - f), f), real[PATH_MAX];
    char *out = NULL;
    if (realpath(rel, real))
        out = ms_asprintf("%.*s%s%s", (int)(f - line), line, real, e);
    free(rel);
    return out;
}

int ms_writeback(const MsNet *net, const char *path, MsError *err)
{
    const MsCircuit *c = net->c;
    int rc = ms_writeback_check(net, err);
    if (rc)
        return rc;
    const char *src = c->deck.src.files[0];
    char *text = NULL;   /* as the lexer read it: a .cir.gz is decompressed, trained.cir is plain text */
    if ((rc = ms_read_netlist_text(src, &text, err)) != MS_OK)
        return rc;
    Edit *ed = ms_malloc(((size_t)c->nparams + 1) * sizeof *ed);
    int nlines;
    const MsCard **by_line = cards_by_line(net, &nlines);
    for (int k = 0; k < c->nparams; k++) {
        const MsParamRef *p = &c->params[k];
        const MsInstHead *h = ms_group_inst(&c->groups[p->group], p->inst);
        const MsCard *card = h->loc.line >= 0 && h->loc.line <= nlines ? by_line[h->loc.line] : NULL;
        double v = ms_circuit_get_param(c, k);
        ed[k] = !card ? (Edit){0, 0, 0, NULL} : p->k < 0 ? value_edit(card, v)
                                                        : param_edit(card, strchr(p->name, ':') + 1, v);
    }
    qsort(ed, (size_t)c->nparams, sizeof *ed, cmp_edit);
    char *dir = ms_strdup(src), *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    char *tmp = ms_asprintf("%s.tmp.%d", path, (int)getpid());
    FILE *out = fopen(tmp, "wb");
    if (!out)
        rc = ms_err(err, MS_ERR_IO, "%s: cannot write", path);
    int e = 0, lineno = 1;
    for (char *line = text; out && *line; lineno++) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        char *cur = ms_strndup(line, len);
        char *abs = lineno > 1 ? absolute_include(cur, dir) : NULL;
        if (abs) {
            free(cur);
            cur = abs;
        }
        /* edits of this line, rightmost first (the sort order) */
        for (; e < c->nparams && ed[e].line < lineno; e++)
            ;
        for (; e < c->nparams && ed[e].line == lineno; e++) {
            size_t n = strlen(cur), a = (size_t)ed[e].col0 - 1, b = (size_t)ed[e].col1 - 1;
            if (a > n || b > n || a > b)
                continue;
            char *next = ms_asprintf("%.*s%s%s", (int)a, cur, ed[e].text, cur + b);
            free(cur);
            cur = next;
        }
        fputs(cur, out);
        free(cur);
        line += len;
    }
    if (out && (fflush(out) || ferror(out)))
        rc = ms_err(err, MS_ERR_IO, "%s: write failed", path);
    if (out && fclose(out) && rc == MS_OK)
        rc = ms_err(err, MS_ERR_IO, "%s: write failed", path);
    if (out && rc == MS_OK && rename(tmp, path))
        rc = ms_err(err, MS_ERR_IO, "%s: cannot rename the temporary file into place", path);
    if (out && rc)
        remove(tmp);
    for (int k = 0; k < c->nparams; k++)
        free(ed[k].text);
    free(ed), free(by_line), free(text), free(dir), free(tmp);
    return rc;
}
