process XPRESSO_SCAN {
    tag "$meta.id"
    label 'process_medium'

    input:
    tuple val(meta), path(fasta), path(fasta_index), val(region)
    path model

    output:
    tuple val(meta), path("${prefix}.*.bedGraph"), emit: bedgraph
    tuple val(meta), path("${prefix}.*.bw")      , emit: bigwig
    tuple val(meta), path("${prefix}.log")       , emit: log
    path "versions.yml"                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // fasta_index: the FASTA's .fai (and .gzi when bgzip), staged beside it so no task re-indexes
    // model: [] for the built-in human model (ext.args may say `--model mouse`), or an .h5
    def args = task.ext.args ?: ''
    def model_arg = model ? "--model ${model}" : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    xpresso scan \\
        --threads $task.cpus \\
        --genome $fasta \\
        --region '$region' \\
        $model_arg \\
        $args \\
        -o ${prefix} \\
        --bigwig ${prefix} \\
        2> >(tee ${prefix}.log >&2)

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        xpresso: \$(xpresso --version | awk '{print \$2}')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.plus.bedGraph ${prefix}.minus.bedGraph ${prefix}.plus.bw ${prefix}.minus.bw ${prefix}.log

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        xpresso: \$(xpresso --version | awk '{print \$2}')
    END_VERSIONS
    """
}
