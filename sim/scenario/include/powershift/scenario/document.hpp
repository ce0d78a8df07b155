#pragma once
// A YAML document as the loader sees it: an immutable tree of nodes, each knowing the file, line
// and column it came from. Built from yaml-cpp's event parser (not YAML::Node) so that
//   - aliases are shared, never copied, and the size they expand to is known before anything
//     walks the tree (a "billion laughs" document is refused while it is parsed);
//   - documents from several files (`extends`) and `--set` values can be merged into one tree
//     whose every node still points into the file it came from.
// Private to the scenario library.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "powershift/scenario/loader.hpp"

namespace powershift::scenario::doc {

enum class Kind : std::uint8_t { Undefined, Null, Scalar, Sequence, Map };

struct Data;

// A handle on a node; default-constructed it is undefined (a missing key). Cheap to copy.
class Node {
 public:
  Node() = default;
  explicit Node(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  [[nodiscard]] Kind kind() const;
  [[nodiscard]] bool IsDefined() const { return kind() != Kind::Undefined; }
  [[nodiscard]] bool IsNull() const { return kind() == Kind::Null; }
  [[nodiscard]] bool IsScalar() const { return kind() == Kind::Scalar; }
  [[nodiscard]] bool IsSequence() const { return kind() == Kind::Sequence; }
  [[nodiscard]] bool IsMap() const { return kind() == Kind::Map; }

  // The text of a scalar; empty otherwise.
  [[nodiscard]] const std::string& Scalar() const;
  // Whether a scalar was quoted (or tagged) in the source rather than plain.
  [[nodiscard]] bool quoted() const;
  // Items of a sequence, pairs of a map; 0 otherwise.
  [[nodiscard]] std::size_t size() const;
  // The value of the first pair whose key is the scalar `key`; undefined if none or not a map.
  [[nodiscard]] Node operator[](std::string_view key) const;
  // Item i of a sequence; undefined if out of range or not a sequence.
  [[nodiscard]] Node operator[](std::size_t i) const;
  [[nodiscard]] Node operator[](int i) const { return (*this)[static_cast<std::size_t>(i)]; }

  // A map's pairs, in document order (duplicate keys kept, for the loader to report).
  using Pairs = std::vector<std::pair<Node, Node>>;
  [[nodiscard]] const Pairs& pairs() const;
  [[nodiscard]] const std::vector<Node>& items() const;
  [[nodiscard]] Pairs::const_iterator begin() const { return pairs().begin(); }
  [[nodiscard]] Pairs::const_iterator end() const { return pairs().end(); }

  // Where it came from: 1-based line and column (0 when unknown) and the file label.
  [[nodiscard]] int line() const;
  [[nodiscard]] int column() const;
  [[nodiscard]] const std::string* file() const;
  [[nodiscard]] std::shared_ptr<const std::string> file_handle() const;

  // Nodes in the tree with every alias expanded, and its nesting height (sequences and maps;
  // a scalar has height 0).
  [[nodiscard]] std::uint64_t expanded() const;
  [[nodiscard]] int height() const;

  // Whether both handles refer to the same node.
  [[nodiscard]] bool is(const Node& other) const { return data_ == other.data_; }

 private:
  std::shared_ptr<const Data> data_;
};

using File = std::shared_ptr<const std::string>;

struct Data {
  Kind kind = Kind::Null;
  std::string scalar;
  bool quoted = false;
  std::vector<Node> items;
  Node::Pairs pairs;
  int line = 0;
  int column = 0;
  File file;
  std::uint64_t expanded = 1;
  int height = 0;  // levels of containers (a scalar: 0), as nesting is counted
};

// Constructors for new nodes (merges, --set): `at` lends its position and file.
Node make_scalar(std::string text, File file, int line = 0, int column = 0);
Node make_map(Node::Pairs pairs, const Node& at);
Node make_sequence(std::vector<Node> items, const Node& at);

// Parses one YAML document. Returns an undefined node for an empty stream. Throws ScenarioError,
// located in `file`, for invalid YAML, a second document, nesting deeper than limits.max_depth,
// an alias that contains itself, or aliases expanding to more than limits.max_alias_nodes nodes.
Node parse(const std::string& text, const File& file, const Limits& limits);

// `over` deep-merged over `base`: mappings merge key by key (recursively), anything else in
// `over` replaces what `base` has. Neither input is changed.
Node merge(const Node& base, const Node& over);

// A copy of map `node` without the pairs whose key is `key`.
Node without(const Node& node, std::string_view key);

// The tree as YAML text (block style), after `header` comment lines.
std::string emit(const Node& root, const std::vector<std::string>& header);

}  // namespace powershift::scenario::doc
