/* The exact-Jaccard step of gongkai/opinion/analysis/dedupe.py (NearDuplicateIndex), compiled.
 *
 *   jaccard_pairs(tagged, starts, counts, posts, ring, b_starts, b_lengths, cutoffs, out)
 *
 * does what dedupe._jaccard_with_batch returns, into `out` (float64, one per pair): pair p is the
 * batch's post posts[p] (its sorted 16-bit set is the low half of tagged[starts[post] ..
 * starts[post] + counts[post]]) against the stored set of b_lengths[p] values at b_starts[p] in the
 * ring (indexes modulo its size); only values below cutoffs[p] count, on both sides. The sets are
 * sorted, so each pair is one merge of two short arrays instead of numpy's lookup of every stored
 * value in the whole batch. Counts are integers and the ratio is one division of two doubles, as
 * numpy's: the answers are identical (tests/test_dedupe.py compares them).
 *
 * Arrays come through the buffer protocol, C-contiguous: tagged uint32, ring uint16, out float64,
 * the others int64 (dedupe.py converts them). Every index is checked.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_buffer.h"

static PyObject *
jaccard_pairs(PyObject *self, PyObject *args)
{
    PyObject *objects[9];
    if (!PyArg_UnpackTuple(args, "jaccard_pairs", 9, 9, &objects[0], &objects[1], &objects[2], &objects[3],
                           &objects[4], &objects[5], &objects[6], &objects[7], &objects[8]))
        return NULL;
    static const Py_ssize_t sizes[9] = {4, 8, 8, 8, 2, 8, 8, 8, 8};
    static const char *names[9] = {"tagged", "starts",   "counts",  "posts", "ring",
                                   "b_starts", "b_lengths", "cutoffs", "out"};
    Py_buffer views[9];
    int got = 0;
    for (; got < 9; got++) {
        if (get(objects[got], &views[got], sizes[got], got == 8, names[got]) < 0)
            goto error;
    }
    const uint32_t *tagged = views[0].buf;
    const int64_t *starts = views[1].buf, *counts = views[2].buf, *posts = views[3].buf;
    const uint16_t *ring = views[4].buf;
    const int64_t *b_starts = views[5].buf, *b_lengths = views[6].buf, *cutoffs = views[7].buf;
    double *out = views[8].buf;
    Py_ssize_t n_tagged = views[0].len / 4, n_posts = views[1].len / 8, n_ring = views[4].len / 2;
    Py_ssize_t n_pairs = views[3].len / 8;
    if (views[2].len / 8 != n_posts || views[5].len / 8 != n_pairs || views[6].len / 8 != n_pairs ||
        views[7].len / 8 != n_pairs || views[8].len / 8 != n_pairs) {
        PyErr_SetString(PyExc_ValueError, "jaccard_pairs: arrays of different lengths");
        goto error;
    }
    for (Py_ssize_t p = 0; p < n_pairs; p++) {
        int64_t post = posts[p];
        if (post < 0 || post >= n_posts || starts[post] < 0 || counts[post] < 0 ||
            starts[post] + counts[post] > n_tagged || b_starts[p] < 0 || b_starts[p] >= (n_ring ? n_ring : 1) ||
            b_lengths[p] < 0 || b_lengths[p] > n_ring) {
            PyErr_SetString(PyExc_IndexError, "jaccard_pairs: an index out of range");
            goto error;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t p = 0; p < n_pairs; p++) {
        const uint32_t *a = tagged + starts[posts[p]];
        int64_t size_a = counts[posts[p]], length_b = b_lengths[p], at = b_starts[p];
        int64_t cutoff = cutoffs[p];
        /* the sets are sorted: values at or above the cut-off are at their ends */
        while (size_a > 0 && (int64_t)(a[size_a - 1] & 0xFFFF) >= cutoff)
            size_a--;
        int64_t i = 0, j = 0, inter = 0, size_b = 0;
        for (; j < length_b; j++) {
            int64_t slot = at + j;
            if (slot >= n_ring)
                slot -= n_ring;
            int64_t value = ring[slot];
            if (value >= cutoff)
                break;
            size_b++;
            while (i < size_a && (int64_t)(a[i] & 0xFFFF) < value)
                i++;
            if (i < size_a && (int64_t)(a[i] & 0xFFFF) == value) {
                inter++;
                i++;
            }
        }
        int64_t union_ = size_a + size_b - inter;
        out[p] = union_ > 0 ? (double)inter / (double)union_ : 0.0;
    }
    Py_END_ALLOW_THREADS
    for (int k = 0; k < 9; k++)
        PyBuffer_Release(&views[k]);
    Py_RETURN_NONE;
error:
    for (int k = 0; k < got; k++)
        PyBuffer_Release(&views[k]);
    return NULL;
}

static PyMethodDef methods[] = {
    {"jaccard_pairs", jaccard_pairs, METH_VARARGS, "dedupe._jaccard_with_batch into `out`, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_dedupe_core", "The compiled exact-Jaccard step of dedupe.NearDuplicateIndex.",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__dedupe_core(void)
{
    return PyModule_Create(&module);
}
