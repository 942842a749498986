//! `[scenario]`: the name, the horizon and warm-up, the seed and the number
//! of replications.

use super::Validator;
use crate::engine::SimTime;
use crate::scenario::diag::Span;
use crate::scenario::raw::{Field, RawScenario};

/// The most replications a scenario may ask for.
pub const MAX_REPLICATIONS: i64 = 10_000;

/// The checked `[scenario]` table.
pub(super) struct Header {
    pub name: String,
    pub horizon: SimTime,
    pub warmup: SimTime,
    pub seed: u64,
    pub replications: u32,
}

impl Validator<'_, '_> {
    pub(super) fn scenario(&mut self, raw: &Field<RawScenario>, file_start: Span) -> Option<Header> {
        let table = match raw {
            Field::Ok(table) => table,
            Field::Invalid => return None,
            Field::Missing => {
                self.sink.error(
                    Some(file_start),
                    "scenario",
                    "missing [scenario] table; a scenario needs at least a horizon, e.g. [scenario] horizon = \"8h\"",
                );
                return None;
            }
        };
        let header = &table.v;
        let name = match &header.name {
            Field::Ok(name) if name.v.trim().is_empty() => {
                self.sink
                    .error(Some(name.span), "scenario.name", "name must not be empty");
                None
            }
            Field::Ok(name) => Some(name.v.clone()),
            Field::Missing => Some(self.context.default_name.to_string()),
            Field::Invalid => None,
        };
        let horizon = match &header.horizon {
            Field::Ok(horizon) => self.positive_duration(horizon, "scenario.horizon"),
            Field::Missing => {
                self.sink.error(
                    Some(table.span),
                    "scenario.horizon",
                    "missing `horizon` (how long each replication runs), e.g. horizon = \"8h\"",
                );
                None
            }
            Field::Invalid => None,
        };
        let warmup = match &header.warmup {
            Field::Ok(warmup) => self
                .duration(warmup, "scenario.warmup")
                .and_then(|t| match horizon {
                    Some(h) if t >= h => {
                        let horizon_text = header.horizon.ok().map_or(String::new(), |x| x.v.value.clone());
                        self.sink.error(
                            Some(warmup.span),
                            "scenario.warmup",
                            format!(
                                "warmup must be shorter than the horizon (\"{horizon_text}\"), found \"{}\"",
                                warmup.v.value
                            ),
                        );
                        None
                    }
                    _ => Some(t),
                }),
            Field::Missing => Some(SimTime::ZERO),
            Field::Invalid => None,
        };
        let seed = match &header.seed {
            Field::Ok(seed) => match u64::try_from(seed.v) {
                Ok(x) => Some(x),
                Err(_) => {
                    self.sink.error(
                        Some(seed.span),
                        "scenario.seed",
                        format!("seed must be a whole number of at least 0, found {}", seed.v),
                    );
                    None
                }
            },
            Field::Missing => Some(1),
            Field::Invalid => None,
        };
        let replications = self.int_or(
            &header.replications,
            "scenario.replications",
            1,
            1,
            MAX_REPLICATIONS,
        );
        Some(Header {
            name: name?,
            horizon: horizon?,
            warmup: warmup?,
            seed: seed?,
            replications: replications?,
        })
    }
}
