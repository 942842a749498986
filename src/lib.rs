//! factory5g: a discrete-event simulator of a 5G-connected smart factory.
//!
//! Data flows one way: a TOML file is loaded by [`scenario`] into a validated
//! [`model::Model`]; [`factory`] simulates one replication of it on the
//! [`engine`] kernel and returns a [`factory::RunOutput`]; [`experiment`] runs
//! replications (in parallel, deterministically) and [`report`] summarizes them
//! with the estimators of [`stats`]. [`cli`] is the command line, the only
//! module that parses arguments and prints. See ARCHITECTURE.md for the
//! code map.

pub mod cli;
pub mod engine;
pub mod experiment;
pub mod factory;
pub mod model;
pub mod net;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod text;
