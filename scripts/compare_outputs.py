#!/usr/bin/env python3
"""Compare two powershift HDF5 output files for identical content.

Usage:
    python3 scripts/compare_outputs.py OLD.h5 NEW.h5 [--ignore-attr NAME]...

Compares, recursively, the groups, datasets, committed datatypes and links of the two files:

- for each dataset: its type (HDF5 type equality, so string length, padding and character set
  count), shape and maximum shape, storage layout, chunk shape, filters (compression,
  compression_opts, shuffle, fletcher32, scaleoffset and the whole filter pipeline), fill
  value, and its values: elements are equal when their bytes are equal, or when both are NaN
  (floats); variable-length strings are compared as decoded strings;
- the attributes of every object, the root included: the same names, and for each the same
  type, shape and value. Object references (the netCDF-4 dimension scales' DIMENSION_LIST and
  REFERENCE_LIST) are compared by the names of the objects they point to, since the references
  themselves are file addresses that differ between files;
- the order of each group's members and of each object's attributes, where the sets are equal.

The root attributes `created` (a timestamp) and `powershift_build` (the git build id) are
ignored; `--ignore-attr NAME` ignores attribute NAME on every object as well (repeatable), and
`--no-default-ignores` compares `created` and `powershift_build` too.

Prints each difference on one line and exits 1 if there is any; prints
"identical: N datasets, M attributes compared" and exits 0 otherwise. Exits 2 with a message
when a file is missing or cannot be read as HDF5.
"""

import argparse
import os
import signal
import sys

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover - environment problem
    sys.exit("compare_outputs.py: error: h5py is not installed (pip install h5py)")

DEFAULT_IGNORED_ROOT_ATTRS = ("created", "powershift_build")
BLOCK_BYTES = 64 << 20  # read large datasets in blocks of about this many bytes per file
MAX_SHOWN = 120  # characters of a value shown in a message


class ReadError(Exception):
    """A dataset or attribute that one of the files cannot deliver."""


# ---------------------------------------------------------------------------------------------
# Values: equality (bytes, NaN-aware) and display
# ---------------------------------------------------------------------------------------------


def _has_float(dt):
    if dt.fields:
        return any(_has_float(dt.fields[n][0]) for n in dt.names)
    if dt.subdtype:
        return _has_float(dt.subdtype[0])
    return dt.kind in "fc"


def array_equal_mask(a, b):
    """Elementwise equality of two arrays of the same shape: bytes equal, or both NaN.

    Returns a boolean array of a's shape (one entry per element; a compound element is one
    element). `a` and `b` must have the same numpy dtype unless they are object arrays.
    """
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        out = np.empty(a.shape, dtype=bool)
        for idx in np.ndindex(a.shape):
            out[idx] = values_equal(a[idx], b[idx])
        return out
    if a.dtype.fields:
        out = np.ones(a.shape, dtype=bool)
        for name in a.dtype.names:
            fa, fb = a[name], b[name]
            m = array_equal_mask(fa, fb)
            if m.ndim > out.ndim:  # array-valued field: all of its entries
                m = m.reshape(out.shape + (-1,)).all(axis=-1)
            out &= m
        return out
    if a.dtype.subdtype is not None:  # array type elements (rare): compare their entries
        base = a.dtype.subdtype[0]
        aa = np.ascontiguousarray(a).view(base).reshape(a.shape + (-1,))
        bb = np.ascontiguousarray(b).view(base).reshape(b.shape + (-1,))
        return array_equal_mask(aa, bb).all(axis=-1)
    if a.dtype != b.dtype:
        # Different in-memory types (the HDF5 types were reported separately): compare values.
        with np.errstate(invalid="ignore"):
            eq = np.asarray(a == b)
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            eq = eq | (np.isnan(a) & np.isnan(b))
        return eq
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    if a.dtype.itemsize == 0:
        return np.ones(a.shape, dtype=bool)
    ab = a.view(np.uint8).reshape(a.shape + (a.dtype.itemsize,))
    bb = b.view(np.uint8).reshape(b.shape + (b.dtype.itemsize,))
    eq = (ab == bb).all(axis=-1)
    if a.dtype.kind in "fc":
        eq |= np.isnan(a) & np.isnan(b)
    return eq


class Refs:
    """Resolves object references of one file to the names of the objects they point to."""

    def __init__(self, f):
        self.f = f

    def name(self, ref):
        if isinstance(ref, h5py.RegionReference):
            if not ref:
                return "<null region reference>"
            try:
                obj = self.f[ref]
                sel = h5py.h5r.get_region(ref, obj.id)
                return "%s[region %s]" % (obj.name, _region_text(sel))
            except Exception as e:  # noqa: BLE001 - shown in the message
                return "<unresolvable region reference: %s>" % e
        if not ref:
            return "<null reference>"
        try:
            obj = self.f[ref]
        except Exception as e:  # noqa: BLE001
            return "<unresolvable reference: %s>" % e
        return obj.name if obj.name is not None else "<anonymous object>"


def _region_text(space):
    try:
        kind = space.get_select_type()
        if kind == h5py.h5s.SEL_ALL:
            return "all"
        if kind == h5py.h5s.SEL_NONE:
            return "none"
        return "bounds %s-%s, %d points" % (
            space.get_select_bounds()[0],
            space.get_select_bounds()[1],
            space.get_select_npoints(),
        )
    except Exception:  # noqa: BLE001
        return "?"


class Ref:
    """A resolved reference, for display."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "<ref %s>" % self.name


class Context:
    """Equality of values read from two files: references are compared by resolved names."""

    def __init__(self, fa, fb):
        self.ra = Refs(fa)
        self.rb = Refs(fb)


_CTX = None  # set while comparing; values_equal needs both files to resolve references


def values_equal(a, b):
    """Deep equality of two values (attribute values or dataset elements) of two files."""
    if isinstance(a, h5py.Reference) or isinstance(b, h5py.Reference):
        if not (isinstance(a, h5py.Reference) and isinstance(b, h5py.Reference)):
            return False
        if isinstance(a, h5py.RegionReference) != isinstance(b, h5py.RegionReference):
            return False
        return _CTX.ra.name(a) == _CTX.rb.name(b)
    if isinstance(a, h5py.Empty) or isinstance(b, h5py.Empty):
        return isinstance(a, h5py.Empty) and isinstance(b, h5py.Empty) and a.dtype == b.dtype
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape:
            return False
        if (a.dtype.kind == "O") != (b.dtype.kind == "O"):
            return False
        if a.dtype.kind != "O" and a.dtype != b.dtype:
            return False
        return bool(array_equal_mask(a, b).all())
    if isinstance(a, np.void) or isinstance(b, np.void):
        if not (isinstance(a, np.void) and isinstance(b, np.void)) or a.dtype != b.dtype:
            return False
        if a.dtype.names:
            return all(values_equal(a[n], b[n]) for n in a.dtype.names)
        return a.tobytes() == b.tobytes()
    if isinstance(a, np.generic) or isinstance(b, np.generic):
        if not (isinstance(a, np.generic) and isinstance(b, np.generic)):
            return False
        if a.dtype != b.dtype:
            return False
        return bool(array_equal_mask(np.asarray(a), np.asarray(b)).all())
    if isinstance(a, float) and isinstance(b, float):
        if a != a and b != b:
            return True
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    return a == b


def resolved(v, refs):
    """The value for display: references replaced by the names they point to."""
    if isinstance(v, h5py.Reference):
        return Ref(refs.name(v))
    if isinstance(v, h5py.Empty):
        return "<empty %s>" % v.dtype
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O" or v.dtype.names:
            return [resolved(x, refs) for x in v.ravel()]
        return v.tolist() if v.size <= 64 else v
    if isinstance(v, np.void) and v.dtype.names:
        return tuple(resolved(v[n], refs) for n in v.dtype.names)
    if isinstance(v, tuple):
        return tuple(resolved(x, refs) for x in v)
    if isinstance(v, list):
        return [resolved(x, refs) for x in v]
    if isinstance(v, np.generic) and v.dtype.kind in "fc":
        return v  # numpy's str gives the shortest text that reads back as this float type
    return v


def _text(v):
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_text(x) for x in v)
        return "[%s]" % inner if isinstance(v, list) else "(%s)" % inner
    if isinstance(v, np.ndarray):
        return "array(shape=%s, dtype=%s)" % (v.shape, v.dtype)
    if isinstance(v, np.generic) and v.dtype.kind in "fciub":
        return str(v)  # numpy's shortest text for the value's own float type
    if isinstance(v, np.bytes_):
        return repr(bytes(v))
    if isinstance(v, np.str_):
        return repr(str(v))
    return repr(v)


def show(v, refs=None):
    """A value as one short line; references shown as the names they point to."""
    if refs is not None:
        v = resolved(v, refs)
    text = _text(v).replace("\n", "\\n")
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 3] + "..."
    return text


def value_difference(va, vb):
    """Text for two differing values: lists are shown by their first differing entry."""
    la = va.ravel() if isinstance(va, np.ndarray) else va
    lb = vb.ravel() if isinstance(vb, np.ndarray) else vb
    if isinstance(la, (np.ndarray, list, tuple)) and isinstance(lb, (np.ndarray, list, tuple)) \
            and max(len(la), len(lb)) > 1:
        n = min(len(la), len(lb))
        i = next((i for i in range(n) if not values_equal(la[i], lb[i])), n)
        if i < n:
            where = "entry %d" % i
            xa, xb = show(la[i], _CTX.ra), show(lb[i], _CTX.rb)
        else:
            where = "entry %d (an extra entry)" % n
            xa = show(la[n], _CTX.ra) if n < len(la) else "(none)"
            xb = show(lb[n], _CTX.rb) if n < len(lb) else "(none)"
        sizes = "%d entries" % len(la) if len(la) == len(lb) else "%d vs %d entries" % (
            len(la), len(lb))
        return "values differ (%s; first at %s: %s vs %s)" % (sizes, where, xa, xb)
    return "values differ: %s vs %s" % (show(va, _CTX.ra), show(vb, _CTX.rb))


def order_difference(a, b):
    """Text for two orderings of the same names: where they first part."""
    i = next(i for i in range(len(a)) if a[i] != b[i])
    return "first at position %d: %r vs %r" % (i, a[i], b[i])


# ---------------------------------------------------------------------------------------------
# Types and storage properties
# ---------------------------------------------------------------------------------------------


def describe_type(dtype, tid=None):
    """A short text for a dataset's or attribute's type."""
    info = h5py.check_string_dtype(dtype)
    if info is not None:
        cset = info.encoding
        if info.length is None:
            text = "variable-length string (%s)" % cset
        else:
            text = "fixed-length string %d (%s" % (info.length, cset)
            if tid is not None and isinstance(tid, h5py.h5t.TypeStringID):
                pad = tid.get_strpad()
                text += ", %s" % {
                    h5py.h5t.STR_NULLTERM: "nullterm",
                    h5py.h5t.STR_NULLPAD: "nullpad",
                    h5py.h5t.STR_SPACEPAD: "spacepad",
                }.get(pad, "pad %d" % pad)
            text += ")"
        return text
    if h5py.check_ref_dtype(dtype) is not None:
        return "region reference" if h5py.check_ref_dtype(dtype) is h5py.RegionReference else (
            "object reference"
        )
    vlen = h5py.check_vlen_dtype(dtype)
    if vlen is not None:
        return "variable-length sequence of %s" % describe_type(vlen)
    enum = h5py.check_enum_dtype(dtype)
    if enum is not None:
        return "enum %s %s" % (dtype, dict(sorted(enum.items(), key=lambda kv: kv[1])))
    if dtype.names:
        return "compound {%s}" % ", ".join(
            "%s: %s" % (n, describe_type(dtype.fields[n][0])) for n in dtype.names
        )
    if dtype.kind in "iufc":
        return "%s (%s)" % (dtype.name, dtype.str)  # e.g. float32 (<f4): with the byte order
    return str(dtype)


def types_equal(tid_a, tid_b):
    try:
        return bool(tid_a.equal(tid_b))
    except Exception:  # noqa: BLE001
        return False


def filter_pipeline(dcpl):
    out = []
    try:
        for i in range(dcpl.get_nfilters()):
            code, flags, values, name = dcpl.get_filter(i)
            out.append((code, flags, tuple(values), name.decode("utf-8", "replace")))
    except Exception:  # noqa: BLE001
        pass
    return out


LAYOUTS = {
    h5py.h5d.COMPACT: "compact",
    h5py.h5d.CONTIGUOUS: "contiguous",
    h5py.h5d.CHUNKED: "chunked",
}
if hasattr(h5py.h5d, "VIRTUAL"):
    LAYOUTS[h5py.h5d.VIRTUAL] = "virtual"


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------


class Comparison:
    def __init__(self, fa, fb, ignore_root, ignore_any):
        self.fa, self.fb = fa, fb
        self.ignore_root = set(ignore_root)
        self.ignore_any = set(ignore_any)
        self.diffs = []
        self.errors = []
        self.n_datasets = 0
        self.n_attrs = 0

    def diff(self, text):
        self.diffs.append(text)
        print(text, flush=True)

    def error(self, text):
        self.errors.append(text)
        print("error: " + text, flush=True)

    # -- objects ------------------------------------------------------------------------------

    @staticmethod
    def what(obj):
        if obj.name == "/":
            return "root"
        label = obj.name.lstrip("/")
        if isinstance(obj, h5py.Dataset):
            return "dataset " + label
        if isinstance(obj, h5py.Group):
            return "group " + label
        if isinstance(obj, h5py.Datatype):
            return "datatype " + label
        return label

    @staticmethod
    def members(group):
        """Ordered (name, kind, target) of a group's links."""
        out = []
        for name in group:
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                out.append((name, "soft link", link.path))
            elif isinstance(link, h5py.ExternalLink):
                out.append((name, "external link", (link.filename, link.path)))
            else:
                try:
                    obj = group[name]
                except Exception as e:  # noqa: BLE001
                    out.append((name, "unreadable", str(e)))
                    continue
                if isinstance(obj, h5py.Dataset):
                    kind = "dataset"
                elif isinstance(obj, h5py.Group):
                    kind = "group"
                elif isinstance(obj, h5py.Datatype):
                    kind = "datatype"
                else:
                    kind = type(obj).__name__
                out.append((name, kind, obj))
        return out

    def compare_group(self, ga, gb, stack):
        self.compare_attrs(ga, gb)
        ma, mb = self.members(ga), self.members(gb)
        da = {m[0]: m for m in ma}
        db = {m[0]: m for m in mb}
        prefix = "" if ga.name == "/" else ga.name.lstrip("/") + "/"
        for name, kind, _ in ma:
            if name not in db:
                self.diff("%s %s%s: only in OLD" % (kind, prefix, name))
        for name, kind, _ in mb:
            if name not in da:
                self.diff("%s %s%s: only in NEW" % (kind, prefix, name))
        common = [m[0] for m in ma if m[0] in db]
        order_a = [m[0] for m in ma if m[0] in db]
        order_b = [m[0] for m in mb if m[0] in da]
        if order_a != order_b:
            self.diff("%s: order of members differs (%s)" % (
                self.what(ga), order_difference(order_a, order_b)))
        for name in common:
            _, ka, ta = da[name]
            _, kb, tb = db[name]
            label = prefix + name
            if ka != kb:
                self.diff("%s: a %s in OLD, a %s in NEW" % (label, ka, kb))
                continue
            if ka in ("soft link", "external link"):
                if ta != tb:
                    self.diff("%s %s: target differs: %s vs %s" % (ka, label, show(ta), show(tb)))
                continue
            if ka == "unreadable":
                self.error("%s: cannot open in either file: %s" % (label, ta))
                continue
            if ka == "dataset":
                self.compare_dataset(ta, tb)
            elif ka == "group":
                addr = (h5py.h5o.get_info(ta.id).addr, h5py.h5o.get_info(tb.id).addr)
                if addr in stack:  # a hard link back up the tree: do not loop
                    continue
                self.compare_group(ta, tb, stack | {addr})
            elif ka == "datatype":
                self.compare_attrs(ta, tb)
                if not types_equal(ta.id, tb.id):
                    self.diff("datatype %s: differs: %s vs %s" % (
                        label, describe_type(ta.dtype, ta.id), describe_type(tb.dtype, tb.id)))

    # -- attributes ---------------------------------------------------------------------------

    def compare_attrs(self, oa, ob):
        where = self.what(oa)
        ignored = set(self.ignore_any)
        if oa.name == "/":
            ignored |= self.ignore_root
        try:
            names_a = [n for n in oa.attrs.keys() if n not in ignored]
            names_b = [n for n in ob.attrs.keys() if n not in ignored]
        except Exception as e:  # noqa: BLE001
            self.error("%s: cannot list attributes: %s" % (where, e))
            return
        set_a, set_b = set(names_a), set(names_b)
        for n in names_a:
            if n not in set_b:
                self.diff("attribute %s on %s: only in OLD" % (n, where))
        for n in names_b:
            if n not in set_a:
                self.diff("attribute %s on %s: only in NEW" % (n, where))
        order_a = [n for n in names_a if n in set_b]
        order_b = [n for n in names_b if n in set_a]
        if order_a != order_b:
            self.diff("%s: order of attributes differs (%s)" % (
                where, order_difference(order_a, order_b)))
        for n in order_a:
            self.n_attrs += 1
            self.compare_attr(oa, ob, n, where)

    def compare_attr(self, oa, ob, name, where):
        label = "attribute %s on %s" % (name, where)
        try:
            ia, ib = oa.attrs.get_id(name), ob.attrs.get_id(name)
            ta, tb = ia.get_type(), ib.get_type()
        except Exception as e:  # noqa: BLE001
            self.error("%s: cannot open: %s" % (label, e))
            return
        # Type and shape differences go on the line of a value difference where there is one.
        extra = []
        if not types_equal(ta, tb):
            extra.append("dtype differs: %s vs %s" % (
                describe_type(ia.dtype, ta), describe_type(ib.dtype, tb)))
        if ia.shape != ib.shape:
            extra.append("shape differs: %s vs %s" % (ia.shape, ib.shape))
        try:
            va = oa.attrs[name]
            vb = None
            vb = ob.attrs[name]
        except Exception as e:  # noqa: BLE001
            if extra:
                self.diff("%s: %s" % (label, "; ".join(extra)))
            self.error("%s: cannot read in %s: %s" % (label, "OLD" if vb is None else "NEW", e))
            return
        if not values_equal(va, vb):
            extra.insert(0, value_difference(va, vb))
        if extra:
            self.diff("%s: %s" % (label, "; ".join(extra)))

    # -- datasets -----------------------------------------------------------------------------

    def compare_dataset(self, a, b):
        self.n_datasets += 1
        what = self.what(a)
        self.compare_attrs(a, b)
        comparable = True

        ta, tb = a.id.get_type(), b.id.get_type()
        if not types_equal(ta, tb):
            self.diff("%s: dtype differs: %s vs %s" % (
                what, describe_type(a.dtype, ta), describe_type(b.dtype, tb)))
            comparable = a.dtype == b.dtype or (a.dtype.kind in "iufcb" and b.dtype.kind in "iufcb")
        if a.shape != b.shape:
            self.diff("%s: shape differs: %s vs %s" % (what, a.shape, b.shape))
            comparable = False
        if a.maxshape != b.maxshape and (
                a.shape == b.shape or (a.maxshape == a.shape) != (b.maxshape == b.shape)):
            self.diff("%s: maxshape differs: %s vs %s" % (what, a.maxshape, b.maxshape))

        pa, pb = a.id.get_create_plist(), b.id.get_create_plist()
        la, lb = pa.get_layout(), pb.get_layout()
        if la != lb:
            self.diff("%s: storage layout differs: %s vs %s" % (
                what, LAYOUTS.get(la, la), LAYOUTS.get(lb, lb)))
        props = ("chunks", "compression", "compression_opts", "shuffle", "fletcher32",
                 "scaleoffset")
        prop_diff = False
        for prop in props:
            xa, xb = getattr(a, prop), getattr(b, prop)
            if xa != xb:
                prop_diff = True
                self.diff("%s: %s differs: %s vs %s" % (what, prop, show(xa), show(xb)))
        fa, fb = filter_pipeline(pa), filter_pipeline(pb)
        if fa != fb and not prop_diff:
            self.diff("%s: filter pipeline differs: %s vs %s" % (what, show(fa), show(fb)))
        try:
            da, db = pa.fill_value_defined(), pb.fill_value_defined()
            if da != db:
                self.diff("%s: fill value defined differs: %s vs %s" % (what, da, db))
        except Exception:  # noqa: BLE001
            pass
        try:
            fva, fvb = a.fillvalue, b.fillvalue
            if not values_equal(fva, fvb) and comparable:
                self.diff("%s: fill value differs: %s vs %s" % (what, show(fva), show(fvb)))
        except Exception as e:  # noqa: BLE001
            self.diff("%s: fill value unreadable: %s" % (what, e))

        if comparable:
            self.compare_values(a, b, what)

    def read(self, ds, sel, side):
        try:
            if h5py.check_string_dtype(ds.dtype) is not None and \
                    h5py.check_string_dtype(ds.dtype).length is None:
                return np.asarray(ds.asstr(errors="surrogateescape")[sel], dtype=object)
            return np.asarray(ds[sel])
        except Exception as e:  # noqa: BLE001
            raise ReadError("%s: cannot read in %s: %s" % (self.what(ds), side, e)) from e

    def compare_values(self, a, b, what):
        if a.shape is None:  # null dataspace: no values
            return
        total = int(np.prod(a.shape, dtype=np.int64)) if a.shape else 1
        n_bad = 0
        first = None
        try:
            if a.ndim == 0 or total == 0:
                blocks = [(Ellipsis, 0)]
            else:
                row_bytes = max(1, a.dtype.itemsize * (total // a.shape[0]))
                step = max(1, BLOCK_BYTES // row_bytes)
                blocks = [(slice(i, min(i + step, a.shape[0])), i)
                          for i in range(0, a.shape[0], step)]
            for sel, offset in blocks:
                xa = self.read(a, sel, "OLD")
                xb = self.read(b, sel, "NEW")
                eq = array_equal_mask(xa, xb)
                bad = int(eq.size - np.count_nonzero(eq))
                if bad and first is None:
                    idx = tuple(int(i) for i in np.argwhere(~eq)[0]) if eq.ndim else ()
                    full = (idx[0] + offset,) + idx[1:] if idx else ()
                    first = (full, xa[idx] if idx else xa[()], xb[idx] if idx else xb[()])
                n_bad += bad
        except ReadError as e:
            self.error(str(e))
            return
        if n_bad:
            index, va, vb = first
            self.diff("%s: values differ at %d of %d elements (first at index %s: %s vs %s)" % (
                what, n_bad, total, index, show(va, _CTX.ra), show(vb, _CTX.rb)))


# ---------------------------------------------------------------------------------------------


def open_file(path, label):
    if not os.path.exists(path):
        raise SystemExit2("%s file %s: no such file" % (label, path))
    if os.path.isdir(path):
        raise SystemExit2("%s file %s: is a directory" % (label, path))
    if not os.access(path, os.R_OK):
        raise SystemExit2("%s file %s: not readable (permission denied)" % (label, path))
    try:
        return h5py.File(path, "r")
    except Exception as e:  # noqa: BLE001
        raise SystemExit2("%s file %s: cannot be read as HDF5: %s" % (label, path, e)) from e


class SystemExit2(Exception):
    pass


def main(argv=None):
    global _CTX
    p = argparse.ArgumentParser(
        prog="compare_outputs.py",
        description="Compare two powershift HDF5 files for identical content "
                    "(structure, types, storage, values, attributes).")
    p.add_argument("old", metavar="OLD.h5")
    p.add_argument("new", metavar="NEW.h5")
    p.add_argument("--ignore-attr", metavar="NAME", action="append", default=[],
                   help="ignore attribute NAME on every object (repeatable); the root "
                        "attributes %s are always ignored unless --no-default-ignores"
                        % " and ".join(DEFAULT_IGNORED_ROOT_ATTRS))
    p.add_argument("--no-default-ignores", action="store_true",
                   help="also compare the root attributes %s"
                        % " and ".join(DEFAULT_IGNORED_ROOT_ATTRS))
    args = p.parse_args(argv)

    try:
        fa = open_file(args.old, "OLD")
        try:
            fb = open_file(args.new, "NEW")
        except SystemExit2:
            fa.close()
            raise
    except SystemExit2 as e:
        print("compare_outputs.py: error: %s" % e, file=sys.stderr)
        return 2

    with fa, fb:
        _CTX = Context(fa, fb)
        ignore_root = () if args.no_default_ignores else DEFAULT_IGNORED_ROOT_ATTRS
        c = Comparison(fa, fb, ignore_root, args.ignore_attr)
        c.compare_group(fa, fb, frozenset())

    if c.errors:
        print("compare_outputs.py: error: %d object(s) of %s / %s could not be read; "
              "%d difference(s) found in the rest" % (
                  len(c.errors), args.old, args.new, len(c.diffs)), file=sys.stderr)
        return 2
    if c.diffs:
        print("differ: %d difference(s); %d datasets, %d attributes compared" % (
            len(c.diffs), c.n_datasets, c.n_attrs))
        return 1
    print("identical: %d datasets, %d attributes compared" % (c.n_datasets, c.n_attrs))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    sys.exit(main())
