//! Entry points for the fuzz targets and benchmarks. Not public API: no
//! stability promise, hidden from the docs.
