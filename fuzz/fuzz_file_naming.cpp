// File names from server data: the post key a listing gives (an id or md5 in a JSON object)
// becomes a download stem, and the body's first bytes choose the extension (PartFile).
// Input: a Moebooru post object, a newline, the body. Whatever they hold, the final name is
// "<site>-<letters, digits, _>.<jpg|png|gif|webp>", inside the download folder.
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/crawl/booru_json.h"
#include "dcgan/crawl/part_file.h"
#include "dcgan/crawl/post.h"
#include "fuzz_support.h"

namespace {

bool is_safe_stem(const std::string& stem) {
  if (stem.rfind("konachan-", 0) != 0) return false;
  for (char c : stem) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dcgan::crawl;
  dcgan::fuzz::init();
  const std::string input(dcgan::fuzz::as_view(data, size));
  const size_t newline = input.find('\n');
  const std::string head = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);

  const dcgan::Json object = dcgan::Json::parse(head, nullptr, /*allow_exceptions=*/false);
  // Not an object: the line itself as a key, as hostile as a key can get.
  const std::string key = object.is_object()
                              ? moebooru_post_from_json(object, "https://konachan.net/post").key()
                              : head;
  const std::string stem = download_stem("konachan", key);
  DCGAN_FUZZ_CHECK(is_safe_stem(stem), stem);
  for (const std::string& name : image_names(stem)) {
    DCGAN_FUZZ_CHECK(name.find('/') == std::string::npos && name.front() != '.', name);
  }

  static const std::string dir = dcgan::fuzz::scratch_path("");
  try {
    PartFile part(dir, stem);
    part.begin();
    // In two writes, as a transfer delivers it: the type is decided across the boundary.
    const size_t half = body.size() / 2;
    std::string refused = part.write(body.data(), half);
    if (refused.empty()) refused = part.write(body.data() + half, body.size() - half);
    if (refused.empty() && part.verify("").empty()) {
      const std::string name = part.release();
      const size_t dot = name.rfind('.');
      DCGAN_FUZZ_CHECK(dot != std::string::npos && name.substr(0, dot) == stem, name);
      const std::string ext = name.substr(dot + 1);
      DCGAN_FUZZ_CHECK(ext == "jpg" || ext == "png" || ext == "gif" || ext == "webp", name);
      dcgan::fuzz::remove_scratch(stem + ".part");
    }
  } catch (const dcgan::IoError&) {
  }
  return 0;
}
