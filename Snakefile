# The tf3ro pipeline DAG: one rule per stage of the registry (tf3ro/pipeline.py), each executing its notebook with
# papermill (through `tf3ro stage`) into runs/<profile>/; what a rule reads, writes and is parameterised by comes
# from the registry and the profile, so this file only wires them.
#
#   snakemake --cores 2 --config profile=sample                      # or: tf3ro run --profile sample
#   snakemake --cores 2 --config profile=micro set=pack.block_size=64 --dry-run
#
# A stage re-runs when its notebook, its inputs or its parameters change (Snakemake's rerun triggers).
from tf3ro.pipeline import STAGES, SnakePlan

plan = SnakePlan(config.get("profile", "sample"), config.get("set", ""))


rule all:
    input: plan.outputs("summary")


def stage_rule(name):           # a function, so that each rule binds its own `name`
    rule:
        name: name
        input: plan.inputs(name)
        output: plan.outputs(name)
        params: plan.params(name)
        log: plan.log(name)
        threads: workflow.cores if STAGES[name].all_cores else 1   # training and timed stages run alone
        priority: 1 if STAGES[name].all_cores else 0               # first when ready, so one-thread stages pair up later
        shell: plan.shell(name)


for stage in STAGES:
    stage_rule(stage)


rule generate_shard:             # one job per shard of the `generate` stage: a cluster executor can spread them
    input: plan.shard_inputs()
    output: f"{plan.run_dir}/generate_shards/shard_{{shard}}.jsonl"
    wildcard_constraints: shard=r"\d+"
    params: plan.params("generate")
    log: plan.log("generate_shard_{shard}")
    threads: workflow.cores
    priority: 1
    shell: plan.shard_shell()
