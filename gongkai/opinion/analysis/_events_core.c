/* The hot path of gongkai/opinion/analysis/events.py (EventClusterer), compiled.
 *
 * Three functions that do, on the clusterer's own Python objects (its dicts of words, posting lists
 * and centroids), exactly what the pure-Python methods do: the same floating-point operations in the
 * same order, so that both paths give the same bits, hence the same events. They are used when this
 * module was built (`pip install -e .` compiles it; without a C compiler the Python path runs alone);
 * tests/test_events.py compares the two paths on generated streams.
 *
 *   vectorize(tokens, known, keep, df, index, log_e, ln1p, recurrence, max_terms)
 *       = EventClusterer._vectorize(_filter(tokens)) without the n_docs bookkeeping: the post's
 *       distinct kept words (first occurrence order, or the max_terms heaviest of a long post,
 *       heaviest first), their unit-vector weights and their posting-list lengths. None when no word
 *       is kept; False when a token is not in `known` yet (the caller classifies the tokens, then
 *       calls again). In both cases df is untouched.
 *   best_event(terms, weights, lengths, index, events, topic_set, bonus, threshold, young_discount,
 *              max_candidates) = EventClusterer._best_event.
 *   add_vector(vec, terms, weights, norm2, index, ev_key, crowd) = the centroid part of
 *       EventClusterer._add_to_event: returns (norm2, the words whose posting list got crowded).
 *
 * Built with -ffp-contract=off (setup.py): a fused multiply-add would round differently.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *s_vec, *s_norm, *s_size, *s_topics;

/* obj.<name> as a double into *out; -1 with the exception set when it is missing or not a number */
static int
attr_double(PyObject *obj, PyObject *name, double *out)
{
    PyObject *attribute = PyObject_GetAttr(obj, name);
    if (attribute == NULL)
        return -1;
    *out = PyFloat_AsDouble(attribute);
    Py_DECREF(attribute);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* dict[key] = float(value); -1 with the exception set on failure */
static int
set_double(PyObject *dict, PyObject *key, double value)
{
    PyObject *number = PyFloat_FromDouble(value);
    if (number == NULL)
        return -1;
    int failed = PyDict_SetItem(dict, key, number);
    Py_DECREF(number);
    return failed;
}

/* ---------------------------------------------------------------------------------------- vectorize */

static PyObject *
vectorize(PyObject *self, PyObject *args)
{
    PyObject *tokens, *known, *keep, *df, *index, *ln1p, *recurrence;
    double log_e;
    Py_ssize_t max_terms;
    if (!PyArg_ParseTuple(args, "OO!O!O!O!dO!O!n", &tokens, &PySet_Type, &known, &PySet_Type, &keep,
                          &PyDict_Type, &df, &PyDict_Type, &index, &log_e, &PyList_Type, &ln1p, &PyList_Type,
                          &recurrence, &max_terms))
        return NULL;
    PyObject *seq = PySequence_Fast(tokens, "tokens must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n_tokens = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *position = NULL, *terms = NULL, *lengths = NULL, *result = NULL;
    Py_ssize_t *counts = NULL;
    double *w = NULL;
    Py_ssize_t *order = NULL;
    Py_ssize_t n = 0;

    position = PyDict_New();
    terms = PyList_New(0);
    counts = PyMem_Malloc(sizeof(Py_ssize_t) * (n_tokens ? n_tokens : 1));
    if (position == NULL || terms == NULL || counts == NULL)
        goto error;
    /* _filter, then collections.Counter's order: distinct kept words in order of first occurrence */
    for (Py_ssize_t t = 0; t < n_tokens; t++) {
        PyObject *token = items[t];
        int classified = PySet_Contains(known, token);
        if (classified < 0)
            goto error;
        if (!classified) {
            result = Py_NewRef(Py_False);
            goto done;
        }
        int kept = PySet_Contains(keep, token);
        if (kept < 0)
            goto error;
        if (!kept)
            continue;
        PyObject *at = PyDict_GetItemWithError(position, token);
        if (at != NULL) {
            counts[PyLong_AsSsize_t(at)] += 1;
            continue;
        }
        if (PyErr_Occurred())
            goto error;
        PyObject *number = PyLong_FromSsize_t(n);
        if (number == NULL)
            goto error;
        int failed = PyDict_SetItem(position, token, number);
        Py_DECREF(number);
        if (failed || PyList_Append(terms, token) < 0)
            goto error;
        counts[n++] = 1;
    }
    if (n == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    lengths = PyList_New(n);
    w = PyMem_Malloc(sizeof(double) * n);
    if (lengths == NULL || w == NULL)
        goto error;
    Py_ssize_t n_ln1p = PyList_GET_SIZE(ln1p), n_recurrence = PyList_GET_SIZE(recurrence);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        /* seen = df.get(word, 0) + 1; df[word] = seen */
        PyObject *old = PyDict_GetItemWithError(df, term);
        long long seen = 1;
        if (old != NULL) {
            seen = PyLong_AsLongLong(old);
            if (seen == -1 && PyErr_Occurred())
                goto error;
            seen += 1;
        }
        else if (PyErr_Occurred())
            goto error;
        PyObject *seen_object = PyLong_FromLongLong(seen);
        if (seen_object == NULL)
            goto error;
        int failed = PyDict_SetItem(df, term, seen_object);
        Py_DECREF(seen_object);
        if (failed)
            goto error;
        PyObject *postings = PyDict_GetItemWithError(index, term);
        Py_ssize_t length = 0;
        if (postings != NULL) {
            length = PyObject_Length(postings);
            if (length < 0)
                goto error;
        }
        else if (PyErr_Occurred())
            goto error;
        double weight;
        if (length > 0) {
            double ln;
            if (length < n_ln1p) {
                ln = PyFloat_AsDouble(PyList_GET_ITEM(ln1p, length));
                if (ln == -1.0 && PyErr_Occurred())
                    goto error;
            }
            else
                ln = log((double)(length + 1));
            weight = log_e - ln;
        }
        else
            weight = log_e;
        if (seen < n_recurrence) {
            double factor = PyFloat_AsDouble(PyList_GET_ITEM(recurrence, (Py_ssize_t)seen));
            if (factor == -1.0 && PyErr_Occurred())
                goto error;
            weight *= factor;
        }
        if (counts[i] > 1)
            weight *= 1.0 + log((double)counts[i]);
        w[i] = weight;
        PyObject *length_object = PyLong_FromSsize_t(length);
        if (length_object == NULL)
            goto error;
        PyList_SET_ITEM(lengths, i, length_object);
    }
    /* long articles: their max_terms heaviest words, heaviest first, equal weights by word (what
       sorting by word, then stably by weight, gives) */
    Py_ssize_t kept_n = n;
    order = PyMem_Malloc(sizeof(Py_ssize_t) * n);
    if (order == NULL)
        goto error;
    for (Py_ssize_t i = 0; i < n; i++)
        order[i] = i;
    if (n > max_terms) {
        for (Py_ssize_t i = 1; i < n; i++) {
            Py_ssize_t item = order[i], j = i;
            while (j > 0) {
                Py_ssize_t other = order[j - 1];
                int before = w[item] > w[other] ||
                             (w[item] == w[other] &&
                              PyUnicode_Compare(PyList_GET_ITEM(terms, item), PyList_GET_ITEM(terms, other)) < 0);
                if (!before)
                    break;
                order[j] = other;
                j--;
            }
            order[j] = item;
        }
        if (PyErr_Occurred())
            goto error;
        kept_n = max_terms > 0 ? max_terms : 0;
    }
    double squares = 0.0;
    for (Py_ssize_t k = 0; k < kept_n; k++)
        squares += w[order[k]] * w[order[k]];
    double inv = 1.0 / sqrt(squares);
    PyObject *out_terms = PyList_New(kept_n), *out_weights = PyList_New(kept_n), *out_lengths = PyList_New(kept_n);
    if (out_terms == NULL || out_weights == NULL || out_lengths == NULL) {
        Py_XDECREF(out_terms);
        Py_XDECREF(out_weights);
        Py_XDECREF(out_lengths);
        goto error;
    }
    for (Py_ssize_t k = 0; k < kept_n; k++) {
        Py_ssize_t i = order[k];
        PyList_SET_ITEM(out_terms, k, Py_NewRef(PyList_GET_ITEM(terms, i)));
        PyList_SET_ITEM(out_lengths, k, Py_NewRef(PyList_GET_ITEM(lengths, i)));
        PyObject *value = PyFloat_FromDouble(w[i] * inv);
        if (value == NULL) {
            Py_DECREF(out_terms);
            Py_DECREF(out_weights);
            Py_DECREF(out_lengths);
            goto error;
        }
        PyList_SET_ITEM(out_weights, k, value);
    }
    result = Py_BuildValue("(NNN)", out_terms, out_weights, out_lengths);
    goto done;
error:
    result = NULL;
done:
    Py_DECREF(seq);
    Py_XDECREF(position);
    Py_XDECREF(terms);
    Py_XDECREF(lengths);
    PyMem_Free(counts);
    PyMem_Free(w);
    PyMem_Free(order);
    return result;
}

/* --------------------------------------------------------------------------------------- best_event */

typedef struct {
    Py_ssize_t length;
    PyObject *term; /* borrowed from the terms list */
    double weight;
} Ranked;

/* (length, term) order; terms are distinct, so the weight never decides */
static int
ranked_less(const Ranked *a, const Ranked *b)
{
    if (a->length != b->length)
        return a->length < b->length;
    return PyUnicode_Compare(a->term, b->term) < 0;
}

static PyObject *
best_event(PyObject *self, PyObject *args)
{
    PyObject *terms, *weights, *lengths, *index, *events, *topic_set;
    double bonus, threshold, young_discount;
    Py_ssize_t max_candidates;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!Odddn", &PyList_Type, &terms, &PyList_Type, &weights,
                          &PyList_Type, &lengths, &PyDict_Type, &index, &PyDict_Type, &events, &topic_set,
                          &bonus, &threshold, &young_discount, &max_candidates))
        return NULL;
    Py_ssize_t n_all = PyList_GET_SIZE(terms);
    if (PyList_GET_SIZE(weights) != n_all || PyList_GET_SIZE(lengths) != n_all) {
        PyErr_SetString(PyExc_ValueError, "terms, weights and lengths differ in length");
        return NULL;
    }
    if (topic_set != Py_None && !PyAnySet_Check(topic_set)) {
        PyErr_SetString(PyExc_TypeError, "topic_set must be a set or None");
        return NULL;
    }
    Ranked *ranked = PyMem_Malloc(sizeof(Ranked) * (n_all ? n_all : 1));
    double *squares = PyMem_Malloc(sizeof(double) * (n_all ? n_all : 1));
    long long *seen = PyMem_Malloc(sizeof(long long) * (max_candidates > 0 ? max_candidates : 1));
    PyObject *vec = NULL, *attribute = NULL, *best_object = NULL, *result = NULL;
    if (ranked == NULL || squares == NULL || seen == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < n_all; i++) {
        Py_ssize_t length = PyLong_AsSsize_t(PyList_GET_ITEM(lengths, i));
        if (length == -1 && PyErr_Occurred())
            goto error;
        if (length <= 0)
            continue;
        double weight = PyFloat_AsDouble(PyList_GET_ITEM(weights, i));
        if (weight == -1.0 && PyErr_Occurred())
            goto error;
        Ranked item = {length, PyList_GET_ITEM(terms, i), weight};
        /* insertion sort: a post has a few dozen words at most */
        Py_ssize_t j = n;
        while (j > 0 && ranked_less(&item, &ranked[j - 1])) {
            ranked[j] = ranked[j - 1];
            j--;
        }
        ranked[j] = item;
        n++;
    }
    if (PyErr_Occurred())
        goto error;
    long long best_key = -1;
    double best_sim = 0.0;
    if (n == 0)
        goto answer;
    /* squares[k]: the squared norm of the last k + 1 words, accumulated from the last one */
    squares[0] = ranked[n - 1].weight * ranked[n - 1].weight;
    for (Py_ssize_t k = 1; k < n; k++)
        squares[k] = squares[k - 1] + ranked[n - 1 - k].weight * ranked[n - 1 - k].weight;
    best_sim = threshold * (1.0 - young_discount);
    Py_ssize_t budget = max_candidates, n_seen = 0;
    int use_topics = bonus != 0.0 && topic_set != Py_None;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (sqrt(squares[n - 1 - i]) + bonus < best_sim)
            break;
        PyObject *postings = PyDict_GetItemWithError(index, ranked[i].term);
        if (postings == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, ranked[i].term);
            goto error;
        }
        if (!PyDict_Check(postings)) {
            PyErr_SetString(PyExc_TypeError, "a posting list must be a dict");
            goto error;
        }
        Py_ssize_t position = 0;
        PyObject *key, *unused;
        while (PyDict_Next(postings, &position, &key, &unused)) {
            long long ev_key = PyLong_AsLongLong(key);
            if (ev_key == -1 && PyErr_Occurred())
                goto error;
            int met = 0;
            for (Py_ssize_t s = 0; s < n_seen; s++) {
                if (seen[s] == ev_key) {
                    met = 1;
                    break;
                }
            }
            if (met)
                continue;
            if (n_seen < max_candidates)
                seen[n_seen++] = ev_key;
            PyObject *event = PyDict_GetItemWithError(events, key);
            if (event == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetObject(PyExc_KeyError, key);
                goto error;
            }
            vec = PyObject_GetAttr(event, s_vec);
            if (vec == NULL)
                goto error;
            if (!PyDict_Check(vec)) {
                PyErr_SetString(PyExc_TypeError, "an event's vec must be a dict");
                goto error;
            }
            /* the dot product on the words i.., in their order (a missing word adds 0.0) */
            double dot = 0.0;
            for (Py_ssize_t j = i; j < n; j++) {
                PyObject *value = PyDict_GetItemWithError(vec, ranked[j].term);
                double x = 0.0;
                if (value != NULL) {
                    x = PyFloat_AsDouble(value);
                    if (x == -1.0 && PyErr_Occurred())
                        goto error;
                }
                else if (PyErr_Occurred())
                    goto error;
                dot += ranked[j].weight * x;
            }
            Py_CLEAR(vec);
            double norm;
            if (attr_double(event, s_norm, &norm) < 0)
                goto error;
            double sim = dot / norm;
            if (use_topics) {
                attribute = PyObject_GetAttr(event, s_topics);
                if (attribute == NULL)
                    goto error;
                if (!PyDict_Check(attribute)) {
                    PyErr_SetString(PyExc_TypeError, "an event's topics must be a dict");
                    goto error;
                }
                Py_ssize_t topic_position = 0;
                PyObject *topic, *count;
                int shared = 0;
                while (PyDict_Next(attribute, &topic_position, &topic, &count)) {
                    shared = PySet_Contains(topic_set, topic);
                    if (shared != 0)
                        break;
                }
                Py_CLEAR(attribute);
                if (shared < 0)
                    goto error;
                if (shared)
                    sim += bonus;
            }
            double size; /* an int: exact */
            if (attr_double(event, s_size, &size) < 0)
                goto error;
            if (sim >= best_sim && sim >= threshold * (1.0 - young_discount / size)) {
                if (sim > best_sim || best_key < 0 || ev_key < best_key) {
                    best_key = ev_key;
                    best_sim = sim;
                    Py_XSETREF(best_object, Py_NewRef(key));
                }
            }
            budget -= 1;
            if (budget <= 0)
                goto answer;
        }
    }
answer:
    if (best_key >= 0)
        result = Py_BuildValue("(Od)", best_object, best_sim);
    else
        result = Py_BuildValue("(id)", -1, 0.0);
    goto done;
error:
    result = NULL;
done:
    Py_XDECREF(vec);
    Py_XDECREF(attribute);
    Py_XDECREF(best_object);
    PyMem_Free(ranked);
    PyMem_Free(squares);
    PyMem_Free(seen);
    return result;
}

/* --------------------------------------------------------------------------------------- add_vector */

static PyObject *
add_vector(PyObject *self, PyObject *args)
{
    PyObject *vec, *terms, *weights, *index, *ev_key;
    double norm2;
    Py_ssize_t crowd;
    if (!PyArg_ParseTuple(args, "O!O!O!dO!On", &PyDict_Type, &vec, &PyList_Type, &terms, &PyList_Type,
                          &weights, &norm2, &PyDict_Type, &index, &ev_key, &crowd))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(terms);
    if (PyList_GET_SIZE(weights) != n) {
        PyErr_SetString(PyExc_ValueError, "terms and weights differ in length");
        return NULL;
    }
    PyObject *crowded = PyList_New(0);
    if (crowded == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        double weight = PyFloat_AsDouble(PyList_GET_ITEM(weights, i));
        if (weight == -1.0 && PyErr_Occurred())
            goto error;
        PyObject *old = PyDict_GetItemWithError(vec, term);
        if (old == NULL) {
            if (PyErr_Occurred())
                goto error;
            if (set_double(vec, term, weight) < 0)
                goto error;
            norm2 += weight * weight;
            PyObject *postings = PyDict_GetItemWithError(index, term);
            if (postings == NULL) {
                if (PyErr_Occurred())
                    goto error;
                PyObject *fresh = PyDict_New();
                if (fresh == NULL)
                    goto error;
                if (PyDict_SetItem(fresh, ev_key, Py_None) < 0 || PyDict_SetItem(index, term, fresh) < 0) {
                    Py_DECREF(fresh);
                    goto error;
                }
                Py_DECREF(fresh);
            }
            else {
                if (!PyDict_Check(postings)) {
                    PyErr_SetString(PyExc_TypeError, "a posting list must be a dict");
                    goto error;
                }
                if (PyDict_SetItem(postings, ev_key, Py_None) < 0)
                    goto error;
                if (PyDict_GET_SIZE(postings) > crowd && PyList_Append(crowded, term) < 0)
                    goto error;
            }
        }
        else {
            double before = PyFloat_AsDouble(old);
            if (before == -1.0 && PyErr_Occurred())
                goto error;
            double after = before + weight;
            if (set_double(vec, term, after) < 0)
                goto error;
            norm2 += after * after - before * before;
        }
    }
    PyObject *result = Py_BuildValue("(dN)", norm2, crowded);
    return result;
error:
    Py_DECREF(crowded);
    return NULL;
}

static PyMethodDef methods[] = {
    {"vectorize", vectorize, METH_VARARGS, "EventClusterer._vectorize of _filter(tokens), compiled."},
    {"best_event", best_event, METH_VARARGS, "EventClusterer._best_event, compiled."},
    {"add_vector", add_vector, METH_VARARGS, "The centroid part of EventClusterer._add_to_event, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_events_core", "The compiled hot path of events.EventClusterer.", -1, methods,
};

PyMODINIT_FUNC
PyInit__events_core(void)
{
    s_vec = PyUnicode_InternFromString("vec");
    s_norm = PyUnicode_InternFromString("norm");
    s_size = PyUnicode_InternFromString("size");
    s_topics = PyUnicode_InternFromString("topics");
    if (s_vec == NULL || s_norm == NULL || s_size == NULL || s_topics == NULL)
        return NULL;
    return PyModule_Create(&module);
}
