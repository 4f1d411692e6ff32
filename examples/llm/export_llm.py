"""Export a Llama-architecture language model for examples/llm/llm_generate (C++) to run.

    python examples/llm/export_llm.py [--model PATH] [--quantize BITS] [--group-size N] -o OUT.ingot

PATH is a Hugging Face checkpoint directory (config.json, *.safetensors in Hugging Face's Llama names) or a
llama2.c checkpoint (.bin), which is converted to such a directory first (next to OUT, as OUT's name with
"-hf"). The default is stories260K, a real pretrained 260K-parameter Llama read from
../shared/data/stories260K/ (or $INGOT_STORIES260K). The file holds two traces of one function, prefill
and decode with the key/value cache, both shapeless; see ingot.models.export_generation. The model's
first greedy tokens from BOS are printed, computed here in Python, for comparison with the C++ program.
"""

import argparse
import os
import pathlib
import sys
import time

import ingot as mx
import ingot.models as models

ROOT = pathlib.Path(__file__).resolve().parents[2]
STORIES = os.environ.get("INGOT_STORIES260K", str(ROOT.parent / "shared/data/stories260K/stories260K.bin"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=STORIES, help="Hugging Face directory or llama2.c .bin (default: stories260K)")
    parser.add_argument("--quantize", type=int, choices=(4, 8), help="quantize linear and embedding layers to BITS")
    parser.add_argument("--group-size", type=int, default=64, help="quantization group size (32, 64 or 128)")
    parser.add_argument("--tokens", type=int, default=20, help="greedy tokens to print from Python")
    parser.add_argument("-o", "--output", required=True, help="the file to write (.ingot)")
    args = parser.parse_args()

    out = pathlib.Path(args.output)
    source = pathlib.Path(args.model)
    if source.is_file():
        hf_dir = out.with_name(out.stem + "-hf")
        models.convert_llama2c(source, hf_dir)
        print(f"converted the llama2.c checkpoint {source} to {hf_dir}")
        source = hf_dir
    model, _ = models.load(source)
    n_params = sum(v.size for _, v in mx.utils.tree_flatten(model.parameters()))
    if args.quantize:
        models.quantize_model(model, group_size=args.group_size, bits=args.quantize)
    start = time.perf_counter()
    models.export_generation(model, str(out))
    print(f"exported {source} ({n_params:,} parameters{', %d-bit' % args.quantize if args.quantize else ''}) "
          f"to {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - start:.2f} s")
    bos = model.args.bos_token_id if model.args.bos_token_id is not None else 1
    tokens = models.generate(model, None, [bos], max_tokens=args.tokens)
    print(f"Python, greedy from BOS: {' '.join(map(str, tokens))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
