// The `ingot` command line: inspect, validate, run, bench, verify, dot, view and diff of exported files.
// One entry point serves the installed executable (tools/ingot.cpp) and Python's console script.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "export/imported.h"

namespace ingot::cli {

// Runs the command line; returns the exit status: 0 ok, 1 a failed check or an error, 2 a usage error.
int main(const std::vector<std::string>& args);

// One self-contained HTML page (the graphs as SVG from Graphviz's dot, details on click, zoom and pan)
// for every trace of the file; throws std::runtime_error when dot is missing or fails.
std::string view_html(const std::string& path);

// How many nodes of each primitive a trace has.
std::map<std::string, int> op_histogram(const Tape& trace);

}  // namespace ingot::cli
