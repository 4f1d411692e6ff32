// Constants and limits of the function file format (docs/format.md is the normative description).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::format {

inline constexpr uint8_t kMagic[8] = {0x89, 'I', 'N', 'G', 'O', 'T', '\r', '\n'};
inline constexpr uint32_t kFormatVersion = 1;     // what this code writes and the newest it reads
inline constexpr uint32_t kMinReaderVersion = 1;  // what files written by this code require
inline constexpr const char* kIdentifier = "IGFN";
inline constexpr uint64_t kHeaderSize = 64;
inline constexpr uint64_t kAlignment = 64;

inline constexpr uint64_t kMaxGraphBytes = (uint64_t{1} << 31) - 1;
inline constexpr uint64_t kMaxTraces = 4096;
inline constexpr uint64_t kMaxNodes = uint64_t{1} << 24;
inline constexpr uint64_t kMaxValues = uint64_t{1} << 26;
inline constexpr uint64_t kMaxDims = 32;
inline constexpr int64_t kMaxElements = int64_t{1} << 48;
inline constexpr uint64_t kMaxNodeArity = 65536;
inline constexpr uint64_t kMaxConstants = uint64_t{1} << 24;
inline constexpr uint64_t kMaxMetadataBytes = uint64_t{64} << 20;

struct Header {
  uint8_t magic[8];
  uint32_t format_version;
  uint32_t min_reader_version;
  uint64_t flags;
  uint64_t graph_offset;
  uint64_t graph_size;
  uint64_t data_offset;
  uint64_t data_size;
  uint32_t graph_crc32;
  uint32_t reserved;
};
static_assert(sizeof(Header) == kHeaderSize);

inline constexpr uint64_t align_up(uint64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; }

uint32_t crc32(const void* data, size_t size);

// The header of a file whose graph section (graph_size bytes at graph) follows it, and whose data section
// of data_size bytes starts at the next aligned offset.
Header header_for(const void* graph, uint64_t graph_size, uint64_t data_size);

}  // namespace ingot::format
