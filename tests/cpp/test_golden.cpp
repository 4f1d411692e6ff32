// Compatibility: tests/data/golden/ holds files written by each format version, one per primitive case
// (tests/cpp/primitive_cases.cpp) with its inputs and outputs stored as self-test vectors. Every later
// reader must import them and reproduce the outputs; the schema, the format version and every
// primitive's state version must be covered by a golden file (docs/format.md, "Compatibility").
//
// Writing the files for a new schema, format version, primitive or state version (never rewriting old
// ones): ingot_tests --gtest_also_run_disabled_tests --gtest_filter=Golden.DISABLED_WriteMissingFiles
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "export/format.h"
#include "export/imported.h"
#include "export_test_util.h"
#include "primitive_cases.h"
#include "prims/primitive.h"

namespace ingot::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kGolden = fs::path(INGOT_SOURCE_DIR) / "tests" / "data" / "golden";

// The schema as the format sees it: src/export/schema.fbs without comments and white space, as CRC-32.
std::string schema_fingerprint() {
  std::ifstream in(fs::path(INGOT_SOURCE_DIR) / "src" / "export" / "schema.fbs");
  std::string line, text;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find("//"));
    for (char c : line)
      if (!std::isspace(static_cast<unsigned char>(c))) text += c;
  }
  std::ostringstream os;
  os << std::hex << std::setw(8) << std::setfill('0') << format::crc32(text.data(), text.size());
  return os.str();
}

json read_manifest() {
  std::ifstream in(kGolden / "manifest.json");
  if (!in) return json{{"versions", json::array()}};
  return json::parse(in);
}

// Primitive name -> the newest state version the file records for it, over its nodes.
std::map<std::string, int> primitives_in(const std::string& path) {
  std::map<std::string, int> found;
  const auto f = import_function(path);
  for (const auto& t : f.impl().traces)
    for (const auto& n : t.nodes) found[n.primitive->name()] = std::max(found[n.primitive->name()], static_cast<int>(n.version));
  return found;
}

TEST(Golden, TheCurrentSchemaAndFormatVersionHaveGoldenFiles) {
  const json m = read_manifest();
  const std::string schema = schema_fingerprint();
  bool found = false;
  for (const auto& v : m["versions"])
    found = found || (v["format_version"] == format::kFormatVersion && v["schema"] == schema);
  EXPECT_TRUE(found) << "the file format changed (format version " << format::kFormatVersion << ", schema "
                     << schema << ") without golden files for it: bump kFormatVersion if older readers would "
                     << "misread the new files, then write them (see the top of this file).";
}

TEST(Golden, EveryPrimitiveStateVersionHasAGoldenFile) {
  const json m = read_manifest();
  std::vector<std::string> missing;
  for (const auto& [name, entry] : primitive_registry().entries()) {
    if (name == "Copy") continue;  // export drops it as a no-op, so no file written today holds it
    bool covered = false;
    for (const auto& v : m["versions"])
      covered = covered || (v["primitives"].contains(name) && v["primitives"][name] == entry.version);
    if (!covered) missing.push_back(name + " version " + std::to_string(entry.version));
  }
  EXPECT_TRUE(missing.empty()) << "no golden file holds " << ::testing::PrintToString(missing)
                               << ": write them (see the top of this file).";
}

TEST(Golden, EveryGoldenFileImportsAndReproducesItsOutputs) {
  const json m = read_manifest();
  size_t files = 0, checked = 0;
  for (const auto& v : m["versions"]) {
    std::map<std::string, int> seen;
    for (const auto& name : v["files"]) {
      const std::string path = (kGolden / v["dir"].get<std::string>() / name.get<std::string>()).string();
      SCOPED_TRACE(path);
      const auto f = import_function(path);
      EXPECT_EQ(f.format_version(), v["format_version"].get<uint32_t>());
      for (const auto& [p, version] : primitives_in(path)) seen[p] = std::max(seen[p], version);
      ++files;
      if (!f.has_self_test(0)) continue;  // a file of nodes that cannot run alone (a Recv with no sender)
      for (const auto& r : f.verify(1e-5, 1e-6)) {  // as allclose: another CPU may round a last bit otherwise
        EXPECT_TRUE(r.passed) << r.message << " max abs error " << ::testing::PrintToString(r.max_abs_error);
        ++checked;
      }
    }
    EXPECT_EQ(json(seen), v["primitives"]) << "the manifest's primitives differ from the files' for " << v["dir"];
  }
  EXPECT_GT(files, 0u);
  EXPECT_GT(checked, files / 2);
}

// Writes, for the current format version and schema, the golden file of every primitive case that has
// none yet (old files are never rewritten), and records them in the manifest.
TEST(Golden, DISABLED_WriteMissingFiles) {
  json m = read_manifest();
  const std::string schema = schema_fingerprint();
  json* entry = nullptr;
  size_t same_version = 0;
  for (auto& v : m["versions"]) {
    if (v["format_version"] == format::kFormatVersion) ++same_version;
    if (v["format_version"] == format::kFormatVersion && v["schema"] == schema) entry = &v;
  }
  if (!entry) {
    std::string dir = "v" + std::to_string(format::kFormatVersion);
    if (same_version) dir += "." + std::to_string(same_version);  // a compatible schema revision
    m["versions"].push_back({{"format_version", format::kFormatVersion}, {"schema", schema}, {"dir", dir},
                             {"files", json::array()}, {"primitives", json::object()}});
    entry = &m["versions"].back();
  }
  const fs::path dir = kGolden / (*entry)["dir"].get<std::string>();
  fs::create_directories(dir);
  std::set<std::string> files((*entry)["files"].begin(), (*entry)["files"].end());
  for (const auto& c : primitive_cases()) {
    const auto& reg = primitive_registry().entries().at(c.primitive);
    const std::string name = c.primitive + "-v" + std::to_string(reg.version) + ".ingot";
    if (files.count(name) || fs::exists(dir / name)) continue;
    ExportOptions o;
    o.self_test = true;
    o.metadata = {{"golden", c.primitive}};
    try {
      export_function((dir / name).string(), c.fun, c.inputs, o);
    } catch (const std::exception&) {
      o.self_test = false;  // not runnable alone here: the graph is still golden
      export_function((dir / name).string(), c.fun, c.inputs, o);
    }
    files.insert(name);
  }
  std::map<std::string, int> seen;
  for (const auto& name : files)
    for (const auto& [p, version] : primitives_in((dir / name).string())) seen[p] = std::max(seen[p], version);
  (*entry)["files"] = json(files);
  (*entry)["primitives"] = json(seen);
  m["about"] = "Files written by each format version; see tests/cpp/test_golden.cpp and docs/format.md.";
  std::ofstream(kGolden / "manifest.json") << m.dump(1) << "\n";
}

}  // namespace
}  // namespace ingot::testing
