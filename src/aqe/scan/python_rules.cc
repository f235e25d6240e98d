#include "aqe/scan/python_rules.h"

#include <hs.h>
#include <tree_sitter/api.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <regex>
#include <unordered_map>

#include "aqe/scan/python_lines.h"
#include "aqe/scan/walker.h"
#include "aqe/util/strings.h"

extern "C" const TSLanguage* tree_sitter_python(void);

namespace aqe::scan {
namespace {

enum Family : unsigned {
  kEvalExec,
  kShell,
  kDeserialise,
  kYaml,
  kHash,
  kRandom,
  kSql,
  kVerify,
  kMktemp,
  kBindAll,
  kAssert,
  kXml,
  kFlaskDebug,
  kPassword,
  kTmp,
  kImport,
  kCrypto,
  kProcess,
  kTls,
  kChmod,
  kUrl,
  kTemplate,
  kSsh,
  kFamilyCount
};

struct Trigger {
  Family family;
  const char* regex;
  unsigned flags;
};

// Each family's call or literal syntax, as text: a file (or statement) none of them matches
// is not parsed. A hit must also sit in code, or for the literal families in a string, per
// the PythonLines lexer.
constexpr std::array<Trigger, kFamilyCount> kTriggers = {{
    {kEvalExec, R"((?:^|[^.\w])(?:builtins\s*\.\s*)?(?:eval|exec)\s*\()", 0},
    {kShell,
     R"(\bshell\s*=\s*(?:[^\sFN0=]|F[^a]|N[^o])|\bos\s*\.\s*(?:system|popen\d?)\s*\(|\b(?:getoutput|getstatusoutput|create_subprocess_shell)\s*\()",
     0},
    {kDeserialise,
     R"(\b(?:c?[Pp]ickle|_pickle|dill)\s*\.\s*(?:loads?|Unpickler)\s*\(|\bshelve\s*\.\s*open\s*\(|\bjsonpickle\s*\.\s*decode\s*\(|\bread_pickle\s*\(|\bmarshal\s*\.\s*loads?\s*\()",
     0},
    {kYaml, R"(\byaml\s*\.\s*(?:unsafe_)?load(?:_all)?\s*\()", 0},
    {kHash, R"(\bhashlib\s*\.\s*(?:md5|sha1|new)\s*\(|\b(?:md5|sha1?)\s*\.\s*(?:new|md5)\s*\()",
     HS_FLAG_CASELESS},
    {kRandom,
     R"(\brandom\s*\.\s*(?:random|randint|randrange|choices?|sample|getrandbits|uniform|randbytes|shuffle)\s*\()",
     0},
    {kSql,
     R"(['"]\s*(?:select\s|delete\s+from\s|insert\s+(?:or\s+\w+\s+)?into\s|update\s+\S+\s+set\s|with\s+\w+\s+as\s*\())",
     HS_FLAG_CASELESS},
    {kVerify, R"(\bverify\s*=\s*False\b)", 0},
    {kMktemp, R"(\bmktemp\s*\()", 0},
    {kBindAll, R"(['"]0\.0\.0\.0['"])", 0},
    {kAssert, R"(\bassert\b[^\n]{0,200}(?:admin|auth|perm|role|staff|superuser|logged_in|owner|privilege))",
     HS_FLAG_CASELESS},
    {kXml,
     R"(\b(?:ElementTree|etree|minidom|pulldom|sax|expatbuilder|ET)\s*\.\s*(?:parse|fromstring|XML|iterparse|XMLParser|parseString|make_parser|fromstringlist|XMLID)\s*\()",
     0},
    {kFlaskDebug, R"(\bdebug\s*=\s*True\b)", 0},
    {kPassword, R"((?:passw|passphrase|pwd|secret)\w*['"]?\s*(?::\s*\w+\s*)?(?:=|==|:)\s*[bru]?['"])",
     HS_FLAG_CASELESS},
    {kTmp, R"(["'](?:/tmp|/var/tmp|/dev/shm)(?:/|["']))", 0},
    // Import statements are read lexically (not parsed) to resolve aliases; see Imports. Only
    // those that can bind a name a rule judges (and flask/yaml/ruamel, which some rules ask
    // about): matching every import sent nearly every file to the lexer.
    {kImport,
     R"(^[ \t]*(?:from[ \t]+(?:subprocess|os|c?[Pp]ickle|_pickle|dill|shelve|marshal|jsonpickle|yaml|hashlib|xml|lxml|ssl|cryptography|Crypto|Cryptodome|telnetlib|ftplib|urllib2?|six|jinja2|mako|django|paramiko|tempfile|random|commands|builtins|pandas|md5|sha|flask|ruamel|defusedxml)\b|import[ \t][^\n]*[ \t]as[ \t]|import[ \t]+(?:flask|yaml|ruamel)\b))",
     HS_FLAG_MULTILINE},
    {kCrypto,
     R"(\b(?:MD5|SHA1|MD4|DES3?|ARC[24]|RC4|Blowfish|TripleDES|IDEA|CAST5?|SEED|ECB|MODE_ECB)\b|\bgenerate_private_key\s*\(|\b(?:RSA|DSA)\s*\.\s*generate\s*\()",
     0},
    {kProcess,
     R"(\bos\s*\.\s*(?:spawn|exec)\w*\s*\(|\bsubprocess\s*\.\s*(?:Popen|call|run|check_call|check_output)\s*\()",
     0},
    {kTls, R"(\bPROTOCOL_(?:SSLv2|SSLv3|TLSv1|TLSv1_1)\b|\b_create_unverified_context\b)", 0},
    {kChmod, R"(\bchmod\s*\()", 0},
    {kUrl, R"(\b(?:urlopen|urlretrieve|Telnet|FTP)\s*\()", 0},
    {kTemplate, R"(\b(?:Environment|Template|TemplateLookup|mark_safe)\s*\()", 0},
    {kSsh, R"(\bexec_command\s*\(|\b(?:AutoAddPolicy|WarningPolicy)\b)", 0},
}};

bool contains(std::initializer_list<std::string_view> set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// The names a module binds by import: `import a.b as c` binds c to a.b, `from a import b as
// c` binds c to a.b. Calls are matched on the origin, so aliases and `from` imports resolve.
struct Imports {
  std::unordered_map<std::string, std::string> names;  // local name -> dotted origin
  std::vector<std::string> modules;                    // every absolute module imported

  std::string resolve(const std::string& dotted_name) const {
    size_t dot = dotted_name.find('.');
    auto it = names.find(dotted_name.substr(0, dot));
    if (it == names.end()) return dotted_name;
    return dot == std::string::npos ? it->second : it->second + dotted_name.substr(dot);
  }
  bool imports(std::string_view root) const {
    auto under = [&](std::string_view m) {
      return m == root || (starts_with(m, root) && m.size() > root.size() && m[root.size()] == '.');
    };
    return std::any_of(modules.begin(), modules.end(), under) ||
           std::any_of(names.begin(), names.end(), [&](const auto& kv) { return under(kv.second); });
  }
};

// One import statement's text (a logical line, brackets and comments allowed).
void read_import(std::string_view stmt, Imports& out) {
  std::string flat;
  bool comment = false;
  for (char c : stmt) {
    if (c == '#') comment = true;
    if (c == '\n') comment = false;
    if (comment) continue;
    flat.push_back((c == '(' || c == ')' || c == '\\' || std::isspace(static_cast<unsigned char>(c))) ? ' '
                                                                                                      : c);
  }
  for (const std::string& part : split(flat, ';')) {
    std::vector<std::string> words;
    for (const std::string& w : split(std::string(trim(part)), ' ')) {
      if (!w.empty()) words.push_back(w);
    }
    if (words.size() < 2) continue;
    std::string module;
    size_t items = 1;
    if (words[0] == "from") {
      if (words.size() < 4 || words[2] != "import" || starts_with(words[1], ".")) continue;
      module = words[1];
      out.modules.push_back(module);
      items = 3;
    } else if (words[0] != "import") {
      continue;
    }
    std::string rest;
    for (size_t i = items; i < words.size(); ++i) rest += words[i] + " ";
    for (const std::string& item : split(rest, ',')) {
      std::vector<std::string> w;
      for (const std::string& x : split(std::string(trim(item)), ' ')) {
        if (!x.empty()) w.push_back(x);
      }
      if (w.empty() || w[0] == "*") continue;
      std::string origin = module.empty() ? w[0] : module + "." + w[0];
      if (module.empty()) out.modules.push_back(origin);
      if (w.size() == 3 && w[1] == "as") {
        out.names[w[2]] = origin;
      } else if (!module.empty()) {
        out.names[w[0]] = origin;
      }
    }
  }
}

// Whether the import statement on the physical line holding `at` (the end of its trigger)
// names a module whose calls some rule judges.
bool imports_rule_module(std::string_view src, size_t at) {
  size_t bol = at == 0 ? std::string_view::npos : src.rfind('\n', at - 1);
  bol = bol == std::string_view::npos ? 0 : bol + 1;
  size_t eol = src.find('\n', at);
  std::string_view line = src.substr(bol, (eol == std::string_view::npos ? src.size() : eol) - bol);
  size_t from = line.find(" import ");
  if (from != std::string_view::npos) {
    line = line.substr(0, from);  // `from M import names`: M only
  } else if (line.find(" as ") == std::string_view::npos) {
    return false;  // a plain `import M` binds no other name to M
  }
  std::string word;
  auto judged = [](std::string_view w) {
    std::string_view root = w.substr(0, w.find('.'));
    return contains(
        {"subprocess",   "os",         "pickle",     "cPickle",   "_pickle",  "dill",     "shelve",
         "marshal",      "jsonpickle", "yaml",       "hashlib",   "xml",      "lxml",     "ssl",
         "cryptography", "Crypto",     "Cryptodome", "telnetlib", "ftplib",   "urllib",   "urllib2",
         "six",          "jinja2",     "mako",       "django",    "paramiko", "tempfile", "random",
         "commands",     "builtins",   "pandas",     "md5",       "sha"},
        root);
  };
  for (char c : std::string(line) + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
      word.push_back(c);
    } else {
      if (!word.empty() && judged(word)) return true;
      word.clear();
    }
  }
  return false;
}

// Origins whose aliased calls are worth parsing a statement for.
bool interesting_origin(std::string_view origin) {
  for (std::string_view p : {"subprocess",
                             "os.system",
                             "os.popen",
                             "os.spawn",
                             "os.exec",
                             "os.chmod",
                             "pickle",
                             "cPickle",
                             "_pickle",
                             "dill",
                             "shelve",
                             "marshal",
                             "jsonpickle",
                             "yaml",
                             "hashlib",
                             "xml",
                             "lxml.etree",
                             "ssl",
                             "cryptography.hazmat",
                             "Crypto.",
                             "Cryptodome.",
                             "telnetlib",
                             "ftplib",
                             "urllib",
                             "six.moves.urllib",
                             "jinja2",
                             "mako",
                             "django.utils.safestring",
                             "paramiko",
                             "tempfile.mktemp",
                             "random",
                             "commands",
                             "builtins",
                             "pandas.read_pickle",
                             "md5",
                             "sha"}) {
    if (starts_with(origin, p)) return true;
  }
  return false;
}

// Families whose trigger ends inside a string literal (the value is what the rule judges).
bool literal_family(unsigned family) {
  return family == kSql || family == kBindAll || family == kPassword || family == kTmp;
}

// A literal-family hit counts only when the literal it ends in is the one the rule judges: the
// password value's own opening quote, or a literal whose text starts like a path, SQL statement
// or the bind-all address. Quotes inside long prose strings (pydoc's 750 KB topics table) then
// no longer send whole statements to the parser.
bool literal_matches(std::string_view src, size_t literal, size_t hit_end, unsigned family) {
  if (family == kPassword) return hit_end - 1 == literal;
  const char q = src[literal];
  size_t at = literal + 1;
  if (src.size() > literal + 2 && src[literal + 1] == q && src[literal + 2] == q) at = literal + 3;
  std::string_view text = src.substr(at, 64);
  if (family == kBindAll) return starts_with(text, "0.0.0.0");
  if (family == kTmp)
    return starts_with(text, "/tmp") || starts_with(text, "/var/tmp") || starts_with(text, "/dev/shm");
  size_t word = text.find_first_not_of(" \t\r\n");
  if (word == std::string_view::npos) return false;
  std::string head = to_lower(text.substr(word, 7));
  for (std::string_view k : {"select", "delete", "insert", "update", "with"}) {
    if (starts_with(head, k)) return true;
  }
  return false;
}

// The SQL rule judges a literal only when text is put into it: an f-string, the left side of
// `%`, a side of `+`, the object of `.format()`. The bytes around the literal tell, so a module
// of long documentation strings that start with "select" (pydoc's topics, 750 KB in one
// statement) is not parsed for them.
bool sql_text_can_be_built(std::string_view src, const PythonLines& lines, size_t literal) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\\';
  };
  size_t start = literal;
  while (start > 0 && std::isalpha(static_cast<unsigned char>(src[start - 1])) != 0) {
    --start;
    if (src[start] == 'f' || src[start] == 'F') return true;
  }
  size_t next = lines.literal_end(literal);
  while (next < src.size()) {
    if (src[next] == '#') {
      next = src.find('\n', next);
    } else if (space(src[next])) {
      ++next;
    } else {
      break;
    }
  }
  if (next < src.size() && (src[next] == '%' || src[next] == '+' || src[next] == '.')) return true;
  size_t before = start;
  while (before > 0) {
    if (lines.in_comment(before - 1)) {
      before = lines.comment_begin(before - 1);
    } else if (space(src[before - 1])) {
      --before;
    } else {
      break;
    }
  }
  return before > 0 && src[before - 1] == '+';
}

int note_hit(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  static_cast<std::vector<TriggerHit>*>(ctx)->push_back({id, static_cast<size_t>(to)});
  return 0;
}

std::string_view last_part(std::string_view dotted) {
  size_t dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

bool name_is_secretish(std::string_view name) {
  std::string n = to_lower(name);
  if (n.find("password") == std::string::npos && n.find("passwd") == std::string::npos &&
      n.find("passphrase") == std::string::npos && n.find("pwd") == std::string::npos &&
      n.find("secret") == std::string::npos) {
    return false;
  }
  // Names that hold metadata about a password, not the password.
  for (std::string_view suffix :
       {"_file",   "_path", "_env",    "_var",    "_prompt", "_field", "_name",    "_url",
        "_type",   "_len",  "_length", "_header", "_param",  "_regex", "_pattern", "_dir",
        "_policy", "_key",  "_label",  "_hash",   "_id",     "_mode",  "_cmd"}) {
    if (ends_with(n, suffix)) return false;
  }
  return true;
}

bool value_is_real_password(std::string_view v) {
  if (v.size() < 4) return false;
  if (std::any_of(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); })) return false;
  if (contains({"$", "{", "%", "<", "*"}, v.substr(0, 1))) return false;
  std::string l = to_lower(v);
  for (std::string_view word : {"password", "passwd", "secret", "pwd", "example", "changeme", "dummy",
                                "placeholder", "xxxx", "redacted"}) {
    if (l.find(word) != std::string::npos) return false;
  }
  return true;
}

bool name_is_security_context(std::string_view name) {
  std::string n = to_lower(name);
  for (std::string_view w : {"token", "password", "passwd", "secret", "salt", "nonce", "csrf", "otp",
                             "apikey", "api_key", "session_id", "sessionid", "credential", "auth"}) {
    if (n.find(w) != std::string::npos) return true;
  }
  for (const std::string& part : split(n, '_')) {
    if (part == "key" || part == "pin" || part == "pwd") return true;
  }
  return false;
}

const std::regex& sql_regex() {
  static const std::regex re(
      R"(^\s*(select\s[\s\S]*\sfrom\s|delete\s+from\s|insert\s+(or\s+\w+\s+)?into\s|update\s+\S+\s+set\s|with\s+\w+\s+as\s*\())",
      std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  return re;
}

struct Symbols {
  TSSymbol call, string, assignment, keyword_argument, default_parameter, typed_default_parameter, pair,
      comparison, assert_statement, binary;
};

// One file's check: the source, the tree, and the symbols the rules dispatch on.
class FileCheck {
 public:
  FileCheck(std::string_view src, std::uint32_t families, bool test_file, const Imports& imports,
            std::vector<CodeMatch>& out)
      : src_(src), families_(families), test_file_(test_file), imports_(imports), out_(out) {
    // Looked up by name once per process (a linear search of the grammar's symbols).
    static const Symbols symbols = [] {
      const TSLanguage* lang = tree_sitter_python();
      auto sym = [&](const char* n) {
        return ts_language_symbol_for_name(lang, n, static_cast<uint32_t>(std::strlen(n)), true);
      };
      Symbols s{};
      s.call = sym("call");
      s.string = sym("string");
      s.assignment = sym("assignment");
      s.keyword_argument = sym("keyword_argument");
      s.default_parameter = sym("default_parameter");
      s.typed_default_parameter = sym("typed_default_parameter");
      s.pair = sym("pair");
      s.comparison = sym("comparison_operator");
      s.assert_statement = sym("assert_statement");
      s.binary = sym("binary_operator");
      return s;
    }();
    call_ = symbols.call;
    string_ = symbols.string;
    assignment_ = symbols.assignment;
    keyword_argument_ = symbols.keyword_argument;
    default_parameter_ = symbols.default_parameter;
    typed_default_parameter_ = symbols.typed_default_parameter;
    pair_ = symbols.pair;
    comparison_ = symbols.comparison;
    assert_ = symbols.assert_statement;
    binary_ = symbols.binary;
  }

  void visit(TSNode n) {
    TSSymbol s = ts_node_symbol(n);
    if (s == call_) {
      on_call(n);
    } else if (s == string_) {
      on_string(n);
    } else if (s == binary_) {
      if (has(kSql)) on_binary(n);
    } else if (s == assert_) {
      if (has(kAssert) && !test_file_) on_assert(n);
    } else if (has(kPassword)) {
      if (s == assignment_) {
        on_named_value(ts_node_child_by_field_name(n, "left", 4), ts_node_child_by_field_name(n, "right", 5));
      } else if (s == keyword_argument_ || s == default_parameter_ || s == typed_default_parameter_) {
        on_named_value(ts_node_child_by_field_name(n, "name", 4), ts_node_child_by_field_name(n, "value", 5));
      } else if (s == pair_) {
        on_named_value(ts_node_child_by_field_name(n, "key", 3), ts_node_child_by_field_name(n, "value", 5));
      } else if (s == comparison_ && ts_node_child_count(n) == 3) {
        on_named_value(ts_node_child(n, 0), ts_node_child(n, 2), true);
      }
    }
  }

 private:
  bool has(Family f) const { return (families_ >> f) & 1u; }

  std::string_view text(TSNode n) const {
    return src_.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
  }

  std::string dotted(TSNode n) const {
    std::string out;
    for (char c : text(n)) {
      if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
    }
    return out;
  }

  // The literal value of a string node; `interpolated` is set for f-strings with fields.
  std::string string_value(TSNode n, bool& interpolated) const {
    std::string v;
    interpolated = false;
    uint32_t count = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode c = ts_node_named_child(n, i);
      std::string_view type = ts_node_type(c);
      if (type == "string_content" || type == "escape_sequence") v += text(c);
      if (type == "interpolation") {
        interpolated = true;
        v += "{}";
      }
    }
    return v;
  }

  std::optional<TSNode> kwarg(TSNode call, std::string_view name) const {
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    if (ts_node_is_null(args)) return std::nullopt;
    uint32_t count = ts_node_named_child_count(args);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode a = ts_node_named_child(args, i);
      if (ts_node_symbol(a) != keyword_argument_) continue;
      if (text(ts_node_child_by_field_name(a, "name", 4)) == name)
        return ts_node_child_by_field_name(a, "value", 5);
    }
    return std::nullopt;
  }

  std::optional<TSNode> positional(TSNode call, uint32_t index) const {
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    if (ts_node_is_null(args)) return std::nullopt;
    uint32_t count = ts_node_named_child_count(args), seen = 0;
    for (uint32_t i = 0; i < count; ++i) {
      TSNode a = ts_node_named_child(args, i);
      std::string_view type = ts_node_type(a);
      if (type == "keyword_argument" || type == "comment") continue;
      if (seen++ == index) return a;
    }
    return std::nullopt;
  }

  bool is_literal(TSNode n, std::string_view word) const { return text(n) == word; }

  // A literal Python takes as false: shell=[] runs no shell.
  bool is_falsy(TSNode n) const {
    return contains({"False", "None", "0", "[]", "()", "{}", "''", "\"\"", "b''", "b\"\""}, dotted(n));
  }

  // Every argument's value, positional and keyword.
  std::vector<TSNode> arg_values(TSNode call) const {
    std::vector<TSNode> out;
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    if (ts_node_is_null(args)) return out;
    uint32_t count = ts_node_named_child_count(args);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode a = ts_node_named_child(args, i);
      if (std::string_view(ts_node_type(a)) == "comment") continue;
      out.push_back(ts_node_symbol(a) == keyword_argument_ ? ts_node_child_by_field_name(a, "value", 5) : a);
    }
    return out;
  }

  // The value of an integer literal (0o777, 0777, 0x1ff, 511), nullopt for anything else.
  std::optional<long long> int_literal(TSNode n) const {
    if (std::string_view(ts_node_type(n)) != "integer") return std::nullopt;
    std::string t = to_lower(dotted(n));
    t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
    int base = 10;
    if (starts_with(t, "0o")) {
      base = 8;
      t = t.substr(2);
    } else if (starts_with(t, "0x")) {
      base = 16;
      t = t.substr(2);
    } else if (starts_with(t, "0b")) {
      base = 2;
      t = t.substr(2);
    } else if (t.size() > 1 && t[0] == '0') {
      base = 8;
    }
    if (t.empty() || t.size() > 15) return std::nullopt;
    char* end = nullptr;
    long long v = std::strtoll(t.c_str(), &end, base);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return v;
  }

  std::string owner_of(const std::string& fn) const {
    std::vector<std::string> parts = split(fn, '.');
    return parts.size() < 2 ? std::string() : parts[parts.size() - 2];
  }

  void check_cipher(TSNode n, const std::string& fn, std::string_view last) {
    const std::string owner = owner_of(fn);
    if (last == "new" && contains({"DES", "DES3", "ARC4", "ARC2", "Blowfish", "CAST", "XOR"}, owner)) {
      report(n, "py-weak-cipher", fn + "()");
      return;
    }
    if ((owner == "algorithms" &&
         contains({"ARC4", "TripleDES", "Blowfish", "IDEA", "CAST5", "SEED"}, last)) ||
        (owner == "modes" && last == "ECB")) {
      report(n, "py-weak-cipher", fn + "()");
      return;
    }
    if (last == "new") {
      for (TSNode a : arg_values(n)) {
        if (last_part(dotted(a)) == "MODE_ECB") {
          report(n, "py-weak-cipher", fn + "(..., MODE_ECB)");
          return;
        }
      }
    }
    std::optional<TSNode> size;
    if (last == "generate_private_key" && (owner == "rsa" || owner == "dsa")) {
      size = kwarg(n, "key_size");
      if (!size) size = positional(n, owner == "rsa" ? 1 : 0);
    } else if (last == "generate" && (owner == "RSA" || owner == "DSA")) {
      size = kwarg(n, "bits");
      if (!size) size = positional(n, 0);
    }
    if (!size) return;
    auto bits = int_literal(*size);
    if (bits && *bits < 2048)
      report(n, "py-weak-key-size", fn + "() with " + std::to_string(*bits) + " bits");
  }

  // subprocess without a shell (bandit B603, low) and os.spawn*/os.exec* (B606).
  void check_process(TSNode n, const std::string& fn, std::string_view last) {
    if (starts_with(fn, "os.spawn") || starts_with(fn, "os.exec")) {
      if (fn.find('.', 3) == std::string::npos) report(n, "py-os-spawn-exec", fn + "()");
      return;
    }
    if (!starts_with(fn, "subprocess.") || fn.find('.', 11) != std::string::npos ||
        !contains({"Popen", "call", "run", "check_call", "check_output"}, last)) {
      return;
    }
    auto shell = kwarg(n, "shell");
    if (!shell || is_falsy(*shell)) report(n, "py-subprocess-call", fn + "() without a shell");
  }

  void check_tls(TSNode n, std::string_view last) {
    if (last == "_create_unverified_context") {
      report(n, "py-weak-tls", "ssl._create_unverified_context()");
      return;
    }
    for (TSNode a : arg_values(n)) {
      std::string v = dotted(a);
      if (contains({"PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1"},
                   last_part(v))) {
        report(n, "py-weak-tls", std::string(last_part(v)));
        return;
      }
    }
  }

  void check_chmod(TSNode n, const std::string& fn) {
    auto mode = kwarg(n, "mode");
    if (!mode) mode = positional(n, contains({"os.chmod", "os.lchmod", "os.fchmod"}, fn) ? 1 : 0);
    if (!mode) return;
    std::string t = dotted(*mode);
    auto v = int_literal(*mode);
    if ((v && (*v & 02) != 0) || t.find("S_IWOTH") != std::string::npos ||
        t.find("S_IRWXO") != std::string::npos)
      report(n, "py-chmod-world-writable", fn + "(..., " + t.substr(0, 40) + ")");
  }

  void check_url(TSNode n, const std::string& fn, std::string_view last) {
    if (fn == "telnetlib.Telnet" || fn == "ftplib.FTP") {
      report(n, "py-cleartext-protocol", fn + "()");
      return;
    }
    if (!contains({"urlopen", "urlretrieve"}, last) ||
        !(starts_with(fn, "urllib") || starts_with(fn, "six.moves.urllib"))) {
      return;
    }
    auto url = kwarg(n, "url");
    if (!url) url = positional(n, 0);
    if (url && is_plain_string(*url)) {
      bool interp = false;
      std::string u = to_lower(string_value(*url, interp));
      if (starts_with(u, "http://") || starts_with(u, "https://")) return;
    }
    report(n, "py-urlopen", fn + "() of a URL whose scheme is not fixed to http(s)");
  }

  void check_template(TSNode n, const std::string& fn, std::string_view last) {
    if (fn == "jinja2.Environment" || fn == "jinja2.environment.Environment") {
      auto escape = kwarg(n, "autoescape");
      if (!escape || is_falsy(*escape)) report(n, "py-jinja2-autoescape", fn + "() without autoescape");
    } else if (starts_with(fn, "mako.") && contains({"Template", "TemplateLookup"}, last)) {
      report(n, "py-mako-template", fn + "()");
    } else if (last == "mark_safe") {
      report(n, "py-django-mark-safe", fn + "()");
    }
  }

  void check_ssh(TSNode n, TSNode fn_node, std::string_view last) {
    if (last == "exec_command" && std::string_view(ts_node_type(fn_node)) == "attribute") {
      report(n, "py-paramiko-exec", "exec_command()");
    } else if (last == "set_missing_host_key_policy") {
      auto policy = positional(n, 0);
      if (!policy) return;
      std::string p = dotted(*policy);
      if (p.find("AutoAddPolicy") != std::string::npos || p.find("WarningPolicy") != std::string::npos)
        report(n, "py-ssh-auto-add",
               "host keys accepted by " + std::string(last_part(p.substr(0, p.find('(')))));
    }
  }

  bool is_plain_string(TSNode n) const {
    if (ts_node_symbol(n) != string_) return false;
    bool interpolated = false;
    string_value(n, interpolated);
    return !interpolated;
  }

  void report(TSNode n, const char* rule, std::string detail, std::optional<Severity> sev = std::nullopt) {
    TSPoint p = ts_node_start_point(n);
    out_.push_back({rule, static_cast<int>(p.row) + 1, static_cast<int>(p.column) + 1, ts_node_start_byte(n),
                    ts_node_end_byte(n), std::move(detail), sev, std::nullopt});
  }

  void on_call(TSNode n) {
    TSNode fn_node = ts_node_child_by_field_name(n, "function", 8);
    if (ts_node_is_null(fn_node)) return;
    const std::string fn = imports_.resolve(dotted(fn_node));
    std::string_view last = last_part(fn);
    if (has(kEvalExec)) check_eval(n, fn);
    if (has(kShell)) check_shell(n, fn, last);
    if (has(kDeserialise)) check_deserialise(n, fn);
    if (has(kYaml)) check_yaml(n, fn);
    if (has(kHash) || has(kCrypto)) check_hash(n, fn);
    if (has(kCrypto)) check_cipher(n, fn, last);
    if (has(kProcess) || has(kShell)) check_process(n, fn, last);
    if (has(kTls)) check_tls(n, last);
    if (has(kChmod) && last == "chmod") check_chmod(n, fn);
    if (has(kUrl)) check_url(n, fn, last);
    if (has(kTemplate)) check_template(n, fn, last);
    if (has(kSsh)) check_ssh(n, fn_node, last);
    if (has(kRandom)) check_random(n, fn, last);
    if (has(kVerify)) check_verify(n, fn, last);
    if (has(kMktemp) && (fn == "tempfile.mktemp" || fn == "mktemp"))
      report(n, "py-tempfile-mktemp", fn + "()");
    if (has(kXml)) check_xml(n, fn, last);
    // '...'.format() with no argument fills nothing in.
    if (has(kSql) && last == "format" && ts_node_type(fn_node) == std::string_view("attribute") &&
        !arg_values(n).empty()) {
      TSNode object = ts_node_child_by_field_name(fn_node, "object", 6);
      bool interp = false;
      if (ts_node_symbol(object) == string_) check_sql(object, string_value(object, interp), ".format()");
    }
    // asyncio.run(main(), debug=True) turns on asyncio's debug mode, not a web debugger.
    // Only in a module that imports Flask: other objects' run(debug=True) is no web debugger.
    if (has(kFlaskDebug) && last == "run" && !starts_with(fn, "asyncio.") && imports_.imports("flask")) {
      auto debug = kwarg(n, "debug");
      if (debug && is_literal(*debug, "True")) report(n, "py-flask-debug", fn + "(debug=True)");
    }
  }

  void check_eval(TSNode n, const std::string& fn) {
    if (fn == "eval" || fn == "builtins.eval") report(n, "py-eval", "eval()");
    if (fn == "exec" || fn == "builtins.exec") report(n, "py-exec", "exec()");
  }

  void check_shell(TSNode n, const std::string& fn, std::string_view last) {
    auto first = positional(n, 0);
    bool literal_cmd = first && is_plain_string(*first);
    std::optional<Severity> sev;
    if (literal_cmd) sev = Severity::kLow;
    if (contains({"os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "commands.getoutput",
                  "commands.getstatusoutput", "subprocess.getoutput", "subprocess.getstatusoutput"},
                 fn) ||
        last == "create_subprocess_shell") {
      report(n, "py-os-system", fn + "()", sev);
      return;
    }
    auto shell = kwarg(n, "shell");
    if (!shell || is_falsy(*shell)) return;
    bool subprocess_fn = starts_with(fn, "subprocess.") ||
                         contains({"Popen", "call", "run", "check_call", "check_output"}, fn);
    if (subprocess_fn)
      report(n, "py-subprocess-shell", fn + "(..., shell=" + std::string(text(*shell)) + ")", sev);
  }

  void check_deserialise(TSNode n, const std::string& fn) {
    if (contains({"pickle.load", "pickle.loads", "pickle.Unpickler", "cPickle.load", "cPickle.loads",
                  "_pickle.load", "_pickle.loads", "dill.load", "dill.loads", "shelve.open",
                  "jsonpickle.decode", "pandas.read_pickle", "pd.read_pickle"},
                 fn)) {
      report(n, "py-pickle-load", fn + "()");
    }
    if (fn == "marshal.load" || fn == "marshal.loads") report(n, "py-marshal-load", fn + "()");
  }

  void check_yaml(TSNode n, const std::string& fn) {
    if (fn == "yaml.unsafe_load" || fn == "yaml.unsafe_load_all") {
      report(n, "py-yaml-load", fn + "()");
      return;
    }
    if (fn != "yaml.load" && fn != "yaml.load_all") return;
    // `yaml = YAML(typ="rt")` from ruamel: its load() is round-trip safe, not PyYAML's.
    if (imports_.imports("ruamel") && !imports_.imports("yaml")) return;
    auto loader = kwarg(n, "Loader");
    if (!loader) loader = positional(n, 1);
    if (loader) {
      std::string_view l = text(*loader);
      if (l.find("SafeLoader") != std::string_view::npos || l.find("BaseLoader") != std::string_view::npos)
        return;
    }
    report(n, "py-yaml-load", fn + "() without SafeLoader");
  }

  void check_hash(TSNode n, const std::string& fn) {
    auto use = kwarg(n, "usedforsecurity");
    if (use && is_literal(*use, "False")) return;
    std::string lower = to_lower(fn);
    bool weak = contains({"hashlib.md5", "hashlib.sha1", "md5.new", "sha.new", "md5.md5"}, lower) ||
                ends_with(lower, "hash.md5.new") || ends_with(lower, "hash.sha1.new") ||
                ends_with(lower, "hash.sha.new");
    if (!weak && contains({"MD5", "SHA1"}, last_part(fn)) && owner_of(fn) == "hashes") weak = true;
    if (!weak && lower == "hashlib.new") {
      auto algo = kwarg(n, "name");
      if (!algo) algo = positional(n, 0);
      if (algo && is_plain_string(*algo)) {
        bool interp = false;
        std::string a = to_lower(string_value(*algo, interp));
        weak = contains({"md5", "sha1", "md4", "sha", "md2"}, a);
      }
    }
    if (weak) report(n, "py-weak-hash", fn + "()");
  }

  // random.* is only a finding when its result becomes a token, password, key or salt.
  void check_random(TSNode n, const std::string& fn, std::string_view last) {
    if (!starts_with(fn, "random.") || fn.find('.', 7) != std::string::npos) return;
    if (!contains({"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits", "uniform",
                   "randbytes", "shuffle"},
                  last)) {
      return;
    }
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
      std::string_view type = ts_node_type(p);
      TSNode name{};
      if (type == "assignment" || type == "augmented_assignment")
        name = ts_node_child_by_field_name(p, "left", 4);
      if (type == "keyword_argument") {
        name = ts_node_child_by_field_name(p, "name", 4);
        if (text(name) == "key" && is_ordering_call(ts_node_parent(ts_node_parent(p)))) return;
      }
      if (type == "function_definition") name = ts_node_child_by_field_name(p, "name", 4);
      if (!ts_node_is_null(name) && name_is_security_context(last_part(dotted(name)))) {
        report(n, "py-insecure-random", fn + "() used for '" + std::string(last_part(dotted(name))) + "'");
        return;
      }
      if (type == "function_definition" || type == "class_definition") return;
    }
  }

  // sort(key=...), sorted, min, max... : `key` is an ordering function there, not a secret.
  bool is_ordering_call(TSNode call) const {
    if (ts_node_is_null(call) || ts_node_symbol(call) != call_) return false;
    std::string fn = dotted(ts_node_child_by_field_name(call, "function", 8));
    return contains({"sort", "sorted", "min", "max", "nlargest", "nsmallest", "groupby", "merge", "bisect",
                     "bisect_left", "bisect_right", "insort"},
                    last_part(fn));
  }

  // '0.0.0.0' is a finding where it becomes a listening address: an argument of a bind/serve
  // call (also inside an (host, port) tuple), a host=/bind= keyword, or a host-named variable.
  // Comparisons, IPv4Address('0.0.0.0') and test assertions only mention the address.
  bool used_as_bind_address(TSNode str) const {
    TSNode p = ts_node_parent(str);
    if (!ts_node_is_null(p) && std::string_view(ts_node_type(p)) == "tuple") p = ts_node_parent(p);
    if (ts_node_is_null(p)) return false;
    std::string_view type = ts_node_type(p);
    auto host_like = [](std::string_view name) {
      std::string n = to_lower(name);
      for (std::string_view w : {"host", "bind", "listen", "addr", "interface", "server_address"}) {
        if (n.find(w) != std::string::npos) return true;
      }
      return false;
    };
    if (type == "keyword_argument") return host_like(text(ts_node_child_by_field_name(p, "name", 4)));
    if (type == "assignment") return host_like(last_part(dotted(ts_node_child_by_field_name(p, "left", 4))));
    if (type != "argument_list") return false;
    TSNode call = ts_node_parent(p);
    if (ts_node_is_null(call) || ts_node_symbol(call) != call_) return false;
    std::string fn = dotted(ts_node_child_by_field_name(call, "function", 8));
    std::string_view last = last_part(fn);
    return contains({"bind",
                     "listen",
                     "run",
                     "serve",
                     "serve_forever",
                     "create_server",
                     "start_server",
                     "create_datagram_endpoint",
                     "make_server",
                     "HTTPServer",
                     "ThreadingHTTPServer",
                     "TCPServer",
                     "ThreadingTCPServer",
                     "UDPServer",
                     "ThreadingUDPServer",
                     "SimpleXMLRPCServer",
                     "WSGIServer",
                     "DocXMLRPCServer",
                     "run_simple",
                     "uvicorn",
                     "Server"},
                    last);
  }

  void check_verify(TSNode n, const std::string& fn, std::string_view last) {
    auto verify = kwarg(n, "verify");
    if (!verify || !is_literal(*verify, "False")) return;
    if (starts_with(fn, "requests.") || starts_with(fn, "httpx.") ||
        contains({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
                  "Client", "AsyncClient", "Session"},
                 last)) {
      report(n, "py-requests-no-verify", fn + "(..., verify=False)");
    }
  }

  void check_xml(TSNode n, const std::string& fn, std::string_view last) {
    std::vector<std::string> parts = split(fn, '.');
    if (parts.size() < 2 || starts_with(fn, "defusedxml.")) return;
    const std::string& owner = parts[parts.size() - 2];
    if (contains({"parse", "fromstring", "XML", "iterparse", "XMLParser", "parseString", "make_parser",
                  "fromstringlist", "XMLID"},
                 last) &&
        contains({"ElementTree", "cElementTree", "ET", "etree", "minidom", "pulldom", "sax", "expatbuilder"},
                 owner)) {
      report(n, "py-xml-xxe", fn + "()");
    }
  }

  void on_string(TSNode n) {
    if (!has(kBindAll) && !has(kTmp) && !has(kSql)) return;
    bool interpolated = false;
    std::string v = string_value(n, interpolated);
    if (has(kBindAll) && v == "0.0.0.0" && used_as_bind_address(n))
      report(n, "py-bind-all-interfaces", "'0.0.0.0'");
    if (has(kTmp)) {
      for (std::string_view dir : {"/tmp", "/var/tmp", "/dev/shm"}) {
        if (v == dir || starts_with(v, std::string(dir) + "/")) report(n, "py-hardcoded-tmp", "'" + v + "'");
      }
    }
    if (has(kSql) && interpolated) check_sql(n, v, "an f-string");
  }

  void check_sql(TSNode n, const std::string& v, const char* how) {
    std::string head = to_lower(std::string_view(v).substr(0, 64));
    bool keyword = head.find("select") != std::string::npos || head.find("insert") != std::string::npos ||
                   head.find("update") != std::string::npos || head.find("delete") != std::string::npos ||
                   head.find("with") != std::string::npos;
    // std::regex recurses per character: a string of some 100 KB would overflow the stack.
    constexpr size_t kSqlHeadBytes = 8192;
    if (keyword && std::regex_search(v.size() > kSqlHeadBytes ? v.substr(0, kSqlHeadBytes) : v, sql_regex()))
      report(n, "py-sql-format", std::string("SQL text built with ") + how);
  }

  // Called on the operator node so no parent lookup is needed (ts_node_parent walks from the
  // root and made large files quadratic).
  void on_binary(TSNode n) {
    std::string_view op = text(ts_node_child_by_field_name(n, "operator", 8));
    TSNode left = ts_node_child_by_field_name(n, "left", 4);
    TSNode right = ts_node_child_by_field_name(n, "right", 5);
    bool interp = false;
    if (op == "%" && ts_node_symbol(left) == string_) {
      check_sql(left, string_value(left, interp), "% formatting");
    } else if (op == "+") {
      if (ts_node_symbol(left) == string_ && ts_node_symbol(right) != string_) {
        check_sql(left, string_value(left, interp), "concatenation");
      } else if (ts_node_symbol(right) == string_ && ts_node_symbol(left) != string_) {
        check_sql(right, string_value(right, interp), "concatenation");
      }
    }
  }

  // The condition only: a message that mentions admins is not an access check.
  void on_assert(TSNode n) {
    TSNode condition = ts_node_named_child(n, 0);
    if (ts_node_is_null(condition)) return;
    std::string cond = to_lower(text(condition));
    for (std::string_view w :
         {"is_admin", "admin", "authenticated", "authorized", "authorised", "permission", "has_perm",
          "is_staff", "superuser", "logged_in", "is_owner", "privilege", "role"}) {
      if (cond.find(w) != std::string::npos) {
        report(n, "py-assert-access-control", "assert on '" + std::string(w) + "'");
        return;
      }
    }
  }

  // In a comparison, an all-lowercase word (`mode == 'always'`) is a state, not a password.
  void on_named_value(TSNode name, TSNode value, bool comparison = false) {
    if (ts_node_is_null(name) || ts_node_is_null(value) || ts_node_symbol(value) != string_) return;
    std::string key;
    if (ts_node_symbol(name) == string_) {
      bool interp = false;
      key = string_value(name, interp);
    } else {
      std::string_view type = ts_node_type(name);
      if (type != "identifier" && type != "attribute") return;
      key = std::string(last_part(dotted(name)));
    }
    if (!name_is_secretish(key)) return;
    bool interp = false;
    std::string v = string_value(value, interp);
    if (interp || !value_is_real_password(v)) return;
    if (comparison &&
        std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::islower(c) || c == '_'; }))
      return;
    report(value, "py-hardcoded-password", "'" + key + "' set to a string literal");
  }

  std::string_view src_;
  std::uint32_t families_;
  bool test_file_;
  const Imports& imports_;
  std::vector<CodeMatch>& out_;
  TSSymbol call_, string_, assignment_, keyword_argument_, default_parameter_, typed_default_parameter_,
      pair_, comparison_, assert_, binary_;
};

}  // namespace

bool is_python_file(std::string_view path) { return ends_with(path, ".py") || ends_with(path, ".pyw"); }

PythonParser::PythonParser() : parser_(ts_parser_new()) {
  ts_parser_set_language(parser_, tree_sitter_python());
}
PythonParser::~PythonParser() { ts_parser_delete(parser_); }

PythonRules::~PythonRules() {
  if (db_ != nullptr) hs_free_database(db_);
}

Result<std::unique_ptr<PythonRules>> PythonRules::build(const std::filesystem::path& cache_dir) {
  std::unique_ptr<PythonRules> r(new PythonRules());
  std::vector<std::string> exprs;
  std::vector<unsigned> flags;
  for (const Trigger& t : kTriggers) {
    exprs.emplace_back(t.regex);
    flags.push_back(t.flags);
  }
  DatabaseFailure failure;
  r->db_ = cached_database(exprs, flags, cache_dir, "python-triggers", failure);
  if (r->db_ == nullptr)
    return make_error("SCAN_FAILED", "code-rule triggers: " + failure.message, "", ExitCode::kFailure);
  return r;
}

Status PythonRules::make_scratch(SecretScratch& scratch) const {
  if (hs_alloc_scratch(db_, scratch.out()) != HS_SUCCESS) {
    return make_error("SCAN_FAILED", "cannot allocate Hyperscan scratch space", "", ExitCode::kFailure);
  }
  return ok_status();
}

std::vector<TriggerHit> PythonRules::triggers(std::string_view source, SecretScratch& scratch) const {
  std::vector<TriggerHit> hits;
  if (source.empty()) return hits;
  hs_scan(db_, source.data(), static_cast<unsigned>(source.size()), 0, scratch.get(), note_hit, &hits);
  return hits;
}

namespace {

// The rules over one parsed tree; false when the tree has syntax errors.
bool run_rules(TSParser* parser, std::string_view text, std::uint32_t families, bool test_file,
               const Imports& imports, std::vector<CodeMatch>& out) {
  TSTree* tree = ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  if (tree == nullptr) return false;
  TSNode root = ts_tree_root_node(tree);
  if (ts_node_has_error(root)) {
    ts_tree_delete(tree);
    return false;
  }
  FileCheck check(text, families, test_file, imports, out);
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  bool more = true;
  while (more) {
    check.visit(ts_tree_cursor_current_node(&cursor));
    if (ts_tree_cursor_goto_first_child(&cursor)) continue;
    while (more && !ts_tree_cursor_goto_next_sibling(&cursor)) more = ts_tree_cursor_goto_parent(&cursor);
  }
  ts_tree_cursor_delete(&cursor);
  ts_tree_delete(tree);
  return true;
}

// The ids after a `# nosec` comment on the physical line holding `pos` (nullopt: no comment).
std::optional<std::vector<std::string>> nosec_on_line(std::string_view src, const PythonLines& lines,
                                                      size_t pos) {
  size_t b = pos == 0 ? 0 : src.rfind('\n', pos - 1);
  b = (b == std::string_view::npos || pos == 0) ? 0 : b + 1;
  size_t e = src.find('\n', pos);
  if (e == std::string_view::npos) e = src.size();
  for (size_t at = src.find("nosec", b); at != std::string_view::npos && at < e;
       at = src.find("nosec", at + 1)) {
    if (!lines.in_comment(at)) continue;  // `"# nosec"` in a string suppresses nothing
    std::vector<std::string> ids;
    std::string word;
    for (size_t i = at + 5; i <= e; ++i) {
      char c = i < e ? src[i] : ' ';
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
        word.push_back(c);
        continue;
      }
      if (!word.empty()) {
        bool id = (word.size() == 4 && word[0] == 'B') || starts_with(word, "py-");
        if (!id) break;
        ids.push_back(word);
        word.clear();
      }
      if (c != ' ' && c != ',' && c != ':' && c != '\t') break;
    }
    return ids;
  }
  return std::nullopt;
}

// bandit reads `# nosec` on a statement's first or last line (its sql_multiline example puts
// it on the last); both are looked at, and only inside comments.
void mark_nosec(std::vector<CodeMatch>& found, std::string_view src, const PythonLines& lines) {
  for (CodeMatch& m : found) {
    m.nosec = nosec_on_line(src, lines, m.begin);
    if (m.nosec) continue;
    size_t line = lines.line_of(m.begin);
    if (line != LogicalLine::kNone) m.nosec = nosec_on_line(src, lines, lines.lines()[line].end);
  }
}

// Moves matches found in a snippet to their place in the file.
std::vector<CodeMatch> to_source(std::vector<CodeMatch> found, const PythonSnippet& snippet,
                                 std::string_view source) {
  std::vector<CodeMatch> out;
  std::vector<size_t> newlines;
  for (size_t p = source.find('\n'); p != std::string_view::npos; p = source.find('\n', p + 1))
    newlines.push_back(p);
  for (CodeMatch& m : found) {
    size_t at = snippet.original(m.begin);
    if (at == LogicalLine::kNone) continue;
    m.end = at + snippet.source_run(m.begin, m.end - m.begin);
    m.begin = at;
    auto before = std::lower_bound(newlines.begin(), newlines.end(), at);
    m.line = static_cast<int>(before - newlines.begin()) + 1;
    size_t line_start = before == newlines.begin() ? 0 : *(before - 1) + 1;
    m.column = static_cast<int>(at - line_start) + 1;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::vector<CodeMatch> PythonRules::check(std::string_view source, std::string_view display_path,
                                          const std::vector<TriggerHit>& hits, PythonParser& parser,
                                          bool& parse_failed) const {
  std::vector<CodeMatch> out;
  parse_failed = false;
  // Nearly every file imports something: when imports are all it has, and none names a module
  // a rule is about, the file is not even lexed (that would cost every file the lexer pass).
  if (std::all_of(hits.begin(), hits.end(), [](const TriggerHit& h) { return h.family == kImport; }) &&
      std::none_of(hits.begin(), hits.end(),
                   [&](const TriggerHit& h) { return imports_rule_module(source, h.end); })) {
    return out;
  }
  PythonLines lines(source);
  std::uint32_t families = 0;
  std::vector<size_t> chosen;
  Imports imports;
  for (const TriggerHit& h : hits) {
    if (h.family == kImport) {
      size_t line = lines.line_of(h.end - 1);
      if (line == LogicalLine::kNone || lines.in_literal(h.end - 1) || lines.in_comment(h.end - 1)) continue;
      const LogicalLine& l = lines.lines()[line];
      read_import(source.substr(l.code, l.end - l.code), imports);
      continue;
    }
    if (h.end == 0) continue;
    size_t pos = h.end - 1;
    if (lines.in_comment(pos)) continue;
    size_t literal = lines.literal_begin(pos);
    if ((literal != LogicalLine::kNone) != literal_family(h.family)) continue;
    if (literal != LogicalLine::kNone && !literal_matches(source, literal, h.end, h.family)) continue;
    if (h.family == kSql && !sql_text_can_be_built(source, lines, literal)) continue;
    size_t line = lines.line_of(pos);
    if (line == LogicalLine::kNone) continue;
    families |= 1u << h.family;
    chosen.push_back(line);
  }
  // Calls through an alias carry no trigger text: their statements are found by name.
  for (const auto& [local, origin] : imports.names) {
    if (local == origin || !interesting_origin(origin)) continue;
    for (size_t at = source.find(local); at != std::string_view::npos; at = source.find(local, at + 1)) {
      auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
      if (at > 0 && word(source[at - 1])) continue;
      size_t next = source.find_first_not_of(" \t", at + local.size());
      if (next == std::string_view::npos || (source[next] != '(' && source[next] != '.')) continue;
      if (lines.in_literal(at) || lines.in_comment(at)) continue;
      size_t line = lines.line_of(at);
      if (line == LogicalLine::kNone) continue;
      families = ~0u;
      chosen.push_back(line);
    }
  }
  if (families == 0) return out;
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  const bool test_file = is_test_file(display_path, {});
  // Parsing only the statements around the hits saves most of the parse time; when they cannot
  // stand alone (or are most of the file anyway) the whole file is parsed as before.
  // A syntax error elsewhere in the file goes unnoticed on this path unless it leaves a bracket
  // or string open; the findings in the statements that parse are reported all the same.
  PythonSnippet snippet(source, lines, lines.balanced() ? chosen : std::vector<size_t>{});
  if (!snippet.text().empty() && snippet.text().size() * 2 < source.size()) {
    std::vector<CodeMatch> found;
    if (run_rules(parser.get(), snippet.text(), families, test_file, imports, found)) {
      out = to_source(std::move(found), snippet, source);
      mark_nosec(out, source, lines);
      return out;
    }
  }
  if (!run_rules(parser.get(), source, families, test_file, imports, out)) {
    parse_failed = true;
    out.clear();
  }
  mark_nosec(out, source, lines);
  return out;
}

}  // namespace aqe::scan
