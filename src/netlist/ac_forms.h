/* ac_forms.h — ngspice's AC vector forms: vm(n) vdb(n) vp(n) vr(n) vi(n)
 * (also of two nodes, vdb(a,b)) and im() idb() ip() ir() ii() of a branch
 * current.  Each is a real function of an underlying complex vector
 * (v(n), v(a,b), i(name)): `.print ac` prints the function, `.save` saves
 * the underlying vector (as ngspice does). */
#ifndef MS_AC_FORMS_H
#define MS_AC_FORMS_H

enum {
    MS_FORM_NONE = 0,   /* the vector itself */
    MS_FORM_MAG,        /* vm, im: |z| */
    MS_FORM_DB,         /* vdb, idb: 20 log10 |z| */
    MS_FORM_PHASE,      /* vp, ip: arg z in radians (ngspice's default units) */
    MS_FORM_REAL,       /* vr, ir */
    MS_FORM_IMAG        /* vi, ii */
};

/* The form a function name stands for ("vdb" -> MS_FORM_DB, with *letter
 * 'v'), or MS_FORM_NONE when the name is not one of the ten forms. */
int ms_ac_form_of(const char *fn, char *letter);
/* The column label of form applied to the underlying vector name
 * ("v(1,2)" with MS_FORM_DB -> "vdb(1,2)"); newly allocated. */
char *ms_ac_form_label(int form, const char *vector);
/* The form's value of the phasor re + j im. */
double ms_ac_form_value(int form, double re, double im);

#endif
