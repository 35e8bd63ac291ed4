//! Validators for what people type: resident ID numbers, credit codes, mobile numbers.
// (being written)
