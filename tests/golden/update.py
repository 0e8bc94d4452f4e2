"""Regenerate the golden checkpoint and its greedy output from the micro run (after an intended change).

    tf3ro run --profile micro && python tests/golden/update.py
"""
import json, shutil
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = Path(__file__).parent
PROMPT, NEW_TOKENS = "A fost odată o vulpe", 30


def main():
    source = HERE.parents[1] / "runs" / "micro" / "train_teacher" / "model"
    target = HERE / "micro_model"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    model, tok = AutoModelForCausalLM.from_pretrained(target), AutoTokenizer.from_pretrained(target)
    ids = tok(PROMPT, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tok.pad_token_id)
    new = out[0, ids["input_ids"].shape[1]:].tolist()
    (HERE / "greedy.json").write_text(json.dumps({"prompt": PROMPT, "new_ids": new, "text": tok.decode(new)},
                                                 ensure_ascii=False, indent=1) + "\n")
    print(f"golden: {PROMPT!r} → {tok.decode(new)!r}")


if __name__ == "__main__":
    main()
