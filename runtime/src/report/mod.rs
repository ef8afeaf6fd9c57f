//! Reports: the leak report's survivors section, and the run report — one self-contained
//! HTML page with the summary, heap over time, pauses, the MMU curve, allocation sites and
//! top retainers, built from a live run ([`recorder`]) or from gctrace logs
//! ([`gctrace_log`]), alone or as a before/after comparison ([`compare`]).
//!
//! - [`model`]: what a page shows ([`model::RunData`]) and its headline figures.
//! - [`stats`]: Mann–Kendall, least squares, percentiles.
//! - [`svg`], [`charts`], [`html`]: drawing and the page shell.
//! - [`page`], [`compare`]: the two pages.

pub mod charts;
pub mod compare;
pub mod gctrace_log;
pub mod html;
pub mod model;
pub mod page;
pub mod recorder;
pub mod stats;
pub(crate) mod survivors;
pub mod svg;

pub use compare::compare_page;
pub use gctrace_log::GctraceLog;
pub use model::RunData;
pub use page::run_page;
pub use recorder::Recorder;
