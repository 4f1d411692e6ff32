// An ingot function file as the fuzz tools edit it: the graph section unpacked into FlatBuffers' object
// API and the data section's bytes. Parsing checks only what the edit needs (the header's graph offsets
// and the FlatBuffers verifier); writing makes a well-formed header (offsets, sizes, checksum).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "export/schema_generated.h"

namespace ingot::fuzz {

struct File {
  fb::FunctionT graph;
  std::vector<uint8_t> data;  // the data section
};

bool parse(const uint8_t* bytes, size_t size, File& f);
// The file's bytes, or an empty vector when they would exceed max_size.
std::vector<uint8_t> write(const File& f, size_t max_size = SIZE_MAX);
// Sets the header's graph checksum to that of the graph section it names (nothing when it names bytes
// outside the input).
void fix_crc(uint8_t* bytes, size_t size);

// Rewrites each node's recorded output types with what its primitive computes, in the order and under
// the checks the reader applies, so that an edited graph is the file an exporter would have written;
// a node whose state or inputs its primitive refuses keeps what it records. A self-test whose outputs
// no longer fit is dropped.
void recompute_outputs(File& f);

}  // namespace ingot::fuzz
