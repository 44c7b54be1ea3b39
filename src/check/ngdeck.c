/* ngdeck.c — see ngdeck.h. */
#include "ngdeck.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../devices/inductor.h"
#include "../netlist/lexer.h"
#include "../util/util.h"

static void add_line(MsNgDeck *d, char *s, const char *file, int line)
{
    d->lines = ms_realloc(d->lines, (size_t)(d->nlines + 2) * sizeof *d->lines);
    d->where = ms_realloc(d->where, (size_t)(d->nlines + 2) * sizeof *d->where);
    d->where[d->nlines] = file ? ms_asprintf("%s:%d", file, line) : NULL;
    d->lines[d->nlines++] = s;
    d->lines[d->nlines] = NULL;
    d->where[d->nlines] = NULL;
}

static void add_note(MsNgDeck *d, const MsCard *c, const char *what, size_t len, const char *why)
{
    d->notes = ms_realloc(d->notes, (size_t)(d->nnotes + 1) * sizeof *d->notes);
    MsStripNote *n = &d->notes[d->nnotes++];
    n->where = ms_asprintf("%s:%d", c->file ? c->file : "<netlist>", c->nspan ? c->span[0].line : 0);
    while (len && isspace((unsigned char)what[len - 1]))
        len--;
    n->what = ms_strndup(what, len);
    n->why = ms_strdup(why);
}

static int is_options(const char *w)
{
    return !strcmp(w, ".options") || !strcmp(w, ".option") || !strcmp(w, ".opt");
}

/* The rule that removes a whole card, or NULL. */
static const MsOnlyRule *card_rule(const char *w)
{
    for (const MsOnlyRule *r = ms_memspice_only; r->name; r++) {
        if (r->kind == MS_ONLY_CARD && !strcmp(w, r->name))
            return r;
        if ((r->kind == MS_ONLY_ELEMENT || r->kind == MS_ONLY_REFUSE) && w[0] != '.' &&
            !strncmp(w, r->name, strlen(r->name)))
            return r;
    }
    return NULL;
}

static const MsOnlyRule *option_rule(const char *w)
{
    for (const MsOnlyRule *r = ms_memspice_only; r->name; r++)
        if (r->kind == MS_ONLY_OPTION && !strcmp(w, r->name))
            return r;
    return NULL;
}

/* An .options card without its memspice-only options; NULL when nothing
 * is left of it. */
static char *strip_options(MsNgDeck *d, const MsCard *c)
{
    size_t len = strlen(c->text);
    char *out = ms_malloc(len + 1);
    size_t n = 0;
    int kept = 0;
    int from = 0;   /* start of the text not yet copied */
    for (int i = 1; i < c->ntok; i++) {
        const MsOnlyRule *r = c->tok[i].kind == TK_WORD ? option_rule(c->tok[i].s) : NULL;
        if (!r) {
            if (c->tok[i].kind == TK_WORD)
                kept++;
            continue;
        }
        int last = i;
        if (i + 2 < c->ntok && c->tok[i + 1].kind == TK_EQ)
            last = i + 2;
        size_t a = (size_t)c->tok[i].pos;
        size_t b = last + 1 < c->ntok ? (size_t)c->tok[last + 1].pos : len;
        memcpy(out + n, c->text + from, a - (size_t)from);
        n += a - (size_t)from;
        add_note(d, c, c->text + a, b - a, r->why);
        from = (int)b;
        i = last;
    }
    memcpy(out + n, c->text + from, len - (size_t)from);
    n += len - (size_t)from;
    while (n && isspace((unsigned char)out[n - 1]))
        n--;
    out[n] = 0;
    if (!kept) {
        free(out);
        return NULL;
    }
    return out;
}

/* Xyce's K1 L1 L2 L3 ... k, which ngspice does not read, as one K per pair
 * (k1_1_2 l1 l2 k, ...); 0 for any other card. */
static int add_k_pairs(MsNgDeck *d, const MsCard *c, const char *file, int line)
{
    int at = ms_k_factor_at(c);
    if (c->tok[0].s[0] != 'k' || at <= 3 || at >= c->ntok)
        return 0;
    const char *k = c->text + c->tok[at + 1 < c->ntok && c->tok[at + 1].kind == TK_EQ ? at + 2 : at].pos;
    for (int i = 1; i < at; i++)
        for (int j = i + 1; j < at; j++)
            add_line(d, ms_asprintf("%s_%d_%d %s %s %s", c->tok[0].s, i, j, c->tok[i].s, c->tok[j].s, k), file, line);
    add_note(d, c, c->text, strlen(c->text), "ngspice couples two inductors per K: it gets one K per pair instead");
    return 1;
}

int ms_ngdeck_build(const char *path, const char *text, MsNgDeck *d, MsError *err)
{
    memset(d, 0, sizeof *d);
    MsSource src = {0};
    int rc = ms_lex_netlist(path, text, &src, err);
    if (rc != MS_OK) {
        ms_source_free(&src);
        return rc;
    }
    /* ngspice's own title line: a deck whose title is "*ng_script" would be
     * run by ngspice as a control script (shell commands included) */
    add_line(d, ms_asprintf("memspice check: %s", src.title ? src.title : ""), src.nfiles ? src.files[0] : path, 1);
    for (int i = 0; i < src.ncards; i++) {
        const MsCard *c = &src.cards[i];
        const char *file = c->file ? c->file : path;
        int line = c->nspan ? c->span[0].line : 0;
        if (c->ntok == 0 || c->tok[0].kind != TK_WORD) {
            add_line(d, ms_strdup(c->text), file, line);
            continue;
        }
        const char *w = c->tok[0].s;
        const MsOnlyRule *r = card_rule(w);
        if (r && r->kind == MS_ONLY_REFUSE) {
            MsLoc loc = ms_card_loc(c, 0);
            rc = ms_err_at(err, MS_ERR_UNSUPPORTED, loc, "'%s' is %s", w, r->why);
            break;
        }
        if (r) {
            add_note(d, c, c->text, strlen(c->text), r->why);
            continue;
        }
        if (is_options(w)) {
            char *s = strip_options(d, c);
            if (s)
                add_line(d, s, file, line);
            continue;
        }
        if (!strcmp(w, ".global_param"))   /* Xyce's: a top-level .param for ngspice */
            add_line(d, ms_asprintf(".param%s", c->text + strlen(".global_param")), file, line);
        else if (!add_k_pairs(d, c, file, line))
            add_line(d, ms_strdup(c->text), file, line);
    }
    add_line(d, ms_strdup(".end"), NULL, 0);
    ms_source_free(&src);
    if (rc != MS_OK)
        ms_ngdeck_free(d);
    return rc;
}

void ms_ngdeck_free(MsNgDeck *d)
{
    for (int i = 0; i < d->nlines; i++) {
        free(d->lines[i]);
        free(d->where[i]);
    }
    free(d->lines);
    free(d->where);
    for (int i = 0; i < d->nnotes; i++) {
        free(d->notes[i].where);
        free(d->notes[i].what);
        free(d->notes[i].why);
    }
    free(d->notes);
    memset(d, 0, sizeof *d);
}
