#pragma once
// Lets one definition serve host code (g++) and device code (nvcc): patterns, expectations and
// element conversions are written once and compiled for both.
#if defined(__CUDACC__)
#define CB_HD __host__ __device__ inline
#else
#define CB_HD inline
#endif
