// The loader's document tree (document.hpp): built from yaml-cpp's event parser, merged and
// emitted without ever expanding an alias.
#include "powershift/scenario/document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "powershift/model/error.hpp"

namespace powershift::scenario::doc {

namespace {

const std::string kEmpty;
const Node::Pairs kNoPairs;
const std::vector<Node> kNoItems;

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

// Size and height of a container from its children.
void measure(Data& d) {
  d.expanded = 1;
  d.height = 1;  // a container; its scalars add no level
  auto take = [&](const Node& n) {
    d.expanded = add_sat(d.expanded, n.expanded());
    d.height = std::max(d.height, n.height() + 1);
  };
  for (const auto& n : d.items) take(n);
  for (const auto& [k, v] : d.pairs) {
    take(k);
    take(v);
  }
}

[[noreturn]] void fail(const File& file, int line, int column, const std::string& message) {
  Diagnostic d;
  d.file = file ? *file : std::string();
  d.line = line;
  d.column = column;
  d.message = message;
  throw ScenarioError(std::vector<Diagnostic>{d});
}

[[noreturn]] void fail(const File& file, const YAML::Mark& m, const std::string& message) {
  if (m.is_null()) fail(file, 0, 0, message);
  fail(file, m.line + 1, m.column + 1, message);
}

// Builds the tree from parser events. Aliases become shared handles on the anchored node; their
// expansion is counted, and refused past the limit, as they are met.
class Builder : public YAML::EventHandler {
 public:
  Builder(File file, const Limits& limits) : file_(std::move(file)), limits_(limits) {}

  Node root;
  int documents = 0;

  // Documents after the first are only counted (and the first node of the second located), not
  // built: the file is refused anyway.
  YAML::Mark second = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& /*mark*/) override { ++documents; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (extra(mark)) return;
    auto d = start(Kind::Null, mark);
    finish(std::move(d), anchor);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (extra(mark)) return;
    auto d = start(Kind::Scalar, mark);
    d->scalar = value;
    d->quoted = tag != "?";
    finish(std::move(d), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (extra(mark)) return;
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end() || open_.count(anchor) != 0) {
      fail(file_, mark, "an alias refers to a node that contains it (a recursive alias)");
    }
    const Node target = it->second;
    alias_nodes_ = add_sat(alias_nodes_, target.expanded());
    if (alias_nodes_ > limits_.max_alias_nodes) {
      fail(file_, mark,
           "aliases expand the document to more than " + std::to_string(limits_.max_alias_nodes) +
               " nodes (the alias-expansion limit); refusing it");
    }
    if (static_cast<int>(stack_.size()) + target.height() > limits_.max_depth) too_deep(mark);
    add(target);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    if (!extra(mark)) open(Kind::Sequence, mark, anchor);
  }
  void OnSequenceEnd() override {
    if (documents == 1) close();
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    if (!extra(mark)) open(Kind::Map, mark, anchor);
  }
  void OnMapEnd() override {
    if (documents == 1) close();
  }

 private:
  struct Frame {
    std::shared_ptr<Data> data;
    YAML::anchor_t anchor = 0;
    Node key;
    bool has_key = false;
  };

  // Whether this event belongs to a document after the first (the first such event locates the
  // second document).
  bool extra(const YAML::Mark& mark) {
    if (documents <= 1) return false;
    if (!seen_second_) {
      second = mark;
      seen_second_ = true;
    }
    return true;
  }

  std::shared_ptr<Data> start(Kind kind, const YAML::Mark& mark) const {
    auto d = std::make_shared<Data>();
    d->kind = kind;
    d->file = file_;
    if (!mark.is_null()) {
      d->line = mark.line + 1;
      d->column = mark.column + 1;
    }
    return d;
  }

  void open(Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (static_cast<int>(stack_.size()) + 1 > limits_.max_depth) too_deep(mark);
    stack_.push_back({start(kind, mark), anchor, Node(), false});
    if (anchor != 0) open_.insert(anchor);
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    measure(*f.data);
    if (f.anchor != 0) open_.erase(f.anchor);
    finish(std::move(f.data), f.anchor);
  }

  void finish(std::shared_ptr<Data> d, YAML::anchor_t anchor) {
    Node n(std::move(d));
    if (anchor != 0) anchors_[anchor] = n;
    add(n);
  }

  void add(const Node& n) {
    if (stack_.empty()) {
      root = n;
      return;
    }
    Frame& f = stack_.back();
    if (f.data->kind == Kind::Sequence) {
      f.data->items.push_back(n);
    } else if (!f.has_key) {
      f.key = n;
      f.has_key = true;
    } else {
      f.data->pairs.emplace_back(f.key, n);
      f.key = Node();
      f.has_key = false;
    }
  }

  [[noreturn]] void too_deep(const YAML::Mark& mark) const {
    fail(file_, mark,
         "invalid YAML: nesting deeper than " + std::to_string(limits_.max_depth) +
             " levels (the nesting limit)");
  }

  File file_;
  const Limits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Node> anchors_;
  std::unordered_set<YAML::anchor_t> open_;
  std::uint64_t alias_nodes_ = 0;
  bool seen_second_ = false;
};

bool all_scalars(const Node& n) {
  for (const auto& item : n.items()) {
    if (item.IsMap() || item.IsSequence()) return false;
  }
  for (const auto& [k, v] : n.pairs()) {
    if (!k.IsScalar() || v.IsMap() || v.IsSequence()) return false;
  }
  return true;
}

void emit_node(YAML::Emitter& out, const Node& n) {
  switch (n.kind()) {
    case Kind::Undefined:
    case Kind::Null:
      out << YAML::Null;
      break;
    case Kind::Scalar:
      if (n.quoted()) out << YAML::DoubleQuoted;
      out << n.Scalar();
      break;
    case Kind::Sequence:
      if (all_scalars(n)) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : n.items()) emit_node(out, item);
      out << YAML::EndSeq;
      break;
    case Kind::Map:
      if (all_scalars(n) && n.size() > 0) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [k, v] : n.pairs()) {
        out << YAML::Key;
        emit_node(out, k);
        out << YAML::Value;
        emit_node(out, v);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Node

Kind Node::kind() const {
  return data_ ? data_->kind : Kind::Undefined;
}
const std::string& Node::Scalar() const {
  return data_ && data_->kind == Kind::Scalar ? data_->scalar : kEmpty;
}
bool Node::quoted() const {
  return data_ && data_->quoted;
}
std::size_t Node::size() const {
  return data_ ? data_->items.size() + data_->pairs.size() : 0;
}
const Node::Pairs& Node::pairs() const {
  return data_ ? data_->pairs : kNoPairs;
}
const std::vector<Node>& Node::items() const {
  return data_ ? data_->items : kNoItems;
}
int Node::line() const {
  return data_ ? data_->line : 0;
}
int Node::column() const {
  return data_ ? data_->column : 0;
}
const std::string* Node::file() const {
  return data_ && data_->file ? data_->file.get() : nullptr;
}
File Node::file_handle() const {
  return data_ ? data_->file : File();
}
std::uint64_t Node::expanded() const {
  return data_ ? data_->expanded : 0;
}
int Node::height() const {
  return data_ ? data_->height : 0;
}

Node Node::operator[](std::string_view key) const {
  for (const auto& [k, v] : pairs()) {
    if (k.IsScalar() && k.Scalar() == key) return v;
  }
  return {};
}

Node Node::operator[](std::size_t i) const {
  const auto& v = items();
  return i < v.size() ? v[i] : Node();
}

// ---------------------------------------------------------------------------------------------

Node make_scalar(std::string text, File file, int line, int column) {
  auto d = std::make_shared<Data>();
  d->kind = Kind::Scalar;
  d->scalar = std::move(text);
  d->file = std::move(file);
  d->line = line;
  d->column = column;
  return Node(std::move(d));
}

namespace {
std::shared_ptr<Data> located_like(Kind kind, const Node& at) {
  auto d = std::make_shared<Data>();
  d->kind = kind;
  d->file = at.file_handle();
  d->line = at.line();
  d->column = at.column();
  return d;
}
}  // namespace

Node make_map(Node::Pairs pairs, const Node& at) {
  auto d = located_like(Kind::Map, at);
  d->pairs = std::move(pairs);
  measure(*d);
  return Node(std::move(d));
}

Node make_sequence(std::vector<Node> items, const Node& at) {
  auto d = located_like(Kind::Sequence, at);
  d->items = std::move(items);
  measure(*d);
  return Node(std::move(d));
}

Node parse(const std::string& text, const File& file, const Limits& limits) {
  std::istringstream in(text);
  Builder builder(file, limits);
  try {
    YAML::Parser parser(in);
    // Stop at the second document: nothing after it is read, and yaml-cpp 0.7 can report empty
    // documents forever without consuming input (its issue #1040: "- 1\n," loops).
    while (builder.documents <= 1 && parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& ex) {
    if (builder.documents <= 1) fail(file, ex.mark, "invalid YAML: " + ex.msg);
    // Broken YAML after the first document: the file is refused for holding more than one.
  }
  if (builder.documents > 1) {
    fail(file, builder.second,
         "invalid YAML: a scenario is one YAML document; a second one (or stray content) starts "
         "here");
  }
  return builder.root;
}

Node merge(const Node& base, const Node& over) {
  if (!base.IsMap() || !over.IsMap()) return over;
  // Key -> the positions of `over`'s pairs with that key, first unused first.
  std::unordered_map<std::string, std::vector<std::size_t>> index;
  const auto& op = over.pairs();
  for (std::size_t j = op.size(); j-- > 0;) {
    if (op[j].first.IsScalar()) index[op[j].first.Scalar()].push_back(j);
  }
  std::vector<bool> used(op.size(), false);
  Node::Pairs pairs;
  pairs.reserve(base.size() + over.size());
  for (const auto& [k, v] : base.pairs()) {
    if (k.IsScalar()) {
      const auto it = index.find(k.Scalar());
      if (it != index.end() && !it->second.empty()) {
        const std::size_t j = it->second.back();
        it->second.pop_back();
        used[j] = true;
        pairs.emplace_back(op[j].first, merge(v, op[j].second));
        continue;
      }
    }
    pairs.emplace_back(k, v);
  }
  for (std::size_t j = 0; j < op.size(); ++j) {
    if (!used[j]) pairs.push_back(op[j]);
  }
  return make_map(std::move(pairs), over);
}

Node without(const Node& node, std::string_view key) {
  if (!node.IsMap()) return node;
  Node::Pairs pairs;
  for (const auto& p : node.pairs()) {
    if (!(p.first.IsScalar() && p.first.Scalar() == key)) pairs.push_back(p);
  }
  return make_map(std::move(pairs), node);
}

std::string emit(const Node& root, const std::vector<std::string>& header) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit_node(out, root);
  std::string text;
  for (const auto& h : header) text += "# " + h + "\n";
  text += out.c_str();
  text += "\n";
  return text;
}

}  // namespace powershift::scenario::doc
