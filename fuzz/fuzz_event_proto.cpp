// The tests' protobuf wire-format reader (tests/report/proto_wire.h), which decodes the event
// files the report writes, on any bytes, nested messages included: fields or a
// std::runtime_error, never a read past the input or a loop. Every field's bytes lie within
// the input, so together they are never longer than it.
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "proto_wire.h"

namespace {

void parse_nested(const std::string& msg, int depth) {
  std::vector<dcgan::testing::proto::Field> fields;
  try {
    fields = dcgan::testing::proto::parse_message(msg);
  } catch (const std::runtime_error&) {
    return;
  }
  size_t total = 0;
  for (const auto& field : fields) {
    total += field.bytes.size();
    DCGAN_FUZZ_CHECK(field.wire == 0 || field.wire == 1 || field.wire == 2 || field.wire == 5,
                     "a field of a wire type the reader does not know");
  }
  DCGAN_FUZZ_CHECK(total <= msg.size(), "fields longer than the message");
  if (depth == 0) return;
  for (const auto& field : fields) {
    if (field.wire == 2) parse_nested(field.bytes, depth - 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  parse_nested(std::string(dcgan::fuzz::as_view(data, size)), 4);
  return 0;
}
