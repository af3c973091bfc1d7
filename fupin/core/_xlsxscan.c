/* Streaming scanner for the two large parts of an xlsx workbook: a worksheet's <sheetData> and the
 * shared-string table. It turns a block of XML into flat cell arrays that Python hands to Polars
 * (fupin/core/xlsx.py); everything else in a workbook is small and read with ElementTree.
 *
 * Why C: the member sheet of a county is ~300 MB of XML. Polars string expressions need 4-5 passes
 * (~4 s); a Python XML parser is slower still; calamine (fastexcel) is fast but parses the whole sheet
 * into memory first. One pass here runs at several hundred MB/s with the GIL released.
 *
 * Safety: the input is an untrusted upload. Every read is checked against the end of the buffer; the
 * scanner never writes outside its own growable buffers; malformed markup gives ValueError. No DTD,
 * no external entities: only the five predefined entities and numeric character references are
 * decoded (a DOCTYPE is refused).
 *
 * scan_rows(data, started, last_row, final) -> (consumed, started, done, last_row, n,
 *                                              rows, cols, kinds, styles, offsets, values)
 *   `data` holds XML from where the previous call stopped. Only complete <row> elements are taken;
 *   `consumed` says how far the next call must skip. rows/cols/styles are int32 arrays, kinds uint8,
 *   offsets int32 (n + 1 entries), values the concatenated UTF-8 text of every cell that has one.
 * scan_strings(data, started, final) -> (consumed, started, done, n, offsets, values)
 *   the same for the <si> items of sharedStrings.xml.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cell kinds (the `t` attribute). */
enum { K_NUMBER = 0, K_SHARED = 1, K_STR = 2, K_INLINE = 3, K_BOOL = 4, K_ERROR = 5, K_DATE = 6 };

#define MAX_COLUMN 16383 /* XFD */
#define MAX_ROW 1048576

/* ------------------------------------------------------------------------------------------------ */
/* growable byte buffer                                                                             */

typedef struct {
    char *p;
    Py_ssize_t len, cap;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (extra < 0 || b->len > PY_SSIZE_T_MAX - extra) return -1;
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) {
        if (cap > PY_SSIZE_T_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, (size_t)cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_put(Buf *b, const void *src, Py_ssize_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->p + b->len, src, (size_t)n);
    b->len += n;
    return 0;
}

static int buf_i32(Buf *b, int32_t v) { return buf_put(b, &v, sizeof v); }

static int buf_utf8(Buf *b, uint32_t cp) {
    unsigned char u[4];
    Py_ssize_t n;
    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = 0xC0 | (cp >> 6); u[1] = 0x80 | (cp & 0x3F); n = 2; }
    else if (cp < 0x10000) {
        u[0] = 0xE0 | (cp >> 12); u[1] = 0x80 | ((cp >> 6) & 0x3F); u[2] = 0x80 | (cp & 0x3F); n = 3;
    } else {
        u[0] = 0xF0 | (cp >> 18); u[1] = 0x80 | ((cp >> 12) & 0x3F); u[2] = 0x80 | ((cp >> 6) & 0x3F);
        u[3] = 0x80 | (cp & 0x3F); n = 4;
    }
    return buf_put(b, u, n);
}

static void buf_free(Buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* the scanner                                                                                      */

enum { OK = 1, MORE = 0, BAD = -1, NOMEM = -2 };

typedef struct {
    const char *s;
    Py_ssize_t n;
    const char *error; /* set with BAD */
    Py_ssize_t error_at;
} Scan;

/* Bytes that end a tag name, and the bytes that matter inside a tag. */
static const unsigned char name_stop[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['>'] = 1, ['/'] = 1};
static const unsigned char tag_stop[256] = {['"'] = 1, ['\''] = 1, ['<'] = 1, ['>'] = 1};

/* Bytes that end a plain run of character data. */
static const unsigned char text_stop[256] = {['<'] = 1, ['&'] = 1, ['_'] = 1, ['\r'] = 1};

static int bad(Scan *sc, Py_ssize_t at, const char *why) {
    sc->error = why;
    sc->error_at = at;
    return BAD;
}

typedef struct {
    Py_ssize_t start, end;   /* '<' and one past '>' */
    Py_ssize_t name, name_len; /* local name (after any prefix) */
    Py_ssize_t attrs, attrs_end;
    int closing, empty, special; /* </x>, <x/>, comment / PI */
} Tag;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int name_is_(const Scan *sc, const Tag *t, const char *want, size_t len) {
    return (size_t)t->name_len == len && memcmp(sc->s + t->name, want, len) == 0;
}
#define name_is(sc, t, lit) name_is_((sc), (t), lit, sizeof(lit) - 1)

static Py_ssize_t find(const Scan *sc, Py_ssize_t from, const char *needle) {
    size_t len = strlen(needle);
    for (Py_ssize_t i = from; i + (Py_ssize_t)len <= sc->n; i++) {
        const char *p = memchr(sc->s + i, needle[0], (size_t)(sc->n - i));
        if (p == NULL) return -1;
        i = p - sc->s;
        if (i + (Py_ssize_t)len <= sc->n && memcmp(p, needle, len) == 0) return i;
    }
    return -1;
}

/* Read the markup starting at sc->s[i] == '<'. MORE when it does not end inside the buffer. */
static int read_tag(Scan *sc, Py_ssize_t i, Tag *t) {
    const char *s = sc->s;
    Py_ssize_t n = sc->n;
    t->closing = t->empty = t->special = 0;
    t->attrs_end = 0;
    t->start = i;
    if (i + 1 >= n) return MORE;
    if (s[i + 1] == '!') {
        if (i + 4 > n) return MORE;
        if (memcmp(s + i, "<!--", 4) == 0) {
            Py_ssize_t e = find(sc, i + 4, "-->");
            if (e < 0) return MORE;
            t->end = e + 3;
            t->special = 1;
            return OK;
        }
        if (i + 9 > n) return MORE;
        if (memcmp(s + i, "<![CDATA[", 9) == 0) return bad(sc, i, "CDATA outside text");
        return bad(sc, i, "DOCTYPE or declaration not allowed");
    }
    if (s[i + 1] == '?') {
        Py_ssize_t e = find(sc, i + 2, "?>");
        if (e < 0) return MORE;
        t->end = e + 2;
        t->special = 1;
        return OK;
    }
    Py_ssize_t j = i + 1;
    if (s[j] == '/') {
        t->closing = 1;
        j++;
    }
    Py_ssize_t name = j;
    while (j < n && !name_stop[(unsigned char)s[j]]) j++;
    if (j >= n) return MORE;
    if (j == name) return bad(sc, i, "empty tag name");
    t->name = name;
    for (Py_ssize_t k = name; k < j; k++)
        if (s[k] == ':') t->name = k + 1;
    t->name_len = j - t->name;
    t->attrs = j;
    while (j < n) {
        while (j < n && !tag_stop[(unsigned char)s[j]]) j++;
        if (j >= n) return MORE;
        char c = s[j];
        if (c == '"' || c == '\'') { /* an attribute value may hold '>' */
            const char *close = memchr(s + j + 1, c, (size_t)(n - j - 1));
            if (close == NULL) return MORE;
            j = close - s + 1;
        } else if (c == '<') {
            return bad(sc, j, "'<' inside a tag");
        } else { /* '>' */
            t->attrs_end = j;
            t->empty = j > t->attrs && s[j - 1] == '/';
            if (t->empty) t->attrs_end = j - 1;
            t->end = j + 1;
            return OK;
        }
    }
    return MORE;
}

/* Find attribute `want` (local name) in the tag; on success its value is s[*v, *v + *len). */
static int attr(const Scan *sc, const Tag *t, const char *want, Py_ssize_t *v, Py_ssize_t *len) {
    const char *s = sc->s;
    size_t wlen = strlen(want);
    Py_ssize_t j = t->attrs;
    while (j < t->attrs_end) {
        while (j < t->attrs_end && is_space(s[j])) j++;
        Py_ssize_t a = j;
        while (j < t->attrs_end && s[j] != '=' && !is_space(s[j])) j++;
        Py_ssize_t a_end = j;
        for (Py_ssize_t k = a; k < a_end; k++)
            if (s[k] == ':') a = k + 1;
        while (j < t->attrs_end && is_space(s[j])) j++;
        if (j >= t->attrs_end || s[j] != '=') return 0;
        j++;
        while (j < t->attrs_end && is_space(s[j])) j++;
        if (j >= t->attrs_end || (s[j] != '"' && s[j] != '\'')) return 0;
        char q = s[j++];
        Py_ssize_t vs = j;
        while (j < t->attrs_end && s[j] != q) j++;
        if (j >= t->attrs_end) return 0;
        if ((size_t)(a_end - a) == wlen && memcmp(s + a, want, wlen) == 0) {
            *v = vs;
            *len = j - vs;
            return 1;
        }
        j++;
    }
    return 0;
}

static int attr_int(const Scan *sc, const Tag *t, const char *want, int32_t *out) {
    Py_ssize_t v, len;
    if (!attr(sc, t, want, &v, &len) || len == 0) return 0;
    int64_t x = 0;
    for (Py_ssize_t k = v; k < v + len; k++) {
        char c = sc->s[k];
        if (c < '0' || c > '9') return 0;
        x = x * 10 + (c - '0');
        if (x > INT32_MAX) return 0;
    }
    *out = (int32_t)x;
    return 1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* `_xHHHH_` (OOXML's escape of a UTF-16 code unit, e.g. _x000D_ for a carriage return) at s[i]. */
static int xescape(const Scan *sc, Py_ssize_t i, Py_ssize_t end, uint32_t *unit) {
    const char *s = sc->s;
    if (i + 7 > end || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_') return 0;
    uint32_t u = 0;
    for (int k = 2; k < 6; k++) {
        int h = hexval(s[i + k]);
        if (h < 0) return 0;
        u = u * 16 + (uint32_t)h;
    }
    *unit = u;
    return 1;
}

/* True when the block ends inside what may still become an _xHHHH_ escape at s[i]. */
static int escape_cut(const Scan *sc, Py_ssize_t i) {
    const char *s = sc->s;
    if (i + 7 <= sc->n) return 0;
    for (Py_ssize_t k = i; k < sc->n; k++) {
        Py_ssize_t at = k - i;
        int fits = at == 0 ? s[k] == '_' : at == 1 ? s[k] == 'x' : hexval(s[k]) >= 0;
        if (!fits) return 0;
    }
    return 1;
}

/* Character data up to the next element: entities and _xHHHH_ escapes decoded, line ends normalised,
 * CDATA copied, comments dropped. Returns the index of the '<' that ends the text, or MORE/BAD. */
static Py_ssize_t read_text(Scan *sc, Py_ssize_t i, Buf *out, int *rc) {
    const char *s = sc->s;
    Py_ssize_t n = sc->n;
    *rc = OK;
    while (i < n) {
        char c = s[i];
        if (c == '<') {
            if (i + 1 < n && s[i + 1] != '!') return i; /* an element: the common case */
            if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
                Py_ssize_t e = find(sc, i + 4, "-->");
                if (e < 0) break;
                i = e + 3;
                continue;
            }
            if (i + 9 <= n && memcmp(s + i, "<![CDATA[", 9) == 0) {
                Py_ssize_t e = find(sc, i + 9, "]]>");
                if (e < 0) break;
                if (out && buf_put(out, s + i + 9, e - i - 9) < 0) { *rc = NOMEM; return -1; }
                i = e + 3;
                continue;
            }
            if (i + 9 > n && (n - i < 4 || memcmp(s + i, "<!", 2) == 0)) break; /* could be either */
            return i;
        }
        if (c == '&') {
            Py_ssize_t semi = -1, k = i + 1;
            for (; k < n && k < i + 12; k++) {
                if (s[k] == ';') { semi = k; break; }
                if (s[k] == '<' || s[k] == '&' || is_space(s[k])) break; /* not a reference */
            }
            if (semi < 0) {
                if (k >= n) break; /* the reference may go on in the next block */
                if (out && buf_put(out, "&", 1) < 0) { *rc = NOMEM; return -1; }
                i++;
                continue;
            }
            const char *e = s + i + 1;
            Py_ssize_t elen = semi - i - 1;
            uint32_t cp = 0;
            int known = 1;
            if (elen == 2 && memcmp(e, "lt", 2) == 0) cp = '<';
            else if (elen == 2 && memcmp(e, "gt", 2) == 0) cp = '>';
            else if (elen == 3 && memcmp(e, "amp", 3) == 0) cp = '&';
            else if (elen == 4 && memcmp(e, "quot", 4) == 0) cp = '"';
            else if (elen == 4 && memcmp(e, "apos", 4) == 0) cp = '\'';
            else if (elen >= 2 && e[0] == '#') {
                int hex = e[1] == 'x' || e[1] == 'X';
                Py_ssize_t k = hex ? 2 : 1;
                if (k >= elen) known = 0;
                for (; k < elen && known; k++) {
                    int d = hex ? hexval(e[k]) : (e[k] >= '0' && e[k] <= '9' ? e[k] - '0' : -1);
                    if (d < 0 || cp > 0x10FFFF) known = 0;
                    else cp = cp * (hex ? 16 : 10) + (uint32_t)d;
                }
                if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) known = 0;
            } else known = 0;
            if (!known) { /* keep as typed: never guess */
                if (out && buf_put(out, s + i, semi - i + 1) < 0) { *rc = NOMEM; return -1; }
            } else if (out && buf_utf8(out, cp) < 0) { *rc = NOMEM; return -1; }
            i = semi + 1;
            continue;
        }
        if (c == '_') {
            uint32_t u;
            if (escape_cut(sc, i)) break; /* may be an escape cut by the block end */
            if (xescape(sc, i, n, &u)) {
                Py_ssize_t next = i + 7;
                uint32_t cp = u;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    uint32_t lo;
                    if (escape_cut(sc, next)) break;
                    if (xescape(sc, next, n, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                        next += 7;
                    } else cp = 0xFFFD;
                } else if (u >= 0xDC00 && u <= 0xDFFF) cp = 0xFFFD;
                if (out && buf_utf8(out, cp) < 0) { *rc = NOMEM; return -1; }
                i = next;
                continue;
            }
        }
        if (c == '\r') {
            if (i + 1 >= n) break;
            if (out && buf_put(out, "\n", 1) < 0) { *rc = NOMEM; return -1; }
            i += s[i + 1] == '\n' ? 2 : 1;
            continue;
        }
        /* a run of plain bytes */
        Py_ssize_t k = i + 1;
        while (k < n && !text_stop[(unsigned char)s[k]]) k++;
        if (out && buf_put(out, s + i, k - i) < 0) { *rc = NOMEM; return -1; }
        i = k;
    }
    *rc = MORE;
    return -1;
}

/* The tag that follows the character data at s[i] (that text appended to `out`, unless NULL). */
static int next_tag(Scan *sc, Py_ssize_t i, Buf *out, Tag *u) {
    int rc;
    i = read_text(sc, i, out, &rc);
    if (rc != OK) return rc;
    return read_tag(sc, i, u);
}

/* Skip the element whose start tag is `t` (already read), with everything inside it. */
static int skip_element(Scan *sc, const Tag *t, Py_ssize_t *next) {
    if (t->empty || t->special || t->closing) {
        *next = t->end;
        return OK;
    }
    int depth = 1;
    Py_ssize_t i = t->end;
    Tag u;
    while (depth > 0) {
        int rc = next_tag(sc, i, NULL, &u);
        if (rc != OK) return rc;
        if (!u.special && !u.empty) depth += u.closing ? -1 : 1;
        i = u.end;
    }
    *next = i;
    return OK;
}

/* The text of the element whose start tag is `t` (<v>, <t>), appended to `out`; ends after its end tag. */
static int element_text(Scan *sc, const Tag *t, Buf *out, Py_ssize_t *next) {
    if (t->empty) {
        *next = t->end;
        return OK;
    }
    Py_ssize_t i = t->end;
    Tag u;
    for (;;) {
        int rc = next_tag(sc, i, out, &u);
        if (rc != OK) return rc;
        if (u.closing) {
            *next = u.end;
            return OK;
        }
        rc = skip_element(sc, &u, &i); /* markup inside a text element has no text of ours */
        if (rc != OK) return rc;
    }
}

/* A rich or plain string (<is> of a cell, <si> of the shared table): the text of its <t> elements,
 * leaving out phonetic runs (<rPh>) and run properties (<rPr>). Ends after the closing tag. */
static int string_item(Scan *sc, const Tag *t, Buf *out, Py_ssize_t *next) {
    if (t->empty) {
        *next = t->end;
        return OK;
    }
    int depth = 1;
    Py_ssize_t i = t->end;
    Tag u;
    while (depth > 0) {
        int rc = next_tag(sc, i, NULL, &u);
        if (rc != OK) return rc;
        if (u.special) {
            i = u.end;
        } else if (u.closing) {
            depth--;
            i = u.end;
        } else if (name_is(sc, &u, "t")) {
            rc = element_text(sc, &u, out, &i);
            if (rc != OK) return rc;
        } else if (name_is(sc, &u, "rPh") || name_is(sc, &u, "rPr") || name_is(sc, &u, "phoneticPr")) {
            rc = skip_element(sc, &u, &i);
            if (rc != OK) return rc;
        } else {
            if (!u.empty) depth++; /* <r>: a run, look inside */
            i = u.end;
        }
    }
    *next = i;
    return OK;
}

/* r (column letters), s (style) and t (kind) of a <c> start tag, in one pass over its attributes.
 * Returns -1 for a column past XFD, else whether the reference was there. */
static int cell_attrs(const Scan *sc, const Tag *t, int32_t *col, int32_t *style, int *kind) {
    const char *s = sc->s;
    Py_ssize_t j = t->attrs, end = t->attrs_end;
    int found = 0;
    *style = 0;
    *kind = K_NUMBER;
    while (j < end) {
        while (j < end && is_space(s[j])) j++;
        Py_ssize_t a = j;
        while (j < end && s[j] != '=' && !is_space(s[j])) j++;
        Py_ssize_t a_end = j;
        for (Py_ssize_t k = a; k < a_end; k++)
            if (s[k] == ':') a = k + 1;
        while (j < end && is_space(s[j])) j++;
        if (j >= end || s[j] != '=') break;
        j++;
        while (j < end && is_space(s[j])) j++;
        if (j >= end || (s[j] != '"' && s[j] != '\'')) break;
        char q = s[j++];
        Py_ssize_t v = j;
        const char *close = memchr(s + j, q, (size_t)(end - j));
        if (close == NULL) break;
        j = close - s;
        Py_ssize_t len = j - v;
        j++;
        if (a_end - a != 1) continue;
        const char *p = s + v;
        if (s[a] == 'r') {
            int32_t x = 0;
            Py_ssize_t k = 0;
            for (; k < len; k++) {
                char c = p[k];
                if (c >= 'a' && c <= 'z') c = (char)(c - 32);
                if (c < 'A' || c > 'Z') break;
                x = x * 26 + (c - 'A' + 1);
                if (x > MAX_COLUMN + 1) return -1;
            }
            if (k > 0) {
                *col = x - 1;
                found = 1;
            }
        } else if (s[a] == 's') {
            int64_t x = 0;
            Py_ssize_t k = 0;
            for (; k < len && p[k] >= '0' && p[k] <= '9' && x <= INT32_MAX; k++) x = x * 10 + (p[k] - '0');
            if (k == len && len > 0 && x <= INT32_MAX) *style = (int32_t)x;
        } else if (s[a] == 't') {
            if (len == 1 && p[0] == 's') *kind = K_SHARED;
            else if (len == 3 && memcmp(p, "str", 3) == 0) *kind = K_STR;
            else if (len == 9 && memcmp(p, "inlineStr", 9) == 0) *kind = K_INLINE;
            else if (len == 1 && p[0] == 'b') *kind = K_BOOL;
            else if (len == 1 && p[0] == 'e') *kind = K_ERROR;
            else if (len == 1 && p[0] == 'd') *kind = K_DATE;
        }
    }
    return found;
}

typedef struct {
    Buf rows, cols, kinds, styles, offsets, values;
    Py_ssize_t n;
} Cells;

static void cells_free(Cells *c) {
    buf_free(&c->rows);
    buf_free(&c->cols);
    buf_free(&c->kinds);
    buf_free(&c->styles);
    buf_free(&c->offsets);
    buf_free(&c->values);
}

/* Undo the cells of an incomplete row. */
static void cells_truncate(Cells *c, Py_ssize_t n) {
    c->n = n;
    c->rows.len = c->cols.len = c->styles.len = n * (Py_ssize_t)sizeof(int32_t);
    c->kinds.len = n;
    c->offsets.len = (n + 1) * (Py_ssize_t)sizeof(int32_t);
    int32_t end;
    memcpy(&end, c->offsets.p + n * sizeof(int32_t), sizeof end);
    c->values.len = end;
}

static int cells_end_value(Scan *sc, Cells *c, Py_ssize_t at) {
    if (c->values.len > INT32_MAX) return bad(sc, at, "block too large");
    return buf_i32(&c->offsets, (int32_t)c->values.len) < 0 ? NOMEM : OK;
}

/* One <row> element (start tag `t`), its cells appended to `c`. */
static int row_element(Scan *sc, const Tag *t, int32_t row, Cells *c, Py_ssize_t *next) {
    if (t->empty) {
        *next = t->end;
        return OK;
    }
    Py_ssize_t i = t->end;
    int32_t col = -1;
    Tag u;
    for (;;) {
        int rc = next_tag(sc, i, NULL, &u);
        if (rc != OK) return rc;
        if (u.special) {
            i = u.end;
            continue;
        }
        if (u.closing) { /* </row> */
            *next = u.end;
            return OK;
        }
        if (!name_is(sc, &u, "c")) {
            rc = skip_element(sc, &u, &i);
            if (rc != OK) return rc;
            continue;
        }
        int32_t style;
        int kind;
        int found = cell_attrs(sc, &u, &col, &style, &kind);
        if (found < 0) return bad(sc, u.start, "column reference out of range");
        if (!found) col++;
        if (col > MAX_COLUMN) return bad(sc, u.start, "too many columns");
        int has_value = 0;
        Py_ssize_t mark = c->values.len;
        if (!u.empty) {
            Tag w;
            Py_ssize_t j = u.end;
            for (;;) {
                rc = next_tag(sc, j, NULL, &w);
                if (rc != OK) return rc;
                if (w.special) {
                    j = w.end;
                } else if (w.closing) { /* </c> */
                    j = w.end;
                    break;
                } else if (name_is(sc, &w, "v")) {
                    c->values.len = mark; /* one value per cell */
                    rc = element_text(sc, &w, &c->values, &j);
                    if (rc != OK) return rc;
                    has_value = 1;
                } else if (name_is(sc, &w, "is")) {
                    c->values.len = mark;
                    rc = string_item(sc, &w, &c->values, &j);
                    if (rc != OK) return rc;
                    has_value = 1;
                    kind = K_INLINE;
                } else {
                    rc = skip_element(sc, &w, &j); /* <f>, <extLst> */
                    if (rc != OK) return rc;
                }
            }
            i = j;
        } else {
            i = u.end;
        }
        if (!has_value) continue;
        if (buf_i32(&c->rows, row) < 0 || buf_i32(&c->cols, col) < 0 || buf_i32(&c->styles, style) < 0) return NOMEM;
        unsigned char k8 = (unsigned char)kind;
        if (buf_put(&c->kinds, &k8, 1) < 0) return NOMEM;
        rc = cells_end_value(sc, c, u.start);
        if (rc != OK) return rc;
        c->n++;
    }
}

/* Skip markup until the start tag named `want` (e.g. sheetData, sst); `*done` when it is empty. */
static int find_start(Scan *sc, Py_ssize_t *i, const char *want, int *started, int *done) {
    Tag t;
    while (*i < sc->n) {
        const char *p = memchr(sc->s + *i, '<', (size_t)(sc->n - *i));
        if (p == NULL) {
            *i = sc->n;
            return MORE;
        }
        Py_ssize_t at = p - sc->s;
        int rc = read_tag(sc, at, &t);
        if (rc != OK) {
            *i = at;
            return rc;
        }
        *i = t.end;
        if (!t.special && !t.closing && name_is_(sc, &t, want, strlen(want))) {
            *started = 1;
            if (t.empty) *done = 1;
            return OK;
        }
    }
    return MORE;
}

static PyObject *bytes_of(Buf *b) { return PyBytes_FromStringAndSize(b->p ? b->p : "", b->len); }

static PyObject *raise_scan(Scan *sc, int rc) {
    if (rc == NOMEM) return PyErr_NoMemory();
    PyErr_Format(PyExc_ValueError, "malformed XML at byte %zd: %s", sc->error_at, sc->error);
    return NULL;
}

/* Called for each complete child element of the container being walked; `t` is its start tag. Returns
 * OK (having consumed it up to *next), MORE (it does not end in this block: undo what it wrote), or BAD. */
typedef int (*ChildFn)(Scan *sc, const Tag *t, Py_ssize_t *next, void *ctx);

/* Walk the children of the element `container` (sheetData, sst) a complete child at a time, from the
 * start of the block (or, until *started, from where the container begins). Comments and stray end tags
 * are skipped; the container's end tag sets *done. *consumed: where the next block must go on. */
static int walk(Scan *sc, const char *container, int *started, int *done, Py_ssize_t *consumed, ChildFn child,
                void *ctx) {
    Py_ssize_t i = 0;
    int rc = OK;
    *consumed = 0;
    if (!*started) {
        rc = find_start(sc, &i, container, started, done);
        if (rc != BAD) *consumed = i;  /* nothing we need comes before the container */
    }
    while (rc == OK && *started && !*done && i < sc->n) {
        const char *p = memchr(sc->s + i, '<', (size_t)(sc->n - i));
        if (p == NULL) {
            *consumed = sc->n;
            break;
        }
        Tag t;
        rc = read_tag(sc, p - sc->s, &t);
        if (rc != OK) break;
        Py_ssize_t next = t.end;
        if (t.closing) {
            if (name_is_(sc, &t, container, strlen(container))) *done = 1;
        } else if (!t.special) {
            rc = child(sc, &t, &next, ctx);
            if (rc != OK) break;
        }
        i = *consumed = next;
    }
    return rc;
}

typedef struct {
    Cells cells;
    int32_t row; /* the last row number seen */
} RowScan;

static int row_child(Scan *sc, const Tag *t, Py_ssize_t *next, void *ctx) {
    RowScan *rs = ctx;
    if (!name_is(sc, t, "row")) return skip_element(sc, t, next);
    int32_t r;
    int32_t this_row = attr_int(sc, t, "r", &r) ? r : rs->row + 1;
    if (this_row < 1 || this_row > MAX_ROW) return bad(sc, t->start, "row number out of range");
    Py_ssize_t n_before = rs->cells.n;
    int rc = row_element(sc, t, this_row, &rs->cells, next);
    if (rc == MORE) cells_truncate(&rs->cells, n_before);
    if (rc == OK) rs->row = this_row;
    return rc;
}

typedef struct {
    Buf offsets, values;
    Py_ssize_t n;
} StringScan;

static int string_child(Scan *sc, const Tag *t, Py_ssize_t *next, void *ctx) {
    StringScan *ss = ctx;
    if (!name_is(sc, t, "si")) return skip_element(sc, t, next);
    Py_ssize_t mark = ss->values.len;
    int rc = string_item(sc, t, &ss->values, next);
    if (rc == MORE) ss->values.len = mark;
    if (rc != OK) return rc;
    if (ss->values.len > INT32_MAX) return bad(sc, t->start, "block too large");
    if (buf_i32(&ss->offsets, (int32_t)ss->values.len) < 0) return NOMEM;
    ss->n++;
    return OK;
}

static PyObject *scan_rows(PyObject *self, PyObject *args) {
    Py_buffer view;
    int started, final, last_row, done = 0, rc = OK;
    if (!PyArg_ParseTuple(args, "y*pip", &view, &started, &last_row, &final)) return NULL;
    Scan sc = {view.buf, view.len, NULL, 0};
    RowScan rs;
    memset(&rs, 0, sizeof rs);
    rs.row = last_row;
    Py_ssize_t consumed = 0;

    Py_BEGIN_ALLOW_THREADS
    rc = buf_i32(&rs.cells.offsets, 0) < 0 ? NOMEM : walk(&sc, "sheetData", &started, &done, &consumed, row_child, &rs);
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&view);
    if (rc == MORE && final) rc = bad(&sc, consumed, "the sheet ends inside an element");
    if (rc == BAD || rc == NOMEM) {
        cells_free(&rs.cells);
        return raise_scan(&sc, rc);
    }
    Cells *c = &rs.cells;
    PyObject *out = Py_BuildValue("(niiinNNNNNN)", consumed, started, done, (int)rs.row, c->n,
                                  bytes_of(&c->rows), bytes_of(&c->cols), bytes_of(&c->kinds),
                                  bytes_of(&c->styles), bytes_of(&c->offsets), bytes_of(&c->values));
    cells_free(c);
    return out;
}

static PyObject *scan_strings(PyObject *self, PyObject *args) {
    Py_buffer view;
    int started, final, done = 0, rc = OK;
    if (!PyArg_ParseTuple(args, "y*pp", &view, &started, &final)) return NULL;
    Scan sc = {view.buf, view.len, NULL, 0};
    StringScan ss;
    memset(&ss, 0, sizeof ss);
    Py_ssize_t consumed = 0;

    Py_BEGIN_ALLOW_THREADS
    rc = buf_i32(&ss.offsets, 0) < 0 ? NOMEM : walk(&sc, "sst", &started, &done, &consumed, string_child, &ss);
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&view);
    if (rc == MORE && final) rc = bad(&sc, consumed, "the shared strings end inside an element");
    if (rc == BAD || rc == NOMEM) {
        buf_free(&ss.offsets);
        buf_free(&ss.values);
        return raise_scan(&sc, rc);
    }
    PyObject *out = Py_BuildValue("(niinNN)", consumed, started, done, ss.n, bytes_of(&ss.offsets),
                                  bytes_of(&ss.values));
    buf_free(&ss.offsets);
    buf_free(&ss.values);
    return out;
}

static PyMethodDef methods[] = {
    {"scan_rows", scan_rows, METH_VARARGS, "Cells of the complete <row> elements in a block of sheet XML."},
    {"scan_strings", scan_strings, METH_VARARGS, "Items of the complete <si> elements in a block of sharedStrings.xml."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_xlsxscan", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__xlsxscan(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    PyModule_AddIntConstant(m, "NUMBER", K_NUMBER);
    PyModule_AddIntConstant(m, "SHARED", K_SHARED);
    PyModule_AddIntConstant(m, "STR", K_STR);
    PyModule_AddIntConstant(m, "INLINE", K_INLINE);
    PyModule_AddIntConstant(m, "BOOL", K_BOOL);
    PyModule_AddIntConstant(m, "ERROR", K_ERROR);
    PyModule_AddIntConstant(m, "DATE", K_DATE);
    return m;
}
