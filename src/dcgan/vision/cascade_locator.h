// Finds lbpcascade_animeface.xml. Order: the --cascade flag, $DCGAN_CASCADE, then
// $DCGAN_SHARED/models, ../share/dcgan next to the executable (an installed binary's own), the
// source tree's ../shared/models, the build tree's share/dcgan and the installed share/dcgan
// (both baked at configure time).
// It only finds the file; loading and checking it is the detector's job.
#pragma once

#include <string>
#include <vector>

namespace dcgan::vision {

struct CascadeCandidate {
  std::string path;
  std::string origin;  // how it was found, for messages: "--cascade", "$DCGAN_SHARED/models", ...
};

// The places searched when neither --cascade nor $DCGAN_CASCADE is given, in order.
std::vector<CascadeCandidate> default_cascade_candidates();

// The first existing candidate's path. Throws ConfigError listing every place tried and the
// download address when none exists.
std::string first_existing_cascade(const std::vector<CascadeCandidate>& candidates);

// `flag_value` (may be empty) or $DCGAN_CASCADE when set: that file or a ConfigError naming
// it; otherwise first_existing_cascade(default_cascade_candidates()).
std::string locate_cascade(const std::string& flag_value);

}  // namespace dcgan::vision
