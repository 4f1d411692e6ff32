// Encodes or decodes with a tokenizer.json through examples/llm/tokenizer.h, one input per line, one
// JSON result per line (for checking the reader against the `tokenizers` package).
//
//   llm_tokenize tokenizer.json encode [--no-special]   stdin: JSON strings   stdout: JSON lists of ids
//   llm_tokenize tokenizer.json decode [--keep-special] stdin: JSON id lists  stdout: JSON strings
//   llm_tokenize tokenizer.json stream                  stdin: JSON id lists  stdout: JSON lists of pieces
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: llm_tokenize tokenizer.json encode|decode|stream [--no-special|--keep-special]\n";
    return 2;
  }
  const std::string mode = argv[2], flag = argc > 3 ? argv[3] : "";
  try {
    const llm::Tokenizer tok = llm::Tokenizer::from_file(argv[1]);
    for (std::string line; std::getline(std::cin, line);) {
      const nlohmann::json in = nlohmann::json::parse(line);
      if (mode == "encode") {
        std::cout << nlohmann::json(tok.encode(in.get<std::string>(), flag != "--no-special")).dump() << "\n";
      } else if (mode == "decode") {
        std::cout << nlohmann::json(tok.decode(in.get<std::vector<int32_t>>(), flag != "--keep-special")).dump() << "\n";
      } else if (mode == "stream") {
        llm::StreamDecoder stream(tok);
        nlohmann::json pieces = nlohmann::json::array();
        for (int32_t id : in.get<std::vector<int32_t>>()) pieces.push_back(stream.add(id));
        pieces.push_back(stream.finish());
        std::cout << pieces.dump() << "\n";
      } else {
        std::cerr << "llm_tokenize: unknown mode '" << mode << "'\n";
        return 2;
      }
    }
  } catch (const std::exception& e) {
    std::cout << nlohmann::json({{"error", e.what()}}).dump() << "\n";
    std::cerr << "llm_tokenize: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
