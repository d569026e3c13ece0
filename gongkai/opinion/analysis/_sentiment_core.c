/* The scoring step of gongkai/opinion/analysis/sentiment.py (SentimentModel), compiled.
 *
 *   sums(texts, weight, idf2, bits, ngram_max, numerator, norm2)
 *
 * writes, for text i of the list `texts`, numerator[i] = the sum of weight[bucket] and norm2[i] =
 * the sum of idf2[bucket] over the text's character n-gram occurrences (n = 1 .. ngram_max), where
 * a bucket is what sentiment.ngram_buckets computes with numpy: each code point folded as _fold
 * does (full-width ASCII -> ASCII, U+3000 -> space, A-Z -> a-z), NUL characters dropped, the
 * 64-bit multiply-xorshift hash of the n-gram, its top `bits` bits. The sums are doubles added in
 * the order numpy's bincount adds them (every 1-gram of the text in order, then every 2-gram, ...),
 * so the results are identical to the numpy path (tests/test_sentiment.py compares them).
 *
 * weight and idf2 are float32 tables of 2**bits entries, numerator and norm2 float64 arrays of
 * len(texts) entries, all C-contiguous buffers (sentiment.py passes numpy arrays).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_buffer.h"

#define M1 0x9E3779B97F4A7C15ULL
#define M2 0xC2B2AE3D27D4EB4FULL
#define M3 0x165667B19E3779F9ULL

static inline uint64_t
fold(Py_UCS4 c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        c -= 0xFEE0;
    else if (c == 0x3000)
        c = 0x20;
    if (c >= 0x41 && c <= 0x5A)
        c += 0x20;
    return (uint64_t)c;
}

static PyObject *
sums(PyObject *self, PyObject *args)
{
    PyObject *texts, *weight_object, *idf2_object, *numerator_object, *norm2_object;
    int bits, ngram_max;
    if (!PyArg_ParseTuple(args, "O!OOiiOO:sums", &PyList_Type, &texts, &weight_object, &idf2_object, &bits,
                          &ngram_max, &numerator_object, &norm2_object))
        return NULL;
    if (bits < 1 || bits > 30 || ngram_max < 1 || ngram_max > 8) {
        PyErr_SetString(PyExc_ValueError, "sums: bits must be in 1..30 and ngram_max in 1..8");
        return NULL;
    }
    Py_buffer views[4];
    PyObject *objects[4] = {weight_object, idf2_object, numerator_object, norm2_object};
    static const Py_ssize_t sizes[4] = {4, 4, 8, 8};
    static const char *names[4] = {"weight", "idf2", "numerator", "norm2"};
    int got = 0;
    uint64_t *codes = NULL, *state = NULL;
    for (; got < 4; got++) {
        if (get(objects[got], &views[got], sizes[got], got >= 2, names[got]) < 0)
            goto error;
    }
    const float *weight = views[0].buf, *idf2 = views[1].buf;
    double *numerator = views[2].buf, *norm2 = views[3].buf;
    Py_ssize_t size = (Py_ssize_t)1 << bits, count = PyList_GET_SIZE(texts);
    if (views[0].len / 4 != size || views[1].len / 4 != size) {
        PyErr_SetString(PyExc_ValueError, "sums: weight and idf2 must have 2**bits entries");
        goto error;
    }
    if (views[2].len / 8 != count || views[3].len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "sums: numerator and norm2 must have one entry per text");
        goto error;
    }
    Py_ssize_t capacity = 0;
    const unsigned shift = (unsigned)(64 - bits);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "sums: texts must be strings");
            goto error;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        if (length > capacity) {
            capacity = length * 2 + 16;
            uint64_t *more = PyMem_Realloc(codes, capacity * sizeof(uint64_t));
            if (more == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            codes = more;
            more = PyMem_Realloc(state, capacity * sizeof(uint64_t));
            if (more == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            state = more;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t n_codes = 0;
        for (Py_ssize_t k = 0; k < length; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (c != 0)
                codes[n_codes++] = fold(c);
        }
        double sum = 0.0, sum2 = 0.0;
        for (Py_ssize_t k = 0; k < n_codes; k++)
            state[k] = codes[k] * M1;
        for (int n = 1; n <= ngram_max && n <= n_codes; n++) {
            Py_ssize_t positions = n_codes - n + 1;
            if (n > 1) {
                for (Py_ssize_t k = 0; k < positions; k++)
                    state[k] = (state[k] ^ (state[k] >> 29)) * M2 + codes[k + n - 1] * M1 + (uint64_t)n;
            }
            for (Py_ssize_t k = 0; k < positions; k++) {
                uint64_t mixed = (state[k] ^ (state[k] >> 31)) * M3;
                Py_ssize_t bucket = (Py_ssize_t)(mixed >> shift);
                sum += (double)weight[bucket];
                sum2 += (double)idf2[bucket];
            }
        }
        numerator[i] = sum;
        norm2[i] = sum2;
    }
    PyMem_Free(codes);
    PyMem_Free(state);
    for (int k = 0; k < 4; k++)
        PyBuffer_Release(&views[k]);
    Py_RETURN_NONE;
error:
    PyMem_Free(codes);
    PyMem_Free(state);
    for (int k = 0; k < got; k++)
        PyBuffer_Release(&views[k]);
    return NULL;
}

static PyMethodDef methods[] = {
    {"sums", sums, METH_VARARGS, "SentimentModel's two sums per text, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sentiment_core", "The compiled scoring step of sentiment.SentimentModel.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__sentiment_core(void)
{
    return PyModule_Create(&module);
}
