#pragma once
// NCCL's published tuning constants, as numbers (no NCCL code): the latencies and bandwidth
// caps its tuner uses to pick an algorithm and protocol per call. Source: NVIDIA/nccl at tag
// v2.28.3-1: src/graph/tuning.cc (ncclTunerConstantsDefaults: base and hardware latencies,
// llMaxBws, perChMax*Bws; nvlsEfficiency; treeCorrectionFactor; the ring plateau factor and
// the network post overhead), src/graph/search.cc (the per-channel speed tables),
// src/graph/topo.h (NVLink bandwidth per link) and src/transport/nvls.cc (NVLS channel counts).
// docs/model.md lists them with what each one does.
#include <array>

namespace collbench::nccl {

// Indices: protocol LL, LL128, Simple; GPU generation Ampere, Hopper, Blackwell (NCCL's
// compute-capability rows; Volta is not modelled); node count 1, 2, more.
inline constexpr int kLL = 0, kLL128 = 1, kSimple = 2;
inline constexpr int kAmpere = 0, kHopper = 1, kBlackwell = 2;
using PerProtocol = std::array<double, 3>;
using PerNodes = std::array<double, 3>;
using PerGeneration = std::array<PerNodes, 3>;

// Fixed cost of launching one algorithm (us).
inline constexpr PerProtocol kBaseTree = {6.8, 14.0, 8.4};
inline constexpr PerProtocol kBaseRing = {6.6, 14.0, 8.4};
inline constexpr double kBasePat = 8.0;

// Per-hop latency over NVLink (us).
inline constexpr PerProtocol kNvlinkTree = {0.6, 1.25, 4.0};
inline constexpr PerProtocol kNvlinkRing = {0.6, 1.9, 3.4};
inline constexpr double kNvlinkCollnetDirect = 3.7, kNvlinkCollnetChain = 2.8;
inline constexpr double kNvlinkNvls = 25, kNvlinkNvlsTree = 25;

// Per-hop latency over the network (us).
inline constexpr PerProtocol kNetTree = {5.0, 8.5, 14.0};
inline constexpr PerProtocol kNetRing = {2.7, 4.0, 14.0};
inline constexpr double kNetCollnetDirect = 31, kNetCollnetChain = 30;
inline constexpr double kNetNvls = 18, kNetNvlsTree = 14, kNetPat = 14;

// LL bandwidth caps (GB/s): on one node by GPU generation, on several by CPU vendor (rows
// "Volta/Intel" and "Ampere/AMD" of llMaxBws).
inline constexpr PerGeneration kLLMaxOneNode = {
    {{87.7, 22.5, 19.0}, {141.0, 45.0, 35.0}, {282.0, 90.0, 70.0}}};
inline constexpr PerNodes kLLMaxIntel = {39.0, 39.0, 20.4};
inline constexpr PerNodes kLLMaxAmd = {87.7, 22.5, 19.0};

// Per-channel caps (GB/s) by generation and node count.
inline constexpr PerGeneration kPerChRingLL128 = {
    {{20.0, 20.0, 20.0}, {36.7, 36.7, 36.7}, {73.4, 73.4, 73.4}}};
inline constexpr PerGeneration kPerChTreeLL128 = {
    {{20.0, 20.0, 20.0}, {36.7, 36.7, 29.0}, {55.6, 31.67, 20.0}}};
inline constexpr PerGeneration kPerChTree = {
    {{24.0, 23.6, 17.8}, {38.7, 41.4, 36.0}, {70.0, 42.8, 24.0}}};
inline constexpr PerGeneration kPerChNvlsTree = {
    {{24.0, 23.6, 17.8}, {0.0, 57.7, 45.5}, {0.0, 96.0, 43.1}}};

// NVLS: efficiency of the switch reduction by generation, and channels (Hopper 16; Blackwell
// 24 inside one NVLink domain, 32 across domains).
inline constexpr std::array<double, 3> kNvlsEfficiency = {0.0, 0.85, 0.74};
inline constexpr int kNvlsChannelsHopper = 16;
inline constexpr int kNvlsChannelsBlackwellOneDomain = 24, kNvlsChannelsBlackwell = 32;

// Per-channel NVLink speeds NCCL's graph search tries, fastest first (GB/s).
inline constexpr std::array<double, 13> kSpeedsIntraAmpere = {40, 30, 20, 18, 15, 12, 10,
                                                              9,  7,  6,  5,  4,  3};
inline constexpr std::array<double, 11> kSpeedsIntraHopper = {60, 50, 40, 30, 24, 20,
                                                              15, 12, 11, 6,  3};
inline constexpr std::array<double, 11> kSpeedsIntraBlackwell = {90, 80, 70, 60, 50, 40,
                                                                 30, 24, 20, 19, 18};

// Protocol and algorithm efficiencies.
inline constexpr double kLLShare = 0.5;      // ring LL: half of each 16-byte line is flags
inline constexpr double kLL128Share = 0.92;  // 120 of 128 bytes carry data
inline constexpr double kTreeShare = 0.92;   // tree all_reduce
inline constexpr double kTreeLLShare = 1 / 3.8;
inline constexpr double kTreeLL128OneNode = 7.0 / 9.0, kTreeLL128Nodes = 120.0 / 128.0;
inline constexpr double kPatShare = 0.75;
inline constexpr double kCollnetShare = 0.9;
inline constexpr double kCollnetDirectHopper = 0.85;
inline constexpr double kTreeRatio = 0.5;    // tree and CollNet bus to algorithm bandwidth
inline constexpr double kRingPlateau = 1.4;  // ring Simple all_reduce latency on many nodes

// Network post overhead per step on several nodes (us), x3 for Simple.
inline constexpr double kNetOverheadIntel = 1.0, kNetOverheadAmd = 2.0, kNetOverheadOther = 1.0;

// PAT all_gather / reduce_scatter latency: log2(nodes) x net latency / 3.5 + per rank.
inline constexpr double kPatLogDivisor = 3.5, kPatPerRank = 2.8;

// Tree bandwidth correction by size: powers of two from 64 B (index 0) to 256 MiB (22).
inline constexpr std::array<std::array<double, 23>, 3> kTreeCorrection = {{
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7,  .7,  .7,  .6, .5,
     .4,  .4,  .5,  .6,  .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7,  .6, .6,
     .6,  .6,  .6,  .6,  .8,  .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9},
}};

}  // namespace collbench::nccl
