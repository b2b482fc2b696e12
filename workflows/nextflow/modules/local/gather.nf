// Gathers shard outputs in shard order. Concatenated gzip members are one valid gzip stream,
// and only shard 1 carries the header, so `cat` is the whole join for TSVs.
process CAT_SHARDS {
    tag "$name"
    label 'process_single'

    input:
    tuple val(name), path(parts, stageAs: 'part?/*')

    output:
    path "${name}", emit: file
    tuple val("${task.process}"), val('cat'), eval("cat --version | sed '1!d; s/.* //'"), topic: versions, emit: versions_cat

    script:
    """
    cat ${parts.join(' ')} > ${name}
    """

    stub:
    """
    touch ${name}
    """
}

// VCF shards each carry the full header: bcftools concat joins them (in shard order).
process BCFTOOLS_CONCAT_SHARDS {
    tag "$name"
    label 'process_single'

    input:
    tuple val(name), path(parts, stageAs: 'part?/*')

    output:
    tuple path("${name}"), path("${name}.csi"), emit: vcf
    tuple val("${task.process}"), val('bcftools'), eval("bcftools --version | sed '1!d; s/^bcftools //'"), topic: versions, emit: versions_bcftools

    script:
    """
    bcftools concat --no-version -Oz -o ${name} ${parts.join(' ')}
    bcftools index ${name}
    """

    stub:
    """
    touch ${name} ${name}.csi
    """
}
