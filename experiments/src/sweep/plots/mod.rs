//! SVG plots of a sweep, drawn from its CSV rows (so `merge` and `plot` can redraw them):
//!
//! - `plots/{peak_heap,run_time,pause_p99,pause_max,mmu_10ms}.svg` ([`summary`]): the metric against
//!   gogc, one panel per workload, one line per mode (and step budget for incremental runs),
//!   the median over repetitions. Failed runs and gogc=off are left out.
//! - `histograms/run-NNNNNN.svg` ([`histograms`]): per run, a histogram of each cycle's
//!   longest step (its worst pause; in stw mode the cycle's only pause).
//!
//! Text is written as SVG `<text>` elements that the viewer renders: no font files needed.

mod histogram;
mod summary;

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, SVGBackend};

pub use histogram::histograms;
pub use summary::summary;

pub const PLOTS_DIR: &str = "plots";
pub const HISTOGRAMS_DIR: &str = "histograms";

/// What drawing returns: plotters' errors, boxed (they become an I/O error on the file).
type Draw<T> = std::result::Result<T, Box<dyn Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
