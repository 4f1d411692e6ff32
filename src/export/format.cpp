#include "export/format.h"

#include <array>
#include <cstring>

namespace ingot::format {

uint32_t crc32(const void* data, size_t size) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

Header header_for(const void* graph, uint64_t graph_size, uint64_t data_size) {
  Header h{};
  std::memcpy(h.magic, kMagic, 8);
  h.format_version = kFormatVersion;
  h.min_reader_version = kMinReaderVersion;
  h.graph_offset = kHeaderSize;
  h.graph_size = graph_size;
  h.data_offset = align_up(h.graph_offset + h.graph_size);
  h.data_size = data_size;
  h.graph_crc32 = crc32(graph, graph_size);
  return h;
}

}  // namespace ingot::format
