# The tf3ro pipeline DAG: one rule per notebook. Each rule executes its notebook with papermill (through
# `tf3ro stage`) into runs/<profile>/; what a rule reads, writes and is parameterised by comes from the stage
# registry and the profile (tf3ro/pipeline.py), so this file only wires them.
#
#   snakemake --cores 2 --config profile=sample                      # or: tf3ro run --profile sample
#   snakemake --cores 2 --config profile=micro set=pack.block_size=64 --dry-run
#
# A stage re-runs when its notebook, its inputs or its parameters change (Snakemake's rerun triggers).
from tf3ro.pipeline import SnakePlan

plan = SnakePlan(config.get("profile", "sample"), config.get("set", ""))


rule all:
    input: plan.outputs("summary")


rule data:
    input: plan.inputs("data")
    output: plan.outputs("data")
    params: plan.params("data")
    log: plan.log("data")
    shell: plan.shell("data")


rule tokenizers:
    input: plan.inputs("tokenizers")
    output: plan.outputs("tokenizers")
    params: plan.params("tokenizers")
    log: plan.log("tokenizers")
    shell: plan.shell("tokenizers")


rule tokenizer_eval:
    input: plan.inputs("tokenizer_eval")
    output: plan.outputs("tokenizer_eval")
    params: plan.params("tokenizer_eval")
    log: plan.log("tokenizer_eval")
    shell: plan.shell("tokenizer_eval")


rule pack:
    input: plan.inputs("pack")
    output: plan.outputs("pack")
    params: plan.params("pack")
    log: plan.log("pack")
    shell: plan.shell("pack")


rule paper_tokenizers:
    input: plan.inputs("paper_tokenizers")
    output: plan.outputs("paper_tokenizers")
    params: plan.params("paper_tokenizers")
    log: plan.log("paper_tokenizers")
    shell: plan.shell("paper_tokenizers")


rule summary:
    input: plan.inputs("summary")
    output: plan.outputs("summary")
    params: plan.params("summary")
    log: plan.log("summary")
    shell: plan.shell("summary")
