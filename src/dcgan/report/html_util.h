// Text helpers for the self-contained HTML report: escaping and base64 data URIs (images are
// embedded so the page needs no other file and no network).
#pragma once

#include <string>
#include <string_view>

namespace dcgan::report {

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

// "data:<mime>;base64,<...>".
std::string data_uri(const std::string& mime, std::string_view bytes);

}  // namespace dcgan::report
