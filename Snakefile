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


rule train_teacher:
    input: plan.inputs("train_teacher")
    output: plan.outputs("train_teacher")
    params: plan.params("train_teacher")
    log: plan.log("train_teacher")
    threads: workflow.cores      # one training job at a time: each uses every core
    shell: plan.shell("train_teacher")


rule train_mamba:
    input: plan.inputs("train_mamba")
    output: plan.outputs("train_mamba")
    params: plan.params("train_mamba")
    log: plan.log("train_mamba")
    threads: workflow.cores      # one training job at a time: each uses every core
    shell: plan.shell("train_mamba")


rule paper_architecture:
    input: plan.inputs("paper_architecture")
    output: plan.outputs("paper_architecture")
    params: plan.params("paper_architecture")
    log: plan.log("paper_architecture")
    shell: plan.shell("paper_architecture")


rule paper_training:
    input: plan.inputs("paper_training")
    output: plan.outputs("paper_training")
    params: plan.params("paper_training")
    log: plan.log("paper_training")
    shell: plan.shell("paper_training")


rule quantize:
    input: plan.inputs("quantize")
    output: plan.outputs("quantize")
    params: plan.params("quantize")
    log: plan.log("quantize")
    threads: workflow.cores      # decoding speed is measured on every core
    shell: plan.shell("quantize")


rule prune:
    input: plan.inputs("prune")
    output: plan.outputs("prune")
    params: plan.params("prune")
    log: plan.log("prune")
    threads: workflow.cores      # not beside a timed stage (training, decoding speed)
    shell: plan.shell("prune")


rule distill:
    input: plan.inputs("distill")
    output: plan.outputs("distill")
    params: plan.params("distill")
    log: plan.log("distill")
    threads: workflow.cores      # one training job at a time: each uses every core
    shell: plan.shell("distill")


rule paper_compression:
    input: plan.inputs("paper_compression")
    output: plan.outputs("paper_compression")
    params: plan.params("paper_compression")
    log: plan.log("paper_compression")
    shell: plan.shell("paper_compression")
