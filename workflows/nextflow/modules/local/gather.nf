// Gathers shard outputs in shard order. Concatenated gzip members are one valid gzip stream,
// and only shard 1 carries the header, so `cat` is the whole join for TSVs.
process CAT_SHARDS {
    tag "$name"
    label 'process_single'

    input:
    tuple val(name), path(parts, stageAs: 'part?/*')

    output:
    path "${name}", emit: file

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
