//! Many windows that differ locally (the haplotypes of one TSS across a cohort), evaluated
//! by their distinct local pieces. A pooled conv1 bin depends on 35 bases (its 30 positions
//! and the kernel's reach), a conv2 row on 9 pooled bins; only pool2 and the dense head see
//! the whole window. So each distinct bin content is pooled once, each distinct 9-bin
//! neighbourhood is put through conv2 once, and per window only pool2 and the head run.
//!
//! Exact: every piece is computed by the same kernels as `NativeModel::forward` (the conv1
//! tables, `conv2_rows`, whose per-row sums do not depend on which rows are computed
//! together), so a window's prediction is bit for bit the full forward pass's
//! (`tests::equals_the_full_forward_pass`). Keys are the bin's codes and the row's bin ids,
//! compared whole (no digest). What is kept lives for one group of windows (`reset` between
//! TSSs): 512 bytes per distinct bin and 128 per distinct row.
//!
//! The group's first window (a TSS's reference) is kept as a reference: a bin whose codes
//! equal the reference's, or a row whose 9 bins are the reference's, takes the reference's
//! id without a lookup, so a haplotype costs lookups only where it differs from the
//! reference. Pooled bins and conv2 rows are copied into the window's maps only where they
//! differ from what the previous window left there.

use foldhash::HashMap;

use super::arch::*;
use super::native::{dense_head, pool2, CODE_PAD_LEFT, CODE_PAD_RIGHT};
use super::NativeModel;
use crate::window::onehot::{base_code, NO_BASE};

/// Codes a pooled bin reads: its 30 positions plus the 5 more that conv1's taps reach.
const BIN_SPAN: usize = POOL1 + K1 - 1;
/// The id of the zero rows padding the pooled map at each end.
const PAD_ID: u32 = u32::MAX;
/// Marks a slot of the working maps as holding nothing known.
const STALE: u32 = u32::MAX - 1;

/// What a group of windows had in common (for the summary and the benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalStats {
    pub windows: u64,
    /// Distinct pooled conv1 bins and distinct conv2 rows computed.
    pub bins: u64,
    pub rows: u64,
}

/// A group's first window: its bases, codes, bin ids and row ids.
type Reference = (Vec<u8>, Vec<u8>, Vec<u32>, Vec<u32>);

/// Evaluates windows against a store of the pieces computed so far.
pub struct LocalEval<'m> {
    model: &'m NativeModel,
    bin_ids: HashMap<[u8; BIN_SPAN], u32>,
    /// Pooled conv1 rows (C1 floats each), by bin id.
    bins: Vec<f32>,
    row_ids: HashMap<[u32; K2], u32>,
    /// conv2 pre-activations (C2 floats each), by row id.
    rows: Vec<f32>,
    codes: Vec<u8>,
    /// This window's padded pooled map, assembled from `bins`.
    pool1: Vec<f32>,
    conv2: Vec<f32>,
    window_bins: Vec<u32>,
    window_rows: Vec<u32>,
    /// The ids whose values `pool1` and `conv2` hold now, per bin and row.
    pool1_ids: Vec<u32>,
    conv2_ids: Vec<u32>,
    /// The group's first window: its bases, codes, bin ids and row ids.
    reference: Option<Reference>,
    /// Per bin: its codes may differ from the reference's; bins before each whose id differs.
    differs: Vec<bool>,
    other_before: Vec<u32>,
    dense_in: Vec<f32>,
    /// Per pool2 cell: one of its conv2 rows changed since `dense_in` was pooled.
    dirty: Vec<bool>,
    pub stats: LocalStats,
}

impl<'m> LocalEval<'m> {
    pub fn new(model: &'m NativeModel) -> Self {
        LocalEval {
            model,
            bin_ids: HashMap::default(),
            bins: Vec::new(),
            row_ids: HashMap::default(),
            rows: Vec::new(),
            codes: vec![NO_BASE; CODE_PAD_LEFT + SEQ_LEN + CODE_PAD_RIGHT],
            pool1: vec![0.0; (L1 + 2 * PAD2) * C1],
            conv2: vec![0.0; L1 * C2],
            window_bins: vec![0; L1],
            window_rows: vec![0; L1],
            pool1_ids: vec![STALE; L1],
            conv2_ids: vec![STALE; L1],
            reference: None,
            differs: vec![false; L1],
            other_before: vec![0; L1 + 1],
            dense_in: vec![0.0; DENSE_IN],
            dirty: vec![true; L2],
            stats: LocalStats::default(),
        }
    }

    /// Forgets the pieces (the next windows share little with these: another TSS).
    pub fn reset(&mut self) {
        self.bin_ids.clear();
        self.bins.clear();
        self.row_ids.clear();
        self.rows.clear();
        self.reference = None;
        self.pool1_ids.fill(STALE);
        self.conv2_ids.fill(STALE);
    }

    /// The prediction of one window (ASCII bases, `SEQ_LEN` long) with its features.
    pub fn predict(&mut self, seq: &[u8], features: &[f32; N_FEATURES]) -> f32 {
        assert_eq!(seq.len(), SEQ_LEN, "window must be {SEQ_LEN} bp");
        self.stats.windows += 1;
        // the codes: converted whole for the group's first window; for the others, the
        // reference's codes patched where the bases differ, found 8 bases at a time. A bin
        // none of whose bases differ takes the reference's id.
        let reference = self.reference.take();
        match &reference {
            None => {
                for (c, &b) in self.codes[CODE_PAD_LEFT..CODE_PAD_LEFT + SEQ_LEN].iter_mut().zip(seq) {
                    *c = base_code(b);
                }
            }
            Some((ref_seq, ref_codes, _, _)) => {
                self.codes.copy_from_slice(ref_codes);
                self.differs.fill(false);
                let patch = |from: usize, to: usize, codes: &mut [u8], differs: &mut [bool]| {
                    for i in from..to {
                        codes[CODE_PAD_LEFT + i] = base_code(seq[i]);
                    }
                    let (first, last) = ((CODE_PAD_LEFT + from).saturating_sub(BIN_SPAN - 1) / POOL1, ((CODE_PAD_LEFT + to - 1) / POOL1).min(L1 - 1));
                    differs[first..=last].fill(true);
                };
                let words = seq.chunks_exact(8).zip(ref_seq.chunks_exact(8));
                for (w, (a, b)) in words.enumerate() {
                    if u64::from_ne_bytes(a.try_into().expect("8")) != u64::from_ne_bytes(b.try_into().expect("8")) {
                        patch(8 * w, 8 * w + 8, &mut self.codes, &mut self.differs);
                    }
                }
                let tail = SEQ_LEN - SEQ_LEN % 8;
                if seq[tail..] != ref_seq[tail..] {
                    patch(tail, SEQ_LEN, &mut self.codes, &mut self.differs);
                }
            }
        }
        for bin in 0..L1 {
            let id = match &reference {
                Some((_, _, bins, _)) if !self.differs[bin] => bins[bin],
                _ => {
                    let key: [u8; BIN_SPAN] = self.codes[bin * POOL1..bin * POOL1 + BIN_SPAN].try_into().expect("span inside the codes");
                    let next = self.bin_ids.len() as u32;
                    let id = *self.bin_ids.entry(key).or_insert(next);
                    if id == next {
                        let at = self.bins.len();
                        self.bins.resize(at + C1, 0.0);
                        self.model.pooled_bin(&self.codes, bin, &mut self.bins[at..]);
                        self.stats.bins += 1;
                    }
                    id
                }
            };
            self.window_bins[bin] = id;
        }
        // bins whose id is not the reference's, counted up to each bin (rows test a range)
        if let Some((_, _, bins, _)) = &reference {
            for (bin, (&id, &reference_id)) in self.window_bins.iter().zip(bins).enumerate() {
                self.other_before[bin + 1] = self.other_before[bin] + u32::from(id != reference_id);
            }
        }
        // conv2 rows: keyed by their 9 bins (the reference's row where they are the
        // reference's bins); the new ones computed in runs on this window's map
        let mut run: Option<usize> = None;
        for j in 0..=L1 {
            let id = (j < L1).then(|| {
                let (lo, hi) = (j.saturating_sub(PAD2), (j + PAD2 + 1).min(L1));
                if let Some((_, _, _, rows)) = &reference {
                    if self.other_before[hi] == self.other_before[lo] {
                        return (rows[j], false);
                    }
                }
                let key: [u32; K2] = std::array::from_fn(|t| {
                    let b = j as isize + t as isize - PAD2 as isize;
                    if b < 0 || b >= L1 as isize { PAD_ID } else { self.window_bins[b as usize] }
                });
                let next = self.row_ids.len() as u32;
                let id = *self.row_ids.entry(key).or_insert(next);
                (id, id == next)
            });
            match (id, run) {
                (Some((id, true)), _) => {
                    self.window_rows[j] = id;
                    run.get_or_insert(j);
                }
                (found, Some(start)) => {
                    self.compute_rows(start..j);
                    run = None;
                    if let Some((id, _)) = found {
                        self.window_rows[j] = id;
                    }
                }
                (Some((id, false)), None) => self.window_rows[j] = id,
                (None, None) => {}
            }
        }
        for (j, &id) in self.window_rows.iter().enumerate() {
            if self.conv2_ids[j] != id {
                self.conv2[j * C2..][..C2].copy_from_slice(&self.rows[id as usize * C2..][..C2]);
                self.conv2_ids[j] = id;
                self.dirty[j / POOL2] = true;
            }
        }
        self.reference = Some(reference.unwrap_or_else(|| (seq.to_vec(), self.codes.clone(), self.window_bins.clone(), self.window_rows.clone())));
        // pool2 again only where a row changed (a max: the same value whatever else was pooled)
        for (cell, dirty) in self.dirty.iter_mut().enumerate().filter(|(_, d)| **d) {
            pool2(&self.conv2[cell * POOL2 * C2..][..POOL2 * C2], &mut self.dense_in[cell * C2..][..C2]);
            *dirty = false;
        }
        self.dense_in[FLAT..].copy_from_slice(features);
        dense_head(self.model.weights(), &self.dense_in)
    }

    /// Fills `pool1` with this window's pooled bins around `rows` (the bins conv2 reads),
    /// where it holds others.
    fn fill_pool1(&mut self, rows: &std::ops::Range<usize>) {
        for bin in rows.start.saturating_sub(PAD2)..(rows.end + PAD2).min(L1) {
            let id = self.window_bins[bin];
            if self.pool1_ids[bin] != id {
                self.pool1[(PAD2 + bin) * C1..][..C1].copy_from_slice(&self.bins[id as usize * C1..][..C1]);
                self.pool1_ids[bin] = id;
            }
        }
    }

    /// conv2 of rows `rows` of this window (all new), stored under their ids in order.
    fn compute_rows(&mut self, rows: std::ops::Range<usize>) {
        self.fill_pool1(&rows);
        self.model.conv2_rows(&self.pool1, &mut self.conv2, rows.clone());
        for j in rows {
            let id = self.window_rows[j] as usize;
            debug_assert_eq!(id * C2, self.rows.len(), "new rows get ids in order");
            self.rows.extend_from_slice(&self.conv2[j * C2..][..C2]);
            self.conv2_ids[j] = id as u32;
            self.dirty[j / POOL2] = true;
            self.stats.rows += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::native::Scratch;

    fn model() -> NativeModel {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/human_trainepoch.11-0.426.h5");
        NativeModel::new(crate::model::Weights::from_h5(&path).expect("the built-in model file"))
    }

    /// Haplotype-like windows (a base window with SNVs, N runs, shifted stretches, edge
    /// changes) give the full forward pass's predictions, bit for bit, and share pieces.
    #[test]
    fn equals_the_full_forward_pass() {
        let m = model();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let base: Vec<u8> = (0..SEQ_LEN).map(|_| b"ACGT"[rnd(4) as usize]).collect();
        let mut windows = vec![base.clone()];
        for _ in 0..40 {
            let mut w = base.clone();
            for _ in 0..rnd(30) {
                let p = rnd(SEQ_LEN as u64) as usize;
                w[p] = b"ACGTN"[rnd(5) as usize];
            }
            if rnd(3) == 0 {
                // an indel: one side shifted by a few bases
                let (p, k) = (rnd(SEQ_LEN as u64 - 20) as usize, 1 + rnd(9) as usize);
                w.copy_within(p + k.., p);
                let end = SEQ_LEN - k;
                w[end..].fill(b'N');
            }
            if rnd(4) == 0 {
                w[..rnd(200) as usize].fill(b'n');
            }
            windows.push(w);
        }
        let features = [0.1, -0.2, 0.3, 0.0, 0.5, -1.0];
        let mut eval = LocalEval::new(&m);
        let mut s = Scratch::default();
        for round in 0..2 {
            for w in &windows {
                let full = m.forward(w, &features, &mut s);
                let local = eval.predict(w, &features);
                assert_eq!(local.to_bits(), full.to_bits(), "round {round}: {local} vs {full}");
            }
        }
        let st = eval.stats;
        assert_eq!(st.windows, 82);
        assert!(st.bins < 41 * L1 as u64 / 4 && st.rows < 41 * L1 as u64 / 2, "pieces shared: {st:?}");
        eval.reset();
        assert_eq!(eval.predict(&base, &features).to_bits(), m.forward(&base, &features, &mut s).to_bits());
    }
}
