#pragma once
// NumPy arrays over C++ memory without copies (binding-only helpers).
//
// A view passes its owner as the array's base: that is what stops pybind11 from copying, and it
// keeps the owner alive as long as the view (boost-histogram's register_histogram.hpp does the
// same). Views handed to Python are read-only; the engine alone writes the state.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace powershift::bindings {

namespace py = pybind11;

inline void make_readonly(py::array& a) {
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
}

// A read-only view of `data` (C order), kept alive by `owner`.
template <class T>
py::array readonly_view(const T* data, std::vector<py::ssize_t> shape, py::handle owner) {
  py::array a(py::dtype::of<T>(), std::move(shape), {}, data, owner);
  make_readonly(a);
  return a;
}

// A buffer allocated without initialisation (the engine's results fill it) that becomes a
// writable NumPy array owning it: the array's base is a capsule that frees the buffer.
template <class T>
class OutputBuffer {
 public:
  OutputBuffer() = default;
  explicit OutputBuffer(std::vector<py::ssize_t> shape) : shape_(std::move(shape)) {
    std::size_t n = 1;
    for (auto s : shape_) n *= static_cast<std::size_t>(s);
    size_ = n;
    data_.reset(new T[n > 0 ? n : 1]);  // default-initialised: no zero fill of large buffers
  }
  [[nodiscard]] T* data() { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return !data_; }

  // Call with the GIL held; the buffer moves into the array.
  py::array release_to_numpy() {
    T* raw = data_.release();
    py::capsule owner(raw, [](void* p) { delete[] static_cast<T*>(p); });
    return py::array(py::dtype::of<T>(), shape_, {}, raw, owner);
  }

 private:
  std::vector<py::ssize_t> shape_;
  std::size_t size_ = 0;
  std::unique_ptr<T[]> data_;
};

}  // namespace powershift::bindings
