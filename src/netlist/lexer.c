/* lexer.c — see lexer.h. */
#include "lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../util/limits.h"


/* A logical line being built from physical lines. */
typedef struct Line {
    char *text;
    size_t len, cap;
    MsSpan *span;
    int nspan, cap_span;
} Line;

/* Append n characters from column col of line lineno (tabs as blanks). */
static void line_append(Line *l, const char *p, size_t n, int lineno, int col)
{
    if (l->len + n + 1 > l->cap) {
        l->cap = 2 * (l->len + n + 1) > 128 ? 2 * (l->len + n + 1) : 128;
        l->text = ms_realloc(l->text, l->cap);
    }
    if (l->nspan == l->cap_span) {
        l->cap_span = l->cap_span ? 2 * l->cap_span : 2;
        l->span = ms_realloc(l->span, (size_t)l->cap_span * sizeof *l->span);
    }
    l->span[l->nspan++] = (MsSpan){(int)l->len, lineno, col};
    for (size_t i = 0; i < n; i++)
        l->text[l->len + i] = p[i] == '\t' ? ' ' : p[i];
    l->len += n;
    l->text[l->len] = 0;
}

MsLoc ms_card_loc(const MsCard *c, int pos)
{
    int n = (int)strlen(c->text);
    if (c->nspan == 0)
        return (MsLoc){c->file, 0, 0};
    if (n == 0)
        return (MsLoc){c->file, c->span[0].line, 0};
    if (pos >= n)
        pos = n - 1;
    if (pos < 0)
        pos = 0;
    int lo = 0, hi = c->nspan - 1;   /* the last span at or before pos (continuations: many) */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (c->span[mid].at <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    const MsSpan *sp = &c->span[lo];
    return (MsLoc){c->file, sp->line, sp->col + (pos - sp->at)};
}

/* Read a whole text file, gzip-compressed or not (zlib reads both: large
 * trained networks are shipped as .cir.gz).  An included file must be a
 * regular file (not /dev/zero, a FIFO or a terminal that would never end);
 * every file is bounded in size (after decompression) and refused at its
 * first NUL byte. */
static int read_file(const char *path, char **out, MsError *err, MsLoc from)
{
    MsError local;
    MsError *e = from.file ? &local : err;
    int rc = MS_OK, fd = open(path, O_RDONLY);
    struct stat st;
    gzFile f = NULL;
    if (fd < 0)
        rc = ms_err(e, MS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    else if (from.file && (fstat(fd, &st) || !S_ISREG(st.st_mode)))
        rc = ms_err(e, MS_ERR_IO, "'%s' is not a regular file", path);
    else if (!(f = gzdopen(fd, "rb")))
        rc = ms_err(e, MS_ERR_NOMEM, "cannot read '%s': out of memory", path);
    if (fd >= 0 && !f)
        close(fd);
    size_t cap = 4096, len = 0;
    char *buf = f ? ms_malloc(cap) : NULL;
    while (f && rc == MS_OK) {
        int n = gzread(f, buf + len, (unsigned)(cap - len - 1));
        if (n < 0)
            rc = ms_err(e, MS_ERR_IO, "error reading '%s': %s", path, errno ? strerror(errno) : "corrupt gzip data");
        if (n <= 0)
            break;
        if (memchr(buf + len, 0, (size_t)n))
            rc = ms_err(e, MS_ERR_IO, "'%s' is not a text file (contains NUL bytes)", path);
        len += (size_t)n;
        if (rc == MS_OK && len > (size_t)MS_MAX_FILE_BYTES)
            rc = ms_err(e, MS_ERR_IO, "'%s' is larger than %ld MB: not a netlist", path,
                        MS_MAX_FILE_BYTES >> 20);
        if (len + 1 >= cap)
            buf = ms_realloc(buf, cap = cap > (1u << 26) ? cap + (1u << 26) : 2 * cap);
    }
    if (f) {
        int zerr;
        const char *why = gzerror(f, &zerr), *colon = why ? strstr(why, ": ") : NULL;
        if (colon && why[0] == '<')   /* zlib names the descriptor, "<fd:3>: ..." */
            why = colon + 2;
        if (rc == MS_OK && zerr != Z_OK && zerr != Z_STREAM_END)   /* a truncated or corrupt .gz */
            rc = ms_err(e, MS_ERR_IO, "error reading '%s': %s", path, why && why[0] ? why : "corrupt gzip data");
        gzclose(f);
    }
    if (rc) {
        free(buf);
        return from.file ? ms_err_at(err, rc, from, "%s", local.msg) : rc;
    }
    buf[len] = 0;
    *out = buf;
    return MS_OK;
}

int ms_read_netlist_text(const char *path, char **out, MsError *err)
{
    return read_file(path, out, err, (MsLoc){0});
}

typedef struct Lexer {
    MsSource *src;
    MsError *err;
    int depth;
} Lexer;

static const char *intern_file(MsSource *src, const char *path)
{
    src->files = ms_realloc(src->files, (size_t)(src->nfiles + 1) * sizeof *src->files);
    return src->files[src->nfiles++] = ms_strdup(path);
}

static void notice(MsSource *src, const char *msg)
{
    if (src->notice)
        src->notice(msg, src->notice_user);
}

/* End of the physical line starting at p: its length without the line
 * break, and where the next line starts.  "\n", "\r\n" and a lone "\r"
 * (old Mac files) all end a line; so does the end of the text. */
static size_t physical_line(const char *p, const char **next)
{
    size_t len = strcspn(p, "\r\n");
    const char *e = p + len;
    if (e[0] == '\r' && e[1] == '\n')
        e += 2;
    else if (*e)
        e++;
    *next = e;
    return len;
}

/* Where the card's text ends on this physical line: at a ';' comment, a
 * ' $ ' comment (a '$' after a blank), a ' //' comment (after a blank, so
 * that paths keep their '//'), or the line's end. */
static size_t content_end(const char *p, size_t from, size_t len)
{
    for (size_t i = from; i < len; i++) {
        int after_blank = i > 0 && isspace((unsigned char)p[i - 1]);
        if (p[i] == ';' || (p[i] == '$' && after_blank) ||
            (p[i] == '/' && i + 1 < len && p[i + 1] == '/' && (after_blank || i == from)))
            return i;
    }
    return len;
}

/* Split text into logical lines: drop comments, join '+' continuations. */
static void split_lines(const char *text, int skip_title, char **title, Line **out, int *nout)
{
    Line *lines = NULL;
    int n = 0, cap = 0;
    int lineno = 0;
    const char *next;
    for (const char *p = text; *p; p = next) {
        size_t len = physical_line(p, &next);
        lineno++;
        if (lineno == 1 && skip_title) {
            *title = ms_strndup(p, len);
            continue;
        }
        size_t i = 0;
        while (i < len && isspace((unsigned char)p[i]))
            i++;
        if (i == len || p[i] == '*')
            continue;
        int cont = p[i] == '+' && n > 0;   /* a '+' with nothing before it: the parser complains */
        if (cont)
            i++;
        size_t end = content_end(p, i, len);
        size_t first = i;
        while (first < end && isspace((unsigned char)p[first]))
            first++;
        if (first == end && !cont)
            continue;   /* only a comment, or blanks */
        Line *l;
        if (cont) {   /* joined by a blank in place of the '+' */
            l = &lines[n - 1];
            size_t plus = l->len;
            line_append(l, p + i - 1, end - i + 1, lineno, (int)i);
            l->text[plus] = ' ';
            continue;
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                lines = ms_realloc(lines, (size_t)cap * sizeof *lines);
            }
            l = &lines[n++];
            memset(l, 0, sizeof *l);
        }
        line_append(l, p + i, end - i, lineno, (int)i + 1);
    }
    *out = lines;
    *nout = n;
}

static int tokenize(MsCard *c, MsError *err)
{
    const char *t = c->text;
    int i = 0, cap = 0;
    while (t[i]) {
        if (isspace((unsigned char)t[i])) {
            i++;
            continue;
        }
        if (c->ntok == cap) {
            cap = cap ? 2 * cap : 16;
            c->tok = ms_realloc(c->tok, (size_t)cap * sizeof *c->tok);
        }
        MsToken *k = &c->tok[c->ntok];
        k->loc = ms_card_loc(c, i);
        int start = i;
        k->pos = i;
        char ch = t[i];
        if (ch == '=' || ch == '(' || ch == ')' || ch == ',') {
            k->kind = ch == '=' ? TK_EQ : ch == '(' ? TK_LP : ch == ')' ? TK_RP : TK_COMMA;
            k->s = ms_strndup(t + i, 1);
            i++;
        } else if (ch == '}') {
            return ms_err_at(err, MS_ERR_SYNTAX, k->loc, "'}' without an opening '{'");
        } else if (ch == '{') {
            int depth = 0;
            for (; t[i]; i++) {
                if (t[i] == '{')
                    depth++;
                else if (t[i] == '}' && --depth == 0)
                    break;
            }
            if (!t[i])
                return ms_err_at(err, MS_ERR_SYNTAX, k->loc, "unterminated '{' expression");
            k->kind = TK_EXPR;
            k->s = ms_strndup(t + start + 1, (size_t)(i - start - 1));
            i++;
        } else if (ch == '\'' || ch == '"') {
            const char *q = strchr(t + i + 1, ch);
            if (!q)
                return ms_err_at(err, MS_ERR_SYNTAX, k->loc, "unterminated %c quote", ch);
            k->kind = ch == '"' ? TK_WORD : TK_EXPR;
            k->s = ms_strndup(t + i + 1, (size_t)(q - t - i - 1));
            i = (int)(q - t) + 1;
        } else {
            while (t[i] && !isspace((unsigned char)t[i]) && !strchr("=(),{}'\"", t[i]))
                i++;
            k->kind = TK_WORD;
            k->s = ms_strndup(t + start, (size_t)(i - start));
        }
        c->ntok++;
    }
    return MS_OK;
}

static void free_line(Line *l)
{
    free(l->text);
    free(l->span);
}

static int lex_file(Lexer *lx, const char *path, const char *text, int top, const char *section,
                    MsLoc from);

/* First whitespace-separated word of s (case preserved), quotes removed. */
static char *word_at(const char *s, const char **rest)
{
    while (isspace((unsigned char)*s))
        s++;
    const char *b = s, *e;
    if (*s == '"' || *s == '\'') {
        e = strchr(s + 1, *s);
        if (!e)
            return NULL;
        b = s + 1;
        *rest = e + 1;
    } else {
        e = s;
        while (*e && !isspace((unsigned char)*e))
            e++;
        *rest = e;
    }
    return e > b ? ms_strndup(b, (size_t)(e - b)) : NULL;
}

static char *resolve_path(const char *base_file, const char *name)
{
    if (name[0] == '/' || !base_file)
        return ms_strdup(name);
    const char *slash = strrchr(base_file, '/');
    if (!slash)
        return ms_strdup(name);
    return ms_asprintf("%.*s/%s", (int)(slash - base_file), base_file, name);
}

static int starts_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    return !strncmp(s, w, n) && (!s[n] || isspace((unsigned char)s[n]));
}

/* Handle .include / .lib; returns 1 if the line was such a directive. */
static int directive(Lexer *lx, Line *l, const char *file, const char *low, int *rc)
{
    MsLoc loc = {file, l->span[0].line, l->span[0].col};
    const char *rest;
    int is_inc = starts_word(low, ".include") || starts_word(low, ".inc");
    int is_lib = starts_word(low, ".lib");
    if (!is_inc && !is_lib)
        return 0;
    const char *args = l->text;   /* skip the directive word, keep the name's case */
    while (isspace((unsigned char)*args))
        args++;
    while (*args && !isspace((unsigned char)*args))
        args++;
    char *name = word_at(args, &rest);
    if (!name) {
        *rc = ms_err_at(lx->err, MS_ERR_SYNTAX, loc, "%s needs a file name", is_inc ? ".include" : ".lib");
        return 1;
    }
    char *section = NULL;
    if (is_lib) {
        const char *r2;
        section = word_at(rest, &r2);
        if (!section) {
            /* ".lib name" alone opens a section definition: handled by the caller */
            free(name);
            return 0;
        }
        ms_lower(section);
    }
    if (lx->depth >= MS_MAX_INCLUDE_DEPTH) {
        *rc = ms_err_at(lx->err, MS_ERR_SYNTAX, loc, "includes nested more than %d deep (recursive .include?)",
                        MS_MAX_INCLUDE_DEPTH);
    } else {
        char *path = resolve_path(file, name);
        lx->depth++;
        *rc = lex_file(lx, path, NULL, 0, section, loc);
        lx->depth--;
        free(path);
    }
    free(name);
    free(section);
    return 1;
}

static int lex_file(Lexer *lx, const char *path, const char *text, int top, const char *section,
                    MsLoc from)
{
    char *buf = NULL;
    int rc;
    if (!text) {
        if ((rc = read_file(path, &buf, lx->err, from)))
            return rc;
        text = buf;
    }
    const char *file = intern_file(lx->src, path);
    Line *lines;
    int n;
    char *title = NULL;
    split_lines(text, top, &title, &lines, &n);
    if (top)
        lx->src->title = title ? title : ms_strdup("");
    free(buf);

    rc = MS_OK;
    int in_control = 0, in_section = section ? 0 : 1, skipping_lib = 0, section_found = 0;
    MsLoc control_loc = {file, 1, 0};   /* the open .control card, for the error */
    for (int i = 0; i < n && rc == MS_OK; i++) {
        Line *l = &lines[i];
        char *low = ms_strdup(l->text);
        ms_lower(low);
        const char *s = low;
        while (isspace((unsigned char)*s))
            s++;
        MsLoc loc = {file, l->span[0].line, l->span[0].col};
        if (in_control) {
            if (starts_word(s, ".endc"))
                in_control = 0;
        } else if (starts_word(s, ".control")) {
            char *m = ms_asprintf("%s:%d: .control block skipped (memspice runs the netlist's analyses itself)",
                                  file, loc.line);
            notice(lx->src, m);
            free(m);
            in_control = 1;
            control_loc = loc;
        } else if (section) {
            /* reading a library file for one section */
            const char *rest;
            if (starts_word(s, ".lib")) {
                char *nm = word_at(s + 4, &rest);
                const char *r2;
                char *second = nm ? word_at(rest, &r2) : NULL;
                if (nm && !second && !in_section && !strcmp(nm, section)) {
                    in_section = 1;
                    section_found = 1;
                } else if (in_section && second) {
                    directive(lx, l, file, s, &rc);
                }
                free(nm);
                free(second);
            } else if (starts_word(s, ".endl")) {
                in_section = 0;
            } else if (in_section && !directive(lx, l, file, s, &rc)) {
                goto emit;
            }
        } else if (skipping_lib) {
            if (starts_word(s, ".endl"))
                skipping_lib = 0;
        } else if (starts_word(s, ".end")) {
            if (top) {
                free(low);
                break;
            }
        } else if (!directive(lx, l, file, s, &rc)) {
            if (starts_word(s, ".lib")) {
                skipping_lib = 1;   /* a section definition in the main file */
            } else {
                goto emit;
            }
        }
        free(low);
        continue;
    emit:;
        MsSource *src = lx->src;
        MS_RESERVE_NEXT(src->cards, src->ncards);
        MsCard *c = &src->cards[src->ncards++];
        memset(c, 0, sizeof *c);
        c->text = low;   /* the whole line, lower case: its spans fit it as they are */
        c->span = l->span;
        c->nspan = l->nspan;
        l->span = NULL;
        c->file = file;
        rc = tokenize(c, lx->err);
    }
    if (rc == MS_OK && in_control)
        rc = ms_err_at(lx->err, MS_ERR_SYNTAX, control_loc, ".control block without .endc");
    if (rc == MS_OK && section && !section_found)
        rc = ms_err_at(lx->err, MS_ERR_SEMANTIC, from, "section '%s' not found in library '%s'", section, path);
    for (int i = 0; i < n; i++)
        free_line(&lines[i]);
    free(lines);
    return rc;
}

int ms_lex_netlist(const char *path, const char *text, MsSource *src, MsError *err)
{
    MsNoticeFn fn = src->notice;
    void *u = src->notice_user;
    memset(src, 0, sizeof *src);
    src->notice = fn;
    src->notice_user = u;
    Lexer lx = {src, err, 0};
    int rc = lex_file(&lx, path, text, 1, NULL, (MsLoc){0});
    if (rc == MS_OK && !src->title)
        rc = ms_err(err, MS_ERR_SYNTAX, "%s: empty netlist", path);
    return rc;
}

void ms_source_free(MsSource *src)
{
    for (int i = 0; i < src->ncards; i++) {
        MsCard *c = &src->cards[i];
        for (int k = 0; k < c->ntok; k++)
            free(c->tok[k].s);
        free(c->tok);
        free(c->text);
        free(c->span);
    }
    free(src->cards);
    for (int i = 0; i < src->nfiles; i++)
        free(src->files[i]);
    free(src->files);
    free(src->title);
    memset(src, 0, sizeof *src);
}
