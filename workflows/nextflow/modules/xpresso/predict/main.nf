process XPRESSO_PREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    input:
    tuple val(meta), path(sequences)
    path model

    output:
    tuple val(meta), path("${prefix}.tsv.gz"), emit: tsv
    tuple val(meta), path("${prefix}.log")   , emit: log
    tuple val("${task.process}"), val('xpresso'), eval("xpresso --version | awk '{print \$2}'"), topic: versions, emit: versions_xpresso

    when:
    task.ext.when == null || task.ext.when

    script:
    // model: [] for the built-in human model (ext.args may say `--model mouse`), or an .h5
    // sequences: FASTA of 10,500 bp windows (TSS at 7000) or <= 7,000 bp promoters
    def args = task.ext.args ?: ''
    def model_arg = model ? "--model ${model}" : ''
    // a GPU when the task was given one (label process_gpu: accelerator in the config)
    def device = task.accelerator ? '--device cuda' : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    xpresso predict \\
        --threads $task.cpus \\
        --fasta $sequences \\
        $model_arg \\
        $device \\
        $args \\
        -o ${prefix}.tsv.gz \\
        2> >(tee ${prefix}.log >&2)
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo -n | gzip > ${prefix}.tsv.gz
    touch ${prefix}.log
    """
}
