#include "aqe/util/json.h"

#include <gtest/gtest.h>

#include <string>

namespace aqe {
namespace {

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJson, AValidDocument) {
  ParsedJson p = parse_json(R"({"a": [1, 2.5, "x", null, true]})");
  ASSERT_TRUE(p) << p.error->reason;
  EXPECT_EQ(p.value["a"][1].get<double>(), 2.5);
}

// nlohmann's parse() throws out_of_range (not parse_error) here: the crash of issue 12.
TEST(ParseJson, ANumberThatOverflowsADoubleIsAnErrorAtTheNumber) {
  for (const char* n : {"1e999", "-1e999", "123e400"}) {
    const std::string text = std::string(R"({"a": )") + n + "}";
    ParsedJson p = parse_json(text);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error->offset, 6u) << n;
    EXPECT_NE(p.error->reason.find("overflow"), std::string::npos) << p.error->reason;
    EXPECT_TRUE(p.value.is_discarded());
  }
}

TEST(ParseJson, NestingIsBounded) {
  EXPECT_TRUE(parse_json(nested(kMaxJsonDepth)));
  ParsedJson p = parse_json(nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error->offset, static_cast<size_t>(kMaxJsonDepth));
  EXPECT_NE(p.error->reason.find("nesting deeper than 128"), std::string::npos) << p.error->reason;
  // The issue's 100,000 levels, closed or not, objects or arrays: an error, not a crash.
  for (const std::string& deep :
       {nested(100000), std::string(100000, '['), std::string("{\"a\":").append(std::string(100000, '['))}) {
    ParsedJson d = parse_json(deep);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error->reason.find("nesting"), std::string::npos);
  }
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_json("[\"" + std::string(1000, '[') + "\"]"));
}

TEST(ParseJson, SyntaxErrorsPointAtTheTokenStart) {
  ParsedJson p = parse_json("[1, 2,, 3]");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error->offset, 6u);
  EXPECT_EQ(p.error->reason.find("[json.exception"), std::string::npos) << p.error->reason;
  ParsedJson bad_utf8 = parse_json("{\"a\": \"\xff\x1b\"}");
  ASSERT_FALSE(bad_utf8);
  // The bytes nlohmann quotes are the user's: escaped, so the reason is ASCII.
  EXPECT_NE(bad_utf8.error->reason.find("\\xff"), std::string::npos) << bad_utf8.error->reason;
  for (char c : bad_utf8.error->reason) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << bad_utf8.error->reason;
  EXPECT_FALSE(parse_json(""));
  EXPECT_FALSE(parse_json("{\"a\": 1"));
}

TEST(DumpJson, BytesThatAreNotUtf8AreReplacedNotThrown) {
  const nlohmann::json doc = {{"file",
                               "src/k\xff"
                               "ey.py"}};
  EXPECT_THROW((void)doc.dump(), nlohmann::json::type_error);
  EXPECT_EQ(dump_json(doc),
            "{\"file\":\"src/k\xef\xbf\xbd"
            "ey.py\"}");
}

TEST(Member, NoThrowOnAnyType) {
  EXPECT_EQ(member(nlohmann::json(5), "a"), nullptr);
  EXPECT_EQ(member(nlohmann::json::array(), "a"), nullptr);
  const nlohmann::json obj = {{"a", 1}};
  ASSERT_NE(member(obj, "a"), nullptr);
  EXPECT_EQ(member(obj, "b"), nullptr);
}

TEST(TypedMembers, FallBackOnAnyOtherType) {
  const nlohmann::json msg = nlohmann::json::parse(
      R"({"s": "x", "n": 2.5, "b": true, "wrong": [1], "list": ["a", 1, null, "b"], "nolist": "a"})");
  EXPECT_EQ(string_or(msg, "s"), "x");
  EXPECT_EQ(string_or(msg, "n", "d"), "d");
  EXPECT_EQ(string_or(msg, "missing"), "");
  EXPECT_EQ(string_or(nlohmann::json(3), "s", "d"), "d");
  EXPECT_DOUBLE_EQ(number_or(msg, "n", 0), 2.5);
  EXPECT_DOUBLE_EQ(number_or(msg, "s", -1), -1);
  EXPECT_TRUE(bool_or(msg, "b", false));
  EXPECT_FALSE(bool_or(msg, "wrong", false));
  EXPECT_EQ(strings_of(msg, "list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(strings_of(msg, "nolist").empty());
  EXPECT_TRUE(strings_of(msg, "missing").empty());
}

}  // namespace
}  // namespace aqe
