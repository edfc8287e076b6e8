//! Benchmarks (`vigil bench …`): each prints one JSON object. They are compared with the plain
//! GStreamer baseline (`shared/bench/baseline.sh`) run beside them; see docs/benchmarks.md.

pub mod live;
pub mod motion;
pub mod playback;
pub mod record;
pub mod rusage;
pub mod scrub;
pub mod seek;
pub mod timeline;
pub mod wall;
