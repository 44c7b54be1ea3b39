/* source_spec.c — see source_spec.h. */
#include "source_spec.h"
#include "../devices/noise_wave.h"
#include "elab_internal.h"
#include "lexer.h"
#include "../devices/source_parse.h"
#include "../solver/work_wave.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "v1, v2, i3" (the first few), to say what the netlist offers. */
static void source_list(const MsCircuit *c, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < c->nsources && at + 1 < size; i++) {
        if (i == 8) {
            snprintf(buf + at, size - at, ", ... (%d in all)", c->nsources);
            return;
        }
        int n = snprintf(buf + at, size - at, "%s%s", i ? ", " : "", c->source_name[i]);
        at += n > 0 ? (size_t)n : 0;
    }
}

/* One card "NAME SPEC" into s->spec[s->n] (seen: the card that set each source, or -1). */
static int read_card(MsCircuit *c, const MsCard *card, int *seen, const MsCard *cards, MsSourceSpecs *s,
                     MsError *err)
{
    if (card->ntok == 0)
        return MS_OK;
    const MsToken *name = &card->tok[0];
    int id = name->kind == TK_WORD ? ms_circuit_source_id(c, name->s) : -1;
    if (id < 0) {
        char list[200];
        source_list(c, list, sizeof list);
        return ms_err_at(err, MS_ERR_SEMANTIC, name->loc, "'%s' is not an independent source of the netlist (%s%s)",
                         name->s, c->nsources ? "its sources: " : "it has none", list);
    }
    if (seen[id] >= 0)
        return ms_err_at(err, MS_ERR_SEMANTIC, name->loc, "source '%s' given twice (first on line %d)", name->s,
                         cards[seen[id]].tok[0].loc.line);
    if (card->ntok < 2)
        return ms_err_at(err, MS_ERR_SYNTAX, name->loc, "a value or waveform expected after '%s'", name->s);
    /* The source parser reads values through an elaboration context; this
     * one has no scope (no .params: names are unknown, numbers and
     * {expressions} of numbers evaluate) and no trainable .params (no
     * dependency tracking), as the card stands outside the netlist. */
    MsElab el;
    memset(&el, 0, sizeof el);
    el.c = c;
    el.err = err;
    el.cur_group = -1;
    MsSourceSpec *sp = &s->spec[s->n];
    int rc = ms_parse_source(&el, card, 1, &sp->wave);
    if (rc) {
        ms_wave_free(&sp->wave);
        return rc;
    }
    /* a random source keeps the stream its netlist card would have */
    rc = ms_source_prepare(&el, card, &sp->wave, c->source_name[id]);
    if (rc) {
        ms_wave_free(&sp->wave);
        return rc;
    }
    sp->source = id;
    seen[id] = (int)(card - cards);
    s->n++;
    return MS_OK;
}

int ms_source_specs_read(MsCircuit *c, const char *path, MsSourceSpecs *out, MsError *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");   /* here, to say "cannot open" without the wrapper's line below */
    if (!f)
        return ms_err(err, MS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    fclose(f);
    if (strchr(path, '"'))
        return ms_err(err, MS_ERR_IO, "'%s': a file name with a '\"' cannot be read as an input file", path);
    /* Lexed as an .include of a one-line netlist: an included file has no
     * title line, and its cards keep their own file, line and column. */
    char *wrapper = ms_asprintf("input file\n.include \"%s\"\n", path);
    MsSource src;
    memset(&src, 0, sizeof src);
    int rc = ms_lex_netlist("input file", wrapper, &src, err);
    free(wrapper);
    int *seen = ms_malloc(((size_t)c->nsources + 1) * sizeof *seen);
    for (int i = 0; i < c->nsources; i++)
        seen[i] = -1;
    if (rc == MS_OK && src.ncards)
        out->spec = ms_calloc((size_t)src.ncards, sizeof *out->spec);
    for (int i = 0; i < src.ncards && rc == MS_OK; i++)
        rc = read_card(c, &src.cards[i], seen, src.cards, out, err);
    free(seen);
    ms_source_free(&src);
    if (rc)
        ms_source_specs_free(out);
    return rc;
}

void ms_source_specs_apply(const MsSourceSpecs *s, MsWork *w)
{
    for (int i = 0; i < s->n; i++)
        ms_work_source_wave(w, s->spec[i].source, &s->spec[i].wave);
}

void ms_source_specs_free(MsSourceSpecs *s)
{
    for (int i = 0; i < s->n; i++)
        ms_wave_free(&s->spec[i].wave);
    free(s->spec);
    memset(s, 0, sizeof *s);
}
