// Animated GIF encoder (GIF89a): each frame gets its own median-cut palette of up to 256 colours
// (exact when the frame has 256 colours or fewer), LZW-compressed, with a NETSCAPE2.0 loop block.
// Used for the training progression and latent walks. No dithering, no transparency, no
// frame-difference optimisation: frames are stored whole.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace dcgan::vision {

// Encodes the frames (8-bit BGR; gray and BGRA are converted, alpha composited on white) into
// GIF bytes. All frames must have the same size (DataError otherwise, and for zero frames).
// `delay_centiseconds` (0..65535) is shown between frames; `loop_count` 0 loops forever,
// n > 0 plays n extra times (0..65535; ConfigError outside).
std::string encode_gif(const std::vector<cv::Mat>& bgr_frames, int delay_centiseconds,
                       int loop_count = 0);

// The same with one delay per frame (e.g. to hold the last frame longer); sizes must match.
std::string encode_gif(const std::vector<cv::Mat>& bgr_frames,
                       const std::vector<int>& delays_centiseconds, int loop_count = 0);

// encode_gif, then written atomically to `path` (IoError naming it on failure).
void write_gif(const std::string& path, const std::vector<cv::Mat>& bgr_frames,
               int delay_centiseconds, int loop_count = 0);
void write_gif(const std::string& path, const std::vector<cv::Mat>& bgr_frames,
               const std::vector<int>& delays_centiseconds, int loop_count = 0);

}  // namespace dcgan::vision
