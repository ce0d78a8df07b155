// `extends` and `--set`: composing the one document the loader validates (compose.hpp).
#include "powershift/scenario/compose.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "powershift/scenario/language.hpp"

namespace powershift::scenario {

namespace fs = std::filesystem;
namespace lang = language;

namespace detail {

Diagnostic located(const doc::Node& at, const std::string& fallback_file, const std::string& path,
                   const std::string& message) {
  Diagnostic d;
  d.file = at.file() != nullptr ? *at.file() : fallback_file;
  d.line = at.line();
  d.column = at.column();
  d.path = path;
  d.message = message;
  return d;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

[[noreturn]] void fail(const doc::Node& at, const std::string& fallback_file,
                       const std::string& path, const std::string& message) {
  throw ScenarioError(std::vector<Diagnostic>{located(at, fallback_file, path, message)});
}

std::string kind_of(const doc::Node& n) {
  switch (n.kind()) {
    case doc::Kind::Undefined:
      return "nothing";
    case doc::Kind::Null:
      return "nothing (null)";
    case doc::Kind::Scalar:
      return "'" + n.Scalar() + "'";
    case doc::Kind::Sequence:
      return "a list";
    case doc::Kind::Map:
      return "a mapping";
  }
  return "?";
}

std::string canonical_or_normal(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  if (ec) c = fs::absolute(p, ec).lexically_normal();
  return c.string();
}

struct Chain {
  std::vector<std::string> canonical;  // files being resolved, for cycle detection
  std::vector<std::string> shown;      // the same, as named in messages
  std::vector<std::string> files;      // every file merged
};

doc::Node resolve(const doc::Node& root, const std::string& label, const fs::path& dir,
                  bool dir_known, const Limits& limits, Chain& chain) {
  if (!root.IsMap()) return root;
  std::vector<std::pair<doc::Node, doc::Node>> exts;
  for (const auto& p : root.pairs()) {
    if (p.first.IsScalar() && p.first.Scalar() == "extends") exts.push_back(p);
  }
  if (exts.empty()) return root;
  if (exts.size() > 1) fail(exts[1].first, label, "extends", "duplicate key 'extends'");
  const doc::Node key = exts[0].first;
  const doc::Node ext = exts[0].second;
  if (!ext.IsScalar() || ext.Scalar().empty()) {
    fail(ext.IsDefined() ? ext : key, label, "extends",
         "expected the path of a base scenario, got " + kind_of(ext));
  }
  if (!dir_known) {
    fail(ext, label, "extends",
         "'extends' needs the directory of the scenario: load it from a file (or give a base "
         "directory)");
  }
  if (!root["name"].IsDefined()) {
    fail(root, label, "name",
         "a scenario that extends another must give its own 'name' (required key 'name' is "
         "missing)");
  }
  fs::path path(ext.Scalar());
  if (path.is_relative()) path = dir / path;
  path = path.lexically_normal();
  const std::string shown = path.string();
  const std::string canonical = canonical_or_normal(path);
  if (std::find(chain.canonical.begin(), chain.canonical.end(), canonical) !=
      chain.canonical.end()) {
    auto cycle = chain.shown;
    cycle.push_back(shown);
    fail(ext, label, "extends", "extends cycle: " + join_names(cycle, " -> "));
  }
  if (static_cast<int>(chain.shown.size()) > limits.max_extends) {
    auto all = chain.shown;
    all.push_back(shown);
    fail(ext, label, "extends",
         "more than " + std::to_string(limits.max_extends) +
             " levels of extends: " + join_names(all, " -> "));
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (ec.value() == ELOOP) {
      fail(ext, label, "extends",
           "base scenario '" + shown + "': symlink loop (" + ec.message() + ")");
    }
    fail(ext, label, "extends", "base scenario '" + shown + "' does not exist");
  }
  if (!fs::is_regular_file(path, ec)) {
    fail(ext, label, "extends", "base scenario '" + shown + "' is not a regular file");
  }
  const std::string text = read_text(path.string(), limits, shown);
  const auto file = std::make_shared<const std::string>(shown);
  doc::Node base = doc::parse(text, file, limits);
  if (!base.IsDefined() || base.IsNull()) {
    throw ScenarioError(std::vector<Diagnostic>{
        located(base, shown, "", "the base scenario is empty (extended by " + label + ")")});
  }
  if (!base.IsMap()) fail(base, shown, "", "expected a mapping, got " + kind_of(base));
  chain.files.push_back(shown);
  chain.canonical.push_back(canonical);
  chain.shown.push_back(shown);
  base = resolve(base, shown, path.parent_path(), true, limits, chain);
  chain.canonical.pop_back();
  chain.shown.pop_back();
  return doc::merge(base, doc::without(root, "extends"));
}

// ---------------------------------------------------------------------------------------------
// Overrides

// A copy with no positions: --set values are located by their label alone.
doc::Node unlocated(const doc::Node& n, const doc::File& file) {
  switch (n.kind()) {
    case doc::Kind::Undefined:
    case doc::Kind::Null: {
      auto d = std::make_shared<doc::Data>();
      d->kind = doc::Kind::Null;
      d->file = file;
      return doc::Node(std::move(d));
    }
    case doc::Kind::Scalar: {
      auto d = std::make_shared<doc::Data>();
      d->kind = doc::Kind::Scalar;
      d->scalar = n.Scalar();
      d->quoted = n.quoted();
      d->file = file;
      return doc::Node(std::move(d));
    }
    case doc::Kind::Sequence: {
      std::vector<doc::Node> items;
      items.reserve(n.size());
      for (const auto& i : n.items()) items.push_back(unlocated(i, file));
      return doc::make_sequence(std::move(items), doc::make_scalar("", file));
    }
    case doc::Kind::Map: {
      doc::Node::Pairs pairs;
      pairs.reserve(n.size());
      for (const auto& [k, v] : n.pairs())
        pairs.emplace_back(unlocated(k, file), unlocated(v, file));
      return doc::make_map(std::move(pairs), doc::make_scalar("", file));
    }
  }
  return {};
}

// What the node at a path is, according to the language.
struct Where {
  enum class What { Section, Named, Values, List, RefList, Leaf } what = What::Leaf;
  const lang::Section* section = nullptr;  // Section, Named (its items), List (its items)
  const lang::Key* key = nullptr;          // the key that holds this node (null for the root)
};

Where where_of(const lang::Key& k) {
  using W = Where::What;
  switch (k.type) {
    case lang::Type::Section:
      return {W::Section, &lang::section(k.section), &k};
    case lang::Type::List:
      return {W::List, &lang::section(k.section), &k};
    case lang::Type::Named:
      return {W::Named, &lang::section(k.section), &k};
    case lang::Type::Values:
      return {W::Values, nullptr, &k};
    case lang::Type::RefList:
      return {W::RefList, nullptr, &k};
    default:
      return {W::Leaf, nullptr, &k};
  }
}

std::string what_value(const lang::Key* k) {
  if (k == nullptr) return "a string";
  switch (k->type) {
    case lang::Type::Number:
      return "a number";
    case lang::Type::Integer:
      return "an integer";
    case lang::Type::Boolean:
      return "true or false";
    case lang::Type::Date:
      return "a date";
    case lang::Type::Choice:
      return "one of " + join_names(k->choices);
    case lang::Type::Ref:
      return k->ref == lang::Ref::Actor      ? "an actor name"
             : k->ref == lang::Ref::UnitType ? "a unit type name"
                                             : "a region name";
    default:
      return "a string";
  }
}

std::string ref_noun(lang::Ref r) {
  switch (r) {
    case lang::Ref::Actor:
      return "actor";
    case lang::Ref::UnitType:
      return "unit type";
    case lang::Ref::Region:
      return "region";
    case lang::Ref::None:
      break;
  }
  return "name";
}

class Setter {
 public:
  Setter(const doc::Node& root, std::string label, std::vector<PathStep> steps, doc::Node value)
      : root_(root),
        label_(std::move(label)),
        file_(std::make_shared<const std::string>(label_)),
        steps_(std::move(steps)),
        value_(std::move(value)) {}

  doc::Node run() { return set(root_, {Where::What::Section, &lang::section("root"), nullptr}, 0); }

 private:
  [[noreturn]] void error(std::size_t i, const std::string& message) const {
    Diagnostic d;
    d.file = label_;
    d.path = prefix(i + 1);
    d.message = message;
    throw ScenarioError(std::vector<Diagnostic>{d});
  }

  std::string prefix(std::size_t n) const {
    return format_path(
        std::vector<PathStep>(steps_.begin(), steps_.begin() + static_cast<std::ptrdiff_t>(n)));
  }

  std::string step_text(std::size_t i) const {
    return steps_[i].is_index ? "[" + std::to_string(steps_[i].index) + "]" : steps_[i].key;
  }

  std::vector<std::string> region_names() const {
    std::vector<std::string> out;
    for (const auto& r : root_["regions"].items()) {
      if (r["name"].IsScalar()) out.push_back(r["name"].Scalar());
    }
    return out;
  }

  // The key `name` of section `s` (a variant group picks the variant from the node's
  // discriminator; with none or an unknown one, any variant's key is accepted).
  const lang::Key* find_key(const lang::Section& s, const doc::Node& cur, const std::string& name,
                            std::vector<std::string>& known, std::string& in) const {
    if (s.variants.empty()) {
      known = s.names();
      in = s.id == "root" ? "the scenario" : "'" + s.id + "'";
      return s.find(name);
    }
    const doc::Node disc = cur[s.discriminator];
    if (const lang::Section* v = disc.IsScalar() ? lang::variant(s, disc.Scalar()) : nullptr) {
      known = v->names();
      in = "a " + disc.Scalar() + " " + s.id;
      return v->find(name);
    }
    const lang::Key* found = nullptr;
    for (const auto& id : s.variants) {
      const lang::Section& v = lang::section(id);
      for (auto& n : v.names()) {
        if (std::find(known.begin(), known.end(), n) == known.end()) known.push_back(n);
      }
      if (found == nullptr) found = v.find(name);
    }
    in = "an " + s.id;
    return found;
  }

  doc::Node set(const doc::Node& cur, const Where& where, std::size_t i) {
    using W = Where::What;
    if (i == steps_.size()) return value_;
    const PathStep& st = steps_[i];
    const std::string parent = prefix(i);
    switch (where.what) {
      case W::Leaf:
        error(i, "'" + parent + "' holds a single value (" + what_value(where.key) +
                     "); it has no '" + step_text(i) + "'");
      case W::List:
      case W::RefList: {
        if (!st.is_index) error(i, "'" + parent + "' is a list: index it as " + parent + "[i]");
        if (!cur.IsSequence()) {
          error(i, "'" + parent + "' is " +
                       (cur.IsDefined() && !cur.IsNull() ? kind_of(cur) : "not in the scenario") +
                       ", not a list with an entry [" + std::to_string(st.index) + "]");
        }
        if (st.index >= cur.size()) {
          error(i, "index " + std::to_string(st.index) + " is out of range: '" + parent + "' has " +
                       std::to_string(cur.size()) + (cur.size() == 1 ? " entry" : " entries"));
        }
        const Where next = where.what == W::List ? Where{W::Section, where.section, nullptr}
                                                 : Where{W::Leaf, nullptr, where.key};
        auto items = cur.items();
        items[st.index] = set(items[st.index], next, i + 1);
        return doc::make_sequence(std::move(items), cur);
      }
      case W::Section:
      case W::Named:
      case W::Values:
        break;
    }
    if (st.is_index)
      error(i, "'" + (parent.empty() ? std::string("the scenario") : parent) +
                   "' is a mapping, not a list");
    if (cur.IsDefined() && !cur.IsNull() && !cur.IsMap()) {
      error(i, "'" + parent + "' is " + kind_of(cur) +
                   " in the scenario, not a mapping with a key '" + st.key + "'");
    }
    Where next{W::Leaf, nullptr, nullptr};
    if (!lang::is_annotation(st.key)) {
      if (where.what == W::Section) {
        if (where.section->id == "root" && st.key == "extends") {
          error(i, "'extends' cannot be overridden: it is resolved before overrides apply");
        }
        std::vector<std::string> known;
        std::string in;
        const lang::Key* k = find_key(*where.section, cur, st.key, known, in);
        if (k == nullptr) {
          known.emplace_back("source");
          known.emplace_back("note");
          const auto near = nearest(st.key, known);
          error(i, "unknown key '" + st.key + "' in " + in +
                       (near.empty() ? "; valid keys: " + join_names(known)
                                     : "; did you mean '" + near + "'?"));
        }
        next = where_of(*k);
      } else if (where.what == W::Named) {
        std::vector<std::string> names;
        for (const auto& [k, v] : cur.pairs()) {
          if (k.IsScalar() && !lang::is_annotation(k.Scalar())) names.push_back(k.Scalar());
        }
        if (std::find(names.begin(), names.end(), st.key) == names.end()) {
          const auto near = nearest(st.key, names);
          error(i, "unknown " + ref_noun(where.key->ref) + " '" + st.key + "'" +
                       (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
        }
        next = {W::Section, where.section, nullptr};
      } else {  // Values: region -> number
        const auto regions = region_names();
        const bool is_default = where.key->allow_default && st.key == "default";
        if (!is_default && std::find(regions.begin(), regions.end(), st.key) == regions.end()) {
          const auto near = nearest(st.key, regions);
          error(i, "unknown region '" + st.key + "'" +
                       (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
        }
        next = {W::Leaf, nullptr, where.key};
      }
    }
    doc::Node::Pairs pairs = cur.pairs();
    const auto it = std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) {
      return p.first.IsScalar() && p.first.Scalar() == st.key;
    });
    if (it != pairs.end()) {
      it->second = set(it->second, next, i + 1);
    } else {
      auto value = set(doc::Node(), next, i + 1);
      pairs.emplace_back(doc::make_scalar(st.key, file_), std::move(value));
    }
    return doc::make_map(std::move(pairs), cur.IsMap() ? cur : doc::make_scalar("", file_));
  }

  doc::Node root_;
  std::string label_;
  doc::File file_;
  std::vector<PathStep> steps_;
  doc::Node value_;
};

}  // namespace

std::string nearest(const std::string& key, const std::vector<std::string>& options) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& o : options) {
    const std::size_t d = edit_distance(key, o);
    if (d < best_d) {
      best_d = d;
      best = o;
    }
  }
  return best_d <= std::max<std::size_t>(2, key.size() / 3) ? best : std::string();
}

std::string join_names(const std::vector<std::string>& names, const char* sep) {
  std::string out;
  for (const auto& s : names) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string read_text(const std::string& path, const Limits& limits, const std::string& label) {
  const std::string& name = label.empty() ? path : label;
  auto fail_read = [&](const std::string& msg) {
    Diagnostic d;
    d.file = name;
    d.message = msg;
    throw ScenarioError(std::vector<Diagnostic>{d});
  };
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail_read("is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_read("cannot open the scenario file");
  // Read to the end rather than trusting a size: pipes and process substitutions have none.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limits.max_file_bytes) {
      fail_read("file is too large: the limit is " + std::to_string(limits.max_file_bytes) +
                " bytes");
    }
  }
  if (in.bad()) fail_read("cannot read the scenario file");
  return text;
}

Composed compose(const std::string& text, const doc::File& file, const std::string& file_path,
                 const std::string& dir, bool dir_known, const Limits& limits) {
  Chain chain;
  chain.shown.push_back(*file);
  chain.files.push_back(*file);
  if (!file_path.empty()) chain.canonical.push_back(canonical_or_normal(file_path));
  const doc::Node root = doc::parse(text, file, limits);
  Composed out;
  out.root = resolve(root, *file, fs::path(dir), dir_known, limits, chain);
  out.files = std::move(chain.files);
  return out;
}

std::string label_of(const Override& o) {
  return o.label.empty() ? "--set " + o.path + "=" + o.value : o.label;
}

doc::Node apply_overrides(const doc::Node& root, const std::vector<Override>& overrides,
                          const Limits& limits) {
  doc::Node out = root;
  std::vector<Diagnostic> errors;
  for (const auto& o : overrides) {
    const std::string label = label_of(o);
    try {
      auto steps = parse_path(o.path, label);
      const auto file = std::make_shared<const std::string>(label);
      doc::Node parsed;
      try {
        parsed = doc::parse(o.value, file, limits);
      } catch (const ScenarioError& e) {
        // Positions inside the value would read as positions in the label: name the column.
        std::vector<Diagnostic> ds = e.diagnostics();
        for (auto& d : ds) {
          if (d.column > 0)
            d.message += " (at column " + std::to_string(d.column) + " of the value)";
          d.line = d.column = 0;
          d.path = o.path;
        }
        throw ScenarioError(ds);
      }
      const doc::Node value = unlocated(parsed, file);
      out = Setter(out, label, std::move(steps), value).run();
    } catch (const ScenarioError& e) {
      errors.insert(errors.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!errors.empty()) throw ScenarioError(errors);
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Paths (public: loader.hpp)

std::vector<PathStep> parse_path(std::string_view path, const std::string& label) {
  auto bad = [&](const std::string& why) {
    Diagnostic d;
    d.file = label;
    d.path = std::string(path);
    d.message = "invalid path '" + std::string(path) + "': " + why +
                " (write keys with dots and list indices in brackets, e.g. events[0].scope)";
    throw ScenarioError(std::vector<Diagnostic>{d});
  };
  std::vector<PathStep> steps;
  std::size_t i = 0;
  const std::size_t n = path.size();
  if (n == 0) bad("it is empty");
  bool need_key = true;  // at the start and after a '.'
  while (i < n) {
    const char c = path[i];
    if (c == '[') {
      if (steps.empty()) bad("it must start with a key");
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) bad("'[' without ']'");
      const std::string_view digits = path.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(),
                       [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
        bad("a list index is a non-negative integer");
      }
      PathStep s;
      s.is_index = true;
      s.index = static_cast<std::size_t>(std::stoul(std::string(digits)));
      steps.push_back(s);
      i = close + 1;
      need_key = false;
      if (i < n && path[i] != '.' && path[i] != '[') bad("expected '.' or '[' after ']'");
    } else if (c == '.') {
      if (need_key) bad("an empty key");
      need_key = true;
      ++i;
      if (i == n) bad("it ends with '.'");
    } else if (c == ']') {
      bad("']' without '['");
    } else {
      if (!need_key) bad("expected '.' before a key");
      std::size_t j = i;
      while (j < n && path[j] != '.' && path[j] != '[' && path[j] != ']') ++j;
      PathStep s;
      s.key = std::string(path.substr(i, j - i));
      steps.push_back(s);
      i = j;
      need_key = false;
    }
  }
  return steps;
}

std::string format_path(const std::vector<PathStep>& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (s.is_index)
      out += "[" + std::to_string(s.index) + "]";
    else
      out += (out.empty() ? "" : ".") + s.key;
  }
  return out;
}

Override parse_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  auto trim = [](const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  if (eq == std::string::npos || trim(assignment.substr(0, eq)).empty()) {
    Diagnostic d;
    d.file = "--set " + assignment;
    d.message = "expected PATH=VALUE, e.g. --set actors.russia.budget=0";
    throw ScenarioError(std::vector<Diagnostic>{d});
  }
  Override o;
  o.path = trim(assignment.substr(0, eq));
  o.value = assignment.substr(eq + 1);
  o.label = "--set " + assignment;
  return o;
}

}  // namespace powershift::scenario
