//! How the schedulers share an opportunity's resource blocks: the downlink
//! DCIs of a PDCCH occasion ([`limit_dcis`]), round robin and proportional
//! fair within a priority level ([`share`], one [`Slot`] at a time), and the
//! pf averages ([`PfState`], [`PF_WINDOW`], [`negligible`]). `fifo` needs
//! none of this: [`Cell`](super::Cell)'s `serve` gives its blocks in place.
//!
//! Invariant: a UE is never given more blocks than it asks for (the sum of
//! its ready packets' blocks left, or the fluid's share), so every block
//! allotted is used and what `share` returns is left for lower levels.

use super::{DirState, Queued, Scratch, Source, UeKey};
use crate::net::config::Scheduler;
use crate::net::frame::{tick_f64, Tick};
use crate::net::nr::Nr;
use crate::net::traffic::LOWEST_PRIORITY;
use crate::net::Direction;
use std::collections::VecDeque;

/// Marks the downlink packets among the first `n` of `queue` (those ready)
/// whose UE gets no DCI: DCIs go to `free` UEs, in priority order and, within
/// a level, in the order their packets became ready; a UE's packets share
/// its DCI (one PDSCH carries them). A packet out of coverage needs none (it
/// is dropped, not sent).
pub(super) fn limit_dcis(queue: &mut VecDeque<Queued>, n: usize, free: usize, ues: &mut Vec<UeKey>) {
    ues.clear();
    if n <= free {
        // As many UEs as packets at most: every one has its DCI.
        for q in queue.range_mut(..n) {
            q.no_dci = false;
        }
        return;
    }
    for level in 1..=LOWEST_PRIORITY {
        for q in queue.range_mut(..n).filter(|q| q.priority == level) {
            let key = q.key();
            q.no_dci = if q.bpp <= 0.0 || ues.contains(&key) {
                false
            } else if ues.len() < free {
                ues.push(key);
                false
            } else {
                true
            };
        }
    }
}

/// Which opportunity a scheduler serves, and which of its packets: the
/// first `n` of the queue, of priority `level`.
#[derive(Copy, Clone)]
pub(super) struct Slot {
    pub(super) dir: Direction,
    pub(super) s: Tick,
    pub(super) n: usize,
    pub(super) level: u8,
}

/// Round robin and pf within one priority level: `cap` blocks left (and a
/// fluid demand `bg_demand`) shared per UE, then to each UE's packets in
/// FIFO order. Returns the blocks left.
pub(super) fn share(
    nr: &Nr,
    d: &mut DirState,
    sc: &mut Scratch,
    rr_turn: &mut u64,
    slot: Slot,
    cap: u64,
    bg_demand: u64,
) -> u64 {
    let Slot { dir, s, n, level } = slot;
    // Demand and rate (bits per PRB) of each UE with data, by key.
    sc.ues.clear();
    for q in d.queue.range(..n).filter(|q| q.priority == level && !q.no_dci) {
        if q.bpp > 0.0 {
            let key = q.key();
            match sc.ues.binary_search_by(|e| e.0.cmp(&key)) {
                Ok(i) => sc.ues[i].1 += q.prbs_left,
                Err(i) => sc.ues.insert(i, (key, q.prbs_left, q.bpp)),
            }
        }
    }
    if bg_demand > 0 {
        // Background keys sort after every robot's, in this order.
        let k = u64::from(d.bg.ues);
        for i in 0..d.bg.ues {
            let share = bg_demand / k + u64::from(u64::from(i) < bg_demand % k);
            if share > 0 {
                sc.ues.push((UeKey::Background(i), share, d.bg_bpp));
            }
        }
    }
    let m_ues = sc.ues.len();
    if m_ues == 0 {
        return cap;
    }
    sc.alloc.clear();
    sc.alloc.resize(m_ues, 0);
    let mut rem = cap;
    match nr.config().scheduler {
        Scheduler::ProportionalFair => {
            let m = nr.frame.opps(dir).count_before(nr.frame.symbol_at(s));
            let alpha = 1.0 / PF_WINDOW;
            let demand = sc.ues.iter().fold(0u64, |a, u| a.saturating_add(u.1));
            let full = demand <= rem;
            sc.before.clear();
            // The UEs that waited as long since their last update (the
            // background's, usually) decay by the same factor: computed once.
            let mut decay: Option<(u128, f64)> = None;
            for &(key, want, bpp) in &sc.ues {
                let avg = match d.pf(key) {
                    Some(st) if m > st.last => {
                        let gap = m - st.last - 1;
                        if full && negligible(st.avg, gap, alpha * (want as f64 * bpp)) {
                            // Served in full, the UE's new average is exactly
                            // what it gets now (see `negligible`), as with 0.
                            sc.before.push(0.0);
                            continue;
                        }
                        let f = match decay {
                            Some((g, f)) if g == gap => f,
                            _ => {
                                let f = (1.0 - alpha).powf(tick_f64(gap));
                                decay = Some((gap, f));
                                f
                            }
                        };
                        st.avg * f
                    }
                    Some(st) => st.avg,
                    None => 0.0,
                };
                sc.before.push(avg);
            }
            if full {
                // Everyone is served in full, whatever the order.
                for (a, u) in sc.alloc.iter_mut().zip(&sc.ues) {
                    *a = u.1;
                }
            } else {
                sc.order.clear();
                for (i, (&(_, _, bpp), &avg)) in sc.ues.iter().zip(&sc.before).enumerate() {
                    sc.order.push((bpp / avg.max(1e-9), i));
                }
                sc.order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                for &(_, i) in &sc.order {
                    let g = sc.ues[i].1.min(rem);
                    sc.alloc[i] = g;
                    rem -= g;
                }
            }
            for (i, &(key, _, bpp)) in sc.ues.iter().enumerate() {
                let served = sc.alloc[i] as f64 * bpp;
                d.set_pf(
                    key,
                    PfState {
                        avg: (1.0 - alpha) * sc.before[i] + alpha * served,
                        last: m,
                    },
                );
            }
        }
        _ => {
            let start = (*rr_turn % m_ues as u64) as usize;
            *rr_turn = rr_turn.wrapping_add(1);
            sc.active.clear();
            let ues = &sc.ues;
            sc.active
                .extend((0..m_ues).map(|j| (start + j) % m_ues).filter(|&i| ues[i].1 > 0));
            while rem > 0 && !sc.active.is_empty() {
                let share = rem / sc.active.len() as u64;
                if share == 0 {
                    for &i in sc.active.iter().take(rem as usize) {
                        sc.alloc[i] += 1;
                    }
                    break;
                }
                sc.next.clear();
                for &i in &sc.active {
                    let demand = sc.ues[i].1;
                    let g = (demand - sc.alloc[i]).min(share);
                    sc.alloc[i] += g;
                    rem -= g;
                    if sc.alloc[i] < demand {
                        sc.next.push(i);
                    }
                }
                std::mem::swap(&mut sc.active, &mut sc.next);
            }
        }
    }
    // What is left for lower levels: a UE is never given more than it
    // asks for, so every block allotted is used.
    let left = cap.saturating_sub(sc.alloc.iter().sum::<u64>());
    // Each UE's blocks go to its packets in FIFO order (`alloc` now
    // counts the blocks each UE has left).
    for q in d
        .queue
        .range_mut(..n)
        .filter(|q| q.priority == level && !q.no_dci)
    {
        let key = q.key();
        if let Ok(i) = sc.ues.binary_search_by(|e| e.0.cmp(&key)) {
            let l = &mut sc.alloc[i];
            let take = q.prbs_left.min(*l);
            q.prbs_left -= take;
            *l -= take;
            if let Source::Background { .. } = q.source {
                d.stats.blocks[q.ue as usize] += take;
            }
        }
    }
    left
}

/// Whether a pf average `avg` decayed over `gap` opportunities, `avg ·
/// (1 − 1/PF_WINDOW)^gap` as the scheduler computes it (`powf`, then the
/// product, then the product by 1 − 1/PF_WINDOW), is certainly below half an
/// ulp of `a`, so that the update `(1 − α)·before + a` gives `a` exactly
/// whatever its value, and the `powf` can be skipped. (1 − 1/100)^69 < 1/2,
/// so with k = ⌊gap/69⌋ the decayed value is below `avg / 2^k`, and below
/// `avg / 2^(k−8) + 2^-1000` with the rounding of `powf` and of the products
/// (subnormals included). With `avg` < 2^(ea+1) and half an ulp of `a` equal
/// to 2^(e−53), that is below 2^(e−54) when k ≥ ea − e + 64 and e ≥ −900
/// (`a` is a few bits or more, `avg` a finite average).
pub(super) fn negligible(avg: f64, gap: u128, a: f64) -> bool {
    let exponent = |x: f64| ((x.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let (ea, e) = (exponent(avg), exponent(a));
    if !(avg >= 0.0 && ea <= 1023 && a > 0.0 && (-900..=1023).contains(&e)) {
        return false;
    }
    let k = u64::try_from(gap).map_or(4000, |g| (g / 69).min(4000)) as i64;
    k >= ea - e + 64
}

#[derive(Copy, Clone, Debug)]
pub(super) struct PfState {
    avg: f64,
    /// Opportunity index of the last update.
    last: u128,
}

/// Time constant of the pf average, in opportunities.
pub(super) const PF_WINDOW: f64 = 100.0;
