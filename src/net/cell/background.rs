//! What a cell's background is made of: a fluid load, how background
//! packets are carried (simulated or by the queue's law), and what the
//! simulated ones did.

/// How a cell carries its background packets.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum BackgroundSimulation {
    /// Every background packet simulated (exact, and costly).
    Packets,
    /// Robot packets draw their wait from the queue's stationary law.
    #[default]
    Law,
}

impl BackgroundSimulation {
    pub const NAMES: &'static [&'static str] = &["law", "packets"];

    pub fn name(self) -> &'static str {
        match self {
            BackgroundSimulation::Packets => "packets",
            BackgroundSimulation::Law => "law",
        }
    }
}

/// What the background packets of a direction did (packets simulation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackgroundStats {
    /// Blocks given to each background UE.
    pub blocks: Vec<u64>,
    /// Packets sent, per flow.
    pub sent: Vec<u64>,
    /// Their summed wait from arrival to the opportunity that finished
    /// them, ms, per flow.
    pub wait_ms: Vec<f64>,
    /// Packets dropped by the discard timer, per flow.
    pub dropped: Vec<u64>,
}

/// A fluid background load of one direction.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Background {
    pub rate_bps: f64,
    pub spectral_efficiency: f64,
    /// How many UEs it stands for (round robin and pf count it so).
    pub ues: u32,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            rate_bps: 0.0,
            spectral_efficiency: 1.0,
            ues: 1,
        }
    }
}
