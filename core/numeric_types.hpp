#pragma once
// Storage types for the 16- and 8-bit floating-point formats. They hold raw bits and convert
// through float with round-to-nearest-even, on host and device alike, so collbench needs neither
// cuda_fp16.h on hosts without CUDA nor a second copy of these conversions in device code.
#include <cstdint>
#include <cstring>

#include "core/host_device.hpp"

namespace collbench {

CB_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

CB_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// A small IEEE-like format with E exponent bits and M mantissa bits. `kFiniteOnlyE4M3` marks the
// OCP FP8 E4M3 variant, which has no infinities and one NaN pattern per sign (S.1111.111).
template <int E, int M, bool kFiniteOnlyE4M3>
struct MiniFloatCodec {
  static constexpr int kBias = (1 << (E - 1)) - 1;
  static constexpr uint32_t kExpMax = (1u << E) - 1;

  CB_HD static float decode(uint32_t bits) {
    const uint32_t sign = (bits >> (E + M)) & 1u;
    const uint32_t exp = (bits >> M) & kExpMax;
    const uint32_t man = bits & ((1u << M) - 1);
    float value;
    if (exp == 0) {
      value = static_cast<float>(man) * exp2i(1 - kBias - M);
    } else if (!kFiniteOnlyE4M3 && exp == kExpMax) {
      value = man ? bits_float(0x7fc00000u) : bits_float(0x7f800000u);
    } else if (kFiniteOnlyE4M3 && exp == kExpMax && man == (1u << M) - 1) {
      value = bits_float(0x7fc00000u);
    } else {
      value = (1.0f + static_cast<float>(man) / static_cast<float>(1u << M)) *
              exp2i(static_cast<int>(exp) - kBias);
    }
    return sign ? -value : value;
  }

  CB_HD static uint32_t encode(float f) {
    const uint32_t in = float_bits(f);
    const uint32_t sign = (in >> 31) << (E + M);
    const uint32_t abs_in = in & 0x7fffffffu;
    if (abs_in > 0x7f800000u) return sign | nan_bits();
    const uint32_t max_finite = max_finite_bits();
    if (abs_in == 0x7f800000u) return sign | (kFiniteOnlyE4M3 ? nan_bits() : inf_bits());
    // Work on the magnitude as a float: scale into the target's subnormal grid, then round.
    const float a = bits_float(abs_in);
    const int min_normal_exp = 1 - kBias;
    uint32_t out;
    if (a < exp2i(min_normal_exp)) {
      const float scaled = a * exp2i(M - min_normal_exp);  // units of the smallest subnormal
      out = round_half_even(scaled);                       // may round up into the normal range
    } else {
      int e = static_cast<int>((abs_in >> 23) & 0xffu) - 127;
      const uint32_t f_man = abs_in & 0x7fffffu;
      const int drop = 23 - M;
      uint32_t man = f_man >> drop;
      const uint32_t rest = f_man & ((1u << drop) - 1);
      const uint32_t half = 1u << (drop - 1);
      if (rest > half || (rest == half && (man & 1u))) ++man;
      if (man == (1u << M)) {
        man = 0;
        ++e;
      }
      const int biased = e + kBias;
      if (biased >= static_cast<int>(kExpMax) + (kFiniteOnlyE4M3 ? 1 : 0)) {
        return sign | (kFiniteOnlyE4M3 ? nan_bits() : inf_bits());
      }
      out = (static_cast<uint32_t>(biased) << M) | man;
      if (kFiniteOnlyE4M3 && out > max_finite) return sign | nan_bits();
    }
    return sign | out;
  }

 private:
  // 2^e, built from its bits: exact like the division it replaces, and cheap on the GPU, where
  // the reduction kernels decode every element. Formats here need only -126 <= e <= 127.
  CB_HD static float exp2i(int e) { return bits_float(static_cast<uint32_t>(e + 127) << 23); }
  CB_HD static uint32_t round_half_even(float x) {
    const uint32_t whole = static_cast<uint32_t>(x);
    const float frac = x - static_cast<float>(whole);
    if (frac > 0.5f || (frac == 0.5f && (whole & 1u))) return whole + 1;
    return whole;
  }
  CB_HD static constexpr uint32_t inf_bits() { return kExpMax << M; }
  CB_HD static constexpr uint32_t nan_bits() {
    return kFiniteOnlyE4M3 ? ((kExpMax << M) | ((1u << M) - 1)) : ((kExpMax << M) | 1u);
  }
  CB_HD static constexpr uint32_t max_finite_bits() {
    return kFiniteOnlyE4M3 ? ((kExpMax << M) | ((1u << M) - 2))
                           : (((kExpMax - 1) << M) | ((1u << M) - 1));
  }
};

template <typename Bits, typename Codec>
struct MiniFloat {
  Bits bits;
  MiniFloat() = default;
  CB_HD explicit MiniFloat(float f) : bits(static_cast<Bits>(Codec::encode(f))) {}
  CB_HD explicit operator float() const { return Codec::decode(bits); }
  CB_HD static MiniFloat from_bits(Bits b) {
    MiniFloat m;
    m.bits = b;
    return m;
  }
};

// bfloat16 is the top half of a float32, rounded to nearest even.
struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  CB_HD explicit BFloat16(float f) {
    const uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40u);  // keep NaN a NaN
    } else {
      bits = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    }
  }
  CB_HD explicit operator float() const { return bits_float(static_cast<uint32_t>(bits) << 16); }
};

using Half = MiniFloat<uint16_t, MiniFloatCodec<5, 10, false>>;
using Fp8E4M3 = MiniFloat<uint8_t, MiniFloatCodec<4, 3, true>>;
using Fp8E5M2 = MiniFloat<uint8_t, MiniFloatCodec<5, 2, false>>;

static_assert(sizeof(Half) == 2 && sizeof(BFloat16) == 2 && sizeof(Fp8E4M3) == 1 &&
              sizeof(Fp8E5M2) == 1);

}  // namespace collbench
