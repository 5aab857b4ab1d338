// The page `dcgan serve` shows: its HTML, script and style, compiled into the binary from
// src/dcgan/serve/page/ (embed_page.cmake), so the server reads no file to serve them and the
// page loads nothing from the network.
#pragma once

#include <string_view>
#include <vector>

namespace dcgan::serve {

struct PageAsset {
  const char* url;           // "/" for index.html, else "/<file name>"
  const char* content_type;  // with charset for text
  std::string_view body;
};

const std::vector<PageAsset>& page_assets();

}  // namespace dcgan::serve
