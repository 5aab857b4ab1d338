// A protobuf wire-format reader written from the encoding rules, for checking the event files
// the report writes (tests/report) without TensorFlow: a message as its fields in order,
// nested messages parsed again from a field's bytes. Throws std::runtime_error on bytes that
// are not a message; fuzzed by fuzz/fuzz_event_proto.cpp.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dcgan::testing::proto {

struct Field {
  int number = 0;
  int wire = 0;
  uint64_t integer = 0;  // varint, fixed32 or fixed64 bits
  std::string bytes;     // length-delimited
};

std::vector<Field> parse_message(const std::string& msg);

}  // namespace dcgan::testing::proto
