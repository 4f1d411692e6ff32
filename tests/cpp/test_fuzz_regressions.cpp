// Files that once crashed the library or hit undefined behaviour in it: those the fuzzer found
// (tests/data/fuzz, run by scripts/fuzz) and those crafted for each case the audit of primitive state
// fixed (tests/data/fuzz/crafted, written by tests/fuzz/craft.cpp). Each is replayed as the fuzz target
// does (tests/fuzz/fuzz_run.h) and must give errors that name the function refusing it, or results; the
// sanitizer stage of scripts/test runs this under ASan and UBSan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "../fuzz/fuzz_run.h"

namespace {

const std::filesystem::path kDir = std::filesystem::path(INGOT_SOURCE_DIR) / "tests/data/fuzz";

// What each crafted file must give: part of the error, or "" for a clean result.
const std::map<std::string, std::string> kCrafted = {
    {"zero_dim_next_to_huge", "trace 0 input 0 has too many elements"},
    {"round_int_min_int32", "[round] decimals -2147483648 is out of range"},
    {"round_int_min_float32", "[round] decimals -2147483648 is out of range"},
    {"slice_step_int64_max", ""},
    {"slice_update_step_int64_max", ""},
    {"concatenate_overflow", "[concatenate] the result along axis 0 has too many elements"},
    {"all_gather_overflow", "[all_gather] gathering 35184372088832 rows from 1048576 processes overflows"},
    {"conv_groups_overflow", "do not fit 1073741824 groups"},
    {"arange_start_1e300", ""},
    {"arange_int64_wraps", ""},
    {"rope_empty_batch", ""},
    {"astype_nan_to_int32", ""},
    {"attention_empty_head_dim", "needs an estimated 2.25e+15 operations"},
    {"conv_empty_huge_kernel", ""},
};

}  // namespace

TEST(FuzzRegressions, EachFileGivesNamedErrorsOrResults) {
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(kDir)) {
    if (e.path().extension() != ".ingot") continue;
    SCOPED_TRACE(e.path().string());
    ++files;
    for (const auto& msg : ingot::fuzz::run_file(e.path().string()))
      EXPECT_THAT(msg, ::testing::MatchesRegex("\\[[A-Za-z_]+\\] .*"));  // "[import_function] ...", "[slice] ..."
  }
  EXPECT_GE(files, kCrafted.size());
}

TEST(FuzzRegressions, CraftedFilesGiveTheirErrors) {
  for (const auto& [name, want] : kCrafted) {
    SCOPED_TRACE(name);
    const auto errors = ingot::fuzz::run_file((kDir / "crafted" / (name + ".ingot")).string());
    if (want.empty()) EXPECT_THAT(errors, ::testing::IsEmpty());
    else EXPECT_THAT(errors, ::testing::ElementsAre(::testing::HasSubstr(want)));
  }
}
