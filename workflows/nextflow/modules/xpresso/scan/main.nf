process XPRESSO_SCAN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    input:
    tuple val(meta), path(fasta), path(fasta_index), val(region)
    path model

    output:
    tuple val(meta), path("${prefix}.*.bedGraph"), emit: bedgraph
    tuple val(meta), path("${prefix}.*.bw")      , emit: bigwig
    tuple val(meta), path("${prefix}.log")       , emit: log
    tuple val("${task.process}"), val('xpresso'), eval("xpresso --version | awk '{print \$2}'"), topic: versions, emit: versions_xpresso

    when:
    task.ext.when == null || task.ext.when

    script:
    // fasta_index: the FASTA's .fai (and .gzi when bgzip), staged beside it so no task re-indexes
    // model: [] for the built-in human model (ext.args may say `--model mouse`), or an .h5
    def args = task.ext.args ?: ''
    def model_arg = model ? "--model ${model}" : ''
    // a GPU when the task was given one (label process_gpu: accelerator in the config)
    def device = task.accelerator ? '--device cuda' : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    xpresso scan \\
        --threads $task.cpus \\
        --genome $fasta \\
        --region '$region' \\
        $model_arg \\
        $device \\
        $args \\
        -o ${prefix} \\
        --bigwig ${prefix} \\
        2> >(tee ${prefix}.log >&2)
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.plus.bedGraph ${prefix}.minus.bedGraph ${prefix}.plus.bw ${prefix}.minus.bw ${prefix}.log
    """
}
