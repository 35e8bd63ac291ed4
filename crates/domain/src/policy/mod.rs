//! Policy engine (防疫政策引擎).
// (being written)
