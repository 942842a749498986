//! The frame structure: which symbols carry which direction, and where a
//! transmission, a PDCCH or a scheduling request may start.
//!
//! Time is counted in ticks of 1/192 ns from t = 0, when symbol 0 of slot 0
//! of the pattern starts. Every symbol has the length (2048 + 144)·κ·2^-µ·Tc
//! of TS 38.211 (71.354 µs at 15 kHz), which is what the reference values
//! use: the 16κ·Tc extension of symbols 0 and 7·2^µ of each half-subframe is
//! left out, so a slot is 0.1% shorter than 1 ms / 2^µ. In ticks a symbol is
//! 13 700 000 / 2^µ, a whole number divisible by 4, so every processing time
//! (N/2 symbols, N a multiple of 1/2) is whole too.
//!
//! Transmission opportunities (the rule where the specification leaves a
//! choice): a transmission of L symbols starts at symbol 0, L, 2L, ... of a
//! slot while it fits in the slot (L = 4: at 0, 4 and 8; symbols 12 and 13
//! are not used), and only if all its L symbols carry its direction; in a
//! special slot only the downlink or uplink symbols count, never the guard.
//! FDD has both directions on every symbol. PDCCH occasions are the first
//! symbols of those grid positions (0, L, 2L...) that are downlink symbols.
//! SR occasions are single uplink symbols every SR period, offset so that
//! the first falls on the pattern's first uplink symbol (symbol 0 in FDD);
//! an occasion that falls on a downlink or guard symbol is skipped.

use super::config::{Duplex, SlotKind};
use super::Direction;

/// Instants and durations inside the link layer: 1/192 ns.
pub(crate) type Tick = u128;
/// Ticks in a nanosecond.
pub(crate) const TICKS_PER_NS: u128 = 192;
/// A symbol at 15 kHz: 2192·64·Tc = 71 354.1666... ns = 13 700 000 ticks.
const SYMBOL_TICKS_MU0: u128 = 13_700_000;
/// Symbols in a slot (normal cyclic prefix).
pub(crate) const SLOT_SYMBOLS: u64 = 14;
/// Below this many ticks (about 278 days) the frame arithmetic is done in
/// `u64`, which is exact there (every symbol and period is far below the
/// 2^62 margin left) and much cheaper than `u128`; beyond it, in `u128`.
const FAST_TICKS: u128 = 1 << 62;

/// A tick count as `f64`: the same value as `t as f64` (both round to
/// nearest), through the cheaper `u64` conversion when `t` fits.
#[inline]
pub(crate) fn tick_f64(t: Tick) -> f64 {
    // The wide case is out of line: inlined, the optimizer merges both
    // branches back into the u128 conversion.
    #[cold]
    #[inline(never)]
    fn wide(t: Tick) -> f64 {
        t as f64
    }
    match u64::try_from(t) {
        Ok(x) => x as f64,
        Err(_) => wide(t),
    }
}

/// What a symbol of the pattern carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum SymbolKind {
    Dl,
    Ul,
    Guard,
    /// FDD: both directions, on their own carriers.
    Both,
}

impl SymbolKind {
    fn carries(self, dir: Direction) -> bool {
        matches!(
            (self, dir),
            (SymbolKind::Both, _) | (SymbolKind::Dl, Direction::Dl) | (SymbolKind::Ul, Direction::Ul)
        )
    }
}

/// A periodic set of symbol indices: `starts` (sorted, within `[0, period)`)
/// repeated every `period` symbols from t = 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Occasions {
    pub period: u64,
    pub starts: Vec<u64>,
}

impl Occasions {
    /// The first occasion at or after symbol `s`.
    pub fn next(&self, s: u128) -> u128 {
        if s < FAST_TICKS {
            return u128::from(self.next_u64(s as u64));
        }
        let p = u128::from(self.period);
        let base = s / p;
        let r = (s % p) as u64;
        let i = self.starts.partition_point(|&x| x < r);
        if i < self.starts.len() {
            base * p + u128::from(self.starts[i])
        } else {
            (base + 1) * p + u128::from(self.starts[0])
        }
    }

    /// [`next`](Self::next) for `s` below [`FAST_TICKS`].
    #[inline]
    fn next_u64(&self, s: u64) -> u64 {
        let p = self.period;
        let base = s / p;
        let r = s % p;
        let i = self.starts.partition_point(|&x| x < r);
        if i < self.starts.len() {
            base * p + self.starts[i]
        } else {
            (base + 1) * p + self.starts[0]
        }
    }

    /// Number of occasions that start before symbol `s`.
    pub fn count_before(&self, s: u128) -> u128 {
        if s < FAST_TICKS {
            let (s, p) = (s as u64, self.period);
            let n = (s / p) * self.starts.len() as u64 + self.starts.partition_point(|&x| x < s % p) as u64;
            return u128::from(n);
        }
        let p = u128::from(self.period);
        let r = (s % p) as u64;
        (s / p) * self.starts.len() as u128 + self.starts.partition_point(|&x| x < r) as u128
    }

    /// Sum over the gaps between consecutive occasions of the gap squared,
    /// in symbols²: a uniform arrival waits on average this over twice the
    /// period for the next occasion.
    pub fn gap_squares(&self) -> u128 {
        let n = self.starts.len();
        (0..n)
            .map(|i| {
                let prev = if i == 0 {
                    i128::from(self.starts[n - 1]) - i128::from(self.period)
                } else {
                    i128::from(self.starts[i - 1])
                };
                let gap = (i128::from(self.starts[i]) - prev) as u128;
                gap * gap
            })
            .sum()
    }
}

/// The frame structure of one numerology, transmission length and duplex.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// Ticks per symbol.
    pub sym: Tick,
    /// Transmission length in symbols.
    pub l: u32,
    /// What each symbol of one pattern period carries.
    kinds: Vec<SymbolKind>,
    /// Transmission opportunities, downlink then uplink.
    opps: [Occasions; 2],
    pub pdcch: Occasions,
    /// SR occasions (grant-based uplink only); their period is a multiple of
    /// the pattern's.
    pub sr: Option<Occasions>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Frame {
    /// Lays out the pattern; fails when a direction has no opportunity for a
    /// transmission of `l` symbols.
    pub fn new(mu: u32, l: u32, duplex: &Duplex, sr_period: Option<u64>) -> Result<Frame, String> {
        let kinds: Vec<SymbolKind> = match duplex {
            Duplex::Fdd => vec![SymbolKind::Both; SLOT_SYMBOLS as usize],
            Duplex::Tdd { pattern, special } => pattern
                .iter()
                .flat_map(|slot| -> Vec<SymbolKind> {
                    match slot {
                        SlotKind::Downlink => vec![SymbolKind::Dl; 14],
                        SlotKind::Uplink => vec![SymbolKind::Ul; 14],
                        SlotKind::Special => std::iter::repeat_n(SymbolKind::Dl, special.dl.into())
                            .chain(std::iter::repeat_n(SymbolKind::Guard, special.guard.into()))
                            .chain(std::iter::repeat_n(SymbolKind::Ul, special.ul.into()))
                            .collect(),
                    }
                })
                .collect(),
        };
        let period = kinds.len() as u64;
        let grid = |ok: &dyn Fn(u64) -> bool| -> Vec<u64> {
            let mut v = Vec::new();
            for slot in 0..period / SLOT_SYMBOLS {
                let mut s = 0;
                while s + u64::from(l) <= SLOT_SYMBOLS {
                    let at = slot * SLOT_SYMBOLS + s;
                    if ok(at) {
                        v.push(at);
                    }
                    s += u64::from(l);
                }
            }
            v
        };
        let opp =
            |dir: Direction| grid(&|at| (at..at + u64::from(l)).all(|k| kinds[k as usize].carries(dir)));
        let dl = opp(Direction::Dl);
        let ul = opp(Direction::Ul);
        for (dir, v) in [("downlink", &dl), ("uplink", &ul)] {
            if v.is_empty() {
                return Err(format!(
                    "the {duplex} pattern offers no {dir} transmission of {l} symbols: a {l}-symbol \
                     transmission needs {l} consecutive {dir} symbols in one slot, starting at a multiple of {l}; \
                     add a {} slot, change the special-slot split or use a shorter mini-slot",
                    if dir == "downlink" { "D" } else { "U" }
                ));
            }
        }
        let pdcch = grid(&|at| kinds[at as usize].carries(Direction::Dl));
        let sr = sr_period.map(|p| {
            let first_ul = kinds
                .iter()
                .position(|k| k.carries(Direction::Ul))
                .expect("an uplink opportunity exists") as u64;
            let hyper = period / gcd(period, p) * p;
            let starts = (0..hyper)
                .filter(|s| {
                    (s + p - first_ul % p) % p == 0 && kinds[(s % period) as usize].carries(Direction::Ul)
                })
                .collect();
            Occasions {
                period: hyper,
                starts,
            }
        });
        Ok(Frame {
            sym: SYMBOL_TICKS_MU0 >> mu,
            l,
            kinds,
            opps: [Occasions { period, starts: dl }, Occasions { period, starts: ul }],
            pdcch: Occasions {
                period,
                starts: pdcch,
            },
            sr,
        })
    }

    /// Transmission opportunities of a direction.
    pub fn opps(&self, dir: Direction) -> &Occasions {
        &self.opps[dir.index()]
    }

    /// Symbols in one pattern period.
    pub fn period_symbols(&self) -> u64 {
        self.kinds.len() as u64
    }

    /// The start (ticks) of the first occasion of `occ` that starts at or
    /// after `t`.
    pub fn next_at(&self, occ: &Occasions, t: Tick) -> Tick {
        if t < FAST_TICKS {
            // Symbols are below 2^25 ticks, so the result stays below 2^63.
            let sym = self.sym as u64;
            return Tick::from(occ.next_u64((t as u64).div_ceil(sym)) * sym);
        }
        occ.next(t.div_ceil(self.sym)) * self.sym
    }

    /// The symbol in which tick `t` falls.
    pub fn symbol_at(&self, t: Tick) -> u128 {
        if t < FAST_TICKS {
            return u128::from(t as u64 / self.sym as u64);
        }
        t / self.sym
    }

    /// The start of the first `dir` transmission opportunity at or after `t`.
    pub fn next_opp(&self, dir: Direction, t: Tick) -> Tick {
        self.next_at(self.opps(dir), t)
    }

    /// Air time of one transmission.
    pub fn tx(&self) -> Tick {
        Tick::from(self.l) * self.sym
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::config::SpecialSplit;

    fn tdd(p: &str) -> Duplex {
        Duplex::parse(p, SpecialSplit::default()).unwrap()
    }

    #[test]
    fn symbol_lengths_match_the_numerology_table() {
        for (mu, us) in [(0, 71.35), (1, 35.68), (2, 17.84), (3, 8.92)] {
            let f = Frame::new(mu, 14, &Duplex::Fdd, None).unwrap();
            let got = f.sym as f64 / TICKS_PER_NS as f64 / 1e3;
            assert!((got - us).abs() < 0.006, "µ={mu}: {got} µs");
            assert_eq!(f.sym % 4, 0);
        }
    }

    #[test]
    fn mini_slot_grid_and_tdd_opportunities() {
        let f = Frame::new(1, 4, &Duplex::Fdd, None).unwrap();
        assert_eq!(f.opps(Direction::Dl).starts, vec![0, 4, 8]);
        let f = Frame::new(1, 14, &tdd("DDDSU"), None).unwrap();
        assert_eq!(f.opps(Direction::Dl).starts, vec![0, 14, 28]);
        assert_eq!(f.opps(Direction::Ul).starts, vec![56]);
        assert_eq!(f.pdcch.starts, vec![0, 14, 28, 42]);
        let f = Frame::new(1, 2, &tdd("DDDSU"), None).unwrap();
        // The special slot's uplink symbols 12-13 carry a 2-symbol mini-slot.
        assert!(f.opps(Direction::Ul).starts.contains(&(42 + 12)));
        assert!(!f.opps(Direction::Dl).starts.contains(&(42 + 10)));
        assert!(f.opps(Direction::Dl).starts.contains(&(42 + 8)));
        let e = Frame::new(1, 14, &tdd("DDDS"), None).unwrap_err();
        assert!(e.contains("no uplink transmission of 14 symbols"), "{e}");
    }

    #[test]
    fn occasions_wrap_and_count() {
        let o = Occasions {
            period: 70,
            starts: vec![56],
        };
        assert_eq!(o.next(0), 56);
        assert_eq!(o.next(56), 56);
        assert_eq!(o.next(57), 126);
        assert_eq!(o.count_before(56), 0);
        assert_eq!(o.count_before(57), 1);
        assert_eq!(o.count_before(140), 2);
        assert_eq!(o.gap_squares(), 70 * 70);
    }

    #[test]
    fn u64_fast_paths_agree_with_u128_arithmetic() {
        // The u128 formulas the fast paths replace below FAST_TICKS.
        let next = |o: &Occasions, s: u128| {
            let p = u128::from(o.period);
            let r = (s % p) as u64;
            let i = o.starts.partition_point(|&x| x < r);
            if i < o.starts.len() {
                (s / p) * p + u128::from(o.starts[i])
            } else {
                (s / p + 1) * p + u128::from(o.starts[0])
            }
        };
        let count = |o: &Occasions, s: u128| {
            let p = u128::from(o.period);
            (s / p) * o.starts.len() as u128 + o.starts.partition_point(|&x| x < (s % p) as u64) as u128
        };
        let f = Frame::new(1, 2, &tdd("DDDSU"), Some(14)).unwrap();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u128 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let t = match i % 4 {
                0 => u128::from(x) >> (x % 64),
                1 => FAST_TICKS - 1 - u128::from(x % 1_000_000_000_000),
                2 => FAST_TICKS + u128::from(x % 1_000_000_000_000),
                _ => u128::from(x) * 1000,
            };
            for occ in [
                f.opps(Direction::Dl),
                f.opps(Direction::Ul),
                &f.pdcch,
                f.sr.as_ref().unwrap(),
            ] {
                assert_eq!(f.next_at(occ, t), next(occ, t.div_ceil(f.sym)) * f.sym, "{t}");
                assert_eq!(occ.next(t), next(occ, t), "{t}");
                assert_eq!(occ.count_before(t), count(occ, t), "{t}");
            }
            assert_eq!(f.symbol_at(t), t / f.sym);
            assert_eq!(tick_f64(t), t as f64);
        }
    }

    #[test]
    fn sr_occasions_fall_on_uplink_symbols() {
        let f = Frame::new(1, 14, &tdd("DDDSU"), Some(14)).unwrap();
        let sr = f.sr.unwrap();
        // First UL symbol is 54 (S slot symbol 12): symbol 12 of S and U.
        assert_eq!(sr.period, 70);
        assert_eq!(sr.starts, vec![54, 68]);
        let f = Frame::new(0, 14, &Duplex::Fdd, Some(2)).unwrap();
        assert_eq!(f.sr.unwrap().starts, vec![0, 2, 4, 6, 8, 10, 12]);
        let f = Frame::new(0, 14, &Duplex::Fdd, Some(140)).unwrap();
        let sr = f.sr.unwrap();
        assert_eq!((sr.period, sr.starts), (140, vec![0]));
    }
}
