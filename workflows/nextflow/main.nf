#!/usr/bin/env nextflow
// xpresso on one genome: annotate every TSS and score a VCF, each scattered over
// params.shards jobs (--shard K/N) and gathered in shard order; scan named loci; ISM of
// named genes.
//
//   nextflow run workflows/nextflow/main.nf -profile docker --genome hg38.fa.gz \
//       --gtf genes.gtf.gz --vcf calls.vcf.gz --loci loci.csv --shards 8
//
// See docs/nextflow.md.
nextflow.enable.dsl = 2

include { XPRESSO_ANNOTATE      } from './modules/xpresso/annotate/main'
include { XPRESSO_SCAN          } from './modules/xpresso/scan/main'
include { XPRESSO_ISM           } from './modules/xpresso/ism/main'
include { XPRESSO_SCOREVARIANTS } from './modules/xpresso/scorevariants/main'
include { XPRESSO_PERSONAL      } from './modules/xpresso/personal/main'
include { CAT_SHARDS; BCFTOOLS_CONCAT_SHARDS } from './modules/local/gather'
include { CAT_SHARDS as CAT_PERSONAL_SHARDS } from './modules/local/gather'

workflow {
    if (!params.genome || !params.gtf) {
        error "give --genome and --gtf (and --model PATH.h5 for a model other than the built-in human one)"
    }
    if (params.model == 'mouse') {
        error "the built-in mouse model: give --extra_args '--model mouse' (or export it: xpresso models export mouse -o mouse.h5, then --model mouse.h5)"
    }
    def gtf    = file(params.gtf, checkIfExists: true)
    // the built-in human model needs no file; an .h5 is staged into every task
    def model  = (!params.model || params.model == 'human') ? [] : file(params.model, checkIfExists: true)
    // the FASTA travels with its .fai (and .gzi when bgzip) so that no task re-indexes it
    def fasta  = file(params.genome, checkIfExists: true)
    def fai    = file("${params.genome}.fai")
    if (!fai.exists()) {
        error "${params.genome}.fai is missing: index the genome once (samtools faidx ${params.genome}, or any xpresso run on it, which writes the .fai and .gzi beside it)"
    }
    def gzi    = file("${params.genome}.gzi")
    def genome_index = gzi.exists() ? [fai, gzi] : [fai]
    def genome = [fasta, genome_index]
    def shards = Channel.of(1..params.shards)

    // annotate: N shards -> one TSV
    def ch_annotate = shards.map { k -> [[id: "annotate_${k}", shard: k, shards: params.shards], fasta, genome_index, gtf] }
    XPRESSO_ANNOTATE(ch_annotate, model)
    def annotate_parts = XPRESSO_ANNOTATE.out.tsv
        .toSortedList { a, b -> a[0].shard <=> b[0].shard }
        .map { list -> ['predictions.tsv.gz', list.collect { it[1] }] }
    CAT_SHARDS(annotate_parts)

    // scan: one job per row of the loci CSV (name,region)
    if (params.loci) {
        def ch_loci = Channel.fromPath(params.loci, checkIfExists: true)
            .splitCsv(header: true)
            .map { row -> [[id: row.name], fasta, genome_index, row.region] }
        XPRESSO_SCAN(ch_loci, model)
    }

    // ism: the promoters of the genes named in --ism_genes (comma-separated), one job
    if (params.ism_genes) {
        XPRESSO_ISM(Channel.of([[id: 'ism'], fasta, genome_index, gtf]), model)
    }

    // score-variants: N shards of the VCF (tiles read through its index) -> bcftools concat
    if (params.vcf) {
        def vcf = file(params.vcf, checkIfExists: true)
        def index = file("${params.vcf}.tbi").exists() ? file("${params.vcf}.tbi") : file("${params.vcf}.csi", checkIfExists: true)
        def ch_vcf = shards.map { k -> [[id: "variants_${k}", shard: k, shards: params.shards], vcf, index] }
        XPRESSO_SCOREVARIANTS(ch_vcf, genome, gtf, model)
        def vcf_parts = XPRESSO_SCOREVARIANTS.out.vcf
            .toSortedList { a, b -> a[0].shard <=> b[0].shard }
            .map { list -> ['scored.vcf.gz', list.collect { it[1] }] }
        BCFTOOLS_CONCAT_SHARDS(vcf_parts)
    }

    // personal: N shards of the TSSs (genome order) x every sample of --cohort_vcf -> cat
    if (params.cohort_vcf) {
        def cohort = file(params.cohort_vcf, checkIfExists: true)
        def cohort_index = file("${params.cohort_vcf}.tbi").exists() ? file("${params.cohort_vcf}.tbi") : file("${params.cohort_vcf}.csi", checkIfExists: true)
        def ch_cohort = shards.map { k -> [[id: "personal_${k}", shard: k, shards: params.shards], cohort, cohort_index] }
        XPRESSO_PERSONAL(ch_cohort, genome, gtf, model)
        def personal_parts = XPRESSO_PERSONAL.out.tsv
            .toSortedList { a, b -> a[0].shard <=> b[0].shard }
            .map { list -> ['expression.tsv.gz', list.collect { it[1] }] }
        CAT_PERSONAL_SHARDS(personal_parts)
    }

    // every module emits (process, tool, version) on the `versions` topic (nf-core's convention)
    channel.topic('versions')
        .unique()
        .map { process, tool, version -> "\"${process.tokenize(':').last()}\":\n    ${tool}: ${version}\n" }
        .collectFile(name: 'versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true)
}
