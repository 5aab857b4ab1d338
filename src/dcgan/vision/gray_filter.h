// Tells monochrome illustrations (grayscale, sketches, ink drawings) from colour ones, so they
// can be kept out of a colour training set: mixed gray and colour data destabilises GAN
// training. It measures how many pixels carry visible colour; it does not look at content.
#pragma once

#include <opencv2/core.hpp>

namespace dcgan::vision {

// A pixel is "colourful" when max(B,G,R) - min(B,G,R) exceeds this (out of 255): well above
// the chroma noise JPEG leaves on gray pictures.
constexpr int kColourfulChroma = 24;
// Fraction of colourful pixels below which an image counts as monochrome. Measured: the 39
// colour test illustrations have at least 16 %; gray pictures re-encoded as colour JPEG have
// 0 %; the two most washed-out of 5,000 real face crops have about 1 %.
constexpr double kMonochromeFraction = 0.02;

// Fraction in [0, 1] of colourful pixels; 0 for a 1-channel image.
double colourful_fraction(const cv::Mat& image);

// True for 1-channel images and for colour images with fewer colourful pixels than `fraction`.
bool is_monochrome(const cv::Mat& image, double fraction = kMonochromeFraction);

}  // namespace dcgan::vision
