// Reads an encoded image's dimensions from its header without decoding the pixels, so a
// decompression bomb (a small file claiming a huge image) is refused before any allocation,
// and tells a JPEG cut short in transfer (no end-of-image marker). Formats: JPEG, PNG, BMP,
// WebP. It validates nothing else; decoding does that.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

namespace dcgan::vision {

// Width and height declared by the header, or nullopt when the format is not recognised, the
// header is cut short or it declares a zero side. 64-bit: a PNG may declare up to 2^32 - 1 per
// side, which an int would turn negative (and slip past a pixel limit).
std::optional<cv::Size2l> peek_image_size(std::string_view bytes);

// True for a JPEG whose last bytes hold no end-of-image marker (FF D9). libjpeg decodes such a
// file "successfully", filling the missing rows with gray, so the decoder cannot tell.
bool is_truncated_jpeg(std::string_view bytes);

}  // namespace dcgan::vision
