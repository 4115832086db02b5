/* spec._native: the hot parts of spec/values.py in C (plain CPython C API).
 *
 * Optional: spec/values.py uses it when it imports (CPython, PAXRAFT_NATIVE unset or not "0") and
 * keeps its pure-Python code otherwise. Every function here computes what the Python one beside it in
 * values.py computes (the same values, the same identity shortcuts); anything off the common path
 * (an argument of another type, a keyword call, an index out of range) is handed to the Python
 * function, so errors and corner cases are the Python code's own.
 *
 *   EXCEPT(f, i, v)      [f EXCEPT ![i] = v] for an exact tuple f and 0 <= i < len(f)
 *   Replace(cls, py)     a record's _replace: a method descriptor (no bound method is made per call)
 *   MsgSetBase           frozenset with MsgSet's three slots, `|` (one copy of the set, not two),
 *                        where(), all(), _added() and _inherit()
 *   MemoBase             spec.reads._Memo's slots and its lookup (the run on a miss stays Python)
 *   fast_new(cls)        a NamedTuple class called with all its fields by position builds the tuple here,
 *                        without the Python __new__ that collections.namedtuple writes
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* -- what values.py hands over at import (configure) --------------------------------------------- */

static PyObject *py_except;      /* values._py_EXCEPT */
static PyObject *msgset_cls;     /* values.MsgSet: what `|` makes */
static PyObject *keys_table;     /* values._KEYS (a dict) */
static PyObject *keys_function;  /* values._keys_function */
static PyObject *ordered;        /* values._ordered */
static PyObject *predicate_key;  /* values._predicate_key */
static PyObject *record_list;    /* values.RECORD (a list, changed in place only) */
static PyObject *py_where;       /* MsgSet.where as written in Python: calls off the common path */
static PyObject *str_fill, *str_locked_run, *str_fields, *str_new;
static PyObject *fast_classes;   /* fast_new's classes: each to the __new__ it had then */
static PyTypeObject *function_type;

/* -- EXCEPT -------------------------------------------------------------------------------------- */

static PyObject *
native_except(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs == 3 && kwnames == NULL && PyTuple_CheckExact(args[0]) && PyLong_CheckExact(args[1])) {
        PyObject *f = args[0], *v = args[2];
        Py_ssize_t n = PyTuple_GET_SIZE(f);
        Py_ssize_t i = PyLong_AsSsize_t(args[1]);
        if (i == -1 && PyErr_Occurred())
            PyErr_Clear();
        else if (i >= 0 && i < n) {
            if (PyTuple_GET_ITEM(f, i) == v) {
                Py_INCREF(f);
                return f;
            }
            PyObject *out = PyTuple_New(n);
            if (out == NULL)
                return NULL;
            for (Py_ssize_t k = 0; k < n; k++) {
                PyObject *x = k == i ? v : PyTuple_GET_ITEM(f, k);
                Py_INCREF(x);
                PyTuple_SET_ITEM(out, k, x);
            }
            return out;
        }
    }
    return PyObject_Vectorcall(py_except, args, nargs, kwnames);
}

/* -- record _replace ------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *cls;     /* the record class: what a changed record is made as */
    PyObject *fields;  /* its _fields, a tuple of str */
    PyObject *py;      /* the generated Python _replace: every call off the common path */
    vectorcallfunc vectorcall;
} ReplaceObject;

#define MAXFIELDS 64

static PyObject *
replace_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    ReplaceObject *self = (ReplaceObject *)op;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t n = PyTuple_GET_SIZE(self->fields);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *given[MAXFIELDS];
    if (nargs < 1 || n > MAXFIELDS || nargs - 1 > n || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) < n)
        goto python;
    PyObject *r = args[0];
    for (Py_ssize_t k = 0; k < n; k++)
        given[k] = NULL;
    for (Py_ssize_t k = 1; k < nargs; k++)
        given[k - 1] = args[k];
    for (Py_ssize_t j = 0; j < nkw; j++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, j);
        Py_ssize_t k = 0;
        for (; k < n; k++)  /* interned names: identity first */
            if (PyTuple_GET_ITEM(self->fields, k) == name)
                break;
        if (k == n) {
            for (k = 0; k < n; k++) {
                int eq = PyUnicode_Check(name) ? PyUnicode_Compare(PyTuple_GET_ITEM(self->fields, k), name) : 1;
                if (eq == -1 && PyErr_Occurred())
                    PyErr_Clear();
                if (eq == 0)
                    break;
            }
        }
        if (k == n || given[k] != NULL)  /* unknown or repeated: the Python function says so */
            goto python;
        given[k] = args[nargs + j];
    }
    int same = 1;
    for (Py_ssize_t k = 0; k < n; k++)
        if (given[k] != NULL && given[k] != PyTuple_GET_ITEM(r, k)) {
            same = 0;
            break;
        }
    if (same) {
        Py_INCREF(r);
        return r;
    }
    /* tuple.__new__(cls, parts), as CPython's tuple_subtype_new makes it */
    PyTypeObject *tp = (PyTypeObject *)self->cls;
    PyObject *out = tp->tp_alloc(tp, n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *x = given[k] != NULL ? given[k] : PyTuple_GET_ITEM(r, k);
        Py_INCREF(x);
        PyTuple_SET_ITEM(out, k, x);
    }
    return out;
python:
    return PyObject_Vectorcall(self->py, args, nargsf, kwnames);
}

static PyObject *
replace_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *cls, *py;
    if (!PyArg_ParseTuple(args, "O!O:Replace", &PyType_Type, &cls, &py))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "Replace: not a tuple class");
        return NULL;
    }
    PyObject *fields = PyObject_GetAttrString(cls, "_fields");
    if (fields == NULL)
        return NULL;
    if (!PyTuple_CheckExact(fields)) {
        Py_DECREF(fields);
        PyErr_SetString(PyExc_TypeError, "Replace: _fields is not a tuple");
        return NULL;
    }
    ReplaceObject *self = (ReplaceObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(fields);
        return NULL;
    }
    Py_INCREF(cls);
    Py_INCREF(py);
    self->cls = cls;
    self->fields = fields;
    self->py = py;
    self->vectorcall = replace_vectorcall;
    return (PyObject *)self;
}

static int
replace_traverse(ReplaceObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cls);
    Py_VISIT(self->fields);
    Py_VISIT(self->py);
    return 0;
}

static int
replace_clear(ReplaceObject *self)
{
    Py_CLEAR(self->cls);
    Py_CLEAR(self->fields);
    Py_CLEAR(self->py);
    return 0;
}

static void
replace_dealloc(ReplaceObject *self)
{
    PyObject_GC_UnTrack(self);
    replace_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
replace_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return PyMethod_New(self, obj);
}

static PyObject *
replace_getattro(PyObject *self, PyObject *name)
{
    /* __doc__, __qualname__, __name__, __module__...: the Python function's */
    if (PyUnicode_Check(name) && (PyUnicode_CompareWithASCIIString(name, "__doc__") == 0 ||
                                  PyUnicode_CompareWithASCIIString(name, "__module__") == 0))
        return PyObject_GetAttr(((ReplaceObject *)self)->py, name);
    PyObject *found = PyObject_GenericGetAttr(self, name);
    if (found != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return found;
    PyErr_Clear();
    return PyObject_GetAttr(((ReplaceObject *)self)->py, name);
}

static PyMemberDef replace_members[] = {
    {"py", T_OBJECT, offsetof(ReplaceObject, py), READONLY, "the Python _replace this one computes as"},
    {NULL},
};

static PyTypeObject ReplaceType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spec._native.Replace",
    .tp_basicsize = sizeof(ReplaceObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "A record's _replace compiled: Replace(cls, python_replace).",
    .tp_new = replace_new,
    .tp_traverse = (traverseproc)replace_traverse,
    .tp_clear = (inquiry)replace_clear,
    .tp_dealloc = (destructor)replace_dealloc,
    .tp_vectorcall_offset = offsetof(ReplaceObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = replace_get,
    .tp_getattro = replace_getattro,
    .tp_members = replace_members,
};

/* -- MsgSetBase ------------------------------------------------------------------------------------- */

typedef struct {
    PySetObject set;
    PyObject *index;   /* MsgSet._index */
    PyObject *shapes;  /* MsgSet._shapes */
    PyObject *holds;   /* MsgSet._holds */
} MsgSetObject;

static PyTypeObject MsgSetBaseType;
#define MsgSet_Check(op) PyObject_TypeCheck(op, &MsgSetBaseType)

static int
msgset_traverse(MsgSetObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->index);
    Py_VISIT(self->shapes);
    Py_VISIT(self->holds);
    return PyFrozenSet_Type.tp_traverse((PyObject *)self, visit, arg);
}

static int
msgset_clear(MsgSetObject *self)
{
    Py_CLEAR(self->index);
    Py_CLEAR(self->shapes);
    Py_CLEAR(self->holds);
    return PyFrozenSet_Type.tp_clear ? PyFrozenSet_Type.tp_clear((PyObject *)self) : 0;
}

static void
msgset_dealloc(MsgSetObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->index);
    Py_CLEAR(self->shapes);
    Py_CLEAR(self->holds);
    PyObject_GC_Track(self);  /* frozenset's dealloc untracks it */
    PyFrozenSet_Type.tp_dealloc((PyObject *)self);
}

static PyObject *empty_tuple;

/* msgs | other: MsgSet.__or__ (and __ror__) of values.py */
static PyObject *
msgset_or(PyObject *a, PyObject *b)
{
    PyObject *self, *other;
    if (MsgSet_Check(a)) {
        self = a;
        other = b;
    }
    else {
        self = b;
        other = a;
    }
    if (!PyAnySet_Check(other))
        Py_RETURN_NOTIMPLEMENTED;
    /* other <= self (the messages' stored hashes, as frozenset's <=): the same object */
    PyObject *le = PyObject_RichCompare(other, self, Py_LE);
    if (le == NULL)
        return NULL;
    int sub = PyObject_IsTrue(le);
    Py_DECREF(le);
    if (sub < 0)
        return NULL;
    if (sub) {
        Py_INCREF(self);
        return self;
    }
    /* one copy: a MsgSet holding self's messages (frozenset's own constructor), then other's added */
    PyObject *args = PyTuple_Pack(1, self);
    if (args == NULL)
        return NULL;
    PyObject *child = PyFrozenSet_Type.tp_new((PyTypeObject *)msgset_cls, args, NULL);
    Py_DECREF(args);
    if (child == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    PyObject *key;
    Py_hash_t hash;
    while (_PySet_NextEntry(other, &pos, &key, &hash))
        if (PySet_Add(child, key) < 0) {
            Py_DECREF(child);
            return NULL;
        }
    MsgSetObject *c = (MsgSetObject *)child;
    PyObject *link = PyTuple_Pack(2, self, other);  /* no copy of the caller's set: _added() checks it */
    if (link == NULL) {
        Py_DECREF(child);
        return NULL;
    }
    Py_XSETREF(c->index, link);
    Py_INCREF(empty_tuple);
    Py_XSETREF(c->holds, empty_tuple);
    return child;
}

/* (parent, added) of a set made by parent | given: MsgSet._added */
static PyObject *
msgset_added_impl(MsgSetObject *self, PyObject **parent_out)
{
    PyObject *link = self->index;
    if (link == NULL || !PyTuple_CheckExact(link) || PyTuple_GET_SIZE(link) < 2) {
        PyErr_SetString(PyExc_TypeError, "_added: not a set made by |");
        return NULL;
    }
    if (PyTuple_GET_SIZE(link) == 3) {
        *parent_out = PyTuple_GET_ITEM(link, 0);
        PyObject *added = PyTuple_GET_ITEM(link, 1);
        Py_INCREF(added);
        return added;
    }
    Py_INCREF(link);  /* (the comparisons below may run Python code, another thread may relink this set) */
    PyObject *parent = PyTuple_GET_ITEM(link, 0), *given = PyTuple_GET_ITEM(link, 1);
    PyObject *added = PyNumber_Subtract(given, parent);
    if (added == NULL) {
        Py_DECREF(link);
        return NULL;
    }
    int ok = 0;
    if (PyAnySet_Check(added) && PySet_GET_SIZE(added) == PySet_GET_SIZE(self) - PySet_GET_SIZE(parent)) {
        PyObject *le = PyObject_RichCompare(added, (PyObject *)self, Py_LE);
        if (le == NULL) {
            Py_DECREF(added);
            Py_DECREF(link);
            return NULL;
        }
        ok = PyObject_IsTrue(le);
        Py_DECREF(le);
        if (ok < 0) {
            Py_DECREF(added);
            Py_DECREF(link);
            return NULL;
        }
    }
    if (!ok) {
        Py_DECREF(added);
        added = PyFrozenSet_Type.tp_as_number->nb_subtract((PyObject *)self, parent);
        if (added == NULL) {
            Py_DECREF(link);
            return NULL;
        }
    }
    PyObject *newlink = PyTuple_Pack(3, parent, added, Py_True);
    Py_DECREF(link);  /* (newlink holds parent) */
    if (newlink == NULL) {
        Py_DECREF(added);
        return NULL;
    }
    Py_XSETREF(self->index, newlink);
    *parent_out = parent;
    return added;
}

static PyObject *
msgset_added(PyObject *self, PyObject *unused)
{
    PyObject *parent;
    PyObject *added = msgset_added_impl((MsgSetObject *)self, &parent);
    if (added == NULL)
        return NULL;
    PyObject *out = PyTuple_Pack(2, parent, added);
    Py_DECREF(added);
    return out;
}

/* every message of `msgs` satisfies pred (1), one does not (0), error (-1) */
static int
all_of(PyObject *msgs, PyObject *pred)
{
    PyObject *it = PyObject_GetIter(msgs);
    if (it == NULL)
        return -1;
    PyObject *m;
    while ((m = PyIter_Next(it)) != NULL) {
        PyObject *r = PyObject_CallOneArg(pred, m);
        Py_DECREF(m);
        if (r == NULL) {
            Py_DECREF(it);
            return -1;
        }
        int t = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (t <= 0) {
            Py_DECREF(it);
            return t;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 1;
}

/* MsgSet.all */
static PyObject *
msgset_all(PyObject *op, PyObject *pred)
{
    MsgSetObject *self = (MsgSetObject *)op;
    PyObject *key;
    if (Py_IS_TYPE(pred, function_type)) {
        PyFunctionObject *fn = (PyFunctionObject *)pred;
        if (fn->func_closure == NULL && fn->func_defaults == NULL && fn->func_kwdefaults == NULL) {
            key = fn->func_code;
            Py_INCREF(key);
            goto have_key;
        }
    }
    key = PyObject_CallOneArg(predicate_key, pred);
    if (key == NULL)
        return NULL;
    if (key == Py_None) {
        Py_DECREF(key);
        int ok = all_of(op, pred);
        if (ok < 0)
            return NULL;
        return PyBool_FromLong(ok);
    }
have_key:;
    PyObject *holds = self->holds;
    if (holds == NULL || !PyTuple_Check(holds)) {
        Py_DECREF(key);
        PyErr_SetString(PyExc_AttributeError, "_holds");
        return NULL;
    }
    Py_INCREF(holds);  /* (comparing keys may run Python code) */
    int in = PySequence_Contains(holds, key);
    Py_DECREF(holds);
    if (in != 0) {
        Py_DECREF(key);
        if (in < 0)
            return NULL;
        Py_RETURN_TRUE;
    }
    int ok;
    PyObject *index = self->index;
    int parent_passed = 0;
    if (index != NULL && PyTuple_CheckExact(index) && PyTuple_GET_SIZE(index) >= 2) {
        PyObject *parent = PyTuple_GET_ITEM(index, 0);
        PyObject *pholds = PyObject_GetAttrString(parent, "_holds");
        if (pholds == NULL) {
            Py_DECREF(key);
            return NULL;
        }
        parent_passed = PySequence_Contains(pholds, key);
        Py_DECREF(pholds);
        if (parent_passed < 0) {
            Py_DECREF(key);
            return NULL;
        }
    }
    if (parent_passed) {
        PyObject *parent;
        PyObject *added = msgset_added_impl(self, &parent);
        if (added == NULL) {
            Py_DECREF(key);
            return NULL;
        }
        ok = all_of(added, pred);
        Py_DECREF(added);
    }
    else
        ok = all_of(op, pred);
    if (ok < 0) {
        Py_DECREF(key);
        return NULL;
    }
    if (ok) {
        holds = self->holds;  /* (the predicate may have run code) */
        Py_ssize_t n = PyTuple_GET_SIZE(holds);
        PyObject *grown = PyTuple_New(n + 1);
        if (grown == NULL) {
            Py_DECREF(key);
            return NULL;
        }
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_INCREF(PyTuple_GET_ITEM(holds, k));
            PyTuple_SET_ITEM(grown, k, PyTuple_GET_ITEM(holds, k));
        }
        PyTuple_SET_ITEM(grown, n, key);  /* takes the reference */
        Py_SETREF(self->holds, grown);
        Py_RETURN_TRUE;
    }
    Py_DECREF(key);
    Py_RETURN_FALSE;
}

/* `old` with m added at its place in sorted order: (*old, m) when m goes last, else _ordered((*old, m)) */
static PyObject *
with_message(PyObject *old, PyObject *m)
{
    Py_ssize_t n = PyTuple_GET_SIZE(old);
    int last = PyObject_RichCompareBool(PyTuple_GET_ITEM(old, n - 1), m, Py_LT);
    if (last < 0) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return NULL;
        PyErr_Clear();
        last = 0;
    }
    PyObject *grown = PyTuple_New(n + 1);
    if (grown == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_INCREF(PyTuple_GET_ITEM(old, k));
        PyTuple_SET_ITEM(grown, k, PyTuple_GET_ITEM(old, k));
    }
    Py_INCREF(m);
    PyTuple_SET_ITEM(grown, n, m);
    if (last)
        return grown;
    PyObject *out = PyObject_CallOneArg(ordered, grown);
    Py_DECREF(grown);
    return out;
}

/* MsgSet._inherit: the indexes of every field combination the parent has, plus the added messages */
static PyObject *
msgset_inherit(PyObject *op, PyObject *unused)
{
    MsgSetObject *self = (MsgSetObject *)op;
    PyObject *link = self->index;
    int fresh = link == NULL || link == Py_None;
    PyObject *pindex = NULL;
    if (!fresh) {
        if (!PyTuple_Check(link) || PyTuple_GET_SIZE(link) < 1) {
            PyErr_SetString(PyExc_TypeError, "_inherit: _index is neither None nor a link");
            return NULL;
        }
        PyObject *parent = PyTuple_GET_ITEM(link, 0);
        pindex = MsgSet_Check(parent) ? ((MsgSetObject *)parent)->index : NULL;
        fresh = pindex == NULL || !PyDict_CheckExact(pindex) || PyDict_GET_SIZE(pindex) == 0;
    }
    if (fresh) {
        PyObject *index = PyDict_New();
        if (index == NULL)
            return NULL;
        PyObject *shapes = PyFrozenSet_New(NULL);
        if (shapes == NULL) {
            Py_DECREF(index);
            return NULL;
        }
        Py_XSETREF(self->index, index);
        Py_XSETREF(self->shapes, shapes);
        Py_INCREF(index);
        return index;
    }
    PyObject *parent;
    PyObject *added = msgset_added_impl(self, &parent);
    if (added == NULL)
        return NULL;
    Py_INCREF(parent);  /* self->index (the link) holds it until replaced below */
    MsgSetObject *p = (MsgSetObject *)parent;
    PyObject *index = PyDict_Copy(p->index);
    PyObject *shapes = p->shapes;
    if (index == NULL || shapes == NULL) {
        if (index != NULL)
            PyErr_SetString(PyExc_AttributeError, "_shapes");
        Py_XDECREF(index);
        Py_DECREF(added);
        Py_DECREF(parent);
        return NULL;
    }
    Py_INCREF(shapes);
    PyObject *it = PyObject_GetIter(added);
    if (it == NULL)
        goto fail;
    PyObject *m;
    while ((m = PyIter_Next(it)) != NULL) {
        PyObject *cache_key = PyTuple_Pack(2, (PyObject *)Py_TYPE(m), shapes);
        if (cache_key == NULL) {
            Py_DECREF(m);
            goto fail_it;
        }
        PyObject *keys_of = PyDict_GetItemWithError(keys_table, cache_key);  /* borrowed */
        int truthy = keys_of == NULL ? 0 : PyObject_IsTrue(keys_of);
        if (truthy < 0 || (keys_of == NULL && PyErr_Occurred())) {
            Py_DECREF(cache_key);
            Py_DECREF(m);
            goto fail_it;
        }
        if (truthy)
            Py_INCREF(keys_of);
        else
            keys_of = PyObject_CallFunctionObjArgs(keys_function, (PyObject *)Py_TYPE(m), shapes, NULL);
        Py_DECREF(cache_key);
        if (keys_of == NULL) {
            Py_DECREF(m);
            goto fail_it;
        }
        PyObject *keys = PyObject_CallOneArg(keys_of, m);
        Py_DECREF(keys_of);
        if (keys == NULL) {
            Py_DECREF(m);
            goto fail_it;
        }
        PyObject *kit = PyObject_GetIter(keys);
        Py_DECREF(keys);
        if (kit == NULL) {
            Py_DECREF(m);
            goto fail_it;
        }
        PyObject *k;
        while ((k = PyIter_Next(kit)) != NULL) {
            PyObject *old = PyDict_GetItemWithError(index, k);  /* borrowed */
            PyObject *val;
            if (old == NULL && PyErr_Occurred())
                val = NULL;
            else if (old == NULL || !PyTuple_Check(old) || PyTuple_GET_SIZE(old) == 0) {
                int t = old == NULL ? 0 : PyObject_IsTrue(old);
                if (t < 0)
                    val = NULL;
                else if (t) {  /* a non-empty non-tuple: as the Python code, (*old, m) */
                    PyObject *tup = PySequence_Tuple(old);
                    val = tup == NULL ? NULL : with_message(tup, m);
                    Py_XDECREF(tup);
                }
                else
                    val = PyTuple_Pack(1, m);
            }
            else {
                Py_INCREF(old);
                val = with_message(old, m);
                Py_DECREF(old);
            }
            int bad = val == NULL || PyDict_SetItem(index, k, val) < 0;
            Py_XDECREF(val);
            Py_DECREF(k);
            if (bad) {
                Py_DECREF(kit);
                Py_DECREF(m);
                goto fail_it;
            }
        }
        Py_DECREF(kit);
        Py_DECREF(m);
        if (PyErr_Occurred())
            goto fail_it;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        goto fail;
    Py_DECREF(added);
    Py_INCREF(index);
    Py_XSETREF(self->index, index);  /* the parent may now be freed */
    Py_XSETREF(self->shapes, shapes);
    Py_DECREF(parent);
    return index;
fail_it:
    Py_DECREF(it);
fail:
    Py_DECREF(index);
    Py_DECREF(shapes);
    Py_DECREF(added);
    Py_DECREF(parent);
    return NULL;
}


/* MsgSet.where(**fields): the messages whose named fields equal the given values */
static PyObject *
msgset_where(PyObject *op, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 0 || py_where == NULL) {  /* (the Python method raises the error) */
        PyObject *stack[8];
        Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
        if (py_where == NULL || 1 + nargs + nkw > 8) {
            PyErr_SetString(PyExc_TypeError, "where() takes field=value keyword arguments only");
            return NULL;
        }
        stack[0] = op;
        for (Py_ssize_t k = 0; k < nargs + nkw; k++)
            stack[1 + k] = args[k];
        return PyObject_Vectorcall(py_where, stack, 1 + nargs, kwnames);
    }
    MsgSetObject *self = (MsgSetObject *)op;
    PyObject *index = self->index;
    if (index != NULL && PyDict_CheckExact(index))
        Py_INCREF(index);
    else if ((index = msgset_inherit(op, NULL)) == NULL)
        return NULL;
    /* frozenset(fields.items()): hashed once per object, see values._canonical */
    PyObject *key = PyFrozenSet_New(NULL);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (key == NULL)
        goto fail_index;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *item = PyTuple_Pack(2, PyTuple_GET_ITEM(kwnames, k), args[k]);
        if (item == NULL || PySet_Add(key, item) < 0) {
            Py_XDECREF(item);
            goto fail_key;
        }
        Py_DECREF(item);
    }
    PyObject *found = PyDict_GetItemWithError(index, key);
    if (found != NULL && found != Py_None)
        Py_INCREF(found);
    else if (PyErr_Occurred())
        goto fail_key;
    else {
        PyObject *names = kwnames == NULL ? PyTuple_New(0) : (Py_INCREF(kwnames), kwnames);
        if (names == NULL)
            goto fail_key;
        found = PyObject_CallMethodObjArgs(op, str_fill, index, key, names, NULL);
        Py_DECREF(names);
        if (found == NULL)
            goto fail_key;
    }
    Py_DECREF(index);
    if (PyList_GET_SIZE(record_list)) {  /* a run being remembered by what it asked (spec.reads) */
        PyObject *last = PyList_GET_ITEM(record_list, PyList_GET_SIZE(record_list) - 1);
        PyObject *entry = PyTuple_Pack(3, op, key, found);
        if (entry == NULL || PyList_Append(last, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(key);
            Py_DECREF(found);
            return NULL;
        }
        Py_DECREF(entry);
    }
    Py_DECREF(key);
    return found;
fail_key:
    Py_DECREF(key);
fail_index:
    Py_DECREF(index);
    return NULL;
}

static PyMemberDef msgset_members[] = {
    {"_index", T_OBJECT_EX, offsetof(MsgSetObject, index), 0, NULL},
    {"_shapes", T_OBJECT_EX, offsetof(MsgSetObject, shapes), 0, NULL},
    {"_holds", T_OBJECT_EX, offsetof(MsgSetObject, holds), 0, NULL},
    {NULL},
};

static PyMethodDef msgset_methods[] = {
    {"all", (PyCFunction)msgset_all, METH_O, "\\A m \\in msgs : pred(m) (see spec.values.MsgSet.all)"},
    {"_added", (PyCFunction)msgset_added, METH_NOARGS, "(parent, the messages added to it)"},
    {"_inherit", (PyCFunction)msgset_inherit, METH_NOARGS, "the indexes, made from the parent's"},
    {"where", (PyCFunction)(void (*)(void))msgset_where, METH_FASTCALL | METH_KEYWORDS,
     "The messages whose named fields equal the given values (see spec.values.MsgSet.where)."},
    {NULL},
};

static PyNumberMethods msgset_as_number = {
    .nb_or = msgset_or,
};

static PyTypeObject MsgSetBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spec._native.MsgSetBase",
    .tp_basicsize = sizeof(MsgSetObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_doc = "frozenset with spec.values.MsgSet's slots and its hot methods compiled",
    .tp_traverse = (traverseproc)msgset_traverse,
    .tp_clear = (inquiry)msgset_clear,
    .tp_dealloc = (destructor)msgset_dealloc,
    .tp_as_number = &msgset_as_number,
    .tp_members = msgset_members,
    .tp_methods = msgset_methods,
};


/* -- MemoBase: spec.reads._Memo's lookup ---------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *fn, *plain, *get_field, *keys, *now, *off;
} MemoObject;

/* _Memo.__call__: the result remembered under the answers s.F's index gives, else the run (in Python) */
static PyObject *
memo_call_one(PyObject *op, PyObject *s)
{
    MemoObject *self = (MemoObject *)op;
    if (self->off == NULL || self->plain == NULL || self->get_field == NULL || self->now == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_Memo: not initialised");
        return NULL;
    }
    int off = PyObject_IsTrue(self->off);
    if (off < 0)
        return NULL;
    if (off)
        return PyObject_CallOneArg(self->plain, s);
    PyObject *ms = PyObject_CallOneArg(self->get_field, s);
    if (ms == NULL)
        return NULL;
    if ((PyObject *)Py_TYPE(ms) != msgset_cls) {
        Py_DECREF(ms);
        return PyObject_CallOneArg(self->plain, s);
    }
    PyObject *index = ((MsgSetObject *)ms)->index;
    if (index != NULL && PyDict_CheckExact(index))
        Py_INCREF(index);
    else if ((index = msgset_inherit(ms, NULL)) == NULL) {
        Py_DECREF(ms);
        return NULL;
    }
    PyObject *now = self->now;
    Py_INCREF(now);  /* (answers_of, table), read as one pair */
    PyObject *found = NULL;
    if (PyTuple_CheckExact(now) && PyTuple_GET_SIZE(now) == 2 && PyDict_CheckExact(PyTuple_GET_ITEM(now, 1))) {
        PyObject *answers = PyObject_CallOneArg(PyTuple_GET_ITEM(now, 0), index);
        if (answers == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError))
                goto fail;
            PyErr_Clear();  /* a question this set's lineage never asked: answered by the run below */
        }
        else {
            found = PyDict_GetItemWithError(PyTuple_GET_ITEM(now, 1), answers);
            Py_DECREF(answers);
            if (found == NULL && PyErr_Occurred()) {
                if (!PyErr_ExceptionMatches(PyExc_KeyError))
                    goto fail;
                PyErr_Clear();
            }
            Py_XINCREF(found);
        }
    }
    else {
        PyErr_SetString(PyExc_TypeError, "_Memo.now: not an (answers_of, table) pair");
        goto fail;
    }
    Py_DECREF(now);
    Py_DECREF(index);
    if (found == NULL)
        found = PyObject_CallMethodObjArgs(op, str_locked_run, s, ms, NULL);
    Py_DECREF(ms);
    return found;
fail:
    Py_DECREF(now);
    Py_DECREF(index);
    Py_DECREF(ms);
    return NULL;
}

static PyObject *
memo_call(PyObject *op, PyObject *args, PyObject *kwds)
{
    PyObject *s;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "_Memo() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "_Memo", 1, 1, &s))
        return NULL;
    return memo_call_one(op, s);
}

static int
memo_traverse(MemoObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fn);
    Py_VISIT(self->plain);
    Py_VISIT(self->get_field);
    Py_VISIT(self->keys);
    Py_VISIT(self->now);
    Py_VISIT(self->off);
    return 0;
}

static int
memo_clear(MemoObject *self)
{
    Py_CLEAR(self->fn);
    Py_CLEAR(self->plain);
    Py_CLEAR(self->get_field);
    Py_CLEAR(self->keys);
    Py_CLEAR(self->now);
    Py_CLEAR(self->off);
    return 0;
}

static void
memo_dealloc(MemoObject *self)
{
    PyObject_GC_UnTrack(self);
    memo_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef memo_members[] = {
    {"fn", T_OBJECT_EX, offsetof(MemoObject, fn), 0, NULL},
    {"plain", T_OBJECT_EX, offsetof(MemoObject, plain), 0, NULL},
    {"get_field", T_OBJECT_EX, offsetof(MemoObject, get_field), 0, NULL},
    {"keys", T_OBJECT_EX, offsetof(MemoObject, keys), 0, NULL},
    {"now", T_OBJECT_EX, offsetof(MemoObject, now), 0, NULL},
    {"off", T_OBJECT_EX, offsetof(MemoObject, off), 0, NULL},
    {NULL},
};

static PyMethodDef memo_methods[] = {
    {"call", (PyCFunction)memo_call_one, METH_O, "the memo's lookup, as a bound method (see spec.reads._Memo)"},
    {NULL},
};

static PyTypeObject MemoBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spec._native.MemoBase",
    .tp_basicsize = sizeof(MemoObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_doc = "spec.reads._Memo's slots and its lookup compiled",
    .tp_new = PyType_GenericNew,
    .tp_call = memo_call,
    .tp_traverse = (traverseproc)memo_traverse,
    .tp_clear = (inquiry)memo_clear,
    .tp_dealloc = (destructor)memo_dealloc,
    .tp_members = memo_members,
    .tp_methods = memo_methods,
};

/* -- NamedTuple constructors ----------------------------------------------------------------------- */

/* A NamedTuple's __new__ is Python (`lambda _cls, a, b: _tuple_new(_cls, (a, b))`): a frame and a tuple
 * for every message a step builds. Called with exactly its fields by position, the class is built here
 * as tuple.__new__ builds a subclass (the same object: type, items, size); anything else (keywords,
 * defaults, a wrong count and its error) is the class's own call. Set on one class only: a class's
 * tp_vectorcall is never inherited, so a subclass with its own __new__ or __init__ is called as before. */
static PyObject *
record_new_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    PyTypeObject *type = (PyTypeObject *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if ((kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0) && type->tp_init == PyTuple_Type.tp_init) {
        /* the class's constructor still the one fast_new saw (a __new__ or __init__ set later is obeyed) */
        PyObject *fields = PyDict_GetItemWithError(type->tp_dict, str_fields);  /* borrowed */
        PyObject *seen = fields == NULL ? NULL : PyDict_GetItemWithError(fast_classes, callable);
        PyObject *now = seen == NULL ? NULL : PyDict_GetItemWithError(type->tp_dict, str_new);
        if (now != NULL && now == seen && PyTuple_CheckExact(fields) && PyTuple_GET_SIZE(fields) == nargs) {
            PyObject *r = type->tp_alloc(type, nargs);
            if (r == NULL)
                return NULL;
            for (Py_ssize_t i = 0; i < nargs; i++) {
                Py_INCREF(args[i]);
                PyTuple_SET_ITEM(r, i, args[i]);
            }
            return r;
        }
        if (PyErr_Occurred())
            return NULL;
    }
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *pos = PyTuple_New(nargs), *kw = NULL, *r = NULL;
    if (pos == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(pos, i, args[i]);
    }
    if (nkw > 0) {
        kw = PyDict_New();
        if (kw == NULL)
            goto done;
        for (Py_ssize_t i = 0; i < nkw; i++)
            if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0)
                goto done;
    }
    r = PyType_Type.tp_call(callable, pos, kw);
done:
    Py_DECREF(pos);
    Py_XDECREF(kw);
    return r;
}

static PyObject *
native_fast_new(PyObject *mod, PyObject *cls)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type) ||
        !(((PyTypeObject *)cls)->tp_flags & Py_TPFLAGS_HEAPTYPE) || Py_TYPE(cls) != &PyType_Type) {
        PyErr_SetString(PyExc_TypeError, "fast_new: a NamedTuple class (a heap subclass of tuple) is wanted");
        return NULL;
    }
    PyObject *new = PyDict_GetItemWithError(((PyTypeObject *)cls)->tp_dict, str_new);
    if (new == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "fast_new: the class has no __new__ of its own");
        return NULL;
    }
    if (PyDict_SetItem(fast_classes, cls, new) < 0)
        return NULL;
    ((PyTypeObject *)cls)->tp_vectorcall = record_new_vectorcall;
    Py_RETURN_NONE;
}

/* -- the module ------------------------------------------------------------------------------------ */

static PyObject *
native_configure(PyObject *mod, PyObject *args)
{
    PyObject *exc, *cls, *table, *kf, *ord, *pk, *rec, *wh;
    if (!PyArg_ParseTuple(args, "OO!O!OOOO!O:configure", &exc, &PyType_Type, &cls, &PyDict_Type, &table, &kf, &ord,
                          &pk, &PyList_Type, &rec, &wh))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)cls, &MsgSetBaseType)) {
        PyErr_SetString(PyExc_TypeError, "configure: the MsgSet class must derive from MsgSetBase");
        return NULL;
    }
    Py_INCREF(exc);
    Py_XSETREF(py_except, exc);
    Py_INCREF(cls);
    Py_XSETREF(msgset_cls, cls);
    Py_INCREF(table);
    Py_XSETREF(keys_table, table);
    Py_INCREF(kf);
    Py_XSETREF(keys_function, kf);
    Py_INCREF(ord);
    Py_XSETREF(ordered, ord);
    Py_INCREF(pk);
    Py_XSETREF(predicate_key, pk);
    Py_INCREF(rec);
    Py_XSETREF(record_list, rec);
    Py_INCREF(wh);
    Py_XSETREF(py_where, wh);
    Py_RETURN_NONE;
}

static PyMethodDef native_methods[] = {
    {"EXCEPT", (PyCFunction)(void (*)(void))native_except, METH_FASTCALL | METH_KEYWORDS,
     "[f EXCEPT ![i] = v] for a function of 0..n-1 held as a tuple (f itself if already so)."},
    {"fast_new", native_fast_new, METH_O, "build the NamedTuple class's instances here when called with every field"},
    {"configure", native_configure, METH_VARARGS, "hand over the Python functions and tables of spec.values"},
    {NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "spec._native", "The hot parts of spec.values, compiled (see spec/_native.c).", -1,
    native_methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    MsgSetBaseType.tp_base = &PyFrozenSet_Type;
    if (PyType_Ready(&MsgSetBaseType) < 0 || PyType_Ready(&ReplaceType) < 0 || PyType_Ready(&MemoBaseType) < 0)
        return NULL;
    str_fill = PyUnicode_InternFromString("_fill");
    str_locked_run = PyUnicode_InternFromString("_locked_run");
    str_fields = PyUnicode_InternFromString("_fields");
    str_new = PyUnicode_InternFromString("__new__");
    fast_classes = PyDict_New();
    if (str_fill == NULL || str_locked_run == NULL || str_fields == NULL || str_new == NULL || fast_classes == NULL)
        return NULL;
    empty_tuple = PyTuple_New(0);
    function_type = &PyFunction_Type;
    PyObject *m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "API", 3) < 0)  /* spec/values.py checks it: a stale build is not used */
        return NULL;
    Py_INCREF(&MsgSetBaseType);
    Py_INCREF(&ReplaceType);
    Py_INCREF(&MemoBaseType);
    if (PyModule_AddObject(m, "MsgSetBase", (PyObject *)&MsgSetBaseType) < 0 ||
        PyModule_AddObject(m, "Replace", (PyObject *)&ReplaceType) < 0 ||
        PyModule_AddObject(m, "MemoBase", (PyObject *)&MemoBaseType) < 0)
        return NULL;
    return m;
}
