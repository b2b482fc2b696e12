process XPRESSO_ISM {
    tag "$meta.id"
    label 'process_medium'

    input:
    tuple val(meta), path(fasta), path(fasta_index), path(gtf)
    path model

    output:
    tuple val(meta), path("${prefix}.ism.tsv.gz"), emit: tsv
    tuple val(meta), path("${prefix}.log")       , emit: log
    path "versions.yml"                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // fasta_index: the FASTA's .fai (and .gzi when bgzip), staged beside it so no task re-indexes
    // model: [] for the built-in human model (ext.args may say `--model mouse`), or an .h5
    // task.ext.args names what to mutate: --gene ..., --genes FILE, or --chrom/--region
    def args = task.ext.args ?: ''
    def model_arg = model ? "--model ${model}" : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    xpresso ism \\
        --threads $task.cpus \\
        --genome $fasta \\
        --gtf $gtf \\
        $model_arg \\
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
