/* lexer.h — netlist files to logical lines ("cards") and tokens.
 *
 * Handles: title line, '*' comment lines, ';', ' $ ' and ' //' inline comments,
 * '+' continuation lines, .include, .lib file section / .lib section ... .endl,
 * .control ... .endc (skipped with a notice), .end.  Text is lower-cased
 * (SPICE is case-insensitive) except file names.  Every token remembers the
 * file, line and column it came from. */
#ifndef MS_LEXER_H
#define MS_LEXER_H

#include "../util/util.h"

typedef enum { TK_WORD, TK_EQ, TK_LP, TK_RP, TK_COMMA, TK_EXPR } MsTokKind;

typedef struct MsToken {
    MsTokKind kind;
    char *s;          /* word text, or expression text without its { } or ' ' */
    MsLoc loc;
    int pos;          /* offset of the token in its card's text */
} MsToken;

/* Where a run of a card's text came from: text[at] from column col of
 * line `line` (1-based), the characters after it from the columns after. */
typedef struct MsSpan {
    int at, line, col;
} MsSpan;

typedef struct MsCard {
    char *text;       /* the whole logical line, lower case */
    MsSpan *span;     /* a span per physical line it was joined from, by at */
    int nspan;
    const char *file;
    MsToken *tok;
    int ntok;
} MsCard;

/* Location of character `pos` of a card's text. */
MsLoc ms_card_loc(const MsCard *c, int pos);

typedef void (*MsNoticeFn)(const char *msg, void *user);

typedef struct MsSource {
    char *title;
    MsCard *cards;
    int ncards;
    char **files;     /* every file name read; MsLoc.file points here */
    int nfiles;
    MsNoticeFn notice;   /* optional: one-line notices (skipped .control, ...) */
    void *notice_user;
} MsSource;

/* Read a netlist file (text == NULL) or a string (text, named `path`). */
int ms_lex_netlist(const char *path, const char *text, MsSource *src, MsError *err);
void ms_source_free(MsSource *src);
/* A netlist file's whole text, gzip-compressed or not, as the lexer reads it
 * (NUL-terminated, malloc'ed; bounded as in read_file). */
int ms_read_netlist_text(const char *path, char **out, MsError *err);

#endif
