//! The states a station server and an AGV can be in: the vocabulary the
//! simulator's state clocks, the scenario's `power_kw` tables and the
//! reports share. Each set is closed; its `ALL` lists the states in report
//! order, and `key` is the name written in scenarios and reports.
//!
//! ```
//! use factory5g::model::StationState;
//! assert_eq!(StationState::from_key("off_shift"), Some(StationState::OffShift));
//! assert_eq!(StationState::ALL.len(), StationState::COUNT);
//! ```

/// The states of a station server, in report order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StationState {
    Busy,
    Setup,
    Idle,
    Starved,
    Blocked,
    Failed,
    NetworkWait,
    Stopped,
    /// Holding a job, waiting for the operators its step needs.
    NoOperator,
    /// Outside the station's calendar (not idle: the station does not work).
    OffShift,
}

impl StationState {
    pub const COUNT: usize = 10;
    pub const ALL: [StationState; Self::COUNT] = [
        StationState::Busy,
        StationState::Setup,
        StationState::Idle,
        StationState::Starved,
        StationState::Blocked,
        StationState::Failed,
        StationState::NetworkWait,
        StationState::Stopped,
        StationState::NoOperator,
        StationState::OffShift,
    ];

    /// The key used in scenarios and reports.
    pub fn key(self) -> &'static str {
        match self {
            StationState::Busy => "busy",
            StationState::Setup => "setup",
            StationState::Idle => "idle",
            StationState::Starved => "starved",
            StationState::Blocked => "blocked",
            StationState::Failed => "failed",
            StationState::NetworkWait => "network_wait",
            StationState::Stopped => "stopped",
            StationState::NoOperator => "no_operator",
            StationState::OffShift => "off_shift",
        }
    }

    /// The state of a key, if it names one.
    pub fn from_key(key: &str) -> Option<StationState> {
        Self::ALL.into_iter().find(|state| state.key() == key)
    }

    /// Whether the active period method (Roser, Nakano and Tanaka 2002)
    /// counts a server in this state as active: not waiting for the flow
    /// of material. Working, setting up, failed or under repair, stopped
    /// are active, as in the method; so are waiting for the cycle-start
    /// command and for operators, which are part of the station's own
    /// cycle and capacity (the network and the pools are not stations the
    /// method could blame instead). Waiting for work (idle), parts or a
    /// kit (starved) or room downstream (blocked) is inactive, and so is
    /// off shift: time the plan does not ask the station to work is no
    /// one's bottleneck time.
    pub const fn is_active(self) -> bool {
        match self {
            StationState::Busy
            | StationState::Setup
            | StationState::Failed
            | StationState::Stopped
            | StationState::NetworkWait
            | StationState::NoOperator => true,
            StationState::Idle | StationState::Starved | StationState::Blocked | StationState::OffShift => {
                false
            }
        }
    }
}

/// The states of an AGV, in report order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AgvState {
    Idle,
    TravelEmpty,
    TravelLoaded,
    Handling,
    ZoneWait,
    NetworkWait,
    Stopped,
    /// On a charger.
    Charging,
    /// Waiting for a free charger.
    ChargeWait,
    /// Outside the fleet's calendar: the AGV stands where it is.
    OffShift,
}

impl AgvState {
    pub const COUNT: usize = 10;
    pub const ALL: [AgvState; Self::COUNT] = [
        AgvState::Idle,
        AgvState::TravelEmpty,
        AgvState::TravelLoaded,
        AgvState::Handling,
        AgvState::ZoneWait,
        AgvState::NetworkWait,
        AgvState::Stopped,
        AgvState::Charging,
        AgvState::ChargeWait,
        AgvState::OffShift,
    ];

    /// The key used in scenarios and reports.
    pub fn key(self) -> &'static str {
        match self {
            AgvState::Idle => "idle",
            AgvState::TravelEmpty => "travel_empty",
            AgvState::TravelLoaded => "travel_loaded",
            AgvState::Handling => "handling",
            AgvState::ZoneWait => "zone_wait",
            AgvState::NetworkWait => "network_wait",
            AgvState::Stopped => "stopped",
            AgvState::Charging => "charging",
            AgvState::ChargeWait => "charge_wait",
            AgvState::OffShift => "off_shift",
        }
    }

    /// The state of a key, if it names one.
    pub fn from_key(key: &str) -> Option<AgvState> {
        Self::ALL.into_iter().find(|state| state.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_read_back() {
        for (i, state) in StationState::ALL.into_iter().enumerate() {
            assert_eq!(state as usize, i, "ALL is in declaration order");
            assert_eq!(StationState::from_key(state.key()), Some(state));
        }
        for (i, state) in AgvState::ALL.into_iter().enumerate() {
            assert_eq!(state as usize, i, "ALL is in declaration order");
            assert_eq!(AgvState::from_key(state.key()), Some(state));
        }
        assert_eq!(StationState::from_key("working"), None);
    }
}
