table xpressoTss
"xpresso annotate --bed: one TSS per line with its Xpresso prediction (BED6+1)"
    (
    string chrom;      "Chromosome, as named in the genome FASTA"
    uint   chromStart; "TSS base, 0-based"
    uint   chromEnd;   "chromStart + 1"
    string name;       "transcript_id, or gene_id with --tss gene"
    uint   score;      "Prediction mapped from [-2.5, 2.5] onto 0-1000 (clamped), for shading"
    char[1] strand;    "Strand of transcription"
    float  prediction; "Model output: z-scored log10(expression + 0.1)"
    )
