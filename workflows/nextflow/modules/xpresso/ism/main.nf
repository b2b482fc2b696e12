process XPRESSO_ISM {
    tag "$meta.id"
    label 'process_medium'

    input:
    tuple val(meta), path(fasta), path(gtf)
    path model

    output:
    tuple val(meta), path("${prefix}.ism.tsv.gz"), emit: tsv
    tuple val(meta), path("${prefix}.log")       , emit: log
    path "versions.yml"                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args names what to mutate: --gene ..., --genes FILE, or --chrom/--region
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    xpresso ism \\
        --threads $task.cpus \\
        --genome $fasta \\
        --gtf $gtf \\
        --model $model \\
        $args \\
        -o ${prefix}.ism.tsv.gz \\
        2> >(tee ${prefix}.log >&2)

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        xpresso: \$(xpresso --version | awk '{print \$2}')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo -n | gzip > ${prefix}.ism.tsv.gz
    touch ${prefix}.log

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        xpresso: \$(xpresso --version | awk '{print \$2}')
    END_VERSIONS
    """
}
