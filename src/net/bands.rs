//! NR's frequency ranges and channel bandwidths: which carriers are FR1 or
//! FR2, and how many resource blocks each channel bandwidth has at each
//! subcarrier spacing (TS 38.101-1 and -2, Table 5.3.2-1).

/// FR1 channel bandwidths (MHz) and their maximum transmission bandwidth in
/// resource blocks, per subcarrier spacing: TS 38.101-1 Table 5.3.2-1.
pub const BANDWIDTHS_FR1: [(u32, &[(u32, u32)]); 3] = [
    (
        15,
        &[
            (5, 25),
            (10, 52),
            (15, 79),
            (20, 106),
            (25, 133),
            (30, 160),
            (35, 188),
            (40, 216),
            (45, 242),
            (50, 270),
        ],
    ),
    (
        30,
        &[
            (5, 11),
            (10, 24),
            (15, 38),
            (20, 51),
            (25, 65),
            (30, 78),
            (35, 92),
            (40, 106),
            (45, 119),
            (50, 133),
            (60, 162),
            (70, 189),
            (80, 217),
            (90, 245),
            (100, 273),
        ],
    ),
    (
        60,
        &[
            (10, 11),
            (15, 18),
            (20, 24),
            (25, 31),
            (30, 38),
            (35, 44),
            (40, 51),
            (45, 58),
            (50, 65),
            (60, 79),
            (70, 93),
            (80, 107),
            (90, 121),
            (100, 135),
        ],
    ),
];

/// FR2 channel bandwidths (MHz) and resource blocks: TS 38.101-2 Table 5.3.2-1.
pub const BANDWIDTHS_FR2: [(u32, &[(u32, u32)]); 2] = [
    (60, &[(50, 66), (100, 132), (200, 264)]),
    (120, &[(50, 32), (100, 66), (200, 132), (400, 264)]),
];

/// FR1 ends here (GHz), TS 38.101-1.
pub(crate) const FR1_MAX_GHZ: f64 = 7.125;
/// FR2 (FR2-1 and FR2-2) spans these carriers (GHz), TS 38.101-2.
pub(crate) const FR2_GHZ: (f64, f64) = (24.25, 71.0);
/// Lowest carrier accepted: the TR 38.901 channel models start at 0.5 GHz.
pub(crate) const MIN_CARRIER_GHZ: f64 = 0.5;

/// FR1 or FR2.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum FreqRange {
    Fr1,
    Fr2,
}

pub(crate) fn freq_range(carrier_ghz: f64) -> Option<FreqRange> {
    if (MIN_CARRIER_GHZ..=FR1_MAX_GHZ).contains(&carrier_ghz) {
        Some(FreqRange::Fr1)
    } else if (FR2_GHZ.0..=FR2_GHZ.1).contains(&carrier_ghz) {
        Some(FreqRange::Fr2)
    } else {
        None
    }
}

/// Resource blocks of a channel bandwidth at an SCS in a frequency range.
pub(crate) fn resource_blocks(fr: FreqRange, scs_khz: u32, bandwidth_mhz: u32) -> Option<u32> {
    bandwidths(fr, scs_khz)?
        .iter()
        .find(|(bw, _)| *bw == bandwidth_mhz)
        .map(|(_, n)| *n)
}

pub(crate) fn bandwidths(fr: FreqRange, scs_khz: u32) -> Option<&'static [(u32, u32)]> {
    let table: &[(u32, &[(u32, u32)])] = match fr {
        FreqRange::Fr1 => &BANDWIDTHS_FR1,
        FreqRange::Fr2 => &BANDWIDTHS_FR2,
    };
    table.iter().find(|(s, _)| *s == scs_khz).map(|(_, b)| *b)
}
