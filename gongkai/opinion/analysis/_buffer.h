/* Shared by the opinion pipeline's C extensions (_dedupe_core.c, _sentiment_core.c): a numpy array
 * (or any buffer) as a C-contiguous view with items of `itemsize` bytes, writable if asked.
 * Returns -1 with a Python error set (TypeError naming `name` for the wrong item size). */
#ifndef GONGKAI_OPINION_BUFFER_H
#define GONGKAI_OPINION_BUFFER_H

#include <Python.h>

static int
get(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, int writable, const char *name)
{
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != itemsize || view->len % itemsize != 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes", name, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

#endif
